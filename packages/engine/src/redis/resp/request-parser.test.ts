import { describe, it, expect } from "vitest";
import { asciiBytes, binaryToBytes, bytesToBinary, concatBytes } from "../../util/bytes.ts";
import { encodeCommand } from "./encode.ts";
import { RequestParser, type ParsedRequest, type RequestParserOptions } from "./request-parser.ts";
import { REQUEST_FIXTURES, type ExpectedRequest, type RequestFixture } from "./request-parser.fixtures.ts";

/** Feeds chunks one at a time, draining after each push as a connection does; checks lastRaw as it goes. */
function feed(chunks: readonly Uint8Array[], options: RequestParserOptions = {}, authRequired = false): ExpectedRequest[] {
  const parser = new RequestParser(options);
  parser.authRequired = authRequired;
  const results: ExpectedRequest[] = [];
  const raw: Uint8Array[] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    for (;;) {
      const result = parser.next();
      if (result.kind === "incomplete") break;
      if (result.kind === "error") {
        results.push(result);
        expect(parser.next()).toBe(result);
        return checkRaw(results, raw, chunks);
      }
      results.push(plain(result));
      const last = parser.lastRaw();
      expect(last.length).toBe(result.byteLength);
      raw.push(last.slice());
    }
  }
  results.push({ kind: "incomplete" });
  return checkRaw(results, raw, chunks);
}

/** The raw bytes of consecutive requests are consecutive slices of the input (RESP-20). */
function checkRaw(results: ExpectedRequest[], raw: Uint8Array[], chunks: readonly Uint8Array[]): ExpectedRequest[] {
  const consumed = concatBytes(raw);
  expect(bytesToBinary(consumed)).toBe(bytesToBinary(concatBytes(chunks).subarray(0, consumed.length)));
  return results;
}

/** Copies a result out of the parser's buffer, argv as byte strings. */
function plain(result: ParsedRequest): ExpectedRequest {
  if (result.kind !== "command") return result;
  return { kind: "command", argv: result.argv.map((arg) => bytesToBinary(arg)), byteLength: result.byteLength };
}

function optionsOf(fixture: RequestFixture): RequestParserOptions {
  return fixture.maxBulkLength === undefined ? {} : { maxBulkLength: fixture.maxBulkLength };
}

function splitPoints(length: number): number[] {
  if (length <= 512) return Array.from({ length: length + 1 }, (_, i) => i);
  // Large fixtures: the edges plus a spread of points, enough to cross every header and boundary.
  const points = new Set<number>([0, 1, 2, 3, 4, 5, 6, length - 3, length - 2, length - 1, length]);
  for (let i = 0; i < length; i += 997) points.add(i);
  return [...points];
}

describe("RequestParser fixtures (recorded from redis-server 7.0.15)", () => {
  for (const fixture of REQUEST_FIXTURES) {
    describe(`${fixture.rule}: ${fixture.name}`, () => {
      const options = optionsOf(fixture);
      const auth = fixture.authRequired ?? false;

      it("parses the whole input", () => {
        expect(feed([fixture.input], options, auth)).toEqual(fixture.results);
      });

      if (fixture.chunkSensitive) return;

      it("RESP-22: parses the same at every split into two parts", () => {
        const { input } = fixture;
        for (const at of splitPoints(input.length)) {
          expect(feed([input.subarray(0, at), input.subarray(at)], options, auth), `split at ${at}`).toEqual(fixture.results);
        }
      });

      it("RESP-22: parses the same byte by byte", () => {
        const chunks = Array.from(fixture.input, (_, i) => fixture.input.subarray(i, i + 1));
        expect(feed(chunks, options, auth)).toEqual(fixture.results);
      });
    });
  }
});

describe("RequestParser behaviour", () => {
  it("RESP-8: the inline limit applies to what is buffered when parsing, as in redis", () => {
    const line = binaryToBytes(`ECHO ${"a".repeat(100_000)}\r\n`);
    // All at once, the line end is there: the request is accepted.
    expect(feed([line]).map((r) => r.kind)).toEqual(["command", "incomplete"]);
    // In 16 KiB reads (redis's PROTO_IOBUF_LEN), more than 64 KiB pile up without a line end first.
    const chunks: Uint8Array[] = [];
    for (let i = 0; i < line.length; i += 16 * 1024) chunks.push(line.subarray(i, i + 16 * 1024));
    expect(feed(chunks)).toEqual([{ kind: "error", message: "Protocol error: too big inline request" }]);
  });

  it("RESP-19: a dead parser keeps its error and drops further input", () => {
    const parser = new RequestParser();
    parser.push(asciiBytes("*x\r\n"));
    const error = parser.next();
    expect(error).toEqual({ kind: "error", message: "Protocol error: invalid multibulk length" });
    parser.push(asciiBytes("PING\r\n"));
    expect(parser.next()).toBe(error);
    expect(parser.bufferedLength).toBe(0);
  });

  it("RESP-18: authentication state applies from the next header on", () => {
    const parser = new RequestParser();
    parser.authRequired = true;
    parser.push(asciiBytes("AUTH pw\r\n*11\r\n"));
    expect(parser.next()).toMatchObject({ kind: "command", byteLength: 9 });
    parser.authRequired = false;
    expect(parser.next()).toEqual({ kind: "incomplete" });
  });

  it("RESP-21: from a master, a bare newline is a keep-alive and inline commands are a desync", () => {
    expect(feed([asciiBytes("\n\r\n")], { fromMaster: true })).toEqual([
      { kind: "empty", byteLength: 1 },
      { kind: "empty", byteLength: 2 },
      { kind: "incomplete" },
    ]);
    expect(feed([asciiBytes("PING\r\n")], { fromMaster: true })).toEqual([
      { kind: "error", message: "Master using the inline protocol. Desync?" },
    ]);
    // A blank line is not a bare newline: redis checks the line length, not the arguments.
    expect(feed([asciiBytes(" \r\n")], { fromMaster: true })).toEqual([
      { kind: "error", message: "Master using the inline protocol. Desync?" },
    ]);
  });

  it("RESP-21: from a master, bulk lengths are not limited", () => {
    expect(feed([asciiBytes("*1\r\n$3\r\n")], { fromMaster: true, maxBulkLength: 2 })).toEqual([{ kind: "incomplete" }]);
    expect(feed([asciiBytes("*1\r\n$3\r\n")], { maxBulkLength: 2 })).toEqual([
      { kind: "error", message: "Protocol error: invalid bulk length" },
    ]);
  });

  it("RESP-20: byteLength and lastRaw cover every byte, including skipped ones", () => {
    const input = asciiBytes("*1\r\n$4\r\nPINGxy\r\n*0\r\n");
    const parser = new RequestParser();
    parser.push(input);
    const first = parser.next();
    expect(first).toMatchObject({ kind: "command", byteLength: 14 });
    expect(bytesToBinary(parser.lastRaw())).toBe("*1\r\n$4\r\nPINGxy");
    expect(parser.next()).toEqual({ kind: "empty", byteLength: 2 });
    expect(bytesToBinary(parser.lastRaw())).toBe("\r\n");
    expect(parser.next()).toEqual({ kind: "empty", byteLength: 4 });
    expect(bytesToBinary(parser.lastRaw())).toBe("*0\r\n");
    expect(parser.bufferedLength).toBe(0);
  });

  it("RESP-4: argv are views into the parser's buffer, not copies", () => {
    const parser = new RequestParser();
    parser.push(encodeCommand([asciiBytes("SET"), asciiBytes("key"), asciiBytes("value")]));
    const result = parser.next();
    if (result.kind !== "command") throw new Error(`unexpected ${result.kind}`);
    const [name, key, value] = result.argv;
    expect(name!.buffer).toBe(key!.buffer);
    expect(key!.buffer).toBe(value!.buffer);
  });

  it("RESP-22: pipelined commands survive buffer compaction and growth between pushes", () => {
    const commands: Uint8Array[][] = [];
    for (let i = 0; i < 5000; i++) {
      commands.push([asciiBytes("SET"), asciiBytes(`key:${i}`), binaryToBytes("v".repeat(i % 300))]);
    }
    const stream = concatBytes(commands.map(encodeCommand));
    const parser = new RequestParser();
    const seen: string[][] = [];
    // Uneven chunk sizes so requests straddle chunks at every kind of position.
    for (let at = 0, step = 1; at < stream.length; at += step, step = (step * 7 + 3) % 4093) {
      parser.push(stream.subarray(at, at + step));
      for (let r = parser.next(); r.kind === "command"; r = parser.next()) seen.push(r.argv.map((a) => bytesToBinary(a)));
    }
    expect(seen).toEqual(commands.map((argv) => argv.map((a) => bytesToBinary(a))));
  });

  it("RESP-17: a large value arriving in many small chunks is parsed in linear time", () => {
    const size = 32 * 1024 * 1024;
    const value = new Uint8Array(size);
    for (let i = 0; i < size; i += 4096) value[i] = i & 0xff;
    const stream = encodeCommand([asciiBytes("SET"), asciiBytes("big"), value]);
    const parser = new RequestParser();
    const started = performance.now();
    let result: ParsedRequest = { kind: "incomplete" };
    for (let at = 0; at < stream.length; at += 4096) {
      parser.push(stream.subarray(at, at + 4096));
      result = parser.next();
    }
    const elapsedMs = performance.now() - started;
    expect(result.kind).toBe("command");
    if (result.kind !== "command") return;
    expect(result.byteLength).toBe(stream.length);
    expect(result.argv[2]!.length).toBe(size);
    expect(result.argv[2]!.every((b, i) => b === value[i])).toBe(true);
    // 8192 pushes: copying the pending bulk on each would move ~128 GiB.
    expect(elapsedMs).toBeLessThan(5000);
  });

  it("RESP-22: a request with many arguments arriving in tiny chunks is parsed in linear time", () => {
    const argv = [asciiBytes("MSET")];
    for (let i = 0; i < 100_000; i++) argv.push(asciiBytes(`k${i}`));
    const stream = encodeCommand(argv);
    const parser = new RequestParser();
    const started = performance.now();
    let result: ParsedRequest = { kind: "incomplete" };
    for (let at = 0; at < stream.length; at += 7) {
      parser.push(stream.subarray(at, at + 7));
      result = parser.next();
    }
    expect(result).toMatchObject({ kind: "command", byteLength: stream.length });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("RESP-8: an inline line arriving byte by byte is scanned once", () => {
    const line = binaryToBytes(`ECHO ${"a".repeat(60_000)}\n`);
    const parser = new RequestParser();
    const started = performance.now();
    let result: ParsedRequest = { kind: "incomplete" };
    for (let i = 0; i < line.length; i++) {
      parser.push(line.subarray(i, i + 1));
      result = parser.next();
    }
    expect(result).toMatchObject({ kind: "command", byteLength: line.length });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("RESP-4: bufferedLength counts unconsumed bytes, as redis's query buffer length", () => {
    const parser = new RequestParser();
    parser.push(asciiBytes("PING\r\n*2\r\n$4\r\nECHO"));
    expect(parser.bufferedLength).toBe(18);
    parser.next();
    expect(parser.bufferedLength).toBe(12);
    expect(parser.next()).toEqual({ kind: "incomplete" });
    expect(parser.bufferedLength).toBe(12);
  });

  it("RESP-22: nextBounds (the hot loops' word-at-a-time scan) finds what the state machine finds, or leaves the request to it", () => {
    // Headers of every width the scan reads in one piece or digit by digit, and near misses of each.
    const headers = ["*1", "*2", "*9", "*10", "*01", "*0", "*-1", "*a", "*3x"];
    const lengths = ["0", "3", "9", "10", "20", "100", "00", "03", "012", "999999999999999", "1000000000000000", "-1", "x", ""];
    // As many bytes as the digits say (leading zeros too), so only the header can make it wrong.
    const body = (length: string): string => {
      const n = /^[0-9]+$/.test(length) ? Number(length) : -1;
      return n >= 0 && n <= 100 ? "a".repeat(n) : "abc";
    };
    const inputs: string[] = [];
    for (const header of headers) for (const length of lengths) inputs.push(`${header}\r\n$${length}\r\n${body(length)}\r\n$4\r\nPING\r\n`);
    inputs.push("*2\r\n$3\r\nGET\r\n$1\r\nk\n\n", "*2\r\n$3\r\nGET\r\n$1\rk\r\n", "*1\r\n$3\r\nGETx\r\n", "*1\r\n$4\r\n\r\n\r\n\r\n", "*1\r\n$4x\nPING\r\n", "*1\n\n$4\r\nPING\r\n", "*1\rx$4\r\nPING\r\n");
    let scanned = 0;
    for (const text of inputs) {
      const input = asciiBytes(text);
      for (const at of splitPoints(input.length)) {
        for (const fromMaster of [false, true]) {
          const options = { fromMaster, maxBulkLength: 64 };
          // Byte by byte, every request goes through the state machine (the recorded fixtures check it).
          const expected = feed(Array.from(input, (_, i) => input.subarray(i, i + 1)), options);
          // The same chunks, each drained with nextBounds first and next() when it declines.
          const parser = new RequestParser(options);
          const results: ExpectedRequest[] = [];
          done: for (const chunk of [input.subarray(0, at), input.subarray(at)]) {
            parser.push(chunk);
            for (;;) {
              const count = parser.nextBounds();
              if (count > 0) {
                scanned++;
                const b = parser.bounds;
                const argv = Array.from({ length: count }, (_, i) => bytesToBinary(parser.data, b[2 * i]!, b[2 * i]! + b[2 * i + 1]!));
                results.push({ kind: "command", argv, byteLength: parser.lastRawEnd - parser.lastRawStart });
                continue;
              }
              const result = parser.next();
              if (result.kind === "incomplete") break;
              results.push(plain(result));
              if (result.kind === "error") break done;
            }
          }
          if (results.at(-1)?.kind !== "error") results.push({ kind: "incomplete" });
          expect(results, `${JSON.stringify(text)} split at ${at}`).toEqual(expected);
        }
      }
    }
    expect(scanned).toBeGreaterThan(200);
  });
});
