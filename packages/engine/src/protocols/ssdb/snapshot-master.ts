/**
 * The seed-002 master (`replication.copy: snapshot`): SSDB-Evolution's `backend_sync2` thread
 * (shared/seeds/002_*.md, ssdb-and-legacy-sync.md §A.12), speaking sync140 to upstream slaves.
 *
 * Where upstream interleaves a live-iterator copy with binlog records, this master copies a pinned
 * snapshot first and streams the binlog after it; a send error mid-copy keeps the snapshot, marked
 * ABORT, so the slave resumes the copy from its last_key; `sync_speed` really throttles the copy;
 * and a slave that falls out of the binlog is reset and copied again, by the master, without a
 * human. Rules SN-1..SN-9 in SPEC.md cite the seed's code path for each.
 */
import type { ConnId } from "../../process/effects.ts";
import { ssdbEscape, MAX_COPY_PREFIX_CODE, MIN_COPY_PREFIX } from "./keys.ts";
import type { StoreSnapshot } from "./store.ts";
import { BinlogType } from "./binlog.ts";
import { COPY_BATCH_BYTES, COPY_BATCH_ITEMS, MasterLink, copyCommandOf, type MasterHost, type Sync140Request } from "./master-link.ts";

/** `CopySnapshot::status`. */
export type SnapshotStatus = "ACTIVE" | "ABORT";

/** A pinned snapshot kept for one slave host (`backend->snapshots[host]`). */
export interface PinnedSnapshot {
  readonly host: string;
  readonly snapshot: StoreSnapshot;
  /** The binlog position taken with the snapshot: copy items carry it, streaming starts after it. */
  readonly binlogSeq: number;
  status: SnapshotStatus;
  /** Virtual ms of the last status change to ABORT (`last_active`). */
  lastActiveMs: number;
  /** The link copying from it now (a resumed copy takes it over from a link still dying). */
  owner: object | null;
}

/** The default `snapshot_timeout` (the server passes no value)... */
export const SNAPSHOT_TIMEOUT_MS = 3_600_000;
/** ...checked by a cleanup thread every 30 s. */
export const SNAPSHOT_SWEEP_MS = 30_000;
/** The binlog wait: `pthread_cond_timedwait` for one second, a noop after more than 30 timeouts. */
const BINLOG_WAIT_MS = 1_000;
/** A sweep that released nothing. */
const NONE: readonly PinnedSnapshot[] = [];
const NOOP_AFTER_TIMEOUTS = 30;

/** The pinned snapshots of one master, by slave host. */
export class SnapshotRegistry {
  private readonly byHost = new Map<string, PinnedSnapshot>();

  constructor(private readonly bootMs: number) {}

  get(host: string): PinnedSnapshot | undefined {
    return this.byHost.get(host);
  }

  /** Takes a new snapshot for `host`, releasing any old one (`pre_snapshot` of a fresh copy). */
  pin(host: string, snapshot: StoreSnapshot, binlogSeq: number, nowMs: number, owner: object): PinnedSnapshot {
    this.release(host);
    const pinned: PinnedSnapshot = { host, snapshot, binlogSeq, status: "ACTIVE", lastActiveMs: nowMs, owner };
    this.byHost.set(host, pinned);
    return pinned;
  }

  release(host: string): void {
    const old = this.byHost.get(host);
    if (old === undefined) return;
    old.snapshot.release();
    this.byHost.delete(host);
  }

  /** Every pinned snapshot (views). */
  all(): PinnedSnapshot[] {
    return [...this.byHost.values()];
  }

  /** When the cleanup thread next looks (only while an ABORT snapshot exists). */
  nextSweepMs(nowMs: number): number {
    if (!this.anyInactive()) return Infinity;
    return this.bootMs + Math.floor((nowMs - this.bootMs) / SNAPSHOT_SWEEP_MS + 1) * SNAPSHOT_SWEEP_MS;
  }

  /** The cleanup pass: releases snapshots not ACTIVE whose `last_active + timeout < now` (SN-8). */
  sweep(nowMs: number): readonly PinnedSnapshot[] {
    // Asked at every node step: nothing is copied unless a snapshot may be due.
    if (!this.anyInactive()) return NONE;
    const released: PinnedSnapshot[] = [];
    for (const pinned of [...this.byHost.values()]) {
      if (pinned.status !== "ACTIVE" && pinned.lastActiveMs + SNAPSHOT_TIMEOUT_MS < nowMs) {
        this.release(pinned.host);
        released.push(pinned);
      }
    }
    return released;
  }

  private anyInactive(): boolean {
    for (const pinned of this.byHost.values()) if (pinned.status !== "ACTIVE") return true;
    return false;
  }

  releaseAll(): void {
    for (const host of [...this.byHost.keys()]) this.release(host);
  }
}

type Phase = "snapshot" | "binlog";

export class SnapshotMasterLink extends MasterLink {
  private phase: Phase = "snapshot";
  private pinned: PinnedSnapshot | null = null;
  /** Consecutive one-second binlog waits that timed out. */
  private idle = 0;

  constructor(
    host: MasterHost,
    private readonly snapshots: SnapshotRegistry,
    conn: ConnId,
    peer: string,
    request: Sync140Request,
    nowMs: number,
  ) {
    super(host, conn, peer, request, nowMs);
    this.lastSeq = request.lastSeq;
    this.lastKey = request.lastKey;
    // SN-1: `if (client.status == Client::SYNC) goto binlog;`
    if (request.lastKey === "" && request.lastSeq !== 0) {
      this.status = "SYNC";
      this.phase = "binlog";
      this.preBinlog(nowMs);
    } else {
      this.preSnapshot(nowMs);
    }
  }

  /** The pinned snapshot this link copies from (views). */
  get pinnedSnapshot(): PinnedSnapshot | null {
    return this.pinned;
  }

  /**
   * SN-2, `client.pre_snapshot()`: a slave that comes back mid-copy (non-empty last_key) with a
   * snapshot still pinned for its host resumes on that snapshot; otherwise a new snapshot is taken
   * with the binlog position that goes with it, and the copy starts (`copy_begin`).
   */
  private preSnapshot(nowMs: number): void {
    this.status = "COPY";
    this.phase = "snapshot";
    const existing = this.snapshots.get(this.peer);
    if (existing !== undefined && this.lastKey !== "") {
      existing.status = "ACTIVE";
      existing.owner = this;
      this.pinned = existing;
      this.lastSeq = existing.binlogSeq;
      this.trace("snapshot-resume", existing.binlogSeq, `copy resumes on the pinned snapshot (seq ${existing.binlogSeq}) after key '${ssdbEscape(this.lastKey)}'`);
      return;
    }
    const db = this.host.db;
    this.pinned = this.snapshots.pin(this.peer, db.store.snapshot(), db.binlog.maxSeq, nowMs, this);
    this.lastSeq = this.pinned.binlogSeq;
    this.lastKey = "";
    this.sendCopyBegin();
    this.trace("copy-begin", this.lastSeq, `full copy from a snapshot pinned at seq ${this.lastSeq}`);
  }

  protected loop(nowMs: number): void {
    this.currentMs = nowMs;
    while (!this.ended && this.wakeAtMs <= nowMs) {
      if (this.phase === "snapshot") this.copyStep(nowMs);
      else this.binlogStep(nowMs);
    }
  }

  /** A binlog record was committed: a waiting binlog loop wakes at once (the condition variable). */
  notifyBinlog(nowMs: number): void {
    if (this.ended || this.phase !== "binlog" || this.waitDeadlineMs < 0) return;
    if (this.host.db.binlog.maxSeq > this.lastSeq) this.wakeAtMs = nowMs;
  }

  /** SN-3, SN-4: one pass of the snapshot loop. */
  private copyStep(nowMs: number): void {
    if (this.status === "SYNC") {
      this.postSnapshot(nowMs);
      return;
    }
    const sent = this.copyBatch();
    if (sent <= 0) return; // `continue`: the loop sees SYNC next time round
    const batchBytes = this.bufferedBytes;
    if (!this.flush() || this.ended || this.blocked) return;
    // SN-4: the throttle is computed from the batch before the flush, so it really sleeps.
    const speed = this.host.syncSpeedMBps;
    if (speed > 0) this.wakeAtMs = nowMs + (batchBytes / (1024 * 1024) / speed) * 1000;
  }

  /** `client.copy()`: items of the pinned snapshot after last_key; SYNC once it is exhausted. */
  private copyBatch(): number {
    const pinned = this.pinned;
    if (pinned === null) return 0;
    let sent = 0;
    for (let count = 0; count < COPY_BATCH_ITEMS && this.bufferedBytes <= COPY_BATCH_BYTES; count++) {
      const entry = pinned.snapshot.next(this.lastKey === "" ? MIN_COPY_PREFIX : this.lastKey);
      if (entry === null || entry.key.charCodeAt(0) > MAX_COPY_PREFIX_CODE) {
        this.status = "SYNC";
        return sent;
      }
      this.lastKey = entry.key;
      const cmd = copyCommandOf(entry.key);
      if (cmd === null) continue;
      this.sendRecord({ seq: pinned.binlogSeq, type: BinlogType.COPY, cmd, key: entry.key }, entry.value);
      this.copiedItems++;
      sent++;
    }
    return sent;
  }

  /** `client.post_snapshot()`: `copy_end`, the snapshot released, streaming from its seq. */
  private postSnapshot(nowMs: number): void {
    this.sendCopyEnd();
    if (this.pinned?.owner === this) this.snapshots.release(this.peer);
    this.pinned = null;
    this.lastKey = "";
    this.trace("copy-end", this.lastSeq, `snapshot copied (${this.copiedItems} items); streaming the binlog from seq ${this.lastSeq + 1}`);
    if (!this.flush()) return;
    this.phase = "binlog";
    this.preBinlog(nowMs);
  }

  /** SN-5, `client.pre_binlog()`: the next record must still be there, else reset and copy again. */
  private preBinlog(nowMs: number): void {
    const binlog = this.host.db.binlog;
    const seq = this.lastSeq;
    const available = seq <= binlog.maxSeq && (seq === binlog.maxSeq || binlog.get(seq + 1) !== undefined);
    if (!available) {
      this.trace("recopy", seq, `seq ${seq} not in [${binlog.minSeq}, ${binlog.maxSeq}]: pre binlog failed, reset: the slave is copied again`);
      this.resetAndCopy(nowMs);
      return;
    }
    if (this.status === "SYNC" && this.request.lastKey === "" && this.copiedItems === 0 && seq === this.request.lastSeq) {
      this.trace("sync-recover", seq, `sync recover from seq ${seq}: no copy needed`);
      this.checkResume(seq);
    }
    this.idle = 0;
    this.wakeAtMs = nowMs;
  }

  /** SN-6, SN-7: `client.reset(); goto snapshot;`. */
  private resetAndCopy(nowMs: number): void {
    this.lastSeq = 0;
    this.lastKey = "";
    this.preSnapshot(nowMs);
    this.wakeAtMs = nowMs;
  }

  /** SN-6: one pass of the binlog loop. */
  private binlogStep(nowMs: number): void {
    if (this.status !== "SYNC") {
      this.trace("recopy", this.lastSeq, "out of sync, reset: the slave is copied again");
      this.resetAndCopy(nowMs);
      return;
    }
    const binlog = this.host.db.binlog;
    const expected = this.lastSeq + 1;
    const record = this.record;
    if (!binlog.readNext(expected, record)) {
      if (this.waitDeadlineMs < 0) {
        // EOF: wait for a write (`notifyBinlog`) or one second.
        this.waitDeadlineMs = nowMs + BINLOG_WAIT_MS;
        this.wakeAtMs = this.waitDeadlineMs;
        return;
      }
      if (nowMs < this.waitDeadlineMs) {
        this.wakeAtMs = this.waitDeadlineMs;
        return;
      }
      // The wait timed out; a noop after more than 30 of them in a row.
      this.waitDeadlineMs = -1;
      if (++this.idle > NOOP_AFTER_TIMEOUTS) {
        this.idle = 0;
        this.sendNoop();
        this.flush();
      }
      return;
    }
    this.idle = 0;
    this.waitDeadlineMs = -1;
    if (record.seq !== expected) {
      // `read binlog error`: the records after the cursor were trimmed while it lagged.
      this.status = "OUT_OF_SYNC";
      this.trace("out-of-sync", this.lastSeq, `binlog trimmed under a live link: expected seq ${expected}, oldest is ${record.seq}`);
      return;
    }
    this.lastSeq = record.seq;
    this.sendBinlogRecord(record);
    this.flush();
  }

  /** When the binlog loop's current one-second wait times out (-1: not waiting). */
  private waitDeadlineMs = -1;

  /** SN-3: a send error mid-copy marks the snapshot ABORT (kept for a resume); after it, just ends. */
  protected override onEnd(): void {
    if (this.phase === "snapshot" && this.pinned !== null && this.pinned.owner === this) {
      this.pinned.owner = null;
      this.pinned.status = "ABORT";
      this.pinned.lastActiveMs = this.currentMs;
      this.trace("snapshot-abort", this.pinned.binlogSeq, `send error mid-copy: snapshot (seq ${this.pinned.binlogSeq}) kept as ABORT for a resume after key '${ssdbEscape(this.lastKey)}'`);
    }
    this.pinned = null;
  }
}
