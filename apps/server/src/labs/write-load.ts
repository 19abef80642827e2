/**
 * The write-load generator behind the canvas's load slider: N `SET`s of pseudo-random keys per
 * wall-clock second on a node, sent pipelined on a dedicated connection (not the console, whose
 * replies answer people). It is driven by the runtime's tick, sends at most one tick's share per
 * tick, and skips a node that is down or frozen (a stopped process would only queue the writes), so
 * it can never starve the event loop or grow a queue without bound.
 */
import type { ExternalConnection, NodeId, World } from "@replica-lab/engine";

/** Distinct keys the generator writes (so keyspace size levels off). */
const KEYSPACE = 100_000;
const VALUE = "0123456789abcdef";
/** At most this much wall time is made up after a slow tick. */
const MAX_CATCH_UP_MS = 100;

interface Load {
  opsPerSec: number;
  /** Fractional SETs owed from previous ticks. */
  owed: number;
  connection: ExternalConnection | null;
}

export class WriteLoad {
  private readonly loads = new Map<NodeId, Load>();
  private random = 0x9e3779b9;
  /** SETs sent since creation (for tests and benchmarks). */
  sent = 0;

  constructor(
    private readonly world: World,
    private readonly addressOf: (id: NodeId) => string,
  ) {}

  /** Sets a node's rate; 0 stops it. */
  set(nodeId: NodeId, opsPerSec: number): void {
    const existing = this.loads.get(nodeId);
    if (opsPerSec <= 0) {
      existing?.connection?.close();
      this.loads.delete(nodeId);
      return;
    }
    if (existing) existing.opsPerSec = opsPerSec;
    else this.loads.set(nodeId, { opsPerSec, owed: 0, connection: null });
  }

  /** Forgets a node (removed from the lab). */
  forget(nodeId: NodeId): void {
    this.set(nodeId, 0);
  }

  stopAll(): void {
    for (const id of [...this.loads.keys()]) this.set(id, 0);
  }

  list(): { nodeId: NodeId; opsPerSec: number }[] {
    return [...this.loads.entries()].map(([nodeId, load]) => ({ nodeId, opsPerSec: load.opsPerSec }));
  }

  get active(): boolean {
    return this.loads.size > 0;
  }

  /** Sends the writes owed for `elapsedMs` of wall time. Returns true if anything was sent. */
  run(elapsedMs: number): boolean {
    let sentAny = false;
    const elapsed = Math.min(elapsedMs, MAX_CATCH_UP_MS);
    for (const [nodeId, load] of this.loads) {
      load.owed += (load.opsPerSec * elapsed) / 1000;
      const count = Math.floor(load.owed);
      if (count === 0) continue;
      load.owed -= count;
      const host = this.world.hosts.get(this.addressOf(nodeId));
      if (!host || host.state !== "up" || host.frozen) continue;
      if (!load.connection || load.connection.closed) {
        load.connection = this.world.connectExternal(host.address, {
          onData: () => {
            // Replies (+OK, or -READONLY on a replica) are not needed.
          },
          onClose: () => {
            load.connection = null;
          },
        });
      }
      load.connection.send(this.batch(count));
      this.sent += count;
      sentAny = true;
    }
    return sentAny;
  }

  private batch(count: number): Uint8Array {
    let text = "";
    for (let i = 0; i < count; i++) {
      // xorshift32: cheap, and nothing here needs to be unpredictable.
      let x = this.random;
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      this.random = x >>> 0;
      const key = `load:${this.random % KEYSPACE}`;
      text += `*3\r\n$3\r\nSET\r\n$${key.length}\r\n${key}\r\n$${VALUE.length}\r\n${VALUE}\r\n`;
    }
    return Buffer.from(text, "latin1");
  }
}
