/**
 * SSDB storage rules (SPEC.md BL-*, DB-*, ST-*): the binlog's bookkeeping and trimming, the encoded
 * keys, the records each write makes, the sorted store's snapshots, and what survives a crash.
 * Figures come from ssdb-observed.md and the recording (`test/fixtures/real-ssdb-1.9.8.json`).
 */
import { describe, expect, it } from "vitest";
import { SimDisk } from "../../process/disk.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import { BinlogCommand, BinlogQueue, BinlogType, decodeRecord, encodeRecord } from "./binlog.ts";
import { DATA_FILE, EXPIRE_LIST, SsdbDatabase } from "./database.ts";
import { decodeHashKey, decodeQueueItemKey, decodeZsetKey, encodeHashKey, encodeQueueItemKey, encodeZsetKey, QITEM_SEQ_INIT, ssdbEscape } from "./keys.ts";
import { META_FILE, MetaStore, slaveStatusKey } from "./meta.ts";
import { SortedStore } from "./store.ts";

const v = (text: string): Uint8Array => asciiBytes(text);

function db(capacity = 10, disk = new SimDisk()): SsdbDatabase {
  return new SsdbDatabase(disk, { capacity, binlogEnabled: true });
}

/** The records a database holds, as "CMD key". */
function records(d: SsdbDatabase): string[] {
  return [...d.binlog.stored()].map((r) => `${Object.keys(BinlogCommand).find((k) => BinlogCommand[k as keyof typeof BinlogCommand] === r.cmd)} ${ssdbEscape(r.key)}`);
}

describe("binlog (BL)", () => {
  it("BL-1 the header is seq (8 bytes little-endian), type, cmd, then the key", () => {
    const bytes = encodeRecord({ seq: 0x11, type: BinlogType.SYNC, cmd: BinlogCommand.QPUSH_BACK, key: "q\x02q1?\xff\xff\xff\xff\xff\xff\xff" });
    expect([...bytes.subarray(0, 10)]).toEqual([0x11, 0, 0, 0, 0, 0, 0, 0, 1, 10]);
    expect(decodeRecord(bytes)).toEqual({ seq: 0x11, type: 1, cmd: 10, key: "q\x02q1?\xff\xff\xff\xff\xff\xff\xff" });
    expect(decodeRecord(bytes.subarray(0, 9))).toBeNull();
  });

  it("BL-2 min_seq is 0 until a restart; after one it is the first stored seq", () => {
    const disk = new SimDisk();
    const first = db(10, disk);
    for (let i = 1; i <= 5; i++) first.set(`k${i}`, v(`v${i}`));
    expect([first.binlog.minSeq, first.binlog.maxSeq]).toEqual([0, 5]);
    const again = db(10, disk);
    expect([again.binlog.minSeq, again.binlog.maxSeq]).toEqual([1, 5]);
  });

  it("BL-3 the cleaner trims only at capacity + 10000 records, and then keeps exactly capacity", () => {
    const q = new BinlogQueue(10, true);
    for (let seq = 1; seq <= 10_009; seq++) q.append({ seq, type: 1, cmd: 1, key: "k" });
    expect(q.trimDue()).toBe(false);
    q.append({ seq: 10_010, type: 1, cmd: 1, key: "k" });
    expect(q.trimDue()).toBe(true);
    // The recording: 10,106 records, then `clean 10097 logs[0 ~ 10096], 10 left`.
    for (let seq = 10_011; seq <= 10_106; seq++) q.append({ seq, type: 1, cmd: 1, key: "k" });
    expect(q.trim()).toEqual({ start: 0, end: 10_096 });
    expect([q.minSeq, q.maxSeq, q.storedCount]).toEqual([10_097, 10_106, 10]);
    expect(q.findNext(6)?.seq).toBe(10_097);
  });

  it("BL-3 the queue keeps records as bytes: every stored one reads back whole across growth, trims and an emptied queue", () => {
    const q = new BinlogQueue(10, true);
    const keyOf = (seq: number): string => (seq % 7 === 0 ? "" : `k${String.fromCharCode(seq % 256)}\xff${"x".repeat(seq % 300)}`);
    const check = (from: number, to: number): void => {
      for (let seq = from; seq <= to; seq++) expect(q.get(seq)).toEqual({ seq, type: seq % 3, cmd: seq % 15, key: keyOf(seq) });
    };
    for (let seq = 1; seq <= 5_000; seq++) q.append({ seq, type: seq % 3, cmd: seq % 15, key: keyOf(seq) });
    check(1, 5_000);
    q.deleteThrough(3_000);
    expect([q.firstStoredSeq, q.storedCount, q.get(3_000), q.findNext(1)?.seq, q.findLast()?.seq]).toEqual([3_001, 2_000, undefined, 3_001, 5_000]);
    // Appending after a trim moves the kept records down in their arrays: they must not change.
    for (let seq = 5_001; seq <= 9_000; seq++) q.append({ seq, type: seq % 3, cmd: seq % 15, key: keyOf(seq) });
    check(3_001, 9_000);
    expect([...q.stored()].map((r) => r.seq)).toEqual(Array.from({ length: 6_000 }, (_, i) => 3_001 + i));
    expect(q.get(9_001)).toBeUndefined();
    // A seq that does not follow the newest is refused, and changes nothing.
    expect(() => q.append({ seq: 9_005, type: 1, cmd: 1, key: "k" })).toThrow(/does not follow/);
    expect([q.maxSeq, q.storedCount]).toEqual([9_000, 6_000]);
    // Emptied (flushdb deletes every record), the next record starts the queue again.
    q.deleteThrough(9_000);
    expect([q.firstStoredSeq, q.storedCount, q.findLast()]).toEqual([null, 0, undefined]);
    q.append({ seq: 9_001, type: 1, cmd: 1, key: "ka" });
    expect([q.firstStoredSeq, q.findNext(0)]).toEqual([9_001, { seq: 9_001, type: 1, cmd: 1, key: "ka" }]);
    // Short keys trimmed under long ones: the kept keys move over the place they were read from.
    const long = (seq: number): string => `k${seq}`.padEnd(100, String.fromCharCode(seq % 256));
    for (let seq = 9_002; seq <= 13_000; seq++) q.append({ seq, type: 1, cmd: 1, key: seq <= 12_000 ? "k" : long(seq) });
    q.deleteThrough(12_000);
    for (let seq = 12_001; seq <= 13_000; seq++) expect(q.get(seq)?.key).toBe(long(seq));
  });

  it("BL-3 records of one key share its bytes: they read back whole across growth, trims inside a run, and an emptied queue", () => {
    const q = new BinlogQueue(10, true);
    const hot = "kkey:__rand_int__";
    const other = (seq: number): string => `h\x01h=${"f".repeat(seq % 40)}`;
    // Runs of the hot key (the same string each time, as a master's SETs give it) between other keys.
    const keyOf = (seq: number): string => (seq % 500 < 400 ? hot : seq % 500 === 450 ? "" : other(seq));
    const check = (from: number, to: number): void => {
      for (let seq = from; seq <= to; seq++) expect(q.get(seq)).toEqual({ seq, type: 1 + (seq % 2), cmd: seq % 15, key: keyOf(seq) });
    };
    for (let seq = 1; seq <= 6_000; seq++) q.add(seq, 1 + (seq % 2), seq % 15, keyOf(seq));
    check(1, 6_000);
    // A trim inside a run: the kept records of the run still read their key, after records move down too.
    q.deleteThrough(2_250);
    check(2_251, 6_000);
    for (let seq = 6_001; seq <= 12_000; seq++) q.add(seq, 1 + (seq % 2), seq % 15, keyOf(seq));
    check(2_251, 12_000);
    q.deleteThrough(11_990);
    for (let seq = 12_001; seq <= 12_300; seq++) q.add(seq, 1 + (seq % 2), seq % 15, keyOf(seq));
    check(11_991, 12_300);
    // Read out of order (each link reads at its own place): the keys do not depend on the last read.
    for (const seq of [12_300, 11_991, 12_050, 11_991, 12_299]) expect(q.get(seq)?.key).toBe(keyOf(seq));
    const into = { seq: 0, type: 0, cmd: 0, key: "" };
    expect(q.read(12_100, into)).toBe(true);
    expect(into).toEqual(q.get(12_100));
    expect(q.read(12_301, into) || q.readNext(12_301, into)).toBe(false);
    expect(q.readNext(5, into) && into.seq).toBe(11_991);
    expect(q.readLast(into) && into).toEqual(q.findLast());
    // Emptied, then the hot key again: it is written anew, not shared with a forgotten record.
    q.deleteThrough(12_300);
    q.add(12_301, 1, 1, hot);
    q.add(12_302, 1, 1, hot);
    expect([q.get(12_301)?.key, q.get(12_302)?.key, q.storedCount]).toEqual([hot, hot, 2]);
  });

  it("BL-4 a trim is persisted: a restarted node starts from the first record kept", () => {
    const disk = new SimDisk();
    const d = db(10, disk);
    for (let i = 0; i < 10_015; i++) d.set("a", v(String(i)));
    expect(d.trimBinlog()).toEqual({ start: 0, end: 10_005 });
    const again = db(10, disk);
    expect([again.binlog.minSeq, again.binlog.maxSeq]).toEqual([10_006, 10_015]);
    expect(bytesToBinary(again.get("a")!)).toBe("10014");
  });
});

describe("records per write (DB), as ssdb-server 1.9.8 makes them", () => {
  it("DB-1/DB-2 set always makes a KSET (same value too); del makes a KDEL even for a missing key", () => {
    const d = db();
    d.set("a", v("1"));
    d.set("a", v("1"));
    d.delKey("a");
    d.delKey("a");
    expect(records(d)).toEqual(["KSET ka", "KSET ka", "KDEL ka", "KDEL ka"]);
  });

  it("DB-3 hset makes a record only for a new field or a new value; hdel only for a present field", () => {
    const d = db();
    expect(d.hset("h", "f", v("1"))).toBe(1);
    expect(d.hset("h", "f", v("1"))).toBe(0);
    expect(d.hset("h", "f", v("2"))).toBe(0);
    expect(d.hdel("h", "f")).toBe(1);
    expect(d.hdel("h", "f")).toBe(0);
    expect(records(d)).toEqual(["HSET h\\x01h=f", "HSET h\\x01h=f", "HDEL h\\x01h=f"]);
    expect(d.hsize("h")).toBe(0);
  });

  it("DB-4 zset makes a record for a new member or a new score (scores are int64 text)", () => {
    const d = db();
    expect(d.zset("z", "m", "1")).toBe(1);
    expect(d.zset("z", "m", "1")).toBe(0);
    expect(d.zset("z", "m", "1.9")).toBe(0);
    expect(d.zdel("z", "m")).toBe(1);
    expect(d.zdel("z", "m")).toBe(0);
    expect(records(d)).toEqual(["ZSET s\\x01z\\x01m", "ZDEL s\\x01z\\x01m"]);
  });

  it("DB-5 queues: the first item at 2^62-1 (key big-endian), pushes move the pointers, pops carry the raw name", () => {
    const d = db();
    expect(d.qpush("q", v("x"), false)).toBe(1);
    expect(d.qpush("q", v("w"), true)).toBe(2);
    expect(bytesToBinary(d.qpop("q", true)!)).toBe("w");
    expect(d.qpop("q", true)).not.toBeUndefined();
    expect(d.qpop("q", true)).toBeUndefined();
    expect(records(d)).toEqual(["QPUSH_BACK q\\x01q?\\xff\\xff\\xff\\xff\\xff\\xff\\xff", "QPUSH_FRONT q\\x01q?\\xff\\xff\\xff\\xff\\xff\\xff\\xfe", "QPOP_FRONT q", "QPOP_FRONT q"]);
    expect(decodeQueueItemKey(encodeQueueItemKey("q", QITEM_SEQ_INIT))).toEqual({ name: "q", seq: QITEM_SEQ_INIT });
  });

  it("DB-6 setx makes a KSET and a ZSET of the absolute expiry on the expiry list; expiry deletes with KDEL and ZDEL", () => {
    const d = db();
    d.set("t", v("v"));
    d.setTtl("t", 100, 1_000_000);
    expect(d.zget(EXPIRE_LIST, "t")).toBe("1100000");
    expect(d.getTtl("t", 1_000_500)).toBe(99);
    expect(d.expireDue(1_099_999)).toEqual([]);
    expect(d.expireDue(1_100_000)).toEqual(["t"]);
    expect(d.get("t")).toBeUndefined();
    expect(records(d).slice(1).map((r) => r.split(" ")[0])).toEqual(["ZSET", "KDEL", "ZDEL"]);
  });

  it("DB-7 encoded keys: h + len + name + = + field, s + len + name + len + member", () => {
    expect(encodeHashKey("h1", "f1")).toBe("h\x02h1=f1");
    expect(decodeHashKey("h\x02h1=f1")).toEqual({ name: "h1", field: "f1" });
    expect(encodeZsetKey("z1", "m1")).toBe("s\x02z1\x02m1");
    expect(decodeZsetKey("s\x02z1\x02m1")).toEqual({ name: "z1", member: "m1" });
    expect(decodeHashKey("h\x09h")).toBeNull();
  });

  it("DB-8 a multi-key write is one batch: consecutive seqs, all or nothing", () => {
    const d = db();
    expect(d.multiSet([["b", v("1")], ["c", v("2")]])).toBe(2);
    expect(d.multiSet([["d", v("1")], ["", v("2")]])).toBe(0);
    expect(d.multiDel(["b", "missing"])).toBe(2);
    expect(records(d)).toEqual(["KSET kb", "KSET kc", "KDEL kb", "KDEL kmissing"]);
    expect(d.get("d")).toBeUndefined();
  });

  it("DB-9 every committed write survives a crash (the disk log is written through)", () => {
    const disk = new SimDisk();
    const d = db(10, disk);
    d.set("a", v("1"));
    d.hset("h", "f", v("x"));
    d.qpush("q", v("i"), false);
    const again = db(10, disk);
    expect(bytesToBinary(again.get("a")!)).toBe("1");
    expect(again.hscan("h", "", "", 10).map((e) => e.key)).toEqual(["f"]);
    expect(again.qitems("q").map((b) => bytesToBinary(b))).toEqual(["i"]);
    expect(again.keyCount).toBe(3);
  });

  it("DB-9 sets of long keys and values (lengths and seqs past one varint byte) read back whole, binlog on or off", () => {
    for (const binlogEnabled of [true, false]) {
      const disk = new SimDisk();
      const d = new SsdbDatabase(disk, { capacity: 1000, binlogEnabled });
      const key = (i: number): string => `${String.fromCharCode(i % 256)}${"\xfe".repeat(i % 255)}`;
      const value = (i: number): Uint8Array => new Uint8Array(i * 7).fill(i % 256);
      for (let i = 1; i <= 300; i++) d.set(key(i), value(i));
      const again = new SsdbDatabase(disk, { capacity: 1000, binlogEnabled });
      for (let i = 1; i <= 300; i++) expect(bytesToBinary(again.get(key(i)) ?? new Uint8Array(1))).toBe(bytesToBinary(value(i)));
      expect(again.keyCount).toBe(300);
      expect(records(again)).toEqual(binlogEnabled ? Array.from({ length: 300 }, (_, i) => `KSET ${ssdbEscape(`k${key(i + 1)}`)}`) : []);
    }
  });

  it("DB-9 a node's database holds its writes back until the step's end (syncDisk), then the disk has them all", () => {
    const disk = new SimDisk();
    const d = db(10, disk);
    d.set("a", v("1"));
    d.deferDiskWrites = true;
    d.set("b", v("2"));
    d.hset("h", "f", v("x"));
    expect(db(10, disk).get("b")).toBeUndefined();
    d.syncDisk();
    const again = db(10, disk);
    expect([again.get("a"), again.get("b"), again.hget("h", "f")].map((b) => bytesToBinary(b!))).toEqual(["1", "2", "x"]);
    expect([again.binlog.minSeq, again.binlog.maxSeq]).toEqual([1, 3]);
  });
});

describe("data log: a node's runs of sets", () => {
  /** The same writes on a database that writes through (no runs) and on a node's deferred one. */
  function both(binlogEnabled: boolean, writes: (d: SsdbDatabase, sync: () => void) => void): { plain: Uint8Array; deferred: Uint8Array; deferredDisk: SimDisk } {
    const plainDisk = new SimDisk();
    const plain = new SsdbDatabase(plainDisk, { capacity: 20, binlogEnabled });
    writes(plain, () => {});
    const deferredDisk = new SimDisk();
    const deferred = new SsdbDatabase(deferredDisk, { capacity: 20, binlogEnabled });
    deferred.deferDiskWrites = true;
    writes(deferred, () => deferred.syncDisk());
    deferred.syncDisk();
    return { plain: plainDisk.read(DATA_FILE)!, deferred: deferredDisk.read(DATA_FILE)!, deferredDisk };
  }

  it("DB-9 sets of one key and value counted as a run give the file a write per set gives: across varint lengths, other writes, syncs and trims", () => {
    for (const binlogEnabled of [true, false]) {
      const { plain, deferred, deferredDisk } = both(binlogEnabled, (d, sync) => {
        const hot = "kkey:__rand_int__";
        const value = v("xxx");
        const long = new Uint8Array(200).fill(7);
        // A node keeps the stored array for an equal value: the same key string and array each time.
        const set = (k: string, val: Uint8Array): void => {
          const old = d.rawGet(k);
          const same = old !== undefined && bytesToBinary(old) === bytesToBinary(val);
          expect(d.setEncoded(k, same ? old : val, BinlogType.SYNC, same)).toBe(1);
        };
        for (let i = 0; i < 20_000; i++) {
          if (i % 997 === 0) d.hset("h", `f${i % 3}`, v(String(i)));
          else if (i % 1_499 === 0) set(hot, v(`other${i}`));
          else if (i % 3_001 === 0) set("kb", value);
          else set(hot, i > 15_000 ? long : value);
          if (i % 4_099 === 0) sync();
          if (i % 5_003 === 0) d.trimBinlog();
        }
      });
      // Seqs 127 -> 128 and 16383 -> 16384 change the varint's length inside runs.
      expect(bytesToBinary(deferred)).toBe(bytesToBinary(plain));
      const again = new SsdbDatabase(deferredDisk, { capacity: 20, binlogEnabled });
      expect(bytesToBinary(again.get("key:__rand_int__")!)).toBe(bytesToBinary(new Uint8Array(200).fill(7)));
      expect(again.binlog.maxSeq).toBe(binlogEnabled ? 20_000 : 0);
    }
  });

  it("DB-9 a run ends where another kind of write, another array or a compaction comes between", () => {
    const { plain, deferred } = both(true, (d) => {
      const a = v("same");
      const b = v("same");
      for (let i = 0; i < 50; i++) d.setEncoded("kx", i % 10 < 5 ? a : b, BinlogType.SYNC);
      d.delKey("x");
      for (let i = 0; i < 50; i++) d.setEncoded("kx", a, i % 7 === 0 ? BinlogType.MIRROR : BinlogType.SYNC);
      d.multiSet([["x", a]]);
      // Enough ops for compactions (store 2 keys + binlog 20 records + 10,000).
      for (let i = 0; i < 30_000; i++) d.setEncoded("kx", a, BinlogType.SYNC);
      d.set("y", a);
    });
    expect(bytesToBinary(deferred)).toBe(bytesToBinary(plain));
  });

  it("DB-9 the same set again in bulk (setStoredAgain) gives the file, records and compactions of one set after another", () => {
    for (const binlogEnabled of [true, false]) {
      const { plain, deferred } = both(binlogEnabled, (d, sync) => {
        const value = v("same");
        for (let i = 1; i < 400; i++) {
          d.setEncoded("kx", i % 50 === 0 ? v(`x${i}`) : value, i % 9 === 0 ? BinlogType.MIRROR : BinlogType.SYNC);
          d.setStoredAgain("kx", i % 9 === 0 ? BinlogType.MIRROR : BinlogType.SYNC, (i * 37) % 301);
          // The cleaner's trims bring compactions (the binlog keeps 20 records).
          if (i % 13 === 0) d.trimBinlog();
          if (i % 29 === 0) sync();
        }
      });
      expect(bytesToBinary(deferred)).toBe(bytesToBinary(plain));
    }
    const d = db();
    expect(() => d.setStoredAgain("kmissing", BinlogType.SYNC, 3)).toThrow(/holds no value/);
  });
});

describe("sorted store (ST)", () => {
  it("ST-1 keys iterate in byte order: hashes, KV, queues, zsets", () => {
    const s = new SortedStore();
    for (const k of ["s\x01z\x01m", "kk", "q\x01q\0\0\0\0\0\0\0\x02", "h\x01h=f", "Hh"]) s.put(k, v("x"));
    expect([...s.range("h")].map((e) => e.key[0])).toEqual(["h", "k", "q", "s"]);
  });

  it("ST-2 a snapshot sees the store as it was: later sets, deletes and new keys are invisible to it", () => {
    const s = new SortedStore();
    s.put("ka", v("1"));
    s.put("kb", v("2"));
    const snap = s.snapshot();
    s.put("ka", v("changed"));
    s.delete("kb");
    s.put("kc", v("new"));
    const seen: string[] = [];
    for (let e = snap.next("k"); e !== null; e = snap.next(e.key)) seen.push(`${e.key}=${bytesToBinary(e.value)}`);
    expect(seen).toEqual(["ka=1", "kb=2"]);
    snap.release();
    expect(s.openSnapshots).toBe(0);
  });
});

describe("meta database (a slave's resume point, §A.7)", () => {
  it("every save survives a crash, through appended saves and the log's rewrites, with other hashes kept", () => {
    const disk = new SimDisk();
    const meta = new MetaStore(disk);
    meta.hset("served", "10.0.0.2:8888", "1");
    meta.flush();
    // Enough saves to pass the rewrite threshold several times over.
    for (let seq = 1; seq <= 500; seq++) {
      meta.saveSlaveStatus("127.0.0.1|8888", { lastSeq: seq, lastKey: seq % 2 === 0 ? "" : `k\xff${seq}` });
      if (seq % 97 === 0 || seq === 500) {
        const again = new MetaStore(disk);
        expect(again.loadSlaveStatus("127.0.0.1|8888")).toEqual({ lastSeq: seq, lastKey: seq % 2 === 0 ? "" : `k\xff${seq}` });
        expect(again.hget("served", "10.0.0.2:8888")).toBe("1");
      }
    }
    expect(disk.read(META_FILE)!.length).toBeLessThan(8192);
    // A down node's view reads the file alone: the latest value of each field wins.
    const seen = new Map<string, string>();
    MetaStore.read(disk, (name, field, value) => seen.set(`${name}/${field}`, value));
    expect(seen.get(`${slaveStatusKey("127.0.0.1|8888")}/last_seq`)).toBe("500");
    expect(seen.get(`${slaveStatusKey("127.0.0.1|8888")}/last_key`)).toBe("");
  });
});
