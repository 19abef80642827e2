/**
 * The lab's event log: what nodes reported (trace events) and what the operator did, numbered,
 * bounded, and pushed to subscribers as it grows.
 */
import type { TraceEvent } from "../process/trace.ts";
import type { LabAction, LabEvent, NodeId } from "./types.ts";

export class EventLog {
  private readonly log: LabEvent[] = [];
  private seq = 0;
  private readonly listeners = new Set<(event: LabEvent) => void>();

  constructor(private readonly maxEvents: number) {}

  record(nodeId: NodeId | null, nodeName: string | null, source: "node" | "lab", detail: TraceEvent | LabAction, timeMs: number): void {
    const event: LabEvent = { seq: ++this.seq, timeMs, nodeId, nodeName, source, kind: detail.kind, message: detail.message, detail };
    this.log.push(event);
    if (this.log.length > this.maxEvents) this.log.splice(0, this.log.length - this.maxEvents);
    for (const listener of this.listeners) listener(event);
  }

  /** Subscribes to new events; returns an unsubscribe function. */
  subscribe(listener: (event: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events with a sequence number greater than `after`. */
  after(after = 0): LabEvent[] {
    if (after >= this.seq) return [];
    const first = this.log.findIndex((e) => e.seq > after);
    return first < 0 ? [] : this.log.slice(first);
  }

  get lastSeq(): number {
    return this.seq;
  }
}
