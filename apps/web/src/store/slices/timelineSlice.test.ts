import { describe, expect, it } from "vitest";
import type { NodeId } from "@replica-lab/protocol";
import { createAppStore } from "../store.ts";
import { makeEdge, makeEvent, makeLab, makeNode, snapshotMessage, updateMessage } from "../fixtures.ts";
import type { MomentData, TimelineData } from "../../timeline/timelineApi.ts";
import { liveLabOf, viewedMs } from "./timelineSlice.ts";

const aNode = (keys: number, offset: number) => makeNode("n1", { name: "A", masterReplOffset: offset, keys });
const bNode = (keys: number, offset: number) => makeNode("n2", { name: "B", role: "replica", masterId: "n1" as NodeId, masterReplOffset: offset, keys });
const A = aNode(5, 500);
const B = bNode(5, 500);
const C = makeNode("n3", { name: "C", role: "replica", masterId: "n1" as NodeId, masterReplOffset: 500 });

function liveStore() {
  const store = createAppStore();
  store.getState().applyStream([
    snapshotMessage(makeLab([A, B, C], [makeEdge("n2", "n1"), makeEdge("n3", "n1")], { clock: { timeMs: 60_000, unixMs: 0, paused: false, speed: 1, lagMs: 0 }, lastEventSeq: 3 }), [
      makeEvent(1, { timeMs: 0 }),
      makeEvent(2, { timeMs: 40, kind: "full-resync" }),
      makeEvent(3, { timeMs: 50_000, kind: "killed" }),
    ]),
  ]);
  return store;
}

/** The lab 12 s in: A had 3 keys, C did not exist yet. */
const moment: MomentData = {
  timeMs: 12_000,
  snapshot: makeLab([aNode(3, 200), bNode(3, 200)], [makeEdge("n2", "n1")], {
    clock: { timeMs: 12_000, unixMs: 0, paused: false, speed: 1, lagMs: 0 },
    lastEventSeq: 2,
  }),
  events: [makeEvent(1, { timeMs: 0 }), makeEvent(2, { timeMs: 40, kind: "full-resync" })],
  info: null,
};

describe("time travel in the store", () => {
  it("keeps showing what it showed until the moment arrives, then shows the moment everywhere", () => {
    const store = liveStore();
    const before = store.getState().lab;
    store.getState().seekTo(12_000);
    expect(viewedMs(store.getState())).toBe(12_000);
    expect(store.getState().lab).toBe(before);
    expect(store.getState().timeView).toEqual({ kind: "past", atMs: 12_000, shownMs: null });

    store.getState().showMoment(moment);
    const s = store.getState();
    expect(s.timeView).toEqual({ kind: "past", atMs: 12_000, shownMs: 12_000 });
    expect(s.lab.clock.timeMs).toBe(12_000);
    expect(s.lab.nodeIds).toEqual(["n1", "n2"]);
    expect(s.lab.nodes["n1"]?.keys).toBe(3);
    expect(s.lab.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(s.lab.edgeIds).toEqual(["n2->n1"]);
    // The canvas follows: C's card is not there in the past.
    expect(s.canvas.flowNodes.map((n) => n.id)).toEqual(["n1", "n2"]);
    expect(liveLabOf(s)).toBe(before);
  });

  it("folds the live stream into the live copy while the past is shown, and returns to it", () => {
    const store = liveStore();
    store.getState().select({ kind: "node", id: "n3" });
    store.getState().seekTo(12_000);
    store.getState().showMoment(moment);
    expect(store.getState().selection).toBeNull(); // C did not exist 12 s in

    store.getState().applyStream([updateMessage([aNode(9, 900)], { clock: { timeMs: 61_000, unixMs: 0, paused: false, speed: 1, lagMs: 0 } })]);
    const s = store.getState();
    expect(s.lab.nodes["n1"]?.keys).toBe(3);
    expect(s.liveLab?.nodes["n1"]?.keys).toBe(9);
    expect(s.liveLab?.clock.timeMs).toBe(61_000);

    store.getState().backToLive();
    const live = store.getState();
    expect(live.timeView).toEqual({ kind: "live" });
    expect(live.liveLab).toBeNull();
    expect(live.lab.nodes["n1"]?.keys).toBe(9);
    expect(live.lab.nodeIds).toEqual(["n1", "n2", "n3"]);
    expect(live.canvas.flowNodes.map((n) => n.id)).toEqual(["n1", "n2", "n3"]);
    expect(live.lab.events.map((e) => e.seq)).toEqual([1, 2, 3]);
  });

  it("keeps unchanged nodes as the same objects between two moments", () => {
    const store = liveStore();
    store.getState().seekTo(12_000);
    store.getState().showMoment(moment);
    const first = store.getState().lab;
    store.getState().seekTo(13_000);
    store.getState().showMoment({ ...moment, timeMs: 13_000, snapshot: { ...moment.snapshot, clock: { ...moment.snapshot.clock, timeMs: 13_000 }, nodes: [aNode(4, 250), bNode(3, 200)] } });
    const second = store.getState().lab;
    expect(second.nodes["n2"]).toBe(first.nodes["n2"]);
    expect(second.nodes["n1"]?.keys).toBe(4);
  });

  it("takes an earlier moment's events as they are (a smaller sequence is not a restarted lab)", () => {
    const store = liveStore();
    store.getState().seekTo(12_000);
    store.getState().showMoment(moment);
    store.getState().seekTo(20);
    store.getState().showMoment({ ...moment, timeMs: 20, events: [makeEvent(1, { timeMs: 0 })], snapshot: { ...moment.snapshot, lastEventSeq: 1 } });
    expect(store.getState().lab.events.map((e) => e.seq)).toEqual([1]);
    expect(store.getState().lab.lastEventSeq).toBe(1);
  });

  it("shows only replication ids seen up to the moment", () => {
    const store = createAppStore();
    const early = makeNode("n1", { replid: "a".repeat(40) });
    const later = makeNode("n1", { replid: "b".repeat(40) });
    store.getState().applyStream([snapshotMessage(makeLab([early], [], { clock: { timeMs: 1000, unixMs: 0, paused: false, speed: 1, lagMs: 0 } }))]);
    store.getState().applyStream([updateMessage([later], { clock: { timeMs: 9000, unixMs: 0, paused: false, speed: 1, lagMs: 0 } })]);
    expect(store.getState().lab.replidHistory["n1"]).toHaveLength(2);
    store.getState().seekTo(2000);
    store.getState().showMoment({ timeMs: 2000, snapshot: makeLab([early], [], { clock: { timeMs: 2000, unixMs: 0, paused: false, speed: 1, lagMs: 0 } }), events: [], info: null });
    expect(store.getState().lab.replidHistory["n1"]?.map((r) => r.replid)).toEqual(["a".repeat(40)]);
  });

  it("ignores a moment that arrives after going back to live", () => {
    const store = liveStore();
    store.getState().seekTo(12_000);
    store.getState().backToLive();
    const live = store.getState().lab;
    store.getState().showMoment(moment);
    expect(store.getState().lab).toBe(live);
    expect(store.getState().timeView.kind).toBe("live");
  });

  it("offers a branch for an action tried in the past, and only there", () => {
    const store = liveStore();
    store.getState().proposeBranch("kill B");
    expect(store.getState().branchProposal).toBeNull();
    store.getState().seekTo(12_000);
    store.getState().proposeBranch("kill B");
    expect(store.getState().branchProposal).toEqual({ atMs: 12_000, what: "kill B" });
    store.getState().proposeBranch(null);
    expect(store.getState().branchProposal).toBeNull();
    store.getState().proposeBranch("kill B");
    store.getState().backToLive();
    expect(store.getState().branchProposal).toBeNull();
  });

  it("grows the timeline with the stream's events, and keeps them when a refetch is older", () => {
    const store = liveStore();
    const fetched: TimelineData = { nowMs: 60_000, inputCount: 9, events: [{ seq: 1, timeMs: 0, kind: "node-added", nodeId: "n1", source: "lab" }], checkpoints: [], parent: null };
    store.getState().addTimelineEvents([makeEvent(5)]); // no timeline yet: nothing to grow
    expect(store.getState().timeline).toBeNull();
    store.getState().setTimeline(fetched);
    store.getState().addTimelineEvents([makeEvent(1), makeEvent(2, { timeMs: 70_000 })]);
    expect(store.getState().timeline?.events.map((e) => e.seq)).toEqual([1, 2]);
    store.getState().setTimeline({ ...fetched, nowMs: 65_000 });
    expect(store.getState().timeline?.events.map((e) => e.seq)).toEqual([1, 2]);
    // A lab that went back in time (a server that lost its last inputs) is taken as the server says.
    store.getState().setTimeline({ ...fetched, nowMs: 10_000 });
    expect(store.getState().timeline?.events.map((e) => e.seq)).toEqual([1]);
  });

  it("forgets the past and the timeline when another lab opens", () => {
    const store = liveStore();
    store.getState().setTimeline({ nowMs: 1, inputCount: 0, events: [], checkpoints: [], parent: null });
    store.getState().seekTo(12_000);
    store.getState().resetLab("other");
    const s = store.getState();
    expect(s.timeView).toEqual({ kind: "live" });
    expect(s.liveLab).toBeNull();
    expect(s.timeline).toBeNull();
    expect(s.lab.labId).toBe("other");
  });

  it("stamps console lines with the live time, so the past hides what was typed later", () => {
    const store = liveStore();
    store.getState().consolePrint("n1", { kind: "command", text: "SET a 1" });
    store.getState().seekTo(12_000);
    store.getState().showMoment(moment);
    store.getState().consolePrint("n1", { kind: "reply", text: "OK" });
    expect(store.getState().consoles["n1"]?.entries.map((e) => e.atMs)).toEqual([60_000, 60_000]);
    store.getState().consoleReset();
    expect(store.getState().consoles).toEqual({});
  });
});
