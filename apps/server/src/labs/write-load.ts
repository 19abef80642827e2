/**
 * The write-load generator behind the canvas's load slider: N `SET`s per wall-clock second on a
 * node. Each tick asks the lab for the writes owed since the last one; the lab draws their keys
 * from its own seed and logs the tick as a count, so a replay sends the same writes. It skips a
 * node that is down or frozen (a stopped process would only queue the writes), so it can never
 * starve the event loop or grow a queue without bound.
 */
import type { Lab, NodeId } from "@replica-lab/engine";

/** At most this much wall time is made up after a slow tick. */
const MAX_CATCH_UP_MS = 100;

interface Load {
  opsPerSec: number;
  /** Fractional SETs owed from previous ticks. */
  owed: number;
  /** Wall ms up to which this load's writes have been sent (its start, at first). */
  sentUpToMs: number;
}

export class WriteLoad {
  private readonly loads = new Map<NodeId, Load>();
  /** SETs sent since creation (for tests and benchmarks). */
  sent = 0;

  constructor(
    private readonly lab: Lab,
    /** Wall clock in ms, the one the caller's ticks read. */
    private readonly wallMs: () => number = () => performance.now(),
  ) {}

  /** Sets a node's rate; 0 stops it. */
  set(nodeId: NodeId, opsPerSec: number): void {
    const existing = this.loads.get(nodeId);
    if (opsPerSec <= 0) {
      if (existing && this.lab.hasNode(nodeId)) this.lab.stopWriteLoad(nodeId);
      this.loads.delete(nodeId);
      return;
    }
    if (existing) existing.opsPerSec = opsPerSec;
    else this.loads.set(nodeId, { opsPerSec, owed: 0, sentUpToMs: this.wallMs() });
  }

  /** Forgets a node (removed from the lab). */
  forget(nodeId: NodeId): void {
    this.set(nodeId, 0);
  }

  stopAll(): void {
    for (const id of [...this.loads.keys()]) this.set(id, 0);
  }

  /** Drops every load without telling the lab (a lab that failed: it must not be run again). */
  forgetAll(): void {
    this.loads.clear();
  }

  list(): { nodeId: NodeId; opsPerSec: number }[] {
    return [...this.loads.entries()].map(([nodeId, load]) => ({ nodeId, opsPerSec: load.opsPerSec }));
  }

  get active(): boolean {
    return this.loads.size > 0;
  }

  /**
   * Sends the writes owed up to wall time `nowMs`, each load from where it last stood (a load set
   * between two ticks owes only from when it was set). Returns true if anything was sent.
   */
  run(nowMs: number): boolean {
    let sentAny = false;
    for (const [nodeId, load] of this.loads) {
      const elapsed = Math.min(Math.max(0, nowMs - load.sentUpToMs), MAX_CATCH_UP_MS);
      load.sentUpToMs = nowMs;
      load.owed += (load.opsPerSec * elapsed) / 1000;
      const count = Math.floor(load.owed);
      if (count === 0) continue;
      load.owed -= count;
      if (!this.lab.writeLoad(nodeId, count)) continue;
      this.sent += count;
      sentAny = true;
    }
    return sentAny;
  }
}
