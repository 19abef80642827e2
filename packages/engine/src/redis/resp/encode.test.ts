import { describe, it, expect } from "vitest";
import { ByteWriter, asciiBytes, binaryToBytes, bytesToBinary, utf8 } from "../../util/bytes.ts";
import {
  encodeCommand,
  encodeCommandStrings,
  encodeReply,
  writeArrayHeader,
  writeBulk,
  writeBulkString,
  writeCommand,
  writeError,
  writeInteger,
  writeNullArray,
  writeNullBulk,
  writeReply,
  writeSimple,
} from "./encode.ts";
import type { Reply } from "./reply.ts";

/** The obvious, slow encoding the fast one must match. */
function naiveCommand(argv: readonly string[]): string {
  return `*${argv.length}\r\n` + argv.map((arg) => `$${arg.length}\r\n${arg}\r\n`).join("");
}

function written(write: (w: ByteWriter) => void): string {
  const w = new ByteWriter(16);
  write(w);
  return bytesToBinary(w.view());
}

describe("writeCommand", () => {
  it("RESP-1: encodes the replication stream's fixed items with their observed sizes", () => {
    // Sizes observed on redis-server 7.0.15 (redis-replication-spec.md §3.1).
    const ping = encodeCommandStrings("ping");
    expect(bytesToBinary(ping)).toBe("*1\r\n$4\r\nping\r\n");
    expect(ping.length).toBe(14);
    expect(encodeCommandStrings("REPLCONF", "GETACK", "*").length).toBe(37);
    expect(encodeCommandStrings("MULTI").length).toBe(15);
    expect(encodeCommandStrings("EXEC").length).toBe(14);
    expect(bytesToBinary(encodeCommandStrings("SELECT", "0"))).toBe("*2\r\n$6\r\nSELECT\r\n$1\r\n0\r\n");
    expect(encodeCommandStrings("SELECT", "0").length).toBe(23);
    expect(encodeCommandStrings("SELECT", "12").length).toBe(24);
    expect(encodeCommandStrings("SET", "k", "v").length).toBe(27);
  });

  it("RESP-1: matches the naive encoding around every header table boundary", () => {
    for (const length of [0, 1, 9, 10, 31, 32, 99, 100, 999, 1000, 1023, 1024, 1025, 9999, 10000, 100000]) {
      const arg = "x".repeat(length);
      expect(bytesToBinary(encodeCommand([asciiBytes("SET"), asciiBytes(arg)]))).toBe(naiveCommand(["SET", arg]));
    }
    for (const argc of [0, 1, 5, 9, 10, 63, 64, 65, 100, 1000]) {
      const argv = Array.from({ length: argc }, (_, i) => `a${i}`);
      expect(bytesToBinary(encodeCommand(argv.map(asciiBytes)))).toBe(naiveCommand(argv));
    }
  });

  it("RESP-1: copies arguments verbatim, whatever bytes they hold", () => {
    const arg = binaryToBytes("\r\n\0\xff*$-1");
    expect(bytesToBinary(encodeCommand([arg, arg]))).toBe(naiveCommand(["\r\n\0\xff*$-1", "\r\n\0\xff*$-1"]));
  });

  it("appends to what the writer already holds, growing it as needed", () => {
    const w = new ByteWriter(16);
    w.ascii("prefix");
    writeCommand(w, [asciiBytes("SET"), new Uint8Array(5000)]);
    writeCommand(w, [asciiBytes("PING")]);
    const text = bytesToBinary(w.view());
    expect(text.startsWith("prefix*2\r\n$3\r\nSET\r\n$5000\r\n")).toBe(true);
    expect(text.endsWith("\r\n*1\r\n$4\r\nPING\r\n")).toBe(true);
    expect(w.length).toBe(6 + 4 + 9 + 7 + 5000 + 2 + 14);
  });

  it("encodeCommandStrings encodes words as UTF-8", () => {
    expect(bytesToBinary(encodeCommandStrings("SET", "clé", "v"))).toBe("*3\r\n$3\r\nSET\r\n$4\r\ncl\xc3\xa9\r\n$1\r\nv\r\n");
  });
});

describe("reply writers", () => {
  it("RESP-2: write each RESP2 reply type", () => {
    expect(written((w) => writeSimple(w, "OK"))).toBe("+OK\r\n");
    expect(written((w) => writeError(w, "ERR syntax error"))).toBe("-ERR syntax error\r\n");
    expect(written((w) => writeInteger(w, 0))).toBe(":0\r\n");
    expect(written((w) => writeInteger(w, -42))).toBe(":-42\r\n");
    expect(written((w) => writeInteger(w, 9223372036854775807n))).toBe(":9223372036854775807\r\n");
    expect(written((w) => writeBulk(w, asciiBytes("hello")))).toBe("$5\r\nhello\r\n");
    expect(written((w) => writeBulk(w, new Uint8Array()))).toBe("$0\r\n\r\n");
    expect(written((w) => writeNullBulk(w))).toBe("$-1\r\n");
    expect(written((w) => writeArrayHeader(w, 3))).toBe("*3\r\n");
    expect(written((w) => writeArrayHeader(w, 12345))).toBe("*12345\r\n");
    expect(written((w) => writeNullArray(w))).toBe("*-1\r\n");
  });

  it("RESP-3: an error's CR and LF become spaces (observed: unknown command 'foo', with args beginning with: 'a  ')", () => {
    expect(written((w) => writeError(w, "ERR unknown command 'foo', with args beginning with: 'a\r\n' "))).toBe(
      "-ERR unknown command 'foo', with args beginning with: 'a  ' \r\n",
    );
  });

  it("RESP-2: simple strings and errors are byte strings", () => {
    expect(written((w) => writeError(w, "ERR bad key '\xe9\xff'"))).toBe("-ERR bad key '\xe9\xff'\r\n");
    expect(() => writeSimple(new ByteWriter(), "caf\u20ac")).toThrow(RangeError);
  });

  it("rejects programmer errors without writing anything", () => {
    const w = new ByteWriter();
    expect(() => writeSimple(w, "a\r\nb")).toThrow(RangeError);
    expect(() => writeInteger(w, 1.5)).toThrow(RangeError);
    expect(() => writeArrayHeader(w, -1)).toThrow(RangeError);
    expect(w.length).toBe(0);
  });

  it("writeBulkString writes UTF-8, with or without non-ASCII text", () => {
    expect(written((w) => writeBulkString(w, "role:master\r\n"))).toBe("$13\r\nrole:master\r\n\r\n");
    expect(written((w) => writeBulkString(w, "été"))).toBe(`$5\r\n${bytesToBinary(utf8("été"))}\r\n`);
    expect(written((w) => writeBulkString(w, ""))).toBe("$0\r\n\r\n");
  });

  it("RESP-2: writeReply and encodeReply cover nesting and both nulls", () => {
    const reply: Reply = {
      kind: "array",
      items: [
        { kind: "simple", value: "OK" },
        { kind: "error", message: "ERR x" },
        { kind: "integer", value: 7 },
        { kind: "bulk", value: asciiBytes("v") },
        { kind: "bulk", value: null },
        { kind: "array", items: null },
        { kind: "array", items: [] },
        { kind: "array", items: [{ kind: "integer", value: -1 }] },
      ],
    };
    const expected = "*8\r\n+OK\r\n-ERR x\r\n:7\r\n$1\r\nv\r\n$-1\r\n*-1\r\n*0\r\n*1\r\n:-1\r\n";
    expect(bytesToBinary(encodeReply(reply))).toBe(expected);
    expect(written((w) => writeReply(w, reply))).toBe(expected);
  });
});
