/**
 * Offsets over virtual time, per node, for the chart. A bounded column store kept outside React and
 * outside the Zustand store: it grows by one row per sample and the chart pulls from it at its own
 * pace, so recording costs nothing per render.
 */
import type { LabData } from "../store/labData.ts";

export type ChartData = [xs: number[], ...ys: (number | null)[][]];

export class OffsetHistory {
  private times: number[] = [];
  private readonly columns = new Map<string, (number | null)[]>();
  /** Bumped on every change; the chart redraws when it moved. */
  version = 0;

  constructor(
    private readonly capacity = 900,
    /** Minimum virtual time between samples. */
    private readonly minStepMs = 100,
  ) {}

  /** Adds a sample if virtual time moved on enough since the last one. */
  record(lab: LabData): void {
    const t = lab.clock.timeMs;
    const last = this.times[this.times.length - 1];
    if (last !== undefined && t < last * 1000) this.clear(); // time went backwards: a new lab
    const lastAfter = this.times[this.times.length - 1];
    if (lastAfter !== undefined && t - lastAfter * 1000 < this.minStepMs) return;
    const row = this.times.length;
    this.times.push(t / 1000);
    for (const id of lab.nodeIds) {
      let column = this.columns.get(id);
      if (!column) {
        column = new Array<number | null>(row).fill(null);
        this.columns.set(id, column);
      }
      const node = lab.nodes[id];
      column.push(node && node.status !== "down" ? node.masterReplOffset : null);
    }
    for (const [id, column] of this.columns) {
      if (column.length < this.times.length) column.push(null);
      if (lab.nodes[id] === undefined && column.every((v) => v === null)) this.columns.delete(id);
    }
    if (this.times.length > this.capacity) {
      const drop = this.times.length - this.capacity;
      this.times.splice(0, drop);
      for (const column of this.columns.values()) column.splice(0, drop);
    }
    this.version++;
  }

  clear(): void {
    this.times = [];
    this.columns.clear();
    this.version++;
  }

  get length(): number {
    return this.times.length;
  }

  /** Columns for the given nodes, in that order (missing nodes are all-null). */
  data(nodeIds: readonly string[]): ChartData {
    const ys = nodeIds.map((id) => this.columns.get(id) ?? new Array<number | null>(this.times.length).fill(null));
    return [this.times, ...ys];
  }
}
