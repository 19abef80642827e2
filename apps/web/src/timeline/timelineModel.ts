/**
 * The timeline's arithmetic, free of React and of the network: where a moment sits on the bar,
 * which moment a pointer position means (snapping to events near it), which event a step lands
 * on, and how events are gathered into marks, one lane per event-log group.
 */
import type { LabEvent } from "@replica-lab/protocol";
import { EVENT_GROUPS, eventGroup, type EventGroup } from "../store/eventGroups.ts";
import type { TimelineEvent } from "./timelineApi.ts";

/** The moment at `fraction` (0 = the lab's start, 1 = the live edge) of a bar ending at `endMs`. */
export function timeAtFraction(fraction: number, endMs: number): number {
  return Math.round(Math.min(1, Math.max(0, fraction)) * Math.max(0, endMs));
}

/** Where `timeMs` sits on a bar ending at `endMs`, from 0 to 1. */
export function fractionOf(timeMs: number, endMs: number): number {
  if (endMs <= 0) return 1;
  return Math.min(1, Math.max(0, timeMs / endMs));
}

/** The distinct times at which something happened, ascending. */
export function eventTimes(events: readonly Pick<TimelineEvent, "timeMs">[]): number[] {
  const out: number[] = [];
  for (const e of events) if (out[out.length - 1] !== e.timeMs) out.push(e.timeMs);
  // Events come sorted; a stray one out of order is put in its place rather than trusted.
  for (let i = 1; i < out.length; i++) {
    if (out[i]! < out[i - 1]!) return [...new Set(out)].sort((a, b) => a - b);
  }
  return out;
}

/** The last event time strictly before `fromMs`, or null when nothing happened before it. */
export function previousEventTime(times: readonly number[], fromMs: number): number | null {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! < fromMs) lo = mid + 1;
    else hi = mid;
  }
  return lo === 0 ? null : times[lo - 1]!;
}

/** The first event time strictly after `fromMs`, or null when nothing happened since. */
export function nextEventTime(times: readonly number[], fromMs: number): number | null {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (times[mid]! <= fromMs) lo = mid + 1;
    else hi = mid;
  }
  return lo === times.length ? null : times[lo]!;
}

/**
 * Where a pointer at `timeMs` lands: on the most important mark within `toleranceMs` (the nearest
 * of equals), else where it is. Marks of several lanes often share a pixel; the full resync wins
 * over the link change beside it.
 */
export function snapToMark(marks: readonly Pick<TimelineMark, "timeMs" | "kind">[], timeMs: number, toleranceMs: number): number {
  let best: Pick<TimelineMark, "timeMs" | "kind"> | null = null;
  for (const mark of marks) {
    const distance = Math.abs(mark.timeMs - timeMs);
    if (distance > toleranceMs) continue;
    if (best === null) {
      best = mark;
      continue;
    }
    const weight = kindWeight(mark.kind) - kindWeight(best.kind);
    if (weight > 0 || (weight === 0 && distance < Math.abs(best.timeMs - timeMs))) best = mark;
  }
  return best === null ? timeMs : best.timeMs;
}

/**
 * How much an event kind matters on the bar: a mark shows its most important event's kind and
 * time (so a full resync is never hidden under a link change in the same pixel).
 */
export function kindWeight(kind: string): number {
  switch (kind) {
    case "full-resync":
    case "killed":
    case "exited":
      return 4;
    case "partial-resync":
    case "timeout":
    case "role":
      return 3;
    case "disconnect":
    case "frozen":
    case "thawed":
    case "restarted":
    case "link-changed":
    case "replid":
      return 2;
    case "psync-request":
    case "node-added":
    case "node-removed":
    case "config-file":
      return 1;
    default:
      return 0;
  }
}

const FAULT_KINDS: ReadonlySet<string> = new Set(["killed", "exited", "frozen", "timeout", "disconnect", "full-resync"]);

/** Kinds drawn as faults (stronger, outlined): a crash, a freeze, a lost link, a full resync. */
export function isFault(kind: string): boolean {
  return FAULT_KINDS.has(kind);
}

/** The event-log group of a kind, "other" for a kind newer than this client. */
export function groupOfKind(kind: string): EventGroup {
  return (eventGroup(kind as LabEvent["kind"]) as EventGroup | undefined) ?? "other";
}

/** One mark on the bar: the events of one group that fall into one column. */
export interface TimelineMark {
  readonly group: EventGroup;
  /** The column (0-based) of the bar. */
  readonly column: number;
  /** The time of the most important event in the column (where a click on the mark goes). */
  readonly timeMs: number;
  /** That event's kind. */
  readonly kind: string;
  /** Every kind in the column, most important first, without repeats. */
  readonly kinds: readonly string[];
  readonly count: number;
  readonly fault: boolean;
}

/**
 * Gathers events into marks: the bar is cut into `columns` equal spans of time from 0 to `endMs`,
 * and each group's events in one span become one mark. The cost follows the events, never the
 * pixels, and the number of marks is bounded by columns × groups.
 */
export function buildMarks(events: readonly Pick<TimelineEvent, "timeMs" | "kind">[], endMs: number, columns: number): TimelineMark[] {
  const width = Math.max(1, Math.floor(columns));
  const cells = new Map<string, { group: EventGroup; column: number; best: Pick<TimelineEvent, "timeMs" | "kind">; kinds: Map<string, number>; count: number }>();
  for (const event of events) {
    const column = Math.min(width - 1, Math.floor(fractionOf(event.timeMs, endMs) * width));
    const group = groupOfKind(event.kind);
    const key = `${group}:${column}`;
    const cell = cells.get(key);
    if (cell === undefined) {
      cells.set(key, { group, column, best: event, kinds: new Map([[event.kind, kindWeight(event.kind)]]), count: 1 });
      continue;
    }
    cell.count++;
    cell.kinds.set(event.kind, kindWeight(event.kind));
    if (kindWeight(event.kind) > kindWeight(cell.best.kind)) cell.best = event;
  }
  const marks: TimelineMark[] = [];
  for (const cell of cells.values()) {
    const kinds = [...cell.kinds].sort((a, b) => b[1] - a[1]).map(([kind]) => kind);
    marks.push({ group: cell.group, column: cell.column, timeMs: cell.best.timeMs, kind: cell.best.kind, kinds, count: cell.count, fault: kinds.some(isFault) });
  }
  marks.sort((a, b) => EVENT_GROUPS.indexOf(a.group) - EVENT_GROUPS.indexOf(b.group) || a.column - b.column);
  return marks;
}

/** The lanes drawn, top to bottom: the groups that have at least one event, in the event log's order. */
export function lanesOf(marks: readonly TimelineMark[]): EventGroup[] {
  const present = new Set(marks.map((m) => m.group));
  return EVENT_GROUPS.filter((g) => present.has(g));
}

/**
 * Adds events the stream brought after the timeline was fetched: only those newer than the
 * newest one held (by sequence), so a refetch and the stream never count an event twice.
 * Returns `events` itself when nothing is new.
 */
export function withNewEvents(events: readonly TimelineEvent[], incoming: readonly TimelineEvent[]): readonly TimelineEvent[] {
  let lastSeq = 0;
  for (const e of events) if (e.seq > lastSeq) lastSeq = e.seq;
  const fresh: TimelineEvent[] = [];
  for (const e of incoming) {
    if (e.seq > lastSeq) fresh.push({ seq: e.seq, timeMs: e.timeMs, kind: e.kind, nodeId: e.nodeId, source: e.source });
  }
  if (fresh.length === 0) return events;
  const out = [...events, ...fresh];
  // Usually already in time order (the stream is); keep it so even when it is not.
  for (let i = events.length; i < out.length; i++) {
    if (i > 0 && out[i]!.timeMs < out[i - 1]!.timeMs) return out.sort((a, b) => a.timeMs - b.timeMs || a.seq - b.seq);
  }
  return out;
}
