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
  // A seq is a safe integer (< 2^53): its halves are exact in doubles, no BigInt per record.
  const low = record.seq % TWO_32;
  const high = Math.floor(record.seq / TWO_32);
  out[at] = low;
  out[at + 1] = low >>> 8;
  out[at + 2] = low >>> 16;
  out[at + 3] = low >>> 24;
  out[at + 4] = high;
  out[at + 5] = high >>> 8;
  out[at + 6] = high >>> 16;
  out[at + 7] = high >>> 24;
  out[at + 8] = record.type;
  out[at + 9] = record.cmd;
  const start = at + RECORD_HEADER_BYTES;
  for (let i = 0; i < key.length; i++) out[start + i] = key.charCodeAt(i);
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
  if (end - start < RECORD_HEADER_BYTES) return null;
  const low = (bytes[start]! | (bytes[start + 1]! << 8) | (bytes[start + 2]! << 16) | (bytes[start + 3]! << 24)) >>> 0;
  const high = (bytes[start + 4]! | (bytes[start + 5]! << 8) | (bytes[start + 6]! << 16) | (bytes[start + 7]! << 24)) >>> 0;
  // Seqs beyond 2^53 never occur in a lab; clamp rather than lose the record.
  const seq = high >= 0x20_0000 ? Number.MAX_SAFE_INTEGER : high * TWO_32 + low;
  const keyStart = start + RECORD_HEADER_BYTES;
  const key = sameChars(knownKey, bytes, keyStart, end) ? knownKey : bytesToBinary(bytes, keyStart, end);
  return { seq, type: bytes[start + 8]!, cmd: bytes[start + 9]!, key };
}

/**
 * The queue of stored records with SSDB's `min_seq`/`max_seq` bookkeeping. Records are dense (seq
 * `firstSeq + i` is the i-th stored one) and kept as bytes, as LevelDB keeps them: a type and a
 * command byte each, and their keys one after another in one buffer. A binlog holds up to 20M
 * records, and one object (and key string) per record made every write leave garbage the collector
 * had to copy and mark again and again; a record is now made only when it is read (`get`).
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
  /** Key of slot i: `keyBytes[keyStarts[i], keyStarts[i + 1])`. */
  private keyStarts = new Float64Array(65);
  private keyBytes = new Uint8Array(1024);
  /** The key of the record read last (`recordAt`). */
  private lastKeyRead = "";

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
    const slot = seq - this.baseSeq;
    if (slot < this.head || slot >= this.count || !Number.isInteger(slot)) return undefined;
    return this.recordAt(slot);
  }

  /** `find_next`: the first stored record with seq >= `seq`. */
  findNext(seq: number): BinlogRecord | undefined {
    if (this.count === this.head) return undefined;
    return this.get(Math.max(seq, this.baseSeq + this.head));
  }

  /** `find_last`: the newest stored record. */
  findLast(): BinlogRecord | undefined {
    return this.count > this.head ? this.recordAt(this.count - 1) : undefined;
  }

  private recordAt(slot: number): BinlogRecord {
    const start = this.keyStarts[slot]!;
    const end = this.keyStarts[slot + 1]!;
    // Records for the key the last one read had (a hot key, each slave's link reading the same
    // records) share its string: no new string, and its hash is known to the store's map.
    let key = this.lastKeyRead;
    if (!sameChars(key, this.keyBytes, start, end)) {
      key = bytesToBinary(this.keyBytes, start, end);
      this.lastKeyRead = key;
    }
    return { seq: this.baseSeq + slot, type: this.types[slot]!, cmd: this.cmds[slot]!, key };
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
      this.keyStarts[0] = 0;
    } else if (seq !== this.baseSeq + this.count) {
      throw new Error(`binlog seq ${seq} does not follow ${this.baseSeq + this.count - 1}`);
    }
    if (this.count === this.types.length) this.makeRoom();
    if (this.keyStarts[this.count]! + key.length > this.keyBytes.length) this.growKeys(key.length);
    const slot = this.count;
    const start = this.keyStarts[slot]!;
    const end = start + key.length;
    const bytes = this.keyBytes;
    for (let i = 0; i < key.length; i++) bytes[start + i] = key.charCodeAt(i);
    this.types[slot] = type;
    this.cmds[slot] = cmd;
    this.keyStarts[slot + 1] = end;
    this.count = slot + 1;
    this.maxSeq = seq;
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
    this.keyStarts = grownCopy(this.keyStarts, new Float64Array(size + 1), this.count + 1);
  }

  /** Room for `extra` more key bytes: drop the trimmed keys if they are most of the buffer, else double. */
  private growKeys(extra: number): void {
    if (this.head > 0 && this.keyStarts[this.head]! * 2 >= this.keyStarts[this.count]!) this.shiftDown();
    const used = this.keyStarts[this.count]!;
    if (used + extra <= this.keyBytes.length) return;
    let size = this.keyBytes.length * 2;
    while (size < used + extra) size *= 2;
    this.keyBytes = grownCopy(this.keyBytes, new Uint8Array(size), used);
  }

  /** Moves the stored records to slot 0 (the trimmed ones are forgotten). */
  private shiftDown(): void {
    const head = this.head;
    if (head === 0) return;
    const live = this.count - head;
    const keyStart = this.keyStarts[head]!;
    const keyEnd = this.keyStarts[this.count]!;
    this.types.copyWithin(0, head, this.count);
    this.cmds.copyWithin(0, head, this.count);
    this.keyBytes.copyWithin(0, keyStart, keyEnd);
    const starts = this.keyStarts;
    for (let i = 0; i <= live; i++) starts[i] = starts[head + i]! - keyStart;
    this.baseSeq += head;
    this.head = 0;
    this.count = live;
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
      if (this.types.length > 1024) this.release();
    } else if (this.head > 1024 && this.head * 2 > this.count) {
      this.shiftDown();
    }
  }

  private release(): void {
    this.types = new Uint8Array(64);
    this.cmds = new Uint8Array(64);
    this.keyStarts = new Float64Array(65);
    this.keyBytes = new Uint8Array(1024);
  }

  /** Stored records, oldest first (for compaction of the disk log). */
  *stored(): IterableIterator<BinlogRecord> {
    for (let slot = this.head; slot < this.count; slot++) yield this.recordAt(slot);
  }

  /** `stats()`, the `binlogs` value of `info`. */
  stats(): string {
    return `    capacity : ${this.capacity}\n    min_seq  : ${this.minSeq}\n    max_seq  : ${this.maxSeq}`;
  }
}

/** `into` with the first `length` items of `from`. */
function grownCopy<T extends Uint8Array | Float64Array>(from: T, into: T, length: number): T {
  into.set(from.subarray(0, length));
  return into;
}
