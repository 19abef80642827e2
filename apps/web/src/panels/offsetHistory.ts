/**
 * Offsets over virtual time, per node, for the chart. A bounded column store kept outside React and
 * outside the Zustand store: it grows by one row per sample and the chart pulls from it at its own
 * pace, so recording costs nothing per render. It starts from the server's series of the whole
 * history, and when it fills up it thins its older rows rather than dropping them, so the chart
 * always reaches back to the lab's start.
 */
import { hasOffsets } from "../format/kinds.ts";
import type { LabData } from "../store/labData.ts";
import type { SeriesData } from "../timeline/timelineApi.ts";

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
    // Time went backwards: a new lab (everything goes), or a series fetched a moment ahead of the
    // stream (its newest rows go).
    this.dropAfter(t);
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
      column.push(node && node.status !== "down" && hasOffsets(node) ? node.masterReplOffset : null);
    }
    for (const [id, column] of this.columns) {
      if (column.length < this.times.length) column.push(null);
      if (lab.nodes[id] === undefined && column.every((v) => v === null)) this.columns.delete(id);
    }
    if (this.times.length > this.capacity) this.thin();
    this.version++;
  }

  /**
   * Replaces the rows with the server's series of the whole history, keeping samples recorded
   * after its last moment.
   */
  seed(series: SeriesData): void {
    const lastSec = (series.timeMs[series.timeMs.length - 1] ?? -1) / 1000;
    const keepFrom = this.times.findIndex((t) => t > lastSec);
    const kept = keepFrom < 0 ? 0 : this.times.length - keepFrom;
    const times = [...series.timeMs.map((ms) => ms / 1000), ...this.times.slice(this.times.length - kept)];
    const ids = new Set([...Object.keys(series.nodes), ...this.columns.keys()]);
    const columns = new Map<string, (number | null)[]>();
    for (const id of ids) {
      const head = series.nodes[id] ?? new Array<number | null>(series.timeMs.length).fill(null);
      const own = this.columns.get(id);
      const tail = own === undefined ? new Array<number | null>(kept).fill(null) : own.slice(own.length - kept);
      columns.set(id, [...head, ...(kept === 0 ? [] : tail)]);
    }
    this.times = times;
    this.columns.clear();
    for (const [id, column] of columns) this.columns.set(id, column);
    while (this.times.length > this.capacity) this.thin();
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

  /**
   * Columns for the given nodes, in that order (missing nodes are all-null); with `untilMs`, only
   * the rows up to that moment (the chart of a past moment ends there).
   */
  data(nodeIds: readonly string[], untilMs: number | null = null): ChartData {
    const rows = untilMs === null ? this.times.length : this.rowsUntil(untilMs);
    const cut = <T>(column: T[]): T[] => (rows === column.length ? column : column.slice(0, rows));
    const ys = nodeIds.map((id) => cut(this.columns.get(id) ?? new Array<number | null>(this.times.length).fill(null)));
    return [cut(this.times), ...ys];
  }

  /** How many rows lie at or before `untilMs`. */
  private rowsUntil(untilMs: number): number {
    let lo = 0;
    let hi = this.times.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      // Times are kept in seconds: a hair of slack so that a row at exactly `untilMs` counts.
      if (this.times[mid]! * 1000 <= untilMs + 1e-6) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private dropAfter(timeMs: number): void {
    const rows = this.rowsUntil(timeMs);
    if (rows === this.times.length) return;
    this.times.length = rows;
    for (const column of this.columns.values()) column.length = rows;
    this.version++;
  }

  /** Halves the resolution of the older half of the rows; the newest half stays as recorded. */
  private thin(): void {
    const older = this.times.length - Math.floor(this.capacity / 2);
    const keep = (_: unknown, i: number): boolean => i >= older || i % 2 === 0;
    this.times = this.times.filter(keep);
    for (const [id, column] of this.columns) this.columns.set(id, column.filter(keep));
  }
}
