/**
 * SSDB's binlog: numbered records that say a key changed (never its value), kept in a queue capped
 * by a record count (ssdb-and-legacy-sync.md §A.4, `src/ssdb/binlog.cpp`).
 *
 * Rules (SPEC.md, BL-*): seqs are dense and strictly increasing; `min_seq` is 0 on a node that never
 * restarted and the first stored seq after a restart; the cleaner trims only once
 * `max_seq - min_seq >= capacity + 10000`, and then keeps exactly `capacity` records.
 */
import { bytesToBinary } from "../../util/bytes.ts";

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
  if (block.length < RECORD_HEADER_BYTES) return null;
  const low = (block[0]! | (block[1]! << 8) | (block[2]! << 16) | (block[3]! << 24)) >>> 0;
  const high = (block[4]! | (block[5]! << 8) | (block[6]! << 16) | (block[7]! << 24)) >>> 0;
  // Seqs beyond 2^53 never occur in a lab; clamp rather than lose the record.
  const seq = high >= 0x20_0000 ? Number.MAX_SAFE_INTEGER : high * TWO_32 + low;
  return { seq, type: block[8]!, cmd: block[9]!, key: bytesToBinary(block, RECORD_HEADER_BYTES) };
}

/**
 * The queue of stored records with SSDB's `min_seq`/`max_seq` bookkeeping. Records are dense, so
 * they are held in an array indexed by `seq - firstSeq`.
 */
export class BinlogQueue {
  /** `min_seq_`: 0 until a restart or a trim says otherwise. */
  minSeq = 0;
  /** `last_seq`: the newest committed seq (0 when none). */
  maxSeq = 0;
  private records: BinlogRecord[] = [];
  private head = 0;

  constructor(
    readonly capacity: number,
    readonly enabled: boolean,
  ) {}

  /** Seq of the oldest stored record, or null when none is stored. */
  get firstStoredSeq(): number | null {
    const first = this.records[this.head];
    return first === undefined ? null : first.seq;
  }

  /** Number of stored records. */
  get storedCount(): number {
    return this.records.length - this.head;
  }

  /** The record with exactly this seq, if stored. */
  get(seq: number): BinlogRecord | undefined {
    const first = this.firstStoredSeq;
    if (first === null || seq < first) return undefined;
    return this.records[this.head + (seq - first)];
  }

  /** `find_next`: the first stored record with seq >= `seq`. */
  findNext(seq: number): BinlogRecord | undefined {
    const first = this.firstStoredSeq;
    if (first === null) return undefined;
    return this.get(Math.max(seq, first));
  }

  /** `find_last`: the newest stored record. */
  findLast(): BinlogRecord | undefined {
    return this.records.length > this.head ? this.records[this.records.length - 1] : undefined;
  }

  /** Appends records committed by a write batch (their seqs follow `maxSeq`). */
  append(record: BinlogRecord): void {
    this.records.push(record);
    this.maxSeq = record.seq;
  }

  /**
   * Restores the queue from disk at start: `min_seq` is the first stored seq, `max_seq` the last
   * (both 0 when nothing is stored), as `BinlogQueue`'s constructor reads them.
   */
  restore(records: readonly BinlogRecord[]): void {
    this.records = [...records];
    this.head = 0;
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
    while (this.head < this.records.length && this.records[this.head]!.seq <= end) this.head++;
    // Compact once the dead prefix dominates, so memory follows the retained window.
    if (this.head > 1024 && this.head * 2 > this.records.length) {
      this.records = this.records.slice(this.head);
      this.head = 0;
    }
  }

  /** Stored records, oldest first (for compaction of the disk log). */
  *stored(): IterableIterator<BinlogRecord> {
    for (let i = this.head; i < this.records.length; i++) yield this.records[i]!;
  }

  /** `stats()`, the `binlogs` value of `info`. */
  stats(): string {
    return `    capacity : ${this.capacity}\n    min_seq  : ${this.minSeq}\n    max_seq  : ${this.maxSeq}`;
  }
}
