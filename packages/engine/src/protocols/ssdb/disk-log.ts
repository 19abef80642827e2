/**
 * How an SSDB node keeps its LevelDB databases on the host's `SimDisk`: an append-only log of write
 * batches per database, replayed at start.
 *
 * A real ssdb-server writes every batch to LevelDB before it answers, and a kill -9 loses nothing
 * the kernel already holds, so a crash keeps every committed write (the recordings restart nodes
 * after SIGKILL with all their data and binlog). The lab therefore writes through at every commit.
 * A `SimDisk` file is replaced, not appended to, so the log lives in a growing buffer and the disk
 * is given a view of its written part: bytes already written never change, so each view is an
 * honest copy of the file at that moment.
 */
import type { SimDisk } from "../../process/disk.ts";
import type { BinlogRecord } from "./binlog.ts";

/** One change inside a write batch. */
export type LogOp =
  | { readonly op: "put"; readonly key: string; readonly value: Uint8Array }
  | { readonly op: "del"; readonly key: string }
  /** A binlog record appended (its seq follows the previous one). */
  | { readonly op: "log"; readonly record: BinlogRecord }
  /** Binlog records with seq <= `end` deleted (the cleaner). */
  | { readonly op: "trim"; readonly end: number };

/** Op codes of the log (the meta file writes its puts directly). */
export const OP_PUT = 1;
const OP_DEL = 2;
const OP_LOG = 3;
const OP_TRIM = 4;
/** A log op whose record's key is the key of the op just before it in the batch (a set's KSET). */
const OP_LOG_SAME_KEY = 5;

/**
 * A growable byte buffer with the log's encodings. Batches are encoded straight into it (no
 * intermediate arrays): an SSDB node commits a batch per write, so this is on every SET's path.
 */
export class ByteWriter {
  private buffer: Uint8Array;
  private used = 0;

  /** `capacity`: the bytes expected (an exact size makes `finish` copy nothing). */
  constructor(capacity = 64) {
    this.buffer = new Uint8Array(capacity);
  }

  get length(): number {
    return this.used;
  }

  /** Makes room for `extra` more bytes, doubling (amortized constant cost per byte). */
  reserve(extra: number): void {
    const need = this.used + extra;
    if (need <= this.buffer.length) return;
    let capacity = Math.max(256, this.buffer.length * 2);
    while (capacity < need) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.used));
    this.buffer = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.used++] = value;
  }

  /** LEB128 of a non-negative integer up to 2^53 (at most 8 bytes). */
  varint(value: number): void {
    this.reserve(MAX_VARINT_BYTES);
    this.used = writeVarint(this.buffer, this.used, value);
  }

  /** A byte string's chars, without a length. */
  latin1(text: string): void {
    this.reserve(text.length);
    const buffer = this.buffer;
    let at = this.used;
    for (let i = 0; i < text.length; i++) buffer[at++] = text.charCodeAt(i);
    this.used = at;
  }

  /** A byte string with its length first. */
  binary(text: string): void {
    this.varint(text.length);
    this.latin1(text);
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.raw(data);
  }

  /**
   * Room for up to `extra` bytes written in place: the buffer to write them into, from `length`
   * on; `seal` then says where they end.
   */
  room(extra: number): Uint8Array {
    this.reserve(extra);
    return this.buffer;
  }

  /** The bytes written in place after `room` end at `end`. */
  seal(end: number): void {
    this.used = end;
  }

  /** Bytes as they are, without a length. */
  raw(data: Uint8Array): void {
    this.reserve(data.length);
    this.buffer.set(data, this.used);
    this.used += data.length;
  }

  /**
   * The bytes written so far, as a view. Nothing behind it is written again (appends go after it,
   * and growing copies into a new buffer), so the view keeps what it showed.
   */
  view(): Uint8Array {
    return this.buffer.subarray(0, this.used);
  }

  /** The bytes written, as an array of their own length. */
  finish(): Uint8Array {
    return this.used === this.buffer.length ? this.buffer : this.buffer.slice(0, this.used);
  }
}

/** Bytes of `value`'s LEB128 encoding. */
export function varintLength(value: number): number {
  let length = 1;
  for (let v = value; v >= 0x80; v = Math.floor(v / 0x80)) length++;
  return length;
}

/** A file on the disk that grows by appends, with amortized constant cost per byte. */
export class AppendFile {
  private writer = new ByteWriter(0);
  /** Appends reach the disk only at `sync` (see `SsdbDatabase.deferDiskWrites`). */
  deferred = false;
  private dirty = false;
  /**
   * A run of set batches (`appendSet`, deferred files only) that differ from the one written at
   * `runStart` only in their seq: the next `runCount` seqs from `runNextSeq - runCount` are counted,
   * not written yet, and are written (`flushRun`) before anything else is appended or the file is
   * read. Its batches have the bytes `encodeSetBatch` gives each.
   */
  private runKey: string | null = null;
  private runValue: Uint8Array | null = null;
  private runType = 0;
  private runCmd = 0;
  private runNextSeq = 0;
  private runCount = 0;
  private runStart = 0;
  /** Bytes of the run's batches before their seq (the op count, the put, the log op's code). */
  private runPrefix = 0;

  constructor(
    private readonly disk: SimDisk,
    readonly name: string,
  ) {}

  /** Reads the file as the disk holds it (a copy, so later appends never touch the old bytes). */
  load(): Uint8Array {
    this.runKey = null;
    this.runCount = 0;
    const bytes = this.disk.read(this.name) ?? new Uint8Array(0);
    this.writer = new ByteWriter(Math.max(256, bytes.length * 2));
    this.writer.raw(bytes);
    return this.writer.view();
  }

  get sizeBytes(): number {
    this.flushRun();
    return this.writer.length;
  }

  /** Appends one batch, encoded in place: the disk then holds the file with the whole batch. */
  appendBatch(ops: readonly LogOp[]): void {
    this.endRun();
    encodeBatchInto(this.writer, ops);
    this.written();
  }

  /** Appends one whole batch that `encode` writes in place (a caller's own encoding of its ops). */
  appendEncoded(encode: (out: ByteWriter) => void): void {
    this.endRun();
    encode(this.writer);
    this.written();
  }

  /**
   * Appends a `set`'s batch (`encodeSetBatch`). While appends are deferred, a batch that follows
   * one for the same key (the same string), value (the same array), type and command with the next
   * seq is only counted: such runs (a hot key set again and again, on a master and on each slave)
   * are written at the next `sync` (or before anything else), copied from the run's first batch
   * with their seqs put in, the same bytes at a fraction of the cost.
   */
  appendSet(key: string, value: Uint8Array, logged: boolean, seq: number, type: number, cmd: number): void {
    if (seq === this.runNextSeq && key === this.runKey && value === this.runValue && logged && type === this.runType && cmd === this.runCmd && this.deferred) {
      this.runCount++;
      this.runNextSeq = seq + 1;
      this.dirty = true;
      return;
    }
    this.endRun();
    const start = this.writer.length;
    encodeSetBatch(this.writer, key, value, logged, seq, type, cmd);
    if (logged && this.deferred) {
      this.runKey = key;
      this.runValue = value;
      this.runType = type;
      this.runCmd = cmd;
      this.runNextSeq = seq + 1;
      this.runCount = 0;
      this.runStart = start;
      this.runPrefix = 2 + varintLength(key.length) + key.length + varintLength(value.length) + value.length + 1;
    }
    this.written();
  }

  /** `appendSet` of `count` batches with seqs from `seq` on, all with these fields. */
  appendSetRepeats(key: string, value: Uint8Array, logged: boolean, seq: number, count: number, type: number, cmd: number): void {
    if (count > 0 && seq === this.runNextSeq && key === this.runKey && value === this.runValue && logged && type === this.runType && cmd === this.runCmd && this.deferred) {
      this.runCount += count;
      this.runNextSeq = seq + count;
      this.dirty = true;
      return;
    }
    for (let i = 0; i < count; i++) this.appendSet(key, value, logged, logged ? seq + i : seq, type, cmd);
  }

  /** Writes the run's counted batches, and ends it. */
  private endRun(): void {
    this.flushRun();
    this.runKey = null;
    this.runValue = null;
  }

  /** Writes the run's counted batches (the run goes on). */
  private flushRun(): void {
    let left = this.runCount;
    if (left === 0) return;
    this.runCount = 0;
    const prefix = this.runPrefix;
    const writer = this.writer;
    let seq = this.runNextSeq - left;
    while (left > 0) {
      // The batches whose seqs take as many varint bytes as this one's: the same layout.
      const seqBytes = varintLength(seq);
      const groupEnd = seqBytes >= MAX_VARINT_BYTES ? Infinity : 128 ** seqBytes;
      const count = Math.min(left, groupEnd - seq);
      const size = prefix + seqBytes + 2;
      const buf = writer.room(count * size);
      const at = writer.length;
      // One batch as the run's first, with its seq...
      buf.copyWithin(at, this.runStart, this.runStart + prefix);
      let end = writeVarint(buf, at + prefix, seq);
      buf[end++] = this.runType;
      buf[end++] = this.runCmd;
      // ...copied over the group by doubling, then each copy's seq put in.
      const total = count * size;
      for (let filled = size; filled < total; ) {
        const n = Math.min(filled, total - filled);
        buf.copyWithin(at + filled, at, at + n);
        filled += n;
      }
      for (let i = 1, pos = at + size + prefix; i < count; i++, pos += size) writeVarint(buf, pos, seq + i);
      writer.seal(at + total);
      seq += count;
      left -= count;
    }
  }

  private written(): void {
    if (this.deferred) this.dirty = true;
    else this.disk.write(this.name, this.writer.view());
  }

  /** Puts on the disk what deferred appends held back. */
  sync(): void {
    if (!this.dirty) return;
    this.dirty = false;
    this.flushRun();
    this.disk.write(this.name, this.writer.view());
  }

  /** Replaces the whole file (compaction). */
  replace(bytes: Uint8Array): void {
    this.endRun();
    this.writer = new ByteWriter(Math.max(256, bytes.length * 2));
    this.writer.raw(bytes);
    this.written();
  }
}

/** Encodes one batch (the unit a crash can never split). */
export function encodeBatch(ops: readonly LogOp[]): Uint8Array {
  const e = new ByteWriter();
  encodeBatchInto(e, ops);
  return e.finish();
}

function encodeBatchInto(e: ByteWriter, ops: readonly LogOp[]): void {
  e.varint(ops.length);
  for (const op of ops) {
    switch (op.op) {
      case "put":
        encodePut(e, op.key, op.value);
        break;
      case "del":
        e.byte(OP_DEL);
        e.binary(op.key);
        break;
      case "log":
        encodeLog(e, op.record.seq, op.record.type, op.record.cmd, op.record.key);
        break;
      case "trim":
        e.byte(OP_TRIM);
        e.varint(op.end);
        break;
      default:
        assertNever(op);
    }
  }
}

/** A put op: its code, the key, the value. */
export function encodePut(e: ByteWriter, key: string, value: Uint8Array): void {
  e.byte(OP_PUT);
  e.binary(key);
  e.bytes(value);
}

/** A log op: its code, then the record's seq, type, command and key. */
export function encodeLog(e: ByteWriter, seq: number, type: number, cmd: number, key: string): void {
  e.byte(OP_LOG);
  e.varint(seq);
  e.byte(type);
  e.byte(cmd);
  e.binary(key);
}

/**
 * The batch of a `set`: a put of `key`, then (when `logged`) its record, written in one pass (every
 * SET on every node comes here). The record does not repeat the key the put just wrote
 * (`OP_LOG_SAME_KEY`): a SET's batch takes 31 bytes instead of 50 with redis-benchmark's key, and
 * the log keeps every batch until a compaction.
 */
export function encodeSetBatch(e: ByteWriter, key: string, value: Uint8Array, logged: boolean, seq: number, type: number, cmd: number): void {
  const buf = e.room(2 + MAX_VARINT_BYTES + key.length + MAX_VARINT_BYTES + value.length + 1 + MAX_VARINT_BYTES + 2);
  let at = e.length;
  buf[at++] = logged ? 2 : 1;
  buf[at++] = OP_PUT;
  at = writeVarint(buf, at, key.length);
  for (let i = 0; i < key.length; i++) buf[at++] = key.charCodeAt(i);
  at = writeVarint(buf, at, value.length);
  at = copyInto(buf, at, value);
  if (logged) {
    buf[at++] = OP_LOG_SAME_KEY;
    at = writeVarint(buf, at, seq);
    buf[at++] = type;
    buf[at++] = cmd;
  }
  e.seal(at);
}

/**
 * Copies `data` into `buf` at `at`; returns where it ends. A short value goes by a loop: calling
 * `set` costs more than copying a few bytes.
 */
export function copyInto(buf: Uint8Array, at: number, data: Uint8Array): number {
  if (data.length > 32) {
    buf.set(data, at);
    return at + data.length;
  }
  for (let i = 0; i < data.length; i++) buf[at + i] = data[i]!;
  return at + data.length;
}

/** The most bytes a varint of a safe integer takes. */
const MAX_VARINT_BYTES = 8;

/** Writes `value`'s LEB128 at `at`; returns where it ends (as `ByteWriter.varint`). */
function writeVarint(buf: Uint8Array, at: number, value: number): number {
  if (value < 0x8000_0000) {
    // Integer arithmetic while the value fits 31 bits (lengths, and seqs for a long while).
    let v = value;
    while (v >= 0x80) {
      buf[at++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[at++] = v;
    return at;
  }
  let v = value;
  while (v >= 0x80) {
    buf[at++] = (v % 0x80) | 0x80;
    v = Math.floor(v / 0x80);
  }
  buf[at++] = v;
  return at;
}

/**
 * Decodes a whole log, calling `apply` for each op in order. A torn tail (an incomplete last batch)
 * is ignored, as LevelDB ignores a torn log record.
 */
export function replayLog(bytes: Uint8Array, apply: (op: LogOp) => void): void {
  let at = 0;
  const varint = (): number => {
    let value = 0;
    let scale = 1;
    for (;;) {
      if (at >= bytes.length) throw new TornLog();
      const b = bytes[at++]!;
      value += (b & 0x7f) * scale;
      if (b < 0x80) return value;
      scale *= 0x80;
    }
  };
  const binary = (): string => {
    const length = varint();
    if (at + length > bytes.length) throw new TornLog();
    let out = "";
    for (let i = 0; i < length; i++) out += String.fromCharCode(bytes[at + i]!);
    at += length;
    return out;
  };
  const data = (): Uint8Array => {
    const length = varint();
    if (at + length > bytes.length) throw new TornLog();
    const out = bytes.slice(at, at + length);
    at += length;
    return out;
  };
  const byte = (): number => {
    if (at >= bytes.length) throw new TornLog();
    return bytes[at++]!;
  };
  while (at < bytes.length) {
    const ops: LogOp[] = [];
    try {
      const count = varint();
      /** The key of the batch's op before this one (for `OP_LOG_SAME_KEY`). */
      let previousKey: string | null = null;
      for (let i = 0; i < count; i++) {
        const code = byte();
        if (code === OP_PUT) {
          const key = binary();
          ops.push({ op: "put", key, value: data() });
          previousKey = key;
        } else if (code === OP_DEL) {
          previousKey = binary();
          ops.push({ op: "del", key: previousKey });
        } else if (code === OP_LOG || code === OP_LOG_SAME_KEY) {
          const seq = varint();
          const type = byte();
          const cmd = byte();
          const key: string | null = code === OP_LOG ? binary() : previousKey;
          if (key === null) throw new TornLog();
          ops.push({ op: "log", record: { seq, type, cmd, key } });
          previousKey = key;
        } else if (code === OP_TRIM) {
          ops.push({ op: "trim", end: varint() });
          previousKey = null;
        } else throw new TornLog();
      }
    } catch (error) {
      if (error instanceof TornLog) return;
      throw error;
    }
    for (const op of ops) apply(op);
  }
}

class TornLog extends Error {}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
