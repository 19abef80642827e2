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

const OP_PUT = 1;
const OP_DEL = 2;
const OP_LOG = 3;
const OP_TRIM = 4;

/** A file on the disk that grows by appends, with amortized constant cost per byte. */
export class AppendFile {
  private buffer = new Uint8Array(0);
  private used = 0;

  constructor(
    private readonly disk: SimDisk,
    readonly name: string,
  ) {}

  /** Reads the file as the disk holds it (a copy, so later appends never touch the old bytes). */
  load(): Uint8Array {
    const bytes = this.disk.read(this.name) ?? new Uint8Array(0);
    this.buffer = new Uint8Array(Math.max(256, bytes.length * 2));
    this.buffer.set(bytes);
    this.used = bytes.length;
    return this.buffer.subarray(0, this.used);
  }

  get sizeBytes(): number {
    return this.used;
  }

  append(bytes: Uint8Array): void {
    const need = this.used + bytes.length;
    if (need > this.buffer.length) {
      let capacity = Math.max(256, this.buffer.length * 2);
      while (capacity < need) capacity *= 2;
      const grown = new Uint8Array(capacity);
      grown.set(this.buffer.subarray(0, this.used));
      this.buffer = grown;
    }
    this.buffer.set(bytes, this.used);
    this.used = need;
    this.disk.write(this.name, this.buffer.subarray(0, this.used));
  }

  /** Replaces the whole file (compaction). */
  replace(bytes: Uint8Array): void {
    this.buffer = new Uint8Array(Math.max(256, bytes.length * 2));
    this.buffer.set(bytes);
    this.used = bytes.length;
    this.disk.write(this.name, this.buffer.subarray(0, this.used));
  }
}

/** A small growable byte builder for encoding batches. */
class Encoder {
  private buffer = new Uint8Array(64);
  private used = 0;

  private reserve(extra: number): void {
    if (this.used + extra <= this.buffer.length) return;
    let capacity = this.buffer.length * 2;
    while (capacity < this.used + extra) capacity *= 2;
    const grown = new Uint8Array(capacity);
    grown.set(this.buffer.subarray(0, this.used));
    this.buffer = grown;
  }

  byte(value: number): void {
    this.reserve(1);
    this.buffer[this.used++] = value;
  }

  /** LEB128 of a non-negative integer up to 2^53. */
  varint(value: number): void {
    let v = value;
    while (v >= 0x80) {
      this.byte((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    this.byte(v);
  }

  binary(text: string): void {
    this.varint(text.length);
    this.reserve(text.length);
    for (let i = 0; i < text.length; i++) this.buffer[this.used++] = text.charCodeAt(i);
  }

  bytes(data: Uint8Array): void {
    this.varint(data.length);
    this.reserve(data.length);
    this.buffer.set(data, this.used);
    this.used += data.length;
  }

  finish(): Uint8Array {
    return this.buffer.slice(0, this.used);
  }
}

/** Encodes one batch (the unit a crash can never split). */
export function encodeBatch(ops: readonly LogOp[]): Uint8Array {
  const e = new Encoder();
  e.varint(ops.length);
  for (const op of ops) {
    switch (op.op) {
      case "put":
        e.byte(OP_PUT);
        e.binary(op.key);
        e.bytes(op.value);
        break;
      case "del":
        e.byte(OP_DEL);
        e.binary(op.key);
        break;
      case "log":
        e.byte(OP_LOG);
        e.varint(op.record.seq);
        e.byte(op.record.type);
        e.byte(op.record.cmd);
        e.binary(op.record.key);
        break;
      case "trim":
        e.byte(OP_TRIM);
        e.varint(op.end);
        break;
      default:
        assertNever(op);
    }
  }
  return e.finish();
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
      for (let i = 0; i < count; i++) {
        const code = byte();
        if (code === OP_PUT) ops.push({ op: "put", key: binary(), value: data() });
        else if (code === OP_DEL) ops.push({ op: "del", key: binary() });
        else if (code === OP_LOG) {
          const seq = varint();
          const type = byte();
          const cmd = byte();
          ops.push({ op: "log", record: { seq, type, cmd, key: binary() } });
        } else if (code === OP_TRIM) ops.push({ op: "trim", end: varint() });
        else throw new TornLog();
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
