import { describe, expect, it } from "vitest";
import type { CompareMomentView, CompareView } from "@replica-lab/protocol";
import { costsAtCursor, differencesAt, nodeStatesAt, shouldRefresh, STALE_AFTER_MS, stateSpans, syncsAt, ZERO_COSTS, type ToldLane } from "./compareModel.ts";

const sync = (kind: "full" | "partial", atMs: number, bytes: number) => ({ kind, replica: "n3", master: "n1", atMs, doneMs: atMs + 1, bytes, keys: kind === "full" ? 30 : null, writesMissed: 20, keysDropped: 0 });
const costs = (patch: Partial<typeof ZERO_COSTS>) => ({ ...ZERO_COSTS, ...patch });
const moments: CompareMomentView[] = [
  { atMs: 0, event: { kind: "node", node: "n3", state: { up: true, role: "replica", link: "connect" } }, costs: ZERO_COSTS },
  { atMs: 10, event: { kind: "node", node: "n3", state: { up: true, role: "replica", link: "connected" } }, costs: ZERO_COSTS },
  { atMs: 1000, event: { kind: "out-of-sync", replica: "n3", master: "n1" }, costs: costs({ replicasOutOfSync: 1 }) },
  { atMs: 1500, event: { kind: "writes-missed", replica: "n3", count: 1 }, costs: costs({ replicasOutOfSync: 1, outOfSyncMs: 500, writesMissed: 1 }) },
  { atMs: 3000, event: { kind: "resync", sync: sync("partial", 3000, 31) }, costs: costs({ replicasOutOfSync: 1, outOfSyncMs: 2000, writesMissed: 1, partialSyncs: 1, resyncBytes: 31 }) },
  { atMs: 3001, event: { kind: "in-sync", replica: "n3", master: "n1", awayMs: 2001 }, costs: costs({ outOfSyncMs: 2001, writesMissed: 1, partialSyncs: 1, resyncBytes: 31 }) },
];
const lane: ToldLane = {
  version: "7.0",
  ok: true,
  figures: { fullSyncs: 0, partialSyncs: 1, resyncBytes: 31, outOfSyncMs: 2001, writesMissed: 1, keysLost: 0, convergedAtMs: 3001, keys: {}, keysBehind: 0 },
  syncs: [sync("partial", 3000, 31)],
  notes: [],
  marks: [],
  moments,
  timeMs: 5000,
};

describe("a comparison read at the cursor", () => {
  it("costs so far: the last moment's, with a replica still away counted on to the cursor", () => {
    expect(costsAtCursor(lane, 500)).toEqual(ZERO_COSTS);
    expect(costsAtCursor(lane, 1200).outOfSyncMs).toBe(200);
    expect(costsAtCursor(lane, 2000)).toMatchObject({ outOfSyncMs: 1000, writesMissed: 1, partialSyncs: 0 });
    expect(costsAtCursor(lane, 4000)).toMatchObject({ outOfSyncMs: 2001, partialSyncs: 1, resyncBytes: 31, replicasOutOfSync: 0 });
  });

  it("node states, resyncs and strips at the cursor", () => {
    expect(nodeStatesAt(lane, 5).get("n3")?.link).toBe("connect");
    expect(nodeStatesAt(lane, 20).get("n3")?.link).toBe("connected");
    expect(syncsAt(lane, 2999)).toEqual([]);
    expect(syncsAt(lane, 3000).length).toBe(1);
    expect(stateSpans(lane, 5000).get("n3")!.map((s) => [s.fromMs, s.toMs, s.state.link])).toEqual([
      [0, 10, "connect"],
      [10, 5000, "connected"],
    ]);
  });

  it("differences by the cursor, the newest one 'now' for a few seconds", () => {
    const difference = { atMs: 3000, replica: "n3", index: 2, parts: [], text: "" };
    const view: CompareView = { timeMs: 9000, names: {}, lanes: [lane], differences: [difference] };
    expect(differencesAt(view, 2999)).toEqual({ past: [], now: null });
    expect(differencesAt(view, 3500).now).toBe(difference);
    expect(differencesAt(view, 7000)).toEqual({ past: [difference], now: null });
  });

  it("a live lab is asked again when it changed, at most once per throttle, never twice at once", () => {
    const base = { live: true, busy: false, seenEventSeq: 4, eventSeq: 5, lastAskedMs: 0, nowMs: 5000, throttleMs: 3000, viewMs: 1000, presentMs: 2000, cursorMs: 2000 };
    expect(shouldRefresh(base)).toBe(true);
    expect(shouldRefresh({ ...base, eventSeq: 4 })).toBe(false);
    expect(shouldRefresh({ ...base, nowMs: 2000 })).toBe(false);
    expect(shouldRefresh({ ...base, busy: true })).toBe(false);
    expect(shouldRefresh({ ...base, live: false, cursorMs: 900 })).toBe(false);
    // Not yet answered, or a past cursor after the answer's moment: asked.
    expect(shouldRefresh({ ...base, live: false, viewMs: -Infinity, cursorMs: 900 })).toBe(true);
    expect(shouldRefresh({ ...base, live: false, cursorMs: 1500 })).toBe(true);
    // No event, but the lab went on (writes make none): asked again once it is well past the answer.
    expect(shouldRefresh({ ...base, eventSeq: 4, presentMs: 1000 + STALE_AFTER_MS })).toBe(true);
  });
});
