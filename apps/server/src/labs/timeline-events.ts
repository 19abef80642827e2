/**
 * Every event of a lab's history, compactly: the lab's own event log is bounded (the newest few
 * thousand), but the timeline draws the whole history. Each event keeps only what the timeline
 * needs (sequence, time, kind, node, source) in columns, with kinds and node ids interned, so a
 * long lab costs about 20 bytes per event.
 */
import type { LabEvent, NodeId } from "@replica-lab/engine";
import type { TimelineEvent } from "@replica-lab/protocol";

const INITIAL_CAPACITY = 1024;

export class EventIndex {
  private seqs = new Float64Array(INITIAL_CAPACITY);
  private times = new Float64Array(INITIAL_CAPACITY);
  /** Interned kind and node (index + 1; 0 for none), and the source (0 node, 1 lab). */
  private kinds = new Uint16Array(INITIAL_CAPACITY);
  private nodes = new Uint16Array(INITIAL_CAPACITY);
  private sources = new Uint8Array(INITIAL_CAPACITY);
  private count = 0;
  private readonly kindNames: LabEvent["kind"][] = [];
  private readonly kindIndex = new Map<string, number>();
  private readonly nodeNames: NodeId[] = [];
  private readonly nodeIndex = new Map<string, number>();

  get length(): number {
    return this.count;
  }

  /** Bytes the columns take. */
  get bytes(): number {
    return this.seqs.byteLength + this.times.byteLength + this.kinds.byteLength + this.nodes.byteLength + this.sources.byteLength;
  }

  get lastSeq(): number {
    return this.count === 0 ? 0 : this.seqs[this.count - 1]!;
  }

  add(event: Pick<LabEvent, "seq" | "timeMs" | "kind" | "nodeId" | "source">): void {
    if (event.seq <= this.lastSeq) return;
    if (this.count === this.seqs.length) this.grow();
    const i = this.count++;
    this.seqs[i] = event.seq;
    this.times[i] = event.timeMs;
    this.kinds[i] = intern(this.kindIndex, this.kindNames, event.kind);
    this.nodes[i] = event.nodeId === null ? 0 : intern(this.nodeIndex, this.nodeNames, event.nodeId) + 1;
    this.sources[i] = event.source === "lab" ? 1 : 0;
  }

  /** The events, oldest first; with `maxSeq`, only those numbered up to it. */
  list(maxSeq = Infinity): TimelineEvent[] {
    const out: TimelineEvent[] = [];
    for (let i = 0; i < this.count && this.seqs[i]! <= maxSeq; i++) {
      const node = this.nodes[i]!;
      out.push({
        seq: this.seqs[i]!,
        timeMs: this.times[i]!,
        kind: this.kindNames[this.kinds[i]!]!,
        nodeId: node === 0 ? null : this.nodeNames[node - 1]!,
        source: this.sources[i] === 1 ? "lab" : "node",
      });
    }
    return out;
  }

  /** A copy holding the events numbered up to `maxSeq` (a branch's share of its parent's history). */
  prefix(maxSeq: number): EventIndex {
    const copy = new EventIndex();
    for (const event of this.list(maxSeq)) copy.add(event);
    return copy;
  }

  private grow(): void {
    const size = this.seqs.length * 2;
    this.seqs = resized(this.seqs, new Float64Array(size));
    this.times = resized(this.times, new Float64Array(size));
    this.kinds = resized(this.kinds, new Uint16Array(size));
    this.nodes = resized(this.nodes, new Uint16Array(size));
    this.sources = resized(this.sources, new Uint8Array(size));
  }
}

function intern<T extends string>(index: Map<string, number>, names: T[], name: T): number {
  let at = index.get(name);
  if (at === undefined) {
    at = names.length;
    names.push(name);
    index.set(name, at);
  }
  return at;
}

function resized<A extends Float64Array | Uint16Array | Uint8Array>(from: A, to: A): A {
  to.set(from);
  return to;
}
