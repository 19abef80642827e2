/**
 * Compare protocols without React: reading a comparison (`POST /api/labs/:lab/compare`) at the
 * timeline's cursor. Each lane carries its timeline (moments with the cost so far after each), so
 * moving the cursor reads a moment again without asking the server: the cost so far, each node's
 * state, the resyncs done, the differences called out by then and the one happening now; and the
 * strips the lanes draw (each node's states over time).
 */
import type { CompareCostsView, CompareDifferenceView, CompareLaneView, CompareMomentView, CompareNodeStateView, CompareSyncView, CompareView } from "@replica-lab/protocol";

/** A lane the story was told in. */
export type ToldLane = Extract<CompareLaneView, { ok: true }>;

export const ZERO_COSTS: CompareCostsView = { fullSyncs: 0, partialSyncs: 0, resyncBytes: 0, outOfSyncMs: 0, replicasOutOfSync: 0, writesMissed: 0, keysLost: 0 };

/** Index of the last moment at or before `atMs` (-1: none), by bisection: a long story has many. */
function lastAtOrBefore(moments: readonly CompareMomentView[], atMs: number): number {
  let lo = 0;
  let hi = moments.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (moments[mid]!.atMs <= atMs) lo = mid + 1;
    else hi = mid;
  }
  return lo - 1;
}

/** The cost so far at the cursor: the last moment's, with replicas still away counted on to the cursor. */
export function costsAtCursor(lane: ToldLane, atMs: number): CompareCostsView {
  const at = lastAtOrBefore(lane.moments, atMs);
  if (at < 0) return ZERO_COSTS;
  const moment = lane.moments[at]!;
  const away = moment.costs.replicasOutOfSync * Math.max(0, atMs - moment.atMs);
  return { ...moment.costs, outOfSyncMs: moment.costs.outOfSyncMs + away };
}

/** Each node's state at the cursor (nodes not added by then are absent). */
export function nodeStatesAt(lane: ToldLane, atMs: number): Map<string, CompareNodeStateView> {
  const states = new Map<string, CompareNodeStateView>();
  const last = lastAtOrBefore(lane.moments, atMs);
  for (let i = 0; i <= last; i++) {
    const event = lane.moments[i]!.event;
    if (event.kind === "node") states.set(event.node, event.state);
  }
  return states;
}

/** The resyncs a lane had started by the cursor. */
export function syncsAt(lane: ToldLane, atMs: number): CompareSyncView[] {
  return lane.syncs.filter((s) => s.atMs <= atMs);
}

/** How long a difference stays "happening now" after its moment (virtual ms). */
export const NOW_WINDOW_MS = 3000;

/** The differences called out by the cursor, oldest first, and the one happening now (the newest within {@link NOW_WINDOW_MS}). */
export function differencesAt(view: CompareView, atMs: number): { readonly past: readonly CompareDifferenceView[]; readonly now: CompareDifferenceView | null } {
  const past = view.differences.filter((d) => d.atMs <= atMs);
  const newest = past.at(-1) ?? null;
  return { past, now: newest !== null && atMs - newest.atMs <= NOW_WINDOW_MS ? newest : null };
}

/** A stretch of one node's state, for the strip a lane draws. */
export interface StateSpan {
  readonly fromMs: number;
  readonly toMs: number;
  readonly state: CompareNodeStateView;
}

/** Each node's states over [0, endMs], in the order nodes appeared. */
export function stateSpans(lane: ToldLane, endMs: number): Map<string, StateSpan[]> {
  const spans = new Map<string, StateSpan[]>();
  const open = new Map<string, { fromMs: number; state: CompareNodeStateView }>();
  for (const moment of lane.moments) {
    if (moment.event.kind !== "node" || moment.atMs > endMs) continue;
    const { node, state } = moment.event;
    const before = open.get(node);
    if (before !== undefined && moment.atMs > before.fromMs) spans.set(node, [...(spans.get(node) ?? []), { fromMs: before.fromMs, toMs: moment.atMs, state: before.state }]);
    else if (!spans.has(node)) spans.set(node, []);
    open.set(node, { fromMs: moment.atMs, state });
  }
  for (const [node, last] of open) spans.get(node)!.push({ fromMs: last.fromMs, toMs: Math.max(endMs, last.fromMs), state: last.state });
  return spans;
}

/** What a node's state looks like in a strip: a class name per role and link. */
export function stateClass(state: CompareNodeStateView): "down" | "master" | "in-sync" | "syncing" | "link-down" {
  if (!state.up) return "down";
  if (state.role === "master") return "master";
  if (state.link === "connected") return "in-sync";
  if (state.link === "sync" || state.link === "handshake") return "syncing";
  return "link-down";
}

/** Virtual ms a live answer may fall behind the lab's present with no new event (writes make none). */
export const STALE_AFTER_MS = 10_000;

/**
 * When to ask the server again: for a live lab, when something happened since the last answer
 * (new events) or the lab went on well past it (writes make no events); and whenever the cursor
 * stands after the answer's moment. At most once per `throttleMs` of wall time, never while a
 * request is out.
 */
export function shouldRefresh(input: {
  readonly live: boolean;
  readonly busy: boolean;
  readonly seenEventSeq: number;
  readonly eventSeq: number;
  readonly lastAskedMs: number;
  readonly nowMs: number;
  readonly throttleMs: number;
  /** The answer's moment, the lab's present and the cursor (virtual ms). */
  readonly viewMs: number;
  readonly presentMs: number;
  readonly cursorMs: number;
}): boolean {
  if (input.busy || input.nowMs - input.lastAskedMs < input.throttleMs) return false;
  if (!input.live) return input.cursorMs > input.viewMs;
  return input.eventSeq !== input.seenEventSeq || input.presentMs - input.viewMs >= STALE_AFTER_MS;
}
