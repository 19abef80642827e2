import { describe, it, expect } from "vitest";
import { asciiBytes, binaryToBytes, bytesToBinary, concatBytes } from "../../util/bytes.ts";
import { encodeReply } from "./encode.ts";
import { ReplyParser, parseAllReplies, type ReplyProtocolError } from "./reply-parser.ts";
import type { Reply } from "./reply.ts";

type Outcome = Reply | ReplyProtocolError | "incomplete";

/** Feeds chunks, draining after each push; ends with the protocol error or "incomplete". */
function feed(chunks: readonly Uint8Array[]): Outcome[] {
  const parser = new ReplyParser();
  const out: Outcome[] = [];
  for (const chunk of chunks) {
    parser.push(chunk);
    for (let r = parser.next(); r !== undefined; r = parser.next()) {
      out.push(r);
      if (r.kind === "protocol-error") {
        expect(parser.next()).toBe(r);
        return out;
      }
    }
  }
  out.push("incomplete");
  return out;
}

const simple = (value: string): Reply => ({ kind: "simple", value });
const err = (message: string): Reply => ({ kind: "error", message });
const int = (value: number): Reply => ({ kind: "integer", value });
const bulk = (value: string | null): Reply => ({ kind: "bulk", value: value === null ? null : binaryToBytes(value) });
const array = (items: Reply[] | null): Reply => ({ kind: "array", items });
const protocolError = (message: string): ReplyProtocolError => ({ kind: "protocol-error", message });

interface ReplyFixture {
  readonly rule: string;
  readonly name: string;
  readonly input: string;
  readonly outcomes: readonly Outcome[];
}

// Error texts are hiredis's (deps/hiredis/read.c in redis 7.0.15); each was checked by pointing the
// real redis-cli 7.0.15 at a fake server sending the input: it printed "Error: <text>".
const FIXTURES: readonly ReplyFixture[] = [
  { rule: "RESP-23", name: "simple string", input: "+OK\r\n", outcomes: [simple("OK"), "incomplete"] },
  { rule: "RESP-23", name: "error", input: "-ERR unknown command\r\n", outcomes: [err("ERR unknown command"), "incomplete"] },
  { rule: "RESP-23", name: "integers", input: ":0\r\n:-12\r\n:1000\r\n", outcomes: [int(0), int(-12), int(1000), "incomplete"] },
  { rule: "RESP-25", name: "bulk strings", input: "$5\r\nhello\r\n$0\r\n\r\n", outcomes: [bulk("hello"), bulk(""), "incomplete"] },
  { rule: "RESP-25", name: "binary bulk", input: "$6\r\n\r\n\0\xff\r\n\r\n", outcomes: [bulk("\r\n\0\xff\r\n"), "incomplete"] },
  { rule: "RESP-25", name: "null bulk and null array", input: "$-1\r\n*-1\r\n", outcomes: [bulk(null), array(null), "incomplete"] },
  { rule: "RESP-25", name: "bytes after a bulk payload are skipped unchecked", input: "$3\r\nabcXY+OK\r\n", outcomes: [bulk("abc"), simple("OK"), "incomplete"] },
  { rule: "RESP-26", name: "empty array", input: "*0\r\n", outcomes: [array([]), "incomplete"] },
  {
    rule: "RESP-26",
    name: "nested arrays",
    input: "*3\r\n:1\r\n*2\r\n*1\r\n$1\r\nx\r\n*0\r\n$-1\r\n+after\r\n",
    outcomes: [array([int(1), array([array([bulk("x")]), array([])]), bulk(null)]), simple("after"), "incomplete"],
  },
  {
    rule: "RESP-26",
    name: "array holding every type",
    input: "*6\r\n+S\r\n-E x\r\n:5\r\n$2\r\nab\r\n*-1\r\n$-1\r\n",
    outcomes: [array([simple("S"), err("E x"), int(5), bulk("ab"), array(null), bulk(null)]), "incomplete"],
  },
  { rule: "RESP-26", name: "partial array waits", input: "*2\r\n:1\r\n", outcomes: ["incomplete"] },
  { rule: "RESP-24", name: "line waits for CRLF", input: "+OK\r", outcomes: ["incomplete"] },
  { rule: "RESP-24", name: "simple string line ends at CRLF only", input: "+a\nb\r\n", outcomes: [protocolError("Bad simple string value")] },
  { rule: "RESP-24", name: "CR inside a simple string", input: "+a\rb\r\n", outcomes: [protocolError("Bad simple string value")] },
  { rule: "RESP-24", name: "bad integer", input: ":abc\r\n", outcomes: [protocolError("Bad integer value")] },
  { rule: "RESP-24", name: "integer -0", input: ":-0\r\n", outcomes: [protocolError("Bad integer value")] },
  { rule: "RESP-23", name: "unknown type byte", input: "x", outcomes: [protocolError('Protocol error, got "x" as reply type byte')] },
  { rule: "RESP-23", name: "CR as type byte", input: "\r\n", outcomes: [protocolError('Protocol error, got "\\r" as reply type byte')] },
  { rule: "RESP-23", name: "NUL as type byte", input: "\0+OK\r\n", outcomes: [protocolError('Protocol error, got "\\x00" as reply type byte')] },
  { rule: "RESP-23", name: "high byte as type byte", input: "\xe9", outcomes: [protocolError('Protocol error, got "\\xe9" as reply type byte')] },
  { rule: "RESP-23", name: "quote as type byte", input: '"', outcomes: [protocolError('Protocol error, got "\\"" as reply type byte')] },
  { rule: "RESP-23", name: "RESP3 null is not RESP2", input: "_\r\n", outcomes: [protocolError('Protocol error, got "_" as reply type byte')] },
  { rule: "RESP-25", name: "bad bulk length", input: "$x\r\n", outcomes: [protocolError("Bad bulk string length")] },
  { rule: "RESP-25", name: "bulk length below -1", input: "$-2\r\n", outcomes: [protocolError("Bulk string length out of range")] },
  { rule: "RESP-25", name: "bad array length", input: "*x\r\n", outcomes: [protocolError("Bad multi-bulk length")] },
  { rule: "RESP-25", name: "array length below -1", input: "*-2\r\n", outcomes: [protocolError("Multi-bulk length out of range")] },
  { rule: "RESP-25", name: "array length over 2^32-1", input: "*4294967296\r\n", outcomes: [protocolError("Multi-bulk length out of range")] },
  {
    rule: "RESP-23",
    name: "replies before garbage are delivered",
    input: "+OK\r\n*2\r\n:1\r\n?",
    outcomes: [simple("OK"), protocolError('Protocol error, got "?" as reply type byte')],
  },
];

describe("ReplyParser fixtures", () => {
  for (const fixture of FIXTURES) {
    describe(`${fixture.rule}: ${fixture.name}`, () => {
      const input = binaryToBytes(fixture.input);
      it("parses the whole input", () => {
        expect(feed([input])).toEqual(fixture.outcomes);
      });
      it("parses the same at every split into two parts", () => {
        for (let at = 0; at <= input.length; at++) {
          expect(feed([input.subarray(0, at), input.subarray(at)]), `split at ${at}`).toEqual(fixture.outcomes);
        }
      });
      it("parses the same byte by byte", () => {
        expect(feed(Array.from(input, (_, i) => input.subarray(i, i + 1)))).toEqual(fixture.outcomes);
      });
    });
  }
});

describe("ReplyParser behaviour", () => {
  it("RESP-26: nesting costs no recursion", () => {
    const depth = 200_000;
    const parser = new ReplyParser();
    parser.push(asciiBytes("*1\r\n".repeat(depth) + ":7\r\n"));
    let reply = parser.next();
    for (let level = 0; level < depth; level++) {
      if (reply === undefined || reply.kind !== "array" || reply.items === null) throw new Error(`level ${level}`);
      reply = reply.items[0];
    }
    expect(reply).toEqual(int(7));
  });

  it("RESP-25: a large bulk arriving in small chunks is parsed in linear time", () => {
    const value = new Uint8Array(16 * 1024 * 1024).fill(0x61);
    const bytes = encodeReply({ kind: "bulk", value });
    const parser = new ReplyParser();
    const started = performance.now();
    let reply: ReturnType<ReplyParser["next"]>;
    for (let at = 0; at < bytes.length; at += 1024) {
      parser.push(bytes.subarray(at, at + 1024));
      reply = parser.next();
    }
    expect(reply!).toMatchObject({ kind: "bulk" });
    expect((reply! as { value: Uint8Array }).value.length).toBe(value.length);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it("bulk values are copies that outlive the parser's buffer", () => {
    const parser = new ReplyParser();
    parser.push(asciiBytes("$3\r\nabc\r\n"));
    const reply = parser.next();
    parser.push(asciiBytes("$3\r\nxyz\r\n".repeat(10_000)));
    while (parser.next() !== undefined);
    expect(reply).toEqual(bulk("abc"));
  });

  it("takeRemaining hands over the bytes after a reply (a replica reading +FULLRESYNC then the RDB)", () => {
    const parser = new ReplyParser();
    parser.push(asciiBytes("+FULLRESYNC 0123 0\r\n$5\r\nREDIS"));
    expect(parser.next()).toEqual(simple("FULLRESYNC 0123 0"));
    expect(bytesToBinary(parser.takeRemaining())).toBe("$5\r\nREDIS");
    expect(parser.next()).toBeUndefined();
  });

  it("RESP-2: encode then parse gives back the reply", () => {
    const replies: Reply[] = [
      simple("PONG"),
      err("WRONGTYPE Operation against a key holding the wrong kind of value"),
      int(-9007199254740991),
      bulk("\0\xff"),
      array([array([]), array(null), bulk(null), int(3)]),
    ];
    expect(parseAllReplies(concatBytes(replies.map(encodeReply)))).toEqual(replies);
  });

  it("parseAllReplies throws on garbage and on a partial reply", () => {
    expect(() => parseAllReplies(asciiBytes("+OK\r\n!"))).toThrow('Protocol error, got "!" as reply type byte');
    expect(() => parseAllReplies(asciiBytes("+OK\r\n$5\r\nab"))).toThrow("incomplete reply");
  });
});
