/**
 * SSDB's binlog: numbered records that say a key changed (never its value), kept in a queue capped
 * by a record count (ssdb-and-legacy-sync.md §A.4, `src/ssdb/binlog.cpp`).
 *
 * Rules (SPEC.md, BL-*): seqs are dense and strictly increasing; `min_seq` is 0 on a node that never
 * restarted and the first stored seq after a restart; the cleaner trims only once
 * `max_seq - min_seq >= capacity + 10000`, and then keeps exactly `capacity` records.
 */
import { bytesToBinary } from "../../util/bytes.ts";
import { sameChars } from "./keys.ts";

/** Record types (byte 8 of the header). */
export const BinlogType = { NOOP: 0, SYNC: 1, MIRROR: 2, COPY: 3, CTRL: 4 } as const;
export type BinlogTypeCode = (typeof BinlogType)[keyof typeof BinlogType];

/** Record commands (byte 9 of the header). */
export const BinlogCommand = {
  NONE: 0,
  KSET: 1,
  KDEL: 2,
  HSET: 3,
  HDEL: 4,
  ZSET: 5,
  ZDEL: 6,
  BEGIN: 7,
  END: 8,
  QPUSH_BACK: 10,
  QPUSH_FRONT: 11,
  QPOP_BACK: 12,
  QPOP_FRONT: 13,
  QSET: 14,
} as const;
export type BinlogCommandCode = (typeof BinlogCommand)[keyof typeof BinlogCommand];

/** Default capacity of a release build (`LOG_QUEUE_SIZE` with NDEBUG). */
export const DEFAULT_BINLOG_CAPACITY = 20_000_000;
/** The cleaner waits for this many records beyond the capacity before it trims. */
export const TRIM_HYSTERESIS = 10_000;
/** How often the cleaner thread looks (`usleep(50 * 1000)`). */
export const CLEANER_PERIOD_MS = 50;

/** One record: its header fields and the key after them. */
export interface BinlogRecord {
  readonly seq: number;
  readonly type: number;
  readonly cmd: number;
  /** Encoded data key (byte string); the raw queue name for QPOP_*; `OUT_OF_SYNC` for CTRL. */
  readonly key: string;
}

/** Length of the fixed header: seq (8 bytes, little-endian), type, cmd. */
export const RECORD_HEADER_BYTES = 10;

/** 2^32, to split a seq into the two 32-bit halves of its 8 header bytes. */
const TWO_32 = 0x1_0000_0000;

/** The record as it goes on the wire (block 1 of every master → slave packet). */
export function encodeRecord(record: BinlogRecord): Uint8Array {
  const out = new Uint8Array(RECORD_HEADER_BYTES + record.key.length);
  writeRecord(out, 0, record);
  return out;
}

/** Writes the record's bytes (`RECORD_HEADER_BYTES` plus its key's) at `at` in `out`. */
export function writeRecord(out: Uint8Array, at: number, record: BinlogRecord): void {
  const key = record.key;
  writeSeq(out, at, record.seq);
  out[at + 8] = record.type;
  out[at + 9] = record.cmd;
  const start = at + RECORD_HEADER_BYTES;
  for (let i = 0; i < key.length; i++) out[start + i] = key.charCodeAt(i);
}

/** A record's seq: 8 bytes, little-endian, at `at`. */
export function writeSeq(out: Uint8Array, at: number, seq: number): void {
  // A seq is a safe integer (< 2^53): its halves are exact in doubles, no BigInt per record.
  // (`>>> 0` is the seq modulo 2^32, exactly, for any safe integer.)
  const low = seq >>> 0;
  const high = (seq - low) / TWO_32;
  out[at] = low;
  out[at + 1] = low >>> 8;
  out[at + 2] = low >>> 16;
  out[at + 3] = low >>> 24;
  out[at + 4] = high;
  out[at + 5] = high >>> 8;
  out[at + 6] = high >>> 16;
  out[at + 7] = high >>> 24;
}

/** The seq of the record header at `start`. */
export function readSeq(bytes: Uint8Array, start: number): number {
  const low = (bytes[start]! | (bytes[start + 1]! << 8) | (bytes[start + 2]! << 16) | (bytes[start + 3]! << 24)) >>> 0;
  const high = (bytes[start + 4]! | (bytes[start + 5]! << 8) | (bytes[start + 6]! << 16) | (bytes[start + 7]! << 24)) >>> 0;
  // Seqs beyond 2^53 never occur in a lab; clamp rather than lose the record.
  return high >= 0x20_0000 ? Number.MAX_SAFE_INTEGER : high * TWO_32 + low;
}

/** Decodes block 1 of a packet; null when it is shorter than a header (the slave ignores it). */
export function decodeRecord(block: Uint8Array): BinlogRecord | null {
  return decodeRecordAt(block, 0, block.length);
}

/**
 * `decodeRecord` of the block at `bytes[start, end)`. A key equal to `knownKey` is given as that
 * string (a slave's records for one hot key share it: no new string, its hash already known).
 */
export function decodeRecordAt(bytes: Uint8Array, start: number, end: number, knownKey = ""): BinlogRecord | null {
  const record = emptyRecord();
  record.key = knownKey;
  return decodeRecordInto(bytes, start, end, record) ? record : null;
}

/**
 * `decodeRecordAt` into `into` (no new object; false, `into` unchanged, when the block is shorter
 * than a header). A key equal to `into.key` keeps that string.
 */
export function decodeRecordInto(bytes: Uint8Array, start: number, end: number, into: MutableBinlogRecord): boolean {
  if (end - start < RECORD_HEADER_BYTES) return false;
  into.seq = readSeq(bytes, start);
  into.type = bytes[start + 8]!;
  into.cmd = bytes[start + 9]!;
  const keyStart = start + RECORD_HEADER_BYTES;
  if (!sameChars(into.key, bytes, keyStart, end)) into.key = bytesToBinary(bytes, keyStart, end);
  return true;
}

/** A record a reader fills in place (`BinlogQueue.read`, `decodeRecordInto`): no object per record. */
export interface MutableBinlogRecord {
  seq: number;
  type: number;
  cmd: number;
  key: string;
}

/** A record to read into (`BinlogQueue.read`, `decodeRecordInto`). */
export function emptyRecord(): MutableBinlogRecord {
  return { seq: 0, type: 0, cmd: 0, key: "" };
}

/** Key bytes a queue may hold: slot offsets are 32-bit. */
const MAX_KEY_BYTES = 0xffff_ffff;

/**
 * The queue of stored records with SSDB's `min_seq`/`max_seq` bookkeeping. Records are dense (seq
 * `firstSeq + i` is the i-th stored one) and kept as bytes, as LevelDB keeps them: a type and a
 * command byte each, and their keys in one buffer. A binlog holds up to 20M records, and one object
 * (and key string) per record made every write leave garbage the collector had to copy and mark
 * again and again; a record is now made only when it is read (`get`), or read into the caller's
 * own (`read`).
 *
 * A record whose key is the string the one before it was added with (a hot key: a master's Redis
 * SETs, a slave's records for one key) shares that record's key bytes instead of copying them again
 * (slot offsets are therefore never decreasing, and a slot's key may start before the next one's).
 */
export class BinlogQueue {
  /** `min_seq_`: 0 until a restart or a trim says otherwise. */
  minSeq = 0;
  /** `last_seq`: the newest committed seq (0 when none). */
  maxSeq = 0;
  /** Seq of the record in slot 0 (meaningful while `count > head`). */
  private baseSeq = 0;
  /** Slots `[head, count)` hold the stored records. */
  private head = 0;
  private count = 0;
  private types = new Uint8Array(64);
  private cmds = new Uint8Array(64);
  /** Key of slot i: `keyBytes[keyStarts[i], keyStarts[i] + keyLengths[i])`. */
  private keyStarts = new Uint32Array(64);
  private keyLengths = new Uint32Array(64);
  private keyBytes = new Uint8Array(1024);
  /** Key bytes in use: `keyBytes[0, keyUsed)`. */
  private keyUsed = 0;
  /** The key string the newest slot was added with ("" when it may not be shared: none, moved). */
  private lastKeyAdded = "";
  /** The key of the record read last, and where its bytes lie (-1: not known). */
  private lastKeyRead = "";
  private lastReadStart = -1;
  private lastReadLength = -1;

  constructor(
    readonly capacity: number,
    readonly enabled: boolean,
  ) {}

  /** Seq of the oldest stored record, or null when none is stored. */
  get firstStoredSeq(): number | null {
    return this.count > this.head ? this.baseSeq + this.head : null;
  }

  /** Number of stored records. */
  get storedCount(): number {
    return this.count - this.head;
  }

  /** The record with exactly this seq, if stored. */
  get(seq: number): BinlogRecord | undefined {
    const slot = this.slotOf(seq);
    if (slot < 0) return undefined;
    const record = emptyRecord();
    this.fill(slot, record);
    return record;
  }

  /** `get` into `into` (no new object); false (and `into` unchanged) when not stored. */
  read(seq: number, into: MutableBinlogRecord): boolean {
    const slot = this.slotOf(seq);
    if (slot < 0) return false;
    this.fill(slot, into);
    return true;
  }

  /** `findNext` into `into`; false when no record is stored. */
  readNext(seq: number, into: MutableBinlogRecord): boolean {
    if (this.count === this.head) return false;
    return this.read(Math.max(seq, this.baseSeq + this.head), into);
  }

  /** `findLast` into `into`; false when no record is stored. */
  readLast(into: MutableBinlogRecord): boolean {
    if (this.count === this.head) return false;
    this.fill(this.count - 1, into);
    return true;
  }

  /**
   * How many stored records from `seq` on (at most `max`) have its type, command and key bytes (the
   * same slot's bytes: records added with one key string one after another): 0 when `seq` is not
   * stored.
   */
  runLength(seq: number, max: number): number {
    const first = this.slotOf(seq);
    if (first < 0) return 0;
    const end = Math.min(this.count, first + max);
    const type = this.types[first]!;
    const cmd = this.cmds[first]!;
    const start = this.keyStarts[first]!;
    const length = this.keyLengths[first]!;
    let slot = first + 1;
    while (slot < end && this.keyStarts[slot] === start && this.keyLengths[slot] === length && this.types[slot] === type && this.cmds[slot] === cmd) slot++;
    return slot - first;
  }

  /** `find_next`: the first stored record with seq >= `seq`. */
  findNext(seq: number): BinlogRecord | undefined {
    if (this.count === this.head) return undefined;
    return this.get(Math.max(seq, this.baseSeq + this.head));
  }

  /** `find_last`: the newest stored record. */
  findLast(): BinlogRecord | undefined {
    return this.count > this.head ? this.get(this.baseSeq + this.count - 1) : undefined;
  }

  /** The slot of a stored seq, or -1. */
  private slotOf(seq: number): number {
    const slot = seq - this.baseSeq;
    return slot < this.head || slot >= this.count || !Number.isInteger(slot) ? -1 : slot;
  }

  private fill(slot: number, into: MutableBinlogRecord): void {
    into.seq = this.baseSeq + slot;
    into.type = this.types[slot]!;
    into.cmd = this.cmds[slot]!;
    into.key = this.keyAt(slot);
  }

  private keyAt(slot: number): string {
    const start = this.keyStarts[slot]!;
    const length = this.keyLengths[slot]!;
    // The bytes read last (a shared key: a hot key, each slave's link reading the same records).
    if (start === this.lastReadStart && length === this.lastReadLength) return this.lastKeyRead;
    const end = start + length;
    // Records for the key the last one read had share its string: no new string, and its hash is
    // known to the store's map.
    let key = this.lastKeyRead;
    if (!sameChars(key, this.keyBytes, start, end)) key = bytesToBinary(this.keyBytes, start, end);
    this.lastKeyRead = key;
    this.lastReadStart = start;
    this.lastReadLength = length;
    return key;
  }

  /** Appends a record committed by a write batch (its seq follows the newest stored one). */
  append(record: BinlogRecord): void {
    this.add(record.seq, record.type, record.cmd, record.key);
  }

  /** `append` without a record object: the next record's fields. */
  add(seq: number, type: number, cmd: number, key: string): void {
    if (this.count === this.head) {
      // Empty: the next record starts the array again, whatever seq it has.
      this.head = 0;
      this.count = 0;
      this.baseSeq = seq;
      this.keyUsed = 0;
      this.lastKeyAdded = "";
      this.forgetRead();
    } else if (seq !== this.baseSeq + this.count) {
      throw new Error(`binlog seq ${seq} does not follow ${this.baseSeq + this.count - 1}`);
    }
    if (this.count === this.types.length) this.makeRoom();
    const slot = this.count;
    if (key === this.lastKeyAdded && key !== "") {
      // The newest slot's key again: its bytes are shared.
      this.keyStarts[slot] = this.keyStarts[slot - 1]!;
    } else {
      if (this.keyUsed + key.length > this.keyBytes.length) this.growKeys(key.length);
      const start = this.keyUsed;
      const bytes = this.keyBytes;
      for (let i = 0; i < key.length; i++) bytes[start + i] = key.charCodeAt(i);
      this.keyStarts[slot] = start;
      this.keyUsed = start + key.length;
      this.lastKeyAdded = key;
    }
    this.keyLengths[slot] = key.length;
    this.types[slot] = type;
    this.cmds[slot] = cmd;
    this.count = slot + 1;
    this.maxSeq = seq;
  }

  /** `add` of `count` records with seqs from `seq` on, all with these fields. */
  addRepeats(seq: number, count: number, type: number, cmd: number, key: string): void {
    if (count <= 0) return;
    this.add(seq, type, cmd, key);
    // The others share the bytes of the one just added.
    let left = count - 1;
    while (left > 0) {
      if (this.count === this.types.length) this.makeRoom();
      const slot = this.count;
      const n = Math.min(left, this.types.length - slot);
      this.keyStarts.fill(this.keyStarts[slot - 1]!, slot, slot + n);
      this.keyLengths.fill(key.length, slot, slot + n);
      this.types.fill(type, slot, slot + n);
      this.cmds.fill(cmd, slot, slot + n);
      this.count = slot + n;
      left -= n;
    }
    this.maxSeq = seq + count - 1;
  }

  /** A full slot array: drop the trimmed prefix if it is most of it, else double. */
  private makeRoom(): void {
    if (this.head * 2 >= this.count) {
      this.shiftDown();
      return;
    }
    const size = this.types.length * 2;
    this.types = grownCopy(this.types, new Uint8Array(size), this.count);
    this.cmds = grownCopy(this.cmds, new Uint8Array(size), this.count);
    this.keyStarts = grownCopy(this.keyStarts, new Uint32Array(size), this.count);
    this.keyLengths = grownCopy(this.keyLengths, new Uint32Array(size), this.count);
  }

  /** Room for `extra` more key bytes: drop the trimmed keys if they are most of the buffer, else double. */
  private growKeys(extra: number): void {
    if (this.head > 0 && this.keyStarts[this.head]! * 2 >= this.keyUsed) this.shiftDown();
    const used = this.keyUsed;
    if (used + extra <= this.keyBytes.length) return;
    if (used + extra > MAX_KEY_BYTES) throw new Error(`binlog keys past ${MAX_KEY_BYTES} bytes`);
    let size = this.keyBytes.length * 2;
    while (size < used + extra) size *= 2;
    this.keyBytes = grownCopy(this.keyBytes, new Uint8Array(Math.min(size, MAX_KEY_BYTES)), used);
  }

  /** Moves the stored records to slot 0 (the trimmed ones are forgotten). */
  private shiftDown(): void {
    const head = this.head;
    if (head === 0) return;
    const live = this.count - head;
    // Offsets never decrease: the first stored slot's key starts where the live bytes do.
    const keyStart = live > 0 ? this.keyStarts[head]! : this.keyUsed;
    this.types.copyWithin(0, head, this.count);
    this.cmds.copyWithin(0, head, this.count);
    this.keyLengths.copyWithin(0, head, this.count);
    this.keyBytes.copyWithin(0, keyStart, this.keyUsed);
    const starts = this.keyStarts;
    for (let i = 0; i < live; i++) starts[i] = starts[head + i]! - keyStart;
    this.keyUsed -= keyStart;
    this.baseSeq += head;
    this.head = 0;
    this.count = live;
    this.forgetRead();
  }

  /** Key bytes moved: the next read finds its key from the bytes. */
  private forgetRead(): void {
    this.lastReadStart = -1;
    this.lastReadLength = -1;
  }

  /**
   * Restores the queue from disk at start: `min_seq` is the first stored seq, `max_seq` the last
   * (both 0 when nothing is stored), as `BinlogQueue`'s constructor reads them.
   */
  restore(records: readonly BinlogRecord[]): void {
    this.head = 0;
    this.count = 0;
    for (const record of records) this.append(record);
    this.minSeq = records[0]?.seq ?? 0;
    this.maxSeq = records[records.length - 1]?.seq ?? 0;
  }

  /** The cleaner's condition: `max_seq - min_seq >= capacity + 10000`. */
  trimDue(): boolean {
    return this.enabled && this.maxSeq - this.minSeq >= this.capacity + TRIM_HYSTERESIS;
  }

  /**
   * One cleaner pass: deletes seqs `[min_seq, max_seq - capacity]` and sets
   * `min_seq = max_seq - capacity + 1`. Returns the range deleted.
   */
  trim(): { readonly start: number; readonly end: number } {
    const start = this.minSeq;
    const end = this.maxSeq - this.capacity;
    this.deleteThrough(end);
    this.minSeq = end + 1;
    return { start, end };
  }

  /** Drops stored records with seq <= `end` (a trim, or replaying one from disk). */
  deleteThrough(end: number): void {
    if (this.count === this.head) return;
    this.head = Math.min(this.count, Math.max(this.head, Math.floor(end) - this.baseSeq + 1));
    // Memory follows the retained window: a mostly dead prefix is dropped at once.
    if (this.head === this.count) {
      this.head = 0;
      this.count = 0;
      this.keyUsed = 0;
      this.lastKeyAdded = "";
      this.forgetRead();
      if (this.types.length > 1024) this.release();
    } else if (this.head > 1024 && this.head * 2 > this.count) {
      this.shiftDown();
    }
  }

  private release(): void {
    this.types = new Uint8Array(64);
    this.cmds = new Uint8Array(64);
    this.keyStarts = new Uint32Array(64);
    this.keyLengths = new Uint32Array(64);
    this.keyBytes = new Uint8Array(1024);
  }

  /** Stored records, oldest first (for compaction of the disk log). */
  *stored(): IterableIterator<BinlogRecord> {
    for (let slot = this.head; slot < this.count; slot++) {
      const record = emptyRecord();
      this.fill(slot, record);
      yield record;
    }
  }

  /** `stats()`, the `binlogs` value of `info`. */
  stats(): string {
    return `    capacity : ${this.capacity}\n    min_seq  : ${this.minSeq}\n    max_seq  : ${this.maxSeq}`;
  }
}

/** `into` with the first `length` items of `from`. */
function grownCopy<T extends Uint8Array | Uint32Array>(from: T, into: T, length: number): T {
  into.set(from.subarray(0, length));
  return into;
}
