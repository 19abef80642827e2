import { describe, expect, it } from "vitest";
import { Crc64 } from "./crc64.ts";
import { RdbError, type RdbErrorCode } from "./errors.ts";
import { readRdb, type RdbAggregate, type RdbSummary, type RdbVisitor } from "./reader.ts";
import { writeRdb, type RdbDatabase } from "./writer.ts";

// ---- building files by hand ------------------------------------------------------------------------

type Part = number | string | Uint8Array | readonly Part[];

function bytes(...parts: Part[]): Uint8Array {
  const out: number[] = [];
  const add = (part: Part): void => {
    if (typeof part === "number") out.push(part);
    else if (typeof part === "string") for (const c of part) out.push(c.charCodeAt(0));
    else if (part instanceof Uint8Array) out.push(...part);
    else part.forEach(add);
  };
  parts.forEach(add);
  return Uint8Array.from(out);
}

function u16le(value: number): number[] {
  return [value & 0xff, value >>> 8];
}

function u32le(value: number): number[] {
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24];
}

/** `rdbSaveLen`. */
function len(value: number): number[] {
  if (value < 64) return [value];
  if (value < 16384) return [0x40 | (value >>> 8), value & 0xff];
  return [0x80, value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff];
}

/** A raw (never int-encoded) RDB string. */
function str(value: string | Uint8Array): Uint8Array {
  const data = typeof value === "string" ? bytes(value) : value;
  return bytes(len(data.length), data);
}

function aux(key: string, value: Part): Uint8Array {
  return bytes(0xfa, str(key), typeof value === "string" ? str(value) : value);
}

/** A listpack of short strings (`10xxxxxx` entries with 1-byte backlens). */
function listpack(...items: string[]): Uint8Array {
  const entries = bytes(items.map((item) => [0x80 | item.length, item, 1 + item.length]));
  return bytes(u32le(6 + entries.length + 1), u16le(items.length), entries, 0xff);
}

/** A ziplist of short strings. */
function ziplist(...items: string[]): Uint8Array {
  let previous = 0;
  const entries: number[][] = [];
  for (const item of items) {
    const entry = [previous, item.length, ...bytes(item)];
    entries.push(entry);
    previous = entry.length;
  }
  const body = bytes(entries);
  return bytes(u32le(10 + body.length + 1), u32le(10), u16le(items.length), body, 0xff);
}

function intset(width: 2 | 4 | 8, ...values: number[]): Uint8Array {
  const data = values.flatMap((v) => {
    const out: number[] = [];
    for (let i = 0; i < width; i++) out.push(Math.floor(v / 2 ** (8 * i)) & 0xff);
    return out;
  });
  return bytes(u32le(width), u32le(values.length), data);
}

type ChecksumMode = "good" | "zero" | "bad";

/** A whole file: header, body, FF and (from version 5) the checksum. */
function file(body: Part, options: { version?: number; checksum?: ChecksumMode } = {}): Uint8Array {
  const version = options.version ?? 10;
  const head = bytes(`REDIS${String(version).padStart(4, "0")}`, body, 0xff);
  if (version < 5) return head;
  const out = new Uint8Array(head.length + 8);
  out.set(head);
  const mode = options.checksum ?? "good";
  if (mode !== "zero") new Crc64().update(head).writeLE(out, head.length);
  if (mode === "bad") out[out.length - 1] = out[out.length - 1]! ^ 0x40;
  return out;
}

// ---- reading ---------------------------------------------------------------------------------------

interface Seen {
  summary: RdbSummary;
  events: string[];
}

const latin1 = (data: Uint8Array): string => String.fromCharCode(...data);

function read(data: Uint8Array, options?: Parameters<typeof readRdb>[2]): Seen {
  const events: string[] = [];
  const visitor: RdbVisitor = {
    onAux: (key, value) => events.push(`aux ${key}=${latin1(value)}`),
    onSelectDb: (db) => events.push(`select ${db}`),
    onResizeDb: (size, expires) => events.push(`resize ${size} ${expires}`),
    onString: (db, key, value, expireAtMs) => events.push(`string ${db} ${key}=${latin1(value)} ${expireAtMs}`),
    onAggregate: (db, key, value, expireAtMs) => events.push(`${value.type}/${value.rdbType} ${db} ${key}=${describeAggregate(value)} ${expireAtMs}`),
    onUnsupported: (db, key, typeName, expireAtMs) => events.push(`unsupported ${db} ${key} ${typeName} ${expireAtMs}`),
  };
  return { summary: readRdb(data, visitor, options), events };
}

/** A decoded aggregate as text: list nodes (plain ones marked *), members, member=score, field=value. */
function describeAggregate(value: RdbAggregate): string {
  switch (value.type) {
    case "list":
      return value.nodes.map((n) => (n.plain ? "*" : "") + n.items.map(latin1).join(",")).join("|");
    case "set":
      return value.members.join(",");
    case "zset":
      return value.entries.map(([m, s]) => `${m}=${s}`).join(",");
    case "hash":
      return value.entries.map(([f, v]) => `${f}=${latin1(v)}`).join(",");
  }
}

function rdbError(run: () => unknown): RdbError {
  try {
    run();
  } catch (error) {
    if (error instanceof RdbError) return error;
    throw error;
  }
  throw new Error("expected an RdbError");
}

function expectError(data: Uint8Array, code: RdbErrorCode, message?: RegExp): void {
  const error = rdbError(() => readRdb(data, {}));
  expect(error.code).toBe(code);
  if (message !== undefined) expect(error.message).toMatch(message);
}

const sampleDb = (entries: Array<[string, string, number]>): RdbDatabase => ({
  db: 0,
  size: entries.length,
  expires: entries.filter(([, , e]) => e !== -1).length,
  forEach: (visit) => entries.forEach(([k, v, e]) => visit(k, bytes(v), e)),
});

const SAMPLE = writeRdb({
  aux: { redisVer: "7.0.15", ctimeSec: 1700000000, usedMemBytes: 1234567, replication: null, aofBase: 0 },
  databases: [sampleDb([["k1", "hello", -1], ["n", "12345", -1], ["e", "v", 1700000000123], ["lz", "abc".repeat(20), -1]])],
});

// ---- tests -----------------------------------------------------------------------------------------

describe("readRdb", () => {
  it("reports the file's contents in order, with a summary", () => {
    const { summary, events } = read(SAMPLE);
    expect(events).toEqual([
      "aux redis-ver=7.0.15",
      "aux redis-bits=64",
      "aux ctime=1700000000",
      "aux used-mem=1234567",
      "aux aof-base=0",
      "select 0",
      "resize 4 1",
      "string 0 k1=hello -1",
      "string 0 n=12345 -1",
      "string 0 e=v 1700000000123",
      `string 0 lz=${"abc".repeat(20)} -1`,
    ]);
    expect(summary).toMatchObject({
      version: 10,
      keys: 4,
      stringKeys: 4,
      expires: 1,
      unsupported: [],
      emptyKeysSkipped: 0,
      functionLibraries: 0,
      checksum: "verified",
      byteLength: SAMPLE.length,
      replication: { replId: null, replOffset: null, replStreamDb: null },
    });
    expect([...summary.keysByDb]).toEqual([[0, 4]]);
    expect(latin1(summary.aux.get("used-mem")!)).toBe("1234567");
  });

  it("RDB-3: refuses a wrong signature and versions outside 1..10", () => {
    expectError(bytes("RADIS0010", 0xff, new Uint8Array(8)), "bad-magic", /Wrong signature/);
    expectError(file([], { version: 11 }), "bad-version", /^Can't handle RDB format version 11$/);
    expectError(bytes("REDIS0000", 0xff), "bad-version", /version 0$/);
    expectError(bytes("REDISabcd", 0xff), "bad-version", /version 0$/);
    // atoi semantics: digits up to the first non-digit.
    expect(read(bytes("REDIS003x", 0xff)).summary.version).toBe(3);
    for (let version = 1; version <= 10; version++) {
      expect(read(file([], { version })).summary.version).toBe(version);
    }
  });

  it("RDB-2: checksum verified, zero accepted as disabled, wrong refused, skipped on request, absent before v5", () => {
    expect(read(file([aux("a", "b")])).summary.checksum).toBe("verified");
    expect(read(file([aux("a", "b")], { checksum: "zero" })).summary.checksum).toBe("disabled");
    expectError(file([aux("a", "b")], { checksum: "bad" }), "bad-checksum", /^Wrong RDB checksum expected: \([0-9a-f]+\) but got \([0-9a-f]+\)$/);
    expect(read(file([aux("a", "b")], { checksum: "bad" }), { verifyChecksum: false }).summary.checksum).toBe("not-checked");
    expect(read(file([aux("a", "b")], { version: 4 })).summary.checksum).toBe("absent");
  });

  it("RDB-2: a bad checksum at the end of the input is refused before any callback runs", () => {
    const corrupt = SAMPLE.slice();
    corrupt[corrupt.length - 2] = corrupt[corrupt.length - 2]! ^ 1;
    const events: string[] = [];
    const error = rdbError(() => readRdb(corrupt, { onAux: (key) => events.push(key), onString: (_db, key) => events.push(key) }));
    expect(error.code).toBe("bad-checksum");
    expect(events).toEqual([]);
    // A flipped byte inside a raw value is caught the same way.
    const flipped = SAMPLE.slice();
    const hello = latin1(SAMPLE).indexOf("hello");
    flipped[hello] = flipped[hello]! ^ 1;
    expectError(flipped, "bad-checksum");
    // A flipped byte that breaks the structure is reported as what redis would hit first.
    const broken = SAMPLE.slice();
    broken[broken.length - 12] = broken[broken.length - 12]! ^ 1;
    expectError(broken, "corrupt", /Invalid LZF/);
  });

  it("RDB-20: bytes after the checksum are ignored; the checksum is still checked", () => {
    const padded = bytes(SAMPLE, "trailing garbage");
    const { summary } = read(padded);
    expect(summary.byteLength).toBe(SAMPLE.length);
    expect(summary.checksum).toBe("verified");
    const bad = bytes(file([aux("a", "b")], { checksum: "bad" }), "xyz");
    expectError(bad, "bad-checksum");
  });

  it("RDB-24: any truncation is reported as 'truncated'", () => {
    for (let end = 0; end < SAMPLE.length; end++) {
      const error = rdbError(() => readRdb(SAMPLE.subarray(0, end), {}));
      expect(error.code, `cut at ${end}`).toBe("truncated");
    }
  });

  it("RDB-9: reads 6-bit, 14-bit, 32-bit and 64-bit lengths; refuses unknown length forms", () => {
    const value = "x".repeat(70);
    const forms = [
      bytes(0x40, 70), // 14-bit
      bytes(0x80, 0, 0, 0, 70), // 32-bit
      bytes(0x81, 0, 0, 0, 0, 0, 0, 0, 70), // 64-bit
    ];
    for (const form of forms) {
      const { events } = read(file([0x00, str("k"), form, value]));
      expect(events).toEqual([`string 0 k=${value} -1`]);
    }
    expect(read(file([0xfe, 0x81, 0, 0, 0, 0, 0, 0, 0, 3])).events).toEqual(["select 3"]);
    expectError(file([0x00, str("k"), 0x82, 0, 0, 0, 1, "x"]), "corrupt", /Unknown length encoding 2/);
    expectError(file([0x00, str("k"), 0x81, 0, 0x20, 0, 0, 0, 0, 0, 1]), "corrupt", /2\^53/);
  });

  it("RDB-10: int-encoded strings become their decimal text, for keys and values", () => {
    const { events } = read(
      file([
        0x00, 0xc0, 0x7b, 0xc0, 0xfb, // "123" = "-5"
        0x00, 0xc1, 0x39, 0x30, 0xc1, 0x00, 0x80, // "12345" = "-32768"
        0x00, str("i32"), 0xc2, 0x00, 0x00, 0x00, 0x80, // -2147483648
        0x00, str("u32"), 0xc2, 0xff, 0xff, 0xff, 0x7f, // 2147483647
        aux("n", [0xc0, 0x40]),
      ]),
    );
    expect(events).toEqual([
      "string 0 123=-5 -1",
      "string 0 12345=-32768 -1",
      "string 0 i32=-2147483648 -1",
      "string 0 u32=2147483647 -1",
      "aux n=64",
    ]);
    expectError(file([0x00, str("k"), 0xc4]), "corrupt", /Unknown RDB string encoding type 4/);
  });

  it("RDB-12: LZF strings (C3) decompress, for keys and values; bad LZF is corrupt", () => {
    const lzf = bytes(0xc3, 0x06, 0x15, 0x01, 0x61, 0x61, 0xe0, 0x0a, 0x00); // "a" x 21
    expect(read(file([0x00, lzf, lzf])).events).toEqual([`string 0 ${"a".repeat(21)}=${"a".repeat(21)} -1`]);
    const wrongLength = bytes(0xc3, 0x06, 0x16, 0x01, 0x61, 0x61, 0xe0, 0x0a, 0x00);
    expectError(file([0x00, str("k"), wrongLength]), "corrupt", /Invalid LZF/);
  });

  it("RDB-14: EXPIRETIME (seconds), EXPIRETIME_MS, IDLE and FREQ apply to the next key only", () => {
    const { events, summary } = read(
      file([
        0xfd, u32le(1700000000), 0x00, str("old"), str("a"),
        0xfc, u32le(0x2cc3d87b), u32le(0x3bb), 0xf8, 0x40, 0x90, 0xf9, 0x05, 0x00, str("new"), str("b"),
        0xf8, 0x01, 0x00, str("plain"), str("c"),
      ]),
    );
    expect(events).toEqual(["string 0 old=a 1700000000000", "string 0 new=b 4102444800123", "string 0 plain=c -1"]);
    expect(summary.expires).toBe(2);
  });

  it("RDB-14: function libraries (F5, and the 7.0-rc F6 layout) are skipped and counted", () => {
    const { summary, events } = read(
      file([
        0xf5, str("#!lua name=lib\nredis.register_function('f', function() return 1 end)"),
        0xf6, str("lib2"), str("LUA"), 0x01, str("description"), str("return 1"),
        0xf6, str("lib3"), str("LUA"), 0x00, str("return 2"),
        0x00, str("k"), str("v"),
      ]),
    );
    expect(summary.functionLibraries).toBe(3);
    expect(events).toEqual(["string 0 k=v -1"]);
  });

  it("RDB-17: module AUX data and module v1 values cannot be skipped and are refused", () => {
    expectError(file([0xf7, 0x81, 0, 0, 0, 0, 0, 0, 0, 1, 0x02, 0x02, 0x00]), "unsupported", /AUX module data/);
    // Module id: 9 name chars of 6 bits ("ReJSON-RL" as in RedisJSON) then a 10-bit version.
    const name = "ReJSON-RL";
    const charset = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let id = 0n;
    for (const c of name) id = (id << 6n) | BigInt(charset.indexOf(c));
    id = (id << 10n) | 3n;
    const idBytes = Array.from({ length: 8 }, (_, i) => Number((id >> BigInt(56 - 8 * i)) & 0xffn));
    expectError(file([0x06, str("json"), 0x81, idBytes]), "unsupported", /no matching module type 'ReJSON-RL'/);
  });

  it("RDB-15: module v2 values describe themselves and are skipped", () => {
    const value = [0x05, 0x01, 0x05, 0x02, 0x02, 0x03, u32le(0), 0x04, u32le(0), u32le(0), 0x05, str("payload"), 0x00];
    const { summary, events } = read(file([0x07, str("mod"), value, 0x00, str("after"), str("ok")]));
    expect(events).toEqual(["unsupported 0 mod module -1", "string 0 after=ok -1"]);
    expect(summary.unsupported).toEqual([{ db: 0, key: "mod", typeName: "module", rdbType: 7, expireAtMs: -1 }]);
    expectError(file([0x07, str("mod"), 0x05, 0x09]), "corrupt", /module value opcode 9/);
  });

  it("RDB-15: every aggregate encoding 7.0 loads is decoded; streams are parsed to their end and reported", () => {
    const textDoubles = [str("m1"), 3, "1.5", str("m3"), 254, str("m4"), 255];
    const streamV1 = [
      0x01, str(bytes(new Uint8Array(16))), str(listpack("f", "v")),
      len(1), len(5), len(6), // length, last id
      len(1), str("group"), len(5), len(6), // one group, last delivered id
      len(1), new Uint8Array(16), new Uint8Array(8), len(1), // PEL: id, delivery time, count
      len(1), str("alice"), new Uint8Array(8), len(1), new Uint8Array(16), // consumer, seen time, its PEL
    ];
    const streamV2 = [
      0x01, str(bytes(new Uint8Array(16))), str(listpack("f", "v")),
      len(1), len(5), len(6), len(5), len(6), len(0), len(0), len(1), // length, last, first, max deleted, added
      len(1), str("group"), len(5), len(6), len(1), // group with entries-read
      len(0), // empty PEL
      len(0), // no consumers
    ];
    const body = [
      0x01, str("list1"), len(2), str("a"), [0xc0, 0x05],
      0x02, str("set2"), len(2), str("a"), str("b"),
      0x03, str("zset3"), len(3), textDoubles,
      0x04, str("hash4"), len(1), str("f"), str("v"),
      0x05, str("zset5"), len(1), str("m"), new Uint8Array(8),
      0x09, str("zipmap9"), str(bytes(0x01, 0x01, "f", 0x01, 0x00, "v", 0xff)),
      0x0a, str("ziplist10"), str(ziplist("a", "b")),
      0x0b, str("intset11"), str(intset(2, 1, 2, 3)),
      0x0c, str("zsetzl12"), str(ziplist("m", "1")),
      0x0d, str("hashzl13"), str(ziplist("f", "v")),
      0x0e, str("quicklist14"), len(2), str(ziplist("a")), str(ziplist("b")),
      0x0f, str("stream15"), streamV1,
      0x10, str("hashlp16"), str(listpack("f", "v")),
      0x11, str("zsetlp17"), str(listpack("m", "1")),
      0x12, str("quicklist18"), len(2), len(2), str(listpack("a", "b")), len(1), str("plain element"),
      0x13, str("stream19"), streamV2,
      0x00, str("last"), str("string"),
    ];
    const { summary, events } = read(file(body));
    expect(events).toEqual([
      "list/1 0 list1=a,5 -1",
      "set/2 0 set2=a,b -1",
      "zset/3 0 zset3=m1=1.5,m3=Infinity,m4=-Infinity -1",
      "hash/4 0 hash4=f=v -1",
      "zset/5 0 zset5=m=0 -1",
      "hash/9 0 zipmap9=f=v -1",
      "list/10 0 ziplist10=a,b -1",
      "set/11 0 intset11=1,2,3 -1",
      "zset/12 0 zsetzl12=m=1 -1",
      "hash/13 0 hashzl13=f=v -1",
      "list/14 0 quicklist14=a|b -1",
      "unsupported 0 stream15 stream -1",
      "hash/16 0 hashlp16=f=v -1",
      "zset/17 0 zsetlp17=m=1 -1",
      "list/18 0 quicklist18=a,b|*plain element -1",
      "unsupported 0 stream19 stream -1",
      "string 0 last=string -1",
    ]);
    expect(summary.unsupported.map((u) => u.rdbType)).toEqual([15, 19]);
    expect(summary.keys).toBe(17);
    expect(summary.stringKeys).toBe(1);
  });

  it("RDB-15: aggregates keep their expire and db; a NaN score is refused as redis refuses it", () => {
    const { events } = read(file([0xfe, 0x02, 0xfc, u32le(1000), u32le(0), 0x02, str("s"), len(1), str("m")]));
    expect(events).toEqual(["select 2", "set/2 2 s=m 1000"]);
    expectError(file([0x03, str("z"), len(1), str("m"), 253]), "corrupt", /NAN score/);
  });

  it("RDB-15: refuses containers that fail redis's load-time integrity checks", () => {
    expectError(file([0x10, str("h"), str(bytes(u32le(99), u16le(0), 0xff))]), "corrupt", /Listpack integrity/);
    expectError(file([0x0d, str("h"), str(bytes(u32le(11), u32le(10), u16le(0)))]), "corrupt", /Ziplist integrity/);
    expectError(file([0x0b, str("s"), str(bytes(u32le(3), u32le(1), 0, 0, 0))]), "corrupt", /Intset integrity/);
    expectError(file([0x0b, str("s"), str(intset(2))]), "corrupt", /Intset integrity/);
    expectError(file([0x12, str("l"), len(1), len(3), str(listpack("a"))]), "corrupt", /Quicklist integrity/);
    expectError(file([0x13, str("x"), 0x01, str("short id"), str(listpack("a"))]), "corrupt", /size of a stream ID/);
    expectError(file([0x13, str("x"), 0x01, str(new Uint8Array(16)), str(listpack())]), "corrupt", /Empty listpack/);
    expectError(file([0x09, str("z"), str(bytes(0x00))]), "corrupt", /Zipmap integrity/);
  });

  it("RDB-16: empty aggregates are dropped, as redis drops them", () => {
    const { summary, events } = read(
      file([
        0x01, str("l"), len(0),
        0x02, str("s"), len(0),
        0x04, str("h"), len(0),
        0x05, str("z"), len(0),
        0x10, str("hl"), str(listpack()),
        0x0d, str("hz"), str(ziplist()),
        0x12, str("q"), len(1), len(2), str(listpack()),
        0x00, str("k"), str("v"),
      ]),
    );
    expect(events).toEqual(["string 0 k=v -1"]);
    expect(summary.emptyKeysSkipped).toBe(7);
    expect(summary.keys).toBe(1);
  });

  it("RDB-25: refuses value type bytes redis does not know", () => {
    expectError(file([0x08, str("k"), str("v")]), "corrupt", /^Unknown RDB encoding type 8$/);
    expectError(file([0x14, str("k"), str("v")]), "corrupt", /^Unknown RDB encoding type 20$/);
    expectError(file([0xf0, str("k"), str("v")]), "corrupt", /^Unknown RDB encoding type 240$/);
  });

  it("RDB-18: SELECTDB beyond the configured databases is refused", () => {
    expectError(file([0xfe, 0x10]), "bad-db", /more than 16 databases/);
    expect(read(file([0xfe, 0x10, 0x00, str("k"), str("v")]), { databases: 32 }).events).toEqual(["select 16", "string 16 k=v -1"]);
  });

  it("RDB-19: replication AUX fields are parsed like rdbLoadRio does", () => {
    const replid = "0123456789abcdef0123456789abcdef01234567";
    const good = read(file([aux("repl-stream-db", [0xc0, 0x03]), aux("repl-id", replid), aux("repl-offset", [0xc2, ...u32le(1234567)])]));
    expect(good.summary.replication).toEqual({ replId: replid, replOffset: 1234567, replStreamDb: 3 });
    const odd = read(file([aux("REPL-ID", replid.slice(1)), aux("repl-offset", "99999999999999junk")]));
    expect(odd.summary.replication).toEqual({ replId: null, replOffset: 99999999999999, replStreamDb: null });
    // Keys are matched case-insensitively (strcasecmp).
    expect(read(file([aux("Repl-Id", replid)])).summary.replication.replId).toBe(replid);
  });

  it("hands out values it never touches again, independent of the input buffer", () => {
    const big = "y".repeat(10_000);
    const entries: Array<[string, string, number]> = [["big", big, -1]];
    for (let i = 0; i < 5000; i++) entries.push([`k${i}`, `value-${i}-${"z".repeat(i % 40)}`, -1]);
    const data = writeRdb({
      aux: { redisVer: "7.0.15", ctimeSec: 0, usedMemBytes: 0, replication: null, aofBase: 0 },
      databases: [sampleDb(entries)],
      compression: false,
    });
    const values = new Map<string, Uint8Array>();
    readRdb(data, { onString: (_db, key, value) => values.set(key, value) });
    data.fill(0);
    expect(values.size).toBe(entries.length);
    for (const [key, value] of entries) expect(latin1(values.get(key)!)).toBe(value);
  });
});
