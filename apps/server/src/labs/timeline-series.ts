/**
 * master_repl_offset of every node over a lab's whole history, for the offsets chart. Each sample
 * is the lab as it was at the sample's virtual time: taken from the live lab as it runs, from the
 * replay when a lab is rebuilt (a restart, an import), and by replay where a query finds a gap
 * (`fill`). A query for N points picks, for N evenly spread times, the latest sample at or before
 * each, and answers with the samples' own times, so every value is exact for the time it is given
 * with. Answers are cached until a sample is added.
 *
 * Memory is bounded: past `maxSamples`, every other sample is dropped (the history keeps its
 * span, at half the resolution).
 */
import type { Lab, NodeId, ProcessView } from "@replica-lab/engine";
import type { SeriesView } from "@replica-lab/protocol";

export class OffsetSeries {
  private times: number[] = [];
  /** Per node, its offset at each sample (null: absent, down, or without offsets). */
  private columns = new Map<NodeId, (number | null)[]>();
  private readonly cache = new Map<number, { readonly samples: number; readonly view: SeriesView }>();

  constructor(private readonly maxSamples: number) {}

  get length(): number {
    return this.times.length;
  }

  /** Records `lab` as it is (at its own virtual time), unless a sample of that time exists. */
  sample(lab: Lab): void {
    const timeMs = lab.nowMs;
    const at = this.latestAtOrBefore(timeMs) + 1;
    if (at > 0 && this.times[at - 1] === timeMs) return;
    this.times.splice(at, 0, timeMs);
    for (const id of lab.nodeIds()) {
      if (!this.columns.has(id)) this.columns.set(id, new Array<number | null>(this.times.length - 1).fill(null));
      this.columns.get(id)!.splice(at, 0, offsetOf(lab, id));
    }
    for (const column of this.columns.values()) if (column.length < this.times.length) column.splice(at, 0, null);
    if (this.times.length > this.maxSamples) this.halve();
  }

  /**
   * The samples at `points` evenly spread times over [0, `nowMs`] (fewer when there are fewer).
   * Where the nearest sample before a time is more than half a spacing older, `fill(time)` may add
   * one (by replay) and returns whether it did; it returns false once it is out of time.
   */
  view(points: number, nowMs: number, fill: (timeMs: number) => boolean = () => false): SeriesView {
    const cached = this.cache.get(points);
    if (cached !== undefined && cached.samples === this.times.length) return cached.view;
    const spacing = points > 1 ? nowMs / (points - 1) : nowMs;
    let filling = true;
    const picked: number[] = [];
    for (let p = 0; p < points; p++) {
      const target = points === 1 ? nowMs : (nowMs * p) / (points - 1);
      let i = this.latestAtOrBefore(target);
      if (filling && (i < 0 || this.times[i]! < target - spacing / 2)) {
        filling = fill(target);
        if (filling) i = this.latestAtOrBefore(target);
      }
      if (i >= 0 && picked[picked.length - 1] !== i) picked.push(i);
    }
    const nodes: Record<string, (number | null)[]> = {};
    for (const [id, column] of this.columns) nodes[id] = picked.map((at) => column[at] ?? null);
    const view: SeriesView = { timeMs: picked.map((at) => this.times[at]!), nodes };
    this.cache.clear();
    this.cache.set(points, { samples: this.times.length, view });
    return view;
  }

  /** Drops the sample taken at exactly `timeMs`, if there is one (it no longer shows that moment). */
  forget(timeMs: number): void {
    const at = this.latestAtOrBefore(timeMs);
    if (at < 0 || this.times[at] !== timeMs) return;
    this.times.splice(at, 1);
    for (const column of this.columns.values()) column.splice(at, 1);
    this.cache.clear();
  }

  /** A copy of the samples before `timeMs` (a branch's share of its parent's history). */
  before(timeMs: number): OffsetSeries {
    const copy = new OffsetSeries(this.maxSamples);
    const end = this.times.findIndex((t) => t >= timeMs);
    const count = end < 0 ? this.times.length : end;
    copy.times = this.times.slice(0, count);
    for (const [id, column] of this.columns) copy.columns.set(id, column.slice(0, count));
    return copy;
  }

  /** Index of the latest sample at or before `timeMs`, or -1. */
  private latestAtOrBefore(timeMs: number): number {
    let low = 0;
    let high = this.times.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.times[mid]! <= timeMs) low = mid + 1;
      else high = mid;
    }
    return low - 1;
  }

  private halve(): void {
    const keep = (_: unknown, i: number): boolean => i % 2 === 1 || i === this.times.length - 1;
    this.times = this.times.filter(keep);
    for (const [id, column] of this.columns) this.columns.set(id, column.filter(keep));
  }
}

/** A node's master_repl_offset, when it is up and its kind has one. */
function offsetOf(lab: Lab, id: NodeId): number | null {
  // The process's own view, not a whole node snapshot (its config file, replicas, links): every
  // lab samples each node four times a second.
  const process = lab.process(id);
  if (process === null) return null;
  const view = process.view() as ProcessView;
  return "masterReplOffset" in view && typeof view.masterReplOffset === "number" ? view.masterReplOffset : null;
}
