/**
 * An SSDB node's data: the sorted keyspace, the binlog written in the same batches, expirations,
 * and their persistence on the host's disk (`SSDBImpl`, `ExpirationHandler`; §A.4).
 *
 * Every mutating operation is one batch: its data changes plus one binlog record per mutated item,
 * committed together (seqs `max_seq+1`, `max_seq+2`, …). Which operations make records, and how many,
 * follows ssdb-server 1.9.8 exactly (SPEC.md DB-*): `set` always does, even with the same value;
 * `del` does even for a missing key; `hset`/`zset` with an unchanged value and `hdel`/`zdel`/`qpop` of
 * nothing do not; `setx` makes a KSET and a ZSET on the expiry list.
 */
import type { SimDisk } from "../../process/disk.ts";
import { asciiBytes, bytesEqual, bytesToBinary } from "../../util/bytes.ts";
import { BinlogCommand, BinlogQueue, BinlogType, type BinlogCommandCode, type BinlogRecord } from "./binlog.ts";
import { AppendFile, encodeBatch, replayLog, type LogOp } from "./disk-log.ts";
import {
  DataType,
  KEY_LEN_MAX,
  QBACK_SEQ,
  QFRONT_SEQ,
  QITEM_MAX_SEQ,
  QITEM_MIN_SEQ,
  QITEM_SEQ_INIT,
  decodeHashKey,
  decodeQueueItemKey,
  decodeZsetKey,
  encodeHashKey,
  encodeHashSizeKey,
  encodeKvKey,
  encodeQueueItemKey,
  encodeQueueSizeKey,
  encodeZsetKey,
  encodeZsetSizeKey,
  readI64LittleEndian,
  readU64LittleEndian,
  u64LittleEndian,
} from "./keys.ts";
import { SortedStore } from "./store.ts";

/** The record type a write is logged with: SYNC for clients and sync links, MIRROR for mirror links. */
export type LogType = typeof BinlogType.SYNC | typeof BinlogType.MIRROR;

/** The zset that holds every expiring key with its absolute expiry time in ms (`ttl.cpp`). */
export const EXPIRE_LIST = "\xff\xff\xff\xff\xff|EXPIRE_LIST|KV";

/** The expiration thread polls every 10 ms when nothing is due. */
const EXPIRE_POLL_MS = 10;

/** Files on the node's disk (under ssdb.conf's `work_dir`, which the lab fixes to ./var). */
export const DATA_FILE = "var/data.log";
export const WINDOW_FILE = "var/binlog.window";

/** What an operation did: -1 error, otherwise its count (SSDB's `int` return codes). */
type Status = number;

/** `strtoll` as SSDB's `Bytes::Int64` uses it: leading spaces, a sign, digits; 0 when none. */
export function parseInt64(text: string): number {
  const m = /^\s*([+-]?)(\d+)/.exec(text);
  if (!m) return 0;
  const value = BigInt(`${m[1]}${m[2]}`);
  const clamped = value > 9223372036854775807n ? 9223372036854775807n : value < -9223372036854775808n ? -9223372036854775808n : value;
  return Number(clamped);
}

/** `str_to_int64` with SSDB's errno check: null when the text is not a whole integer. */
function strictInt64(text: string): number | null {
  if (!/^\s*[+-]?\d+$/.test(text)) return text.length === 0 ? 0 : null;
  return parseInt64(text);
}

/** An integer value plus `by` (a missing value counts as 0); null when the value is not an integer. */
function incremented(old: Uint8Array | undefined, by: number): number | null {
  if (old === undefined) return by;
  const parsed = strictInt64(bytesToBinary(old));
  return parsed === null ? null : parsed + by;
}

export interface DatabaseOptions {
  readonly capacity: number;
  readonly binlogEnabled: boolean;
}

export class SsdbDatabase {
  readonly store = new SortedStore();
  readonly binlog: BinlogQueue;
  private readonly file: AppendFile;
  private readonly pending: LogOp[] = [];
  private readonly pendingRecords: BinlogRecord[] = [];
  private inTransaction = false;
  private opsSinceCompaction = 0;
  /** Counts of user-visible names, kept as keys come and go. */
  private kvCount = 0;
  private hashCount = 0;
  private zsetCount = 0;
  private queueCount = 0;
  /** Earliest expiry in the expiry list, cached until the list changes (undefined: not known). */
  private earliestExpiry: { readonly key: string; readonly atMs: number } | null | undefined = undefined;
  /** Bytes written to the disk log since boot (the `dbsize` estimate counts what was there before). */
  readonly bytesAtBoot: number;

  constructor(
    private readonly disk: SimDisk,
    options: DatabaseOptions,
  ) {
    this.binlog = new BinlogQueue(options.capacity, options.binlogEnabled);
    this.file = new AppendFile(disk, DATA_FILE);
    const bytes = this.file.load();
    this.bytesAtBoot = bytes.length;
    const records: BinlogRecord[] = [];
    let trimmedThrough = -1;
    replayLog(bytes, (op) => {
      switch (op.op) {
        case "put":
          this.rawPut(op.key, op.value);
          break;
        case "del":
          this.rawDel(op.key);
          break;
        case "log":
          records.push(op.record);
          break;
        case "trim":
          trimmedThrough = Math.max(trimmedThrough, op.end);
          break;
        default:
          assertNever(op);
      }
      this.opsSinceCompaction++;
    });
    // The queue starts from what survived the trims: `min_seq` is the first stored seq (§A.4).
    const kept = records.filter((r) => r.seq > trimmedThrough);
    if (options.binlogEnabled) this.binlog.restore(kept);
    this.writeWindow();
  }

  // -------------------------------------------------------------------------------------------
  // Batches

  private begin(): void {
    if (this.inTransaction) throw new Error("nested SSDB transaction");
    this.inTransaction = true;
    // Emptied, not replaced: a batch per write, and nothing keeps the arrays past its commit.
    this.pending.length = 0;
    this.pendingRecords.length = 0;
  }

  private put(key: string, value: Uint8Array): void {
    this.rawPut(key, value);
    this.pending.push({ op: "put", key, value });
  }

  private del(key: string): void {
    this.rawDel(key);
    this.pending.push({ op: "del", key });
  }

  /** `add_log`: a record with the next seq (nothing when the binlog is off). */
  private addLog(type: number, cmd: BinlogCommandCode, key: string): void {
    if (!this.binlog.enabled) return;
    const seq = this.binlog.maxSeq + this.pendingRecords.length + 1;
    const record: BinlogRecord = { seq, type, cmd, key };
    this.pendingRecords.push(record);
    this.pending.push({ op: "log", record });
  }

  /** Commits the batch: its records join the binlog and the batch goes to disk. */
  private commit(): void {
    for (const record of this.pendingRecords) this.binlog.append(record);
    if (this.pending.length > 0) this.persist(this.pending);
    this.end();
  }

  /** Ends a transaction without writing (an operation that changed nothing). */
  private end(): void {
    this.pending.length = 0;
    this.pendingRecords.length = 0;
    this.inTransaction = false;
  }

  private persist(ops: readonly LogOp[]): void {
    this.file.appendBatch(ops);
    this.persisted(ops.length);
  }

  /** Bookkeeping after a batch of `ops` ops went into the log: compaction when due, the window. */
  private persisted(ops: number): void {
    this.opsSinceCompaction += ops;
    if (this.compactionDue(0)) this.compact();
    if (this.deferDiskWrites) this.windowDirty = true;
    else this.writeWindow();
  }

  /** Whether the log is due for a compaction (with `extraOps` more ops and a record each two). */
  private compactionDue(extraOps: number): boolean {
    return this.opsSinceCompaction + extraOps > 2 * (this.store.size + this.binlog.storedCount + extraOps / 2) + 10_000;
  }

  /**
   * Whether the files reach the disk only at `syncDisk` (a node sets this and syncs at the end of
   * each of its steps: nothing reads its disk in between, so the disk ends every step as it would
   * with a write per commit, without a file view and a window text per write).
   */
  get deferDiskWrites(): boolean {
    return this.file.deferred;
  }

  set deferDiskWrites(defer: boolean) {
    this.file.deferred = defer;
    if (!defer) this.syncDisk();
  }

  private windowDirty = false;

  /** Writes what `deferDiskWrites` held back. */
  syncDisk(): void {
    this.file.sync();
    if (this.windowDirty) {
      this.windowDirty = false;
      this.writeWindow();
    }
  }

  /** Rewrites the log as one batch of what is live now. */
  private compact(): void {
    const ops: LogOp[] = [];
    for (const { key, value } of this.store.entries()) ops.push({ op: "put", key, value });
    for (const record of this.binlog.stored()) ops.push({ op: "log", record });
    this.file.replace(encodeBatch(ops));
    this.opsSinceCompaction = ops.length;
  }

  private writeWindow(): void {
    this.disk.write(WINDOW_FILE, asciiBytes(`${this.binlog.minSeq} ${this.binlog.maxSeq}`));
  }

  private rawPut(key: string, value: Uint8Array): void {
    if (this.store.put(key, value)) this.count(key, +1);
    if (key.charCodeAt(0) === DataType.ZSET && key.startsWith(ZSET_EXPIRE_PREFIX)) this.earliestExpiry = undefined;
  }

  private rawDel(key: string): void {
    if (this.store.delete(key)) this.count(key, -1);
    if (key.charCodeAt(0) === DataType.ZSET && key.startsWith(ZSET_EXPIRE_PREFIX)) this.earliestExpiry = undefined;
  }

  private count(key: string, delta: number): void {
    switch (key.charCodeAt(0)) {
      case DataType.KV:
        this.kvCount += delta;
        break;
      case DataType.HSIZE:
        this.hashCount += delta;
        break;
      case DataType.ZSIZE:
        this.zsetCount += delta;
        break;
      case DataType.QSIZE:
        this.queueCount += delta;
        break;
      default:
        break;
    }
  }

  /** Names visible to clients: KV keys, hashes, zsets (the expiry list included) and queues. */
  get keyCount(): number {
    return this.kvCount + this.hashCount + this.zsetCount + this.queueCount;
  }

  /** `raw_get`: the stored value of an encoded key (what a master sends with a record). */
  rawGet(key: string): Uint8Array | undefined {
    return this.store.get(key);
  }

  /** The binlog cleaner's pass, when due (the caller runs it every 50 ms). */
  trimBinlog(): { readonly start: number; readonly end: number } | null {
    if (!this.binlog.trimDue()) return null;
    const range = this.binlog.trim();
    this.persist([{ op: "trim", end: range.end }]);
    return range;
  }

  /**
   * `flushdb`: every key and every binlog record deleted. The in-memory `min_seq`/`max_seq` stay
   * (as `clear_binlog` leaves them), so the window shows what the process last knew.
   */
  flushAll(): void {
    this.begin();
    for (const { key } of [...this.store.entries()]) this.del(key);
    this.pending.push({ op: "trim", end: this.binlog.maxSeq });
    this.binlog.deleteThrough(this.binlog.maxSeq);
    this.commit();
  }

  // -------------------------------------------------------------------------------------------
  // KV (t_kv.cpp)

  get(key: string): Uint8Array | undefined {
    return this.store.get(encodeKvKey(key));
  }

  set(key: string, value: Uint8Array, logType: LogType = BinlogType.SYNC): Status {
    if (key.length === 0) return 0;
    if (key.length > KEY_LEN_MAX) return -1;
    this.setKv(encodeKvKey(key), value, logType);
    return 1;
  }

  /**
   * `set` of an encoded KV key (`k` + key), as a slave applies a KSET record: the key is not
   * decoded to be encoded again. The same checks, batch and records as `set`. `stored`: `value`
   * is the very array the key holds (the caller found the new value equal to it).
   */
  setEncoded(k: string, value: Uint8Array, logType: LogType, stored = false): Status {
    if (k.charCodeAt(0) !== DataType.KV) return this.set(k.slice(1), value, logType);
    if (k.length === 1) return 0;
    if (k.length - 1 > KEY_LEN_MAX) return -1;
    this.setKv(k, value, logType, stored);
    return 1;
  }

  /**
   * The batch of a `set`: one put and its KSET, encoded straight into the log (the same bytes as
   * `encodeBatch` of the two ops) without op or record objects: every SET, on the master and on
   * each slave, comes this way.
   */
  private setKv(k: string, value: Uint8Array, logType: LogType, stored = false): void {
    if (this.inTransaction) throw new Error("nested SSDB transaction");
    // `stored`: `value` is the array `k` holds now (a value equal to the stored one is kept as it is).
    if (stored) this.store.putSame(k);
    else this.rawPut(k, value);
    const logged = this.binlog.enabled;
    const seq = this.binlog.maxSeq + 1;
    if (logged) this.binlog.add(seq, logType, BinlogCommand.KSET, k);
    this.file.appendSet(k, value, logged, seq, logType, BinlogCommand.KSET);
    this.persisted(logged ? 2 : 1);
  }

  /**
   * `setEncoded(k, v, logType, true)` `count` times, `v` being what `k` holds: a set of `k` just
   * wrote it, and the same set comes again (a hot key's pipeline, a master's records for it). The
   * batches, records and bookkeeping of as many sets, in bulk.
   */
  setStoredAgain(k: string, logType: LogType, count: number): void {
    const value = this.store.get(k);
    if (value === undefined || k.charCodeAt(0) !== DataType.KV || k.length === 1 || k.length - 1 > KEY_LEN_MAX) throw new Error("setStoredAgain: the key holds no value a set wrote");
    if (this.inTransaction) throw new Error("nested SSDB transaction");
    if (!this.binlog.enabled || !this.deferDiskWrites || this.compactionDue(2)) {
      // Without records a set moves the compaction test; written through, each set reaches the disk.
      for (let i = 0; i < count; i++) this.setKv(k, value, logType, true);
      return;
    }
    if (count <= 0) return;
    // Snapshots see the first write; the others change nothing more for them.
    this.store.putSame(k);
    const seq = this.binlog.maxSeq + 1;
    this.binlog.addRepeats(seq, count, logType, BinlogCommand.KSET, k);
    this.file.appendSetRepeats(k, value, true, seq, count, logType, BinlogCommand.KSET);
    // Each set adds 2 ops and a record (2 on the other side) to the compaction test: it holds or
    // fails for all of them as for the first, so one check says it.
    this.persisted(2 * count);
  }

  setnx(key: string, value: Uint8Array, logType: LogType = BinlogType.SYNC): Status {
    if (key.length === 0) return 0;
    if (key.length > KEY_LEN_MAX) return -1;
    if (this.get(key) !== undefined) return 0;
    return this.set(key, value, logType);
  }

  /** Returns the old value (or undefined) after setting the new one; -1 for a bad key. */
  getset(key: string, value: Uint8Array, logType: LogType = BinlogType.SYNC): { readonly status: Status; readonly old: Uint8Array | undefined } {
    if (key.length === 0) return { status: 0, old: undefined };
    if (key.length > KEY_LEN_MAX) return { status: -1, old: undefined };
    const old = this.get(key);
    this.set(key, value, logType);
    return { status: old === undefined ? 0 : 1, old };
  }

  /** `del`: a KDEL record even when the key does not exist. */
  delKey(key: string, logType: LogType = BinlogType.SYNC): Status {
    if (key.length > KEY_LEN_MAX) return -1;
    this.begin();
    const k = encodeKvKey(key);
    this.del(k);
    this.addLog(logType, BinlogCommand.KDEL, k);
    this.commit();
    return 1;
  }

  multiSet(pairs: readonly (readonly [string, Uint8Array])[], logType: LogType = BinlogType.SYNC): Status {
    for (const [key] of pairs) if (key.length === 0 || key.length > KEY_LEN_MAX) return 0;
    this.begin();
    for (const [key, value] of pairs) {
      const k = encodeKvKey(key);
      this.put(k, value);
      this.addLog(logType, BinlogCommand.KSET, k);
    }
    this.commit();
    return pairs.length;
  }

  multiDel(keys: readonly string[], logType: LogType = BinlogType.SYNC): Status {
    this.begin();
    for (const key of keys) {
      const k = encodeKvKey(key);
      this.del(k);
      this.addLog(logType, BinlogCommand.KDEL, k);
    }
    this.commit();
    return keys.length;
  }

  /** `incr`: {status 1, value} or {status 0} when the stored value is not an integer. */
  incr(key: string, by: number, logType: LogType = BinlogType.SYNC): { readonly status: Status; readonly value: number } {
    if (key.length > KEY_LEN_MAX) return { status: -1, value: 0 };
    const value = incremented(this.get(key), by);
    if (value === null) return { status: 0, value: 0 };
    this.begin();
    const k = encodeKvKey(key);
    this.put(k, asciiBytes(String(value)));
    this.addLog(logType, BinlogCommand.KSET, k);
    this.commit();
    return { status: 1, value };
  }

  /** KV entries with start < key <= end (end "" = no bound), up to `limit` (`scan`). */
  scan(start: string, end: string, limit: number): { key: string; value: Uint8Array }[] {
    const out: { key: string; value: Uint8Array }[] = [];
    const from = encodeKvKey(start);
    const to = end === "" ? undefined : encodeKvKey(end);
    for (const entry of this.store.range(from, { exclusive: true, ...(to !== undefined ? { end: to } : {}) })) {
      if (out.length >= limit || entry.key.charCodeAt(0) !== DataType.KV) break;
      out.push({ key: entry.key.slice(1), value: entry.value });
    }
    return out;
  }

  /** KV entries with end <= key < start going down (start "" = from the last key), up to `limit`. */
  rscan(start: string, end: string, limit: number): { key: string; value: Uint8Array }[] {
    const out: { key: string; value: Uint8Array }[] = [];
    const from = start === "" ? "k\xff" : encodeKvKey(start);
    const to = end === "" ? "k" : encodeKvKey(end);
    for (const entry of this.store.reverseRange(from, to)) {
      if (out.length >= limit) break;
      if (entry.key === from) continue;
      if (entry.key.charCodeAt(0) !== DataType.KV) break;
      out.push({ key: entry.key.slice(1), value: entry.value });
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Hash (t_hash.cpp)

  hget(name: string, field: string): Uint8Array | undefined {
    return this.store.get(encodeHashKey(name, field));
  }

  hsize(name: string): number {
    const raw = this.store.get(encodeHashSizeKey(name));
    return raw === undefined ? 0 : (readI64LittleEndian(raw) ?? -1);
  }

  private setSize(sizeKey: string, current: number, delta: number): void {
    const size = current + delta;
    if (size === 0) this.del(sizeKey);
    else this.put(sizeKey, u64LittleEndian(BigInt(size)));
  }

  /** -1 error, 0 updated (a record only if the value changed), 1 inserted. */
  hset(name: string, field: string, value: Uint8Array, logType: LogType = BinlogType.SYNC): Status {
    if (name.length === 0 || field.length === 0 || name.length > KEY_LEN_MAX || field.length > KEY_LEN_MAX) return -1;
    this.begin();
    const ret = this.hsetOne(name, field, value, logType);
    if (ret > 0) this.setSize(encodeHashSizeKey(name), this.hsize(name), ret);
    this.commit();
    return ret;
  }

  private hsetOne(name: string, field: string, value: Uint8Array, logType: LogType): number {
    const k = encodeHashKey(name, field);
    const old = this.store.get(k);
    if (old !== undefined && bytesEqual(old, value)) return 0;
    this.put(k, value);
    this.addLog(logType, BinlogCommand.HSET, k);
    return old === undefined ? 1 : 0;
  }

  hdel(name: string, field: string, logType: LogType = BinlogType.SYNC): Status {
    if (name.length > KEY_LEN_MAX || field.length > KEY_LEN_MAX) return -1;
    return this.deleteItem(encodeHashKey(name, field), BinlogCommand.HDEL, encodeHashSizeKey(name), this.hsize(name), logType);
  }

  /** Deletes one hash field or zset member: a record and a smaller size, or nothing if absent. */
  private deleteItem(key: string, cmd: BinlogCommandCode, sizeKey: string, size: number, logType: LogType): Status {
    if (!this.store.has(key)) return 0;
    this.begin();
    this.del(key);
    this.addLog(logType, cmd, key);
    this.setSize(sizeKey, size, -1);
    this.commit();
    return 1;
  }

  hincr(name: string, field: string, by: number, logType: LogType = BinlogType.SYNC): { readonly status: Status; readonly value: number } {
    if (name.length === 0 || field.length === 0 || name.length > KEY_LEN_MAX || field.length > KEY_LEN_MAX) return { status: -1, value: 0 };
    const value = incremented(this.hget(name, field), by);
    if (value === null) return { status: 0, value: 0 };
    this.begin();
    const ret = this.hsetOne(name, field, asciiBytes(String(value)), logType);
    if (ret > 0) this.setSize(encodeHashSizeKey(name), this.hsize(name), ret);
    this.commit();
    return { status: 1, value };
  }

  /** Fields of a hash with start < field <= end (end "" = no bound), up to `limit` (`hscan`). */
  hscan(name: string, start: string, end: string, limit: number): { key: string; value: Uint8Array }[] {
    const out: { key: string; value: Uint8Array }[] = [];
    const prefix = encodeHashKey(name, "");
    const to = end === "" ? undefined : encodeHashKey(name, end);
    for (const entry of this.store.range(encodeHashKey(name, start), { exclusive: true, ...(to !== undefined ? { end: to } : {}) })) {
      if (out.length >= limit || !entry.key.startsWith(prefix)) break;
      const decoded = decodeHashKey(entry.key);
      if (decoded === null) break;
      out.push({ key: decoded.field, value: entry.value });
    }
    return out;
  }

  hclear(name: string, logType: LogType = BinlogType.SYNC): number {
    let count = 0;
    for (const { key } of this.hscan(name, "", "", Number.MAX_SAFE_INTEGER)) count += Math.max(0, this.hdel(name, key, logType));
    return count;
  }

  /** Names from the `H` size keys with start < name <= end, up to `limit` (`hlist`). */
  hlist(start: string, end: string, limit: number): string[] {
    return this.listNames("H", start, end, limit);
  }

  private listNames(prefix: string, start: string, end: string, limit: number): string[] {
    const out: string[] = [];
    const to = end === "" ? undefined : `${prefix}${end}`;
    for (const entry of this.store.range(`${prefix}${start}`, { exclusive: true, ...(to !== undefined ? { end: to } : {}) })) {
      if (out.length >= limit || entry.key[0] !== prefix) break;
      out.push(entry.key.slice(1));
    }
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // Zset (t_zset.cpp); the score index ('z' keys) is not stored: zsets are ordered on demand

  zget(name: string, member: string): string | undefined {
    const raw = this.store.get(encodeZsetKey(name, member));
    return raw === undefined ? undefined : bytesToBinary(raw);
  }

  zsize(name: string): number {
    const raw = this.store.get(encodeZsetSizeKey(name));
    return raw === undefined ? 0 : (readI64LittleEndian(raw) ?? -1);
  }

  /** -1 error, 0 updated or unchanged (a record only if the score changed), 1 inserted. */
  zset(name: string, member: string, score: string, logType: LogType = BinlogType.SYNC): Status {
    if (name.length === 0 || member.length === 0) return 0;
    if (name.length > KEY_LEN_MAX || member.length > KEY_LEN_MAX) return -1;
    const newScore = String(parseInt64(score));
    const old = this.zget(name, member);
    if (old === newScore) return 0;
    this.begin();
    const k = encodeZsetKey(name, member);
    this.put(k, asciiBytes(newScore));
    this.addLog(logType, BinlogCommand.ZSET, k);
    const inserted = old === undefined ? 1 : 0;
    if (inserted) this.setSize(encodeZsetSizeKey(name), this.zsize(name), 1);
    this.commit();
    return inserted;
  }

  zdel(name: string, member: string, logType: LogType = BinlogType.SYNC): Status {
    if (name.length > KEY_LEN_MAX || member.length > KEY_LEN_MAX) return -1;
    return this.deleteItem(encodeZsetKey(name, member), BinlogCommand.ZDEL, encodeZsetSizeKey(name), this.zsize(name), logType);
  }

  zincr(name: string, member: string, by: number, logType: LogType = BinlogType.SYNC): { readonly status: Status; readonly value: number } {
    const old = this.zget(name, member);
    const value = (old === undefined ? 0 : parseInt64(old)) + by;
    const status = this.zset(name, member, String(value), logType);
    return { status: status < 0 ? -1 : 1, value };
  }

  /** Members of a zset in score order (then member order), as the score index would list them. */
  zmembers(name: string): { member: string; score: number }[] {
    const prefix = `s${String.fromCharCode(name.length & 0xff)}${name}`;
    const out: { member: string; score: number }[] = [];
    for (const entry of this.store.range(prefix)) {
      if (!entry.key.startsWith(prefix)) break;
      const decoded = decodeZsetKey(entry.key);
      if (decoded === null || decoded.name !== name) continue;
      out.push({ member: decoded.member, score: parseInt64(bytesToBinary(entry.value)) });
    }
    out.sort((a, b) => (a.score !== b.score ? a.score - b.score : a.member < b.member ? -1 : a.member > b.member ? 1 : 0));
    return out;
  }

  zlist(start: string, end: string, limit: number): string[] {
    return this.listNames("Z", start, end, limit);
  }

  zclear(name: string, logType: LogType = BinlogType.SYNC): number {
    let count = 0;
    for (const { member } of this.zmembers(name)) count += Math.max(0, this.zdel(name, member, logType));
    return count;
  }

  // -------------------------------------------------------------------------------------------
  // Queue (t_queue.cpp)

  qsize(name: string): number {
    const raw = this.store.get(encodeQueueSizeKey(name));
    return raw === undefined ? 0 : (readI64LittleEndian(raw) ?? -1);
  }

  private qpointer(name: string, which: bigint): bigint | undefined {
    const raw = this.store.get(encodeQueueItemKey(name, which));
    if (raw === undefined) return undefined;
    return readU64LittleEndian(raw) ?? undefined;
  }

  /** Pushes one item; returns the new size, or -1 (full queue, name too long). */
  qpush(name: string, item: Uint8Array, front: boolean, logType: LogType = BinlogType.SYNC): number {
    if (name.length > KEY_LEN_MAX) return -1;
    const which = front ? QFRONT_SEQ : QBACK_SEQ;
    const current = this.qpointer(name, which);
    let seq: bigint;
    if (current === undefined) seq = QITEM_SEQ_INIT;
    else seq = front ? current - 1n : current + 1n;
    if (seq <= QITEM_MIN_SEQ || seq >= QITEM_MAX_SEQ) return -1;
    this.begin();
    if (current === undefined) {
      this.put(encodeQueueItemKey(name, QFRONT_SEQ), u64LittleEndian(seq));
      this.put(encodeQueueItemKey(name, QBACK_SEQ), u64LittleEndian(seq));
    } else {
      this.put(encodeQueueItemKey(name, which), u64LittleEndian(seq));
    }
    const k = encodeQueueItemKey(name, seq);
    this.put(k, item);
    this.addLog(logType, front ? BinlogCommand.QPUSH_FRONT : BinlogCommand.QPUSH_BACK, k);
    const size = this.qsize(name) + 1;
    this.put(encodeQueueSizeKey(name), u64LittleEndian(BigInt(size)));
    this.commit();
    return size;
  }

  /** Pops one item: the item, or undefined for an empty queue. */
  qpop(name: string, front: boolean, logType: LogType = BinlogType.SYNC): Uint8Array | undefined {
    const which = front ? QFRONT_SEQ : QBACK_SEQ;
    const seq = this.qpointer(name, which);
    if (seq === undefined) return undefined;
    const itemKey = encodeQueueItemKey(name, seq);
    const item = this.store.get(itemKey);
    if (item === undefined) return undefined;
    this.begin();
    this.del(itemKey);
    // The record carries the raw queue name, not an encoded key (§A.4).
    this.addLog(logType, front ? BinlogCommand.QPOP_FRONT : BinlogCommand.QPOP_BACK, name);
    const size = this.qsize(name) - 1;
    if (size <= 0) {
      this.del(encodeQueueSizeKey(name));
      this.del(encodeQueueItemKey(name, QFRONT_SEQ));
      this.del(encodeQueueItemKey(name, QBACK_SEQ));
    } else {
      this.put(encodeQueueSizeKey(name), u64LittleEndian(BigInt(size)));
      this.put(encodeQueueItemKey(name, which), u64LittleEndian(front ? seq + 1n : seq - 1n));
    }
    this.commit();
    return item;
  }

  /** `qset_by_seq` (a QSET record from a master): writes an item inside the queue's range. */
  qsetBySeq(name: string, seq: bigint, item: Uint8Array, logType: LogType): Status {
    const size = this.qsize(name);
    const min = this.qpointer(name, QFRONT_SEQ) ?? 0n;
    if (seq < min || seq > min + BigInt(size)) return 0;
    this.begin();
    const k = encodeQueueItemKey(name, seq);
    this.put(k, item);
    this.addLog(logType, BinlogCommand.QSET, k);
    this.commit();
    return 1;
  }

  /** Items front to back. */
  qitems(name: string): Uint8Array[] {
    const front = this.qpointer(name, QFRONT_SEQ);
    const back = this.qpointer(name, QBACK_SEQ);
    if (front === undefined || back === undefined) return [];
    const out: Uint8Array[] = [];
    for (let seq = front; seq <= back; seq++) {
      const item = this.store.get(encodeQueueItemKey(name, seq));
      if (item !== undefined) out.push(item);
    }
    return out;
  }

  qlist(start: string, end: string, limit: number): string[] {
    return this.listNames("Q", start, end, limit);
  }

  qclear(name: string, logType: LogType = BinlogType.SYNC): number {
    let count = 0;
    while (this.qpop(name, true, logType) !== undefined) count++;
    return count;
  }

  // -------------------------------------------------------------------------------------------
  // Expiration (ttl.cpp)

  /** `set_ttl`: the key's absolute expiry (ms) goes into the expiry zset. */
  setTtl(key: string, ttlSec: number, nowUnixMs: number): Status {
    return this.zset(EXPIRE_LIST, key, String(nowUnixMs + ttlSec * 1000)) < 0 ? -1 : 0;
  }

  delTtl(key: string): void {
    this.zdel(EXPIRE_LIST, key);
  }

  /** `get_ttl`: whole seconds left (C division), or -1 without an expiry. */
  getTtl(key: string, nowUnixMs: number): number {
    const score = this.zget(EXPIRE_LIST, key);
    if (score === undefined) return -1;
    return Math.trunc((parseInt64(score) - nowUnixMs) / 1000);
  }

  private nextExpiry(): { readonly key: string; readonly atMs: number } | null {
    if (this.earliestExpiry === undefined) {
      const first = this.zmembers(EXPIRE_LIST)[0];
      this.earliestExpiry = first === undefined ? null : { key: first.member, atMs: first.score };
    }
    return this.earliestExpiry;
  }

  /** Unix ms of the next expiry, on the expiration thread's 10 ms poll grid from `bootUnixMs`. */
  nextExpiryUnixMs(bootUnixMs: number): number {
    const next = this.nextExpiry();
    if (next === null) return Infinity;
    if (next.atMs <= bootUnixMs) return bootUnixMs;
    return bootUnixMs + Math.ceil((next.atMs - bootUnixMs) / EXPIRE_POLL_MS) * EXPIRE_POLL_MS;
  }

  /** The expiration loop: deletes every due key (a KDEL, then a ZDEL on the expiry list). */
  expireDue(nowUnixMs: number): string[] {
    const expired: string[] = [];
    for (;;) {
      const next = this.nextExpiry();
      if (next === null || next.atMs > nowUnixMs) return expired;
      this.delKey(next.key);
      this.zdel(EXPIRE_LIST, next.key);
      expired.push(next.key);
    }
  }

  // -------------------------------------------------------------------------------------------
  // Key ranges (info's data_key_range)

  /** First and last names per type, as `SSDBImpl::key_range` finds them. */
  keyRange(): { kv: [string, string]; hash: [string, string]; zset: [string, string]; list: [string, string] } {
    const first = (prefix: string): string => {
      const key = this.store.firstFrom(prefix);
      return key !== undefined && key[0] === prefix ? key.slice(1) : "";
    };
    const last = (prefix: string): string => {
      const key = this.store.lastAtOrBefore(`${prefix}\xff`);
      return key !== undefined && key[0] === prefix ? key.slice(1) : "";
    };
    return {
      kv: [first("k"), last("k")],
      hash: [first("H"), last("H")],
      zset: [first("Z"), last("Z")],
      list: [first("Q"), last("Q")],
    };
  }

  /** Decodes a queue item key (the slave applying QSET/QPUSH records). */
  static decodeQueueItem(key: string): { readonly name: string; readonly seq: bigint } | null {
    return decodeQueueItemKey(key);
  }
}

const ZSET_EXPIRE_PREFIX = `s${String.fromCharCode(EXPIRE_LIST.length)}${EXPIRE_LIST}`;

/** Whether a queue item seq is a real item (not the front/back pointers). */
export function isQueueItemSeq(seq: bigint): boolean {
  return seq >= QITEM_MIN_SEQ && seq <= QITEM_MAX_SEQ;
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
