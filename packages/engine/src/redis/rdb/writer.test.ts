import { describe, expect, it } from "vitest";
import { crc64 } from "./crc64.ts";
import { readRdb } from "./reader.ts";
import { writeRdb, type RdbAux, type RdbDatabase } from "./writer.ts";

const ascii = (text: string): Uint8Array => Uint8Array.from(text, (c) => c.charCodeAt(0));
const toHex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");

/** Builds expected bytes from numbers (single bytes) and strings (their ASCII bytes). */
function bytesOf(...parts: Array<number | string | Uint8Array | number[]>): Uint8Array {
  const out: number[] = [];
  for (const part of parts) {
    if (typeof part === "number") out.push(part);
    else if (typeof part === "string") for (const c of part) out.push(c.charCodeAt(0));
    else out.push(...part);
  }
  return Uint8Array.from(out);
}

function le32(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}

function le64(value: number): number[] {
  const hi = Math.floor(value / 2 ** 32);
  return [...le32(value >>> 0), ...le32(hi)];
}

function db(dbIndex: number, entries: Array<[string, Uint8Array | string, number?]>): RdbDatabase {
  return {
    db: dbIndex,
    size: entries.length,
    expires: entries.filter(([, , expire]) => expire !== undefined && expire !== -1).length,
    forEach: (visit) => {
      for (const [key, value, expire] of entries) visit(key, typeof value === "string" ? ascii(value) : value, expire ?? -1);
    },
  };
}

const AUX: RdbAux = { redisVer: "7.0.15", ctimeSec: 1700000000, usedMemBytes: 1000000, replication: null, aofBase: 0 };
const REPLID = "f7e4503ca1f57d8ef05a203d8f6006c0e8171d00";

/** The five AUX fields of AUX, as bytes. */
const AUX_BYTES = bytesOf(
  0xfa, 0x09, "redis-ver", 0x06, "7.0.15",
  0xfa, 0x0a, "redis-bits", 0xc0, 0x40,
  0xfa, 0x05, "ctime", 0xc2, le32(1700000000),
  0xfa, 0x08, "used-mem", 0xc2, le32(1000000),
);

/** The bytes a single string value is encoded to (key "k" in db 0, nothing else). */
function encoded(value: Uint8Array | string, compression = true): string {
  const rdb = writeRdb({ aux: AUX, databases: [db(0, [["k", value]])], compression });
  const prefix = bytesOf("REDIS0010", AUX_BYTES, 0xfa, 0x08, "aof-base", 0xc0, 0x00, 0xfe, 0x00, 0xfb, 0x01, 0x00, 0x00, 0x01, "k");
  expect(toHex(rdb.subarray(0, prefix.length))).toBe(toHex(prefix));
  return toHex(rdb.subarray(prefix.length, rdb.length - 9));
}

function incompressible(length: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = 12345;
  for (let i = 0; i < length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

describe("writeRdb", () => {
  it("RDB-4/RDB-5/RDB-7/RDB-8: rebuilds the observed 7.0.15 full-sync RDB byte for byte (212 bytes)", () => {
    const expireAtMs = 1700001000123;
    const rdb = writeRdb({
      aux: { ...AUX, replication: { streamDb: 0, replid: REPLID, offset: 14 } },
      databases: [db(0, [["k1", "hello"], ["n", "12345"], ["e", "v", expireAtMs], ["a", "1"]])],
    });
    const body = bytesOf(
      "REDIS0010",
      AUX_BYTES,
      0xfa, 0x0e, "repl-stream-db", 0xc0, 0x00,
      0xfa, 0x07, "repl-id", 0x28, REPLID,
      0xfa, 0x0b, "repl-offset", 0xc0, 0x0e,
      0xfa, 0x08, "aof-base", 0xc0, 0x00,
      0xfe, 0x00, 0xfb, 0x04, 0x01,
      0x00, 0x02, "k1", 0x05, "hello",
      0x00, 0x01, "n", 0xc1, 0x39, 0x30,
      0xfc, le64(expireAtMs), 0x00, 0x01, "e", 0x01, "v",
      0x00, 0x01, "a", 0xc0, 0x01,
      0xff,
    );
    expect(rdb.length).toBe(212);
    expect(toHex(rdb.subarray(0, body.length))).toBe(toHex(body));
    expect(rdb.length).toBe(body.length + 8);
  });

  it("RDB-2: ends with the CRC64 of everything from 'R' through FF, little-endian", () => {
    const rdb = writeRdb({ aux: AUX, databases: [db(0, [["k", "v"]])] });
    const crc = crc64(rdb.subarray(0, rdb.length - 8));
    const stored = rdb.subarray(rdb.length - 8).reduceRight((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
    expect(stored).toBe(crc);
    expect(rdb[rdb.length - 9]).toBe(0xff);
  });

  it("RDB-2: checksum: false writes 8 zero bytes", () => {
    const rdb = writeRdb({ aux: AUX, databases: [db(0, [["k", "v"]])], checksum: false });
    expect(Array.from(rdb.subarray(rdb.length - 8))).toEqual([0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it("RDB-6: an empty dataset is header, AUX fields, FF and checksum, with no FE/FB", () => {
    const rdb = writeRdb({ aux: AUX, databases: [db(0, []), db(3, [])] });
    const body = bytesOf("REDIS0010", AUX_BYTES, 0xfa, 0x08, "aof-base", 0xc0, 0x00, 0xff);
    expect(toHex(rdb.subarray(0, rdb.length - 8))).toBe(toHex(body));
  });

  it("RDB-4: AUX values follow the string rule: large used-mem as text, aof-base 1", () => {
    const rdb = writeRdb({ aux: { ...AUX, usedMemBytes: 5_000_000_000, aofBase: 1 }, databases: [] });
    const body = bytesOf(
      "REDIS0010",
      AUX_BYTES.subarray(0, AUX_BYTES.length - 15),
      0xfa, 0x08, "used-mem", 0x0a, "5000000000",
      0xfa, 0x08, "aof-base", 0xc0, 0x01,
      0xff,
    );
    expect(toHex(rdb.subarray(0, rdb.length - 8))).toBe(toHex(body));
    expect(() => writeRdb({ aux: { ...AUX, ctimeSec: 1.5 }, databases: [] })).toThrow(/not an integer/);
  });

  it("RDB-10: int-encodes canonical integers of at most 11 chars in int32 range, smallest form first", () => {
    const cases: Array<[string, string]> = [
      ["0", "c0 00"],
      ["-5", "c0 fb"],
      ["127", "c0 7f"],
      ["-128", "c0 80"],
      ["128", "c1 80 00"],
      ["-129", "c1 7f ff"],
      ["12345", "c1 39 30"],
      ["32767", "c1 ff 7f"],
      ["-32768", "c1 00 80"],
      ["32768", "c2 00 80 00 00"],
      ["2147483647", "c2 ff ff ff 7f"],
      ["-2147483648", "c2 00 00 00 80"],
      // Not int-encoded: out of int32, non-canonical, or not a number at all.
      ["2147483648", "0a 32 31 34 37 34 38 33 36 34 38"],
      ["-2147483649", "0b 2d 32 31 34 37 34 38 33 36 34 39"],
      ["12345678901", "0b 31 32 33 34 35 36 37 38 39 30 31"],
      ["-0", "02 2d 30"],
      ["007", "03 30 30 37"],
      ["+5", "02 2b 35"],
      [" 5", "02 20 35"],
      ["5 ", "02 35 20"],
      ["-", "01 2d"],
      ["1.5", "03 31 2e 35"],
      ["", "00"],
    ];
    for (const [value, bytes] of cases) expect(encoded(value), JSON.stringify(value)).toBe(bytes);
  });

  it("RDB-10: keys follow the same rule", () => {
    const rdb = writeRdb({ aux: AUX, databases: [db(0, [["123", "v"], ["-7", "w"]])] });
    const tail = toHex(rdb.subarray(rdb.length - 9 - 10, rdb.length - 9));
    expect(tail).toBe("00 c0 7b 01 76 00 c0 f9 01 77");
  });

  it("RDB-11: LZF only above 20 bytes, only when it saves at least 4, only with compression on", () => {
    expect(encoded("a".repeat(20))).toBe(`14 ${"61 ".repeat(20).trim()}`);
    expect(encoded("a".repeat(21))).toBe("c3 06 15 01 61 61 e0 0a 00");
    expect(encoded("a".repeat(21), false)).toBe(`15 ${"61 ".repeat(21).trim()}`);
    expect(encoded("abc".repeat(100))).toBe("c3 0e 41 2c 03 61 62 63 61 e0 ff 02 e1 15 07 01 62 63");
    const noise = incompressible(100);
    expect(encoded(noise)).toBe(`40 64 ${toHex(noise)}`);
    // Long keys are compressed too.
    const rdb = writeRdb({ aux: AUX, databases: [db(0, [["x".repeat(30), "v"]])] });
    // liblzf never matches at position 0 and stops a match 2 bytes short of the end: "xx", 26 back, "xx".
    expect(toHex(rdb.subarray(rdb.length - 9 - 15, rdb.length - 9))).toBe("00 c3 09 1e 01 78 78 e0 11 00 01 78 78 01 76");
  });

  it("RDB-9: lengths use the shortest of the 6-bit, 14-bit and 32-bit big-endian forms", () => {
    const lengthPrefix = (length: number): string => encoded(incompressible(length), false).slice(0, 14);
    expect(lengthPrefix(63).slice(0, 2)).toBe("3f");
    expect(lengthPrefix(64).slice(0, 5)).toBe("40 40");
    expect(lengthPrefix(16383).slice(0, 5)).toBe("7f ff");
    expect(lengthPrefix(16384)).toBe("80 00 00 40 00");
    expect(lengthPrefix(70000)).toBe("80 00 01 11 70");
  });

  it("RDB-7: FE/FB for each non-empty db in ascending order with key and expire counts", () => {
    const rdb = writeRdb({
      aux: AUX,
      databases: [db(15, [["z", "1"]]), db(2, []), db(3, [["a", "x", 5000], ["b", "y"]])],
    });
    const afterAux = bytesOf("REDIS0010", AUX_BYTES, 0xfa, 0x08, "aof-base", 0xc0, 0x00).length;
    expect(toHex(rdb.subarray(afterAux, rdb.length - 8))).toBe(
      toHex(
        bytesOf(
          0xfe, 0x03, 0xfb, 0x02, 0x01,
          0xfc, le64(5000), 0x00, 0x01, "a", 0x01, "x",
          0x00, 0x01, "b", 0x01, "y",
          0xfe, 0x0f, 0xfb, 0x01, 0x00,
          0x00, 0x01, "z", 0xc0, 0x01,
          0xff,
        ),
      ),
    );
  });

  it("RDB-8: expires are int64 little-endian milliseconds, including past 2^32", () => {
    const expireAtMs = 4102444800123;
    const rdb = writeRdb({ aux: AUX, databases: [db(0, [["k", "v", expireAtMs]])] });
    const entry = bytesOf(0xfc, le64(expireAtMs), 0x00, 0x01, "k", 0x01, "v", 0xff);
    expect(toHex(rdb.subarray(rdb.length - 8 - entry.length, rdb.length - 8))).toBe(toHex(entry));
    expect(le64(expireAtMs)).toEqual([0x7b, 0xd8, 0xc3, 0x2c, 0xbb, 0x03, 0x00, 0x00]);
  });

  it("round-trips binary keys and values through the reader", () => {
    const entries: Array<[string, Uint8Array, number]> = [];
    for (let i = 0; i < 500; i++) {
      const key = String.fromCharCode(...incompressible(1 + (i % 40)).map((b) => (b + i) & 0xff));
      const value = i % 3 === 0 ? ascii(String(i * 7919 - 100000)) : incompressible(i * 3).map((b) => (i % 2 === 0 ? b : b & 3));
      entries.push([key, value, i % 5 === 0 ? 1_700_000_000_000 + i : -1]);
    }
    const rdb = writeRdb({ aux: AUX, databases: [db(4, entries)] });
    const seen: Array<[string, string, number]> = [];
    const summary = readRdb(rdb, {
      onString: (dbIndex, key, value, expireAtMs) => {
        expect(dbIndex).toBe(4);
        seen.push([key, String.fromCharCode(...value), expireAtMs]);
      },
    });
    expect(summary.checksum).toBe("verified");
    expect(seen).toEqual(entries.map(([key, value, expire]) => [key, String.fromCharCode(...value), expire]));
  });

  it("refuses inconsistent input (programmer errors)", () => {
    const liar: RdbDatabase = { ...db(0, [["k", "v"]]), size: 2 };
    expect(() => writeRdb({ aux: AUX, databases: [liar] })).toThrow(/claims 2 keys/);
    const badExpires: RdbDatabase = { ...db(0, [["k", "v"]]), expires: 1 };
    expect(() => writeRdb({ aux: AUX, databases: [badExpires] })).toThrow(/1 expires/);
    expect(() => writeRdb({ aux: AUX, databases: [db(1, [["a", "1"]]), db(1, [["b", "2"]])] })).toThrow(/twice/);
  });
});
