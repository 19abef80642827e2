/**
 * The master side of one slave link: what ssdb-server's BackendSync thread does for a connection
 * that sent `sync140` (`src/backend_sync.cpp`, §A.6), in virtual time.
 *
 * `MasterLink` holds what both master behaviours share: the output buffer and its blocking-flush
 * model, the way a dead slave is noticed, and the `info` entry. `UpstreamMasterLink` is ssdb 1.9.8;
 * `snapshot-master.ts` is the seed-002 variant. Rules: SPEC.md, MS-* and SN-*.
 */
import { SOCKET_BUFFER_BYTES, type ConnId } from "../../process/effects.ts";
import type { BinlogSyncDecision, TraceEvent } from "../../process/trace.ts";
import { asciiBytes } from "../../util/bytes.ts";
import { BinlogCommand, BinlogType, emptyRecord, RECORD_HEADER_BYTES, writeRecord, writeSeq, type BinlogRecord } from "./binlog.ts";
import type { SsdbDatabase } from "./database.ts";
import { copyInto } from "./disk-log.ts";
import { MAX_COPY_PREFIX_CODE, MIN_COPY_PREFIX, ssdbEscape } from "./keys.ts";
import type { StoreSnapshot } from "./store.ts";
import { packetBlockLength, writeBlockHead } from "./wire.ts";

/** What a master link needs from its node. */
export interface MasterHost {
  readonly db: SsdbDatabase;
  send(conn: ConnId, bytes: Uint8Array): void;
  /** Asks to be told (`MasterLink.writable`) when the connection can take more bytes. */
  waitWritable(conn: ConnId): void;
  close(conn: ConnId): void;
  trace(event: TraceEvent): void;
  /** `replication.sync_speed` in MB/s (<= 0: unlimited). */
  readonly syncSpeedMBps: number;
  /**
   * Lab knowledge, not protocol: whether this dataset (since its data directory was created) ever
   * served `peer`. A slave resuming from a seq this dataset never sent it is silently diverging.
   */
  servedBefore(peer: string): boolean;
  markServed(peer: string): void;
}

/** A master link's status as `info` prints it. */
export type MasterLinkStatus = "INIT" | "OUT_OF_SYNC" | "COPY" | "SYNC";

/** The idle tick of the upstream loop (`TICK_INTERVAL_MS`)... */
export const TICK_INTERVAL_MS = 300;
/** ...and the idle ticks between noops (`NOOP_IDLES`): about one noop every 3 s. */
export const NOOP_IDLES = 3000 / TICK_INTERVAL_MS;
/** A copy step stops after this many entries or this much buffered output (`copy()`). */
export const COPY_BATCH_ITEMS = 1000;
export const COPY_BATCH_BYTES = 2 * 1024 * 1024;

const COPY_BEGIN = asciiBytes("copy_begin");
const COPY_END = asciiBytes("copy_end");
const NOOP = asciiBytes("noop");
const OUT_OF_SYNC_KEY = "OUT_OF_SYNC";
const LF = 0x0a;
/** The smallest output buffer a link takes when it needs a new one. */
const OUT_BUFFER_BYTES = 16 * 1024;

/** The parsed `sync140` request: `[sync140, last_seq, last_key, sync|mirror]`, with defaults. */
export interface Sync140Request {
  readonly lastSeq: number;
  readonly lastKey: string;
  readonly isMirror: boolean;
  /** The fourth argument as sent (SSDB-Evolution slaves send their port there). */
  readonly fourth: string;
}

/** `Client::init`'s reading of the request (`strtoull` for the seq: digits, else 0). */
export function parseSync140(req: readonly string[]): Sync140Request {
  const seqText = /^\s*\+?(\d+)/.exec(req[1] ?? "")?.[1] ?? "0";
  return { lastSeq: Number(seqText), lastKey: req[2] ?? "", isMirror: req[3] === "mirror", fourth: req[3] ?? "" };
}

/** A copy item's command for a stored key's type byte (`copy()`); null for keys a copy skips. */
export function copyCommandOf(key: string): number | null {
  switch (key[0]) {
    case "k":
      return BinlogCommand.KSET;
    case "h":
      return BinlogCommand.HSET;
    case "s":
      return BinlogCommand.ZSET;
    case "q":
      return BinlogCommand.QPUSH_BACK;
    default:
      return null;
  }
}

export abstract class MasterLink {
  status: MasterLinkStatus = "INIT";
  /** The master's cursor in its own binlog (`last_seq`): the last seq sent or skipped. */
  lastSeq = 0;
  /** The last key a copy sent (`last_key`). */
  lastKey = "";
  readonly isMirror: boolean;
  /** When the link's thread next runs (Infinity once it ended). */
  protected wakeAtMs: number;
  /**
   * Packets are written into `outBuffer` one after another; `[outStart, outEnd)` is what is queued
   * and not yet flushed. A flush hands the world a view of its part, and nothing is written there
   * again (a full buffer is replaced, not reused), so the views keep what they showed; the flushes
   * of one pass lie side by side, and the node sends them as one view (`SsdbNode.sendBytes`).
   */
  private outBuffer = new Uint8Array(0);
  private outStart = 0;
  private outEnd = 0;
  /** Bytes written to the connection and not yet handed to the host: `handBytes[handStart, handEnd)`. */
  private handBytes: Uint8Array | null = null;
  private handStart = 0;
  private handEnd = 0;
  /** The slave closed the connection; the master finds out only when it writes (SPEC MS-9). */
  private peerGone = false;
  private failedSends = 0;
  /** What the connection can take before a write blocks (the kernel's buffers, NET-8). */
  private room = SOCKET_BUFFER_BYTES;
  /** The part of a flush the connection did not take yet: the thread is blocked in `write`. */
  private unsent: Uint8Array | null = null;
  ended = false;
  /** Copy items sent over this link's life (for the view). */
  copiedItems = 0;
  /** Virtual time of the pass running now (set by `run`). */
  protected currentMs: number;
  /** The binlog record being sent, read in place (`BinlogQueue.read`). */
  protected readonly record = emptyRecord();

  constructor(
    protected readonly host: MasterHost,
    readonly conn: ConnId,
    /** The slave as the master sees it (ip:port). */
    readonly peer: string,
    readonly request: Sync140Request,
    nowMs: number,
  ) {
    this.isMirror = request.isMirror;
    this.wakeAtMs = nowMs;
    this.currentMs = nowMs;
  }

  nextWakeMs(): number {
    return this.ended ? Infinity : this.wakeAtMs;
  }

  /** Runs the thread's loop up to `nowMs`. */
  run(nowMs: number): void {
    this.loop(nowMs);
    this.handOver();
    this.dropBigBuffer();
  }

  /**
   * A buffer grown past the usual size for a run is not kept once all it holds is handed over (a
   * link keeps its buffer, and every fork and checkpoint copies it); what was sent keeps its bytes.
   */
  private dropBigBuffer(): void {
    if (this.outBuffer.length > OUT_BUFFER_BYTES && this.outEnd === this.outStart && this.handBytes === null) {
      this.outBuffer = new Uint8Array(0);
      this.outStart = 0;
      this.outEnd = 0;
    }
  }

  /** The thread's loop up to `nowMs` (`run` hands what it wrote to the host afterwards). */
  protected abstract loop(nowMs: number): void;

  /** The slave side of the connection closed (or reset). */
  peerClosed(): void {
    this.peerGone = true;
    // A write blocked on a peer that goes away fails at once.
    if (this.unsent !== null) this.end("slave-gone", "send error");
  }

  /** The thread is blocked in a flush: the slave has not read what it was sent (MS-13). */
  get blocked(): boolean {
    return this.unsent !== null;
  }

  /** The connection can take `roomBytes` more: the blocked flush goes on, and the loop after it. */
  writable(nowMs: number, roomBytes: number): void {
    this.room = roomBytes;
    const rest = this.unsent;
    if (this.ended || rest === null) return;
    this.unsent = null;
    this.write(rest, 0, rest.length);
    if (this.unsent === null) this.wakeAtMs = nowMs;
    this.handOver();
    this.dropBigBuffer();
  }

  /** Packets are queued and not yet flushed (a lone `copy_end` or CTRL waits for the first tick). */
  get hasPendingOutput(): boolean {
    return this.outEnd > this.outStart || this.unsent !== null;
  }

  /** The slave is gone but still listed (the master has not failed a send yet). */
  get isGone(): boolean {
    return this.peerGone;
  }

  protected get bufferedBytes(): number {
    return this.outEnd - this.outStart;
  }

  /** Room for `length` more queued bytes; returns where they go. */
  private claim(length: number): number {
    this.makeRoom(length);
    const at = this.outEnd;
    this.outEnd += length;
    return at;
  }

  /**
   * The output buffer can take `length` more bytes (a full one is replaced, see `outBuffer`); with
   * `exact`, a new one is sized for them (a run), not twice that.
   */
  private makeRoom(length: number, exact = false): void {
    if (this.outEnd + length > this.outBuffer.length) {
      const queued = this.outEnd - this.outStart;
      const grown = new Uint8Array(Math.max(OUT_BUFFER_BYTES, (exact ? 1 : 2) * (queued + length)));
      grown.set(this.outBuffer.subarray(this.outStart, this.outEnd));
      this.outBuffer = grown;
      this.outStart = 0;
      this.outEnd = queued;
    }
  }

  /** Queues one packet: a record, then an optional value block. */
  protected sendRecord(record: BinlogRecord, value?: Uint8Array): void {
    const length = packetBlockLength(RECORD_HEADER_BYTES + record.key.length) + (value === undefined ? 0 : packetBlockLength(value.length)) + 1;
    this.writePacket(this.claim(length), record, value);
  }

  /**
   * Sends, as `sync()` and a flush each would, the binlog records from `lastSeq + 1` on that share
   * one key's bytes, type and command (a hot key's run), when their value is there: each record's
   * packet, then a flush. Packets of such records differ only in their seq, so one is written and
   * copied, and they are flushed together (the same bytes, room and hand-over as a flush each). Only
   * whole packets that the connection takes now; the rest goes the usual way. Returns how many
   * records were sent (0: none, the usual way goes on).
   */
  protected sendRun(): number {
    if (this.peerGone || this.unsent !== null) return 0;
    const db = this.host.db;
    const binlog = db.binlog;
    const seq = this.lastSeq + 1;
    // (A record alone goes the usual way: tell that before reading it.)
    if (binlog.runLength(seq, 2) < 2) return 0;
    const record = this.record;
    binlog.read(seq, record);
    if ((record.type === BinlogType.MIRROR && this.isMirror) || (record.cmd !== BinlogCommand.KSET && record.cmd !== BinlogCommand.HSET && record.cmd !== BinlogCommand.ZSET)) return 0;
    // The store does not change during a pass: every record of the run would send this value.
    const value = db.rawGet(record.key);
    if (value === undefined) return 0;
    const recordLength = RECORD_HEADER_BYTES + record.key.length;
    const size = packetBlockLength(recordLength) + packetBlockLength(value.length) + 1;
    const fit = Math.floor(this.room / size);
    if (fit < 2) return 0;
    const count = binlog.runLength(seq, fit);
    if (count < 2) return 0;
    // A buffer that takes the whole run (at most what the connection takes now): one piece.
    this.makeRoom(count * size, true);
    const at = this.claim(count * size);
    const packet = this.outBuffer;
    this.writePacket(at, record, value);
    const total = count * size;
    for (let filled = size; filled < total; ) {
      const n = Math.min(filled, total - filled);
      packet.copyWithin(at + filled, at, at + n);
      filled += n;
    }
    // Each copy's seq: the record's first 8 bytes, after its block's length line.
    const seqAt = at + packetBlockLength(recordLength) - recordLength - 1;
    for (let i = 1; i < count; i++) writeSeq(packet, seqAt + i * size, seq + i);
    this.lastSeq = seq + count - 1;
    return count;
  }

  /** `encodePacket([encodeRecord(record), value])`, written at `at` of the output buffer. */
  private writePacket(start: number, record: BinlogRecord, value?: Uint8Array): void {
    const recordLength = RECORD_HEADER_BYTES + record.key.length;
    const packet = this.outBuffer;
    let at = writeBlockHead(packet, start, recordLength);
    writeRecord(packet, at, record);
    at += recordLength;
    packet[at++] = LF;
    if (value !== undefined) {
      at = writeBlockHead(packet, at, value.length);
      at = copyInto(packet, at, value);
      packet[at++] = LF;
    }
    packet[at] = LF;
  }

  protected sendCopyBegin(): void {
    this.host.markServed(this.peer);
    this.sendRecord({ seq: 0, type: BinlogType.COPY, cmd: BinlogCommand.BEGIN, key: "" }, COPY_BEGIN);
  }

  protected sendCopyEnd(): void {
    this.sendRecord({ seq: this.lastSeq, type: BinlogType.COPY, cmd: BinlogCommand.END, key: "" }, COPY_END);
  }

  protected sendOutOfSync(): void {
    this.sendRecord({ seq: this.lastSeq, type: BinlogType.CTRL, cmd: BinlogCommand.NONE, key: OUT_OF_SYNC_KEY });
  }

  /** `noop()`: seq 0 while a copy has sent no key yet, else the cursor. */
  protected sendNoop(): void {
    const seq = this.status === "COPY" && this.lastKey === "" ? 0 : this.lastSeq;
    this.sendRecord({ seq, type: BinlogType.NOOP, cmd: BinlogCommand.NONE, key: "" }, NOOP);
  }

  /**
   * Sends one binlog record as `sync()` does: KSET/HSET/ZSET with the value read now (nothing if the
   * key is gone), QSET/QPUSH_* with the value or an empty one, deletions and pops alone.
   */
  protected sendBinlogRecord(record: BinlogRecord): void {
    const db = this.host.db;
    switch (record.cmd) {
      case BinlogCommand.KSET:
      case BinlogCommand.HSET:
      case BinlogCommand.ZSET: {
        const value = db.rawGet(record.key);
        if (value !== undefined) this.sendRecord(record, value);
        return;
      }
      case BinlogCommand.QSET:
      case BinlogCommand.QPUSH_BACK:
      case BinlogCommand.QPUSH_FRONT:
        // A popped item goes as an empty value: the pop record that follows removes it (§A.6.3).
        this.sendRecord(record, db.rawGet(record.key) ?? new Uint8Array(0));
        return;
      case BinlogCommand.KDEL:
      case BinlogCommand.HDEL:
      case BinlogCommand.ZDEL:
      case BinlogCommand.QPOP_BACK:
      case BinlogCommand.QPOP_FRONT:
        this.sendRecord(record);
        return;
      default:
        return;
    }
  }

  /**
   * `link->flush()`: writes what is buffered. A slave that closed still takes one write (its kernel
   * answers with a reset); the next write fails, and the thread ends (SPEC MS-9). Returns false once
   * the link has ended.
   */
  protected flush(): boolean {
    if (this.outEnd === this.outStart) return true;
    const start = this.outStart;
    this.outStart = this.outEnd;
    if (this.peerGone) {
      this.failedSends++;
      if (this.failedSends >= 2) {
        this.end("slave-gone", "send error");
        return false;
      }
      return true;
    }
    this.write(this.outBuffer, start, this.outEnd);
    return true;
  }

  /**
   * A blocking write: what the connection takes goes now; the rest waits for `writable`, and until
   * then the thread does nothing (its loop, its noops, its copy all stop), as in `link->flush()`.
   */
  private write(bytes: Uint8Array, start: number, end: number): void {
    const now = Math.min(this.room, end - start);
    if (now > 0) {
      this.written(bytes, start, start + now);
      this.room -= now;
    }
    if (now === end - start) return;
    this.unsent = bytes.subarray(start + now, end);
    this.wakeAtMs = Infinity;
    this.handOver();
    this.host.waitWritable(this.conn);
  }

  /**
   * Bytes the connection took: they go to the host in one piece with the ones written just before
   * them (a pass's flushes lie side by side in the output buffer), at the latest when the link does
   * anything else the host sees (`handOver`): the same bytes at the same instant, in one view.
   */
  private written(bytes: Uint8Array, start: number, end: number): void {
    if (this.handBytes === bytes && this.handEnd === start) {
      this.handEnd = end;
      return;
    }
    this.handOver();
    this.handBytes = bytes;
    this.handStart = start;
    this.handEnd = end;
  }

  /** Sends what `written` gathered (before any other effect of the link, and after each pass). */
  protected handOver(): void {
    const bytes = this.handBytes;
    if (bytes === null) return;
    this.handBytes = null;
    this.host.send(this.conn, this.handStart === 0 && this.handEnd === bytes.length ? bytes : bytes.subarray(this.handStart, this.handEnd));
  }

  /** The thread exits: the link is dropped from `info`, the connection closed. */
  protected end(decision: BinlogSyncDecision | null, why: string): void {
    if (this.ended) return;
    this.ended = true;
    this.wakeAtMs = Infinity;
    this.handOver();
    this.onEnd();
    this.host.close(this.conn);
    if (decision !== null) this.trace(decision, this.lastSeq, `${this.peer} dropped (${why}); it stayed listed until this second failed send`);
  }

  /** Releases what the link holds (iterators, snapshots). */
  protected onEnd(): void {}

  /**
   * LAB-1: a slave that resumes (no copy) from seq > 0 of a dataset that never served it got that
   * seq from another history (this master was wiped, or it is another master): ssdb accepts it and
   * both sides say SYNC, but the slave lacks everything up to that seq. Say so, then remember it.
   */
  protected checkResume(seq: number): void {
    if (seq > 0 && !this.host.servedBefore(this.peer)) {
      this.handOver();
      this.host.trace({
        kind: "warning",
        code: "ssdb-silent-divergence",
        message: `silent divergence: ${this.peer} resumes from seq ${seq}, but this master's data never sent it anything (wiped, or another master's seqs); it will miss seqs 1..${seq} and keep what it had, while both sides show SYNC`,
      });
    }
    this.host.markServed(this.peer);
  }

  protected trace(decision: BinlogSyncDecision, seq: number, message: string): void {
    this.handOver();
    const binlog = this.host.db.binlog;
    this.host.trace({ kind: "binlog-sync", side: "master", peer: this.peer, decision, seq, minSeq: binlog.minSeq, maxSeq: binlog.maxSeq, message });
  }

  /** `Client::stats()`: the `replication` value of `info` for this link. */
  stats(): string {
    return `client ${this.peer}\n    type     : ${this.isMirror ? "mirror" : "sync"}\n    status   : ${this.status}\n    last_seq : ${this.lastSeq}`;
  }
}

/**
 * ssdb 1.9.8's BackendSync client: decision on connect, then a loop that runs `sync()` (at most one
 * binlog record) and `copy()` (a batch of items), sleeps 300 ms when idle, and sends a noop every
 * tenth idle tick. Values are read when sent. OUT_OF_SYNC is final: noops only (SPEC MS-*).
 */
export class UpstreamMasterLink extends MasterLink {
  private idle = 0;
  /** The buffer is flushed when the current 300 ms sleep ends. */
  private flushAfterSleep = false;
  /** The copy's iterator: a snapshot of the store as of its creation, and where it stands. */
  private iter: StoreSnapshot | null = null;

  constructor(host: MasterHost, conn: ConnId, peer: string, request: Sync140Request, nowMs: number) {
    super(host, conn, peer, request, nowMs);
    this.init();
  }

  /** `Client::init` (MS-1..MS-4). */
  private init(): void {
    const { lastSeq, lastKey } = this.request;
    const binlog = this.host.db.binlog;
    this.lastSeq = lastSeq;
    this.lastKey = lastKey;
    if (lastSeq !== 0 && (lastSeq > binlog.maxSeq || lastSeq < binlog.minSeq)) {
      this.status = "OUT_OF_SYNC";
      this.sendOutOfSync();
      this.trace("out-of-sync", lastSeq, `seq ${lastSeq} not in [${binlog.minSeq}, ${binlog.maxSeq}]: OUT_OF_SYNC`);
      return;
    }
    if (lastKey === "" && lastSeq !== 0) {
      this.status = "SYNC";
      this.sendCopyEnd();
      this.trace("sync-recover", lastSeq, `sync recover from seq ${lastSeq}: no copy needed`);
      this.checkResume(lastSeq);
    } else if (lastKey === "" && lastSeq === 0) {
      this.reset();
    } else {
      this.status = "COPY";
      this.trace("copy-recover", lastSeq, `copy recover from seq ${lastSeq}, key '${ssdbEscape(lastKey)}': the copy continues after it`);
      this.checkResume(lastSeq);
    }
  }

  /** `Client::reset`: a fresh copy from seq 0. */
  private reset(): void {
    this.status = "COPY";
    this.lastSeq = 0;
    this.lastKey = "";
    this.sendCopyBegin();
    this.trace("copy-begin", 0, "slave has no data (last_seq 0): full copy of the keyspace, anchored at the newest seq");
  }

  protected loop(nowMs: number): void {
    this.currentMs = nowMs;
    if (this.ended || nowMs < this.wakeAtMs) return;
    if (this.flushAfterSleep) {
      this.flushAfterSleep = false;
      if (!this.flush()) return;
    }
    while (!this.ended && this.wakeAtMs <= nowMs) this.iterate(nowMs);
  }

  /** One pass of `_run_thread`'s loop at `nowMs`. */
  private iterate(nowMs: number): void {
    // A run of a hot key's records: what as many passes with a record each would send.
    if (this.status === "SYNC" && this.sendRun() > 0) {
      this.idle = 0;
      this.flush();
      return;
    }
    let empty = true;
    if (this.status !== "OUT_OF_SYNC") {
      // sync() before copy(): sync refreshes the cursor, copy does not.
      if (this.sync()) empty = false;
      if (this.status === "COPY" && this.copy()) empty = false;
    }
    if (empty) {
      if (this.idle >= NOOP_IDLES) {
        this.idle = 0;
        this.sendNoop();
      } else {
        this.idle++;
        // usleep comes before the flush: a lone packet queued at init (copy_end of a sync recover,
        // OUT_OF_SYNC) leaves 300 ms late (SPEC MS-7).
        this.wakeAtMs = nowMs + TICK_INTERVAL_MS;
        this.flushAfterSleep = true;
        return;
      }
    } else {
      this.idle = 0;
    }
    this.flush();
  }

  /** `Client::sync`: sends at most one binlog record; true if something was sent or decided. */
  private sync(): boolean {
    const binlog = this.host.db.binlog;
    const record = this.record;
    for (;;) {
      const expected = this.lastSeq + 1;
      if (!(this.status === "COPY" && this.lastSeq === 0 ? binlog.readLast(record) : binlog.readNext(expected, record))) return false;
      if (this.status === "COPY" && record.key > this.lastKey) {
        // The copy will see this key: skip the record and rebuild the iterator (MS-5).
        this.lastSeq = record.seq;
        this.dropIterator();
        continue;
      }
      if (this.lastSeq !== 0 && record.seq !== expected) {
        this.status = "OUT_OF_SYNC";
        this.sendOutOfSync();
        this.trace("out-of-sync", this.lastSeq, `binlog trimmed under a live link: expected seq ${expected}, oldest is ${record.seq}: OUT_OF_SYNC`);
        return true;
      }
      this.lastSeq = record.seq;
      if (record.type === BinlogType.MIRROR && this.isMirror) {
        // A mirror peer never gets back what it sent; a noop every 1000 skipped seqs keeps it moving.
        if (this.lastSeq - this.lastNoopSeq >= 1000) {
          this.lastNoopSeq = this.lastSeq;
          this.sendNoop();
          return true;
        }
        continue;
      }
      this.sendBinlogRecord(record);
      return true;
    }
  }

  private lastNoopSeq = 0;

  protected override sendNoop(): void {
    if (!(this.status === "COPY" && this.lastKey === "")) this.lastNoopSeq = this.lastSeq;
    super.sendNoop();
  }

  private dropIterator(): void {
    this.iter?.release();
    this.iter = null;
  }

  /** `Client::copy`: a batch of items in key order, then `copy_end` when the keyspace is done. */
  private copy(): boolean {
    if (this.iter === null) this.iter = this.host.db.store.snapshot();
    const iter = this.iter;
    let sent = 0;
    let count = 0;
    for (;;) {
      if (++count > COPY_BATCH_ITEMS || this.bufferedBytes > COPY_BATCH_BYTES) return sent > 0;
      const entry = this.lastKey === "" ? iter.next(MIN_COPY_PREFIX) : iter.next(this.lastKey);
      if (entry === null || entry.key.charCodeAt(0) > MAX_COPY_PREFIX_CODE) break;
      this.lastKey = entry.key;
      const cmd = copyCommandOf(entry.key);
      if (cmd === null) continue;
      sent++;
      this.copiedItems++;
      this.sendRecord({ seq: this.lastSeq, type: BinlogType.COPY, cmd, key: entry.key }, entry.value);
    }
    this.status = "SYNC";
    this.dropIterator();
    this.sendCopyEnd();
    this.trace("copy-end", this.lastSeq, `copy done (${this.copiedItems} items at seq ${this.lastSeq}); streaming the binlog from seq ${this.lastSeq + 1}`);
    return true;
  }

  protected override onEnd(): void {
    this.dropIterator();
  }
}
