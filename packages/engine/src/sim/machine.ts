/**
 * The machine a world's processes share: its memory, for the lab's budget. Used memory is what
 * every running process reports (redis's `used_memory`) plus the bytes its connections hold between
 * writer and reader (in flight, held by a partition, waiting for a frozen process). Nodes read it
 * before they accept more (see `HostMemory`); the lab reads it for its memory report.
 *
 * Reading it sums every process (the world keeps the connections' sum as it changes), so the sum
 * is kept for the rest of the world event it was taken in: one event (a pipeline of a thousand
 * SETs) asks once.
 */
import type { HostMemory, NodeProcess } from "../process/contract.ts";
import type { Host } from "./connection.ts";

/** What the machine reads from its world. */
export interface MachineView {
  readonly hosts: ReadonlyMap<string, Host>;
  /** Bytes written and not yet read over every connection (the world keeps the sum as it changes). */
  networkBytes(): number;
  /** Changes whenever the world processes an event (so a cached sum is stale). */
  eventCount(): number;
}

/** One process's share and the network's, as last summed. */
export interface MachineUsage {
  readonly limitBytes: number;
  readonly usedBytes: number;
  /** Bytes by host address, for running processes. */
  readonly processes: ReadonlyMap<string, number>;
  /** Bytes written and not yet read, over every connection. */
  readonly networkBytes: number;
}

export class Machine implements HostMemory {
  private cachedAt = -1;
  private cachedTotal = 0;
  private readonly cachedByProcess = new Map<NodeProcess, number>();

  constructor(
    readonly limitBytes: number,
    private readonly world: MachineView,
  ) {}

  othersBytes(self: NodeProcess): number {
    this.refresh();
    return this.cachedTotal - (this.cachedByProcess.get(self) ?? 0);
  }

  /** What the machine holds now, by process. */
  usage(): MachineUsage {
    const processes = new Map<string, number>();
    let used = 0;
    for (const host of this.world.hosts.values()) {
      const bytes = host.state === "up" && host.process ? (host.process.memoryBytes?.() ?? 0) : 0;
      if (host.state === "up") processes.set(host.address, bytes);
      used += bytes;
    }
    const networkBytes = this.networkBytes();
    return { limitBytes: this.limitBytes, usedBytes: used + networkBytes, processes, networkBytes };
  }

  private refresh(): void {
    const at = this.world.eventCount();
    if (this.cachedAt === at) return;
    this.cachedAt = at;
    this.cachedByProcess.clear();
    let total = this.networkBytes();
    for (const host of this.world.hosts.values()) {
      const process = host.process;
      if (host.state !== "up" || !process) continue;
      const bytes = process.memoryBytes?.() ?? 0;
      this.cachedByProcess.set(process, bytes);
      total += bytes;
    }
    this.cachedTotal = total;
  }

  private networkBytes(): number {
    return this.world.networkBytes();
  }
}
