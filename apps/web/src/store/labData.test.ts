import { describe, expect, it } from "vitest";
import type { NodeId } from "@replica-lab/protocol";
import { emptyLabData, MAX_EVENTS, reduceLabMessages } from "./labData.ts";
import { makeEdge, makeEvent, makeLab, makeNode, snapshotMessage, updateMessage } from "./fixtures.ts";

const A = makeNode("n1", { name: "A", masterReplOffset: 100 });
const B = makeNode("n2", { name: "B", role: "replica", masterId: "n1" as NodeId, masterReplOffset: 100 });
const C = makeNode("n3", { name: "C", role: "replica", masterId: "n1" as NodeId, masterReplOffset: 100 });
const loaded = () => reduceLabMessages(emptyLabData("lab1"), [snapshotMessage(makeLab([A, B, C], [makeEdge("n2", "n1"), makeEdge("n3", "n1")], { lastEventSeq: 2 }), [makeEvent(1), makeEvent(2)])]);

describe("reduceLabMessages", () => {
  it("loads a snapshot", () => {
    const s = loaded();
    expect(s.loaded).toBe(true);
    expect(s.nodeIds).toEqual(["n1", "n2", "n3"]);
    expect(s.edgeIds).toEqual(["n2->n1", "n3->n1"]);
    expect(s.events.map((e) => e.seq)).toEqual([1, 2]);
    expect(s.replidHistory["n1"]).toHaveLength(1);
  });

  it("replaces only the nodes an update names, keeping the others identical", () => {
    const s = loaded();
    const next = reduceLabMessages(s, [updateMessage([{ ...B, masterReplOffset: 150 }])]);
    expect(next.nodes["n1"]).toBe(s.nodes["n1"]);
    expect(next.nodes["n3"]).toBe(s.nodes["n3"]);
    expect(next.nodes["n2"]).toMatchObject({ masterReplOffset: 150 });
    expect(next.nodeIds).toBe(s.nodeIds);
    expect(next.edges).toBe(s.edges);
    expect(next.topologyVersion).toBe(s.topologyVersion);
  });

  it("keeps a node object when the update carries an equal snapshot", () => {
    const s = loaded();
    const next = reduceLabMessages(s, [updateMessage([{ ...A }], { clock: s.clock })]);
    expect(next.nodes).toBe(s.nodes);
  });

  it("returns the same state for an update that changes nothing", () => {
    const s = loaded();
    const next = reduceLabMessages(s, [updateMessage([{ ...A }], { clock: { ...s.clock }, lastEventSeq: s.lastEventSeq })]);
    expect(next).toBe(s);
  });

  it("applies node patches field by field", () => {
    const s = loaded();
    const next = reduceLabMessages(s, [updateMessage([], { nodePatches: [{ id: "n2" as NodeId, changes: { masterReplOffset: 300, keys: 4 } }] })]);
    expect(next.nodes["n2"]).toMatchObject({ masterReplOffset: 300, keys: 4, name: "B", role: "replica" });
    expect(next.nodes["n1"]).toBe(s.nodes["n1"]);
    expect(next.needsResync).toBe(false);
  });

  it("asks for a resync when a patch names a node it does not hold", () => {
    const s = loaded();
    const next = reduceLabMessages(s, [updateMessage([], { nodePatches: [{ id: "n9" as NodeId, changes: { keys: 1 } }] })]);
    expect(next.needsResync).toBe(true);
    const fresh = reduceLabMessages(next, [snapshotMessage(makeLab([A, B, C], [], { lastEventSeq: 2 }))]);
    expect(fresh.needsResync).toBe(false);
  });

  it("tracks the server's write loads", () => {
    const s = loaded();
    const next = reduceLabMessages(s, [updateMessage([], { writeLoads: [{ nodeId: "n1" as NodeId, opsPerSec: 500 }] })]);
    expect(next.writeLoads).toEqual({ n1: 500 });
    const stopped = reduceLabMessages(next, [updateMessage([], { writeLoads: [{ nodeId: "n1" as NodeId, opsPerSec: 0 }] })]);
    expect(stopped.writeLoads).toEqual({});
  });

  it("adds and removes nodes and bumps the topology version", () => {
    const s = loaded();
    const D = makeNode("n4", { name: "D" });
    const added = reduceLabMessages(s, [updateMessage([D])]);
    expect(added.nodeIds).toEqual(["n1", "n2", "n3", "n4"]);
    expect(added.topologyVersion).toBe(s.topologyVersion + 1);
    const removed = reduceLabMessages(added, [updateMessage([], { removedNodeIds: ["n2" as NodeId], edges: [makeEdge("n3", "n1")] })]);
    expect(removed.nodeIds).toEqual(["n1", "n3", "n4"]);
    expect(removed.nodes["n2"]).toBeUndefined();
    expect(removed.edgeIds).toEqual(["n3->n1"]);
    expect(removed.topologyVersion).toBe(added.topologyVersion + 1);
  });

  it("keeps unchanged edges when the full edge list is resent", () => {
    const s = loaded();
    const next = reduceLabMessages(s, [updateMessage([], { edges: [makeEdge("n2", "n1"), makeEdge("n3", "n1", { phase: "sync", transferProgress: 0.5 })] })]);
    expect(next.edges["n2->n1"]).toBe(s.edges["n2->n1"]);
    expect(next.edges["n3->n1"]?.transferProgress).toBe(0.5);
    expect(next.edgeIds).toBe(s.edgeIds);
    expect(next.topologyVersion).toBe(s.topologyVersion);
  });

  it("changes the topology version when a replica points at another master", () => {
    const s = loaded();
    const next = reduceLabMessages(s, [updateMessage([], { edges: [makeEdge("n2", "n1"), { ...makeEdge("n3", "n2") }] })]);
    expect(next.topologyVersion).toBe(s.topologyVersion + 1);
  });

  it("appends events without duplicates and caps the log", () => {
    const s = loaded();
    const next = reduceLabMessages(s, [{ type: "events", events: [makeEvent(2), makeEvent(3)], dropped: 0 }]);
    expect(next.events.map((e) => e.seq)).toEqual([1, 2, 3]);
    const many = Array.from({ length: MAX_EVENTS + 10 }, (_, i) => makeEvent(4 + i));
    const capped = reduceLabMessages(next, [{ type: "events", events: many, dropped: 5 }]);
    expect(capped.events).toHaveLength(MAX_EVENTS);
    expect(capped.events[capped.events.length - 1]?.seq).toBe(3 + MAX_EVENTS + 10);
    expect(capped.droppedEvents).toBe(5 + 13);
  });

  it("merges a reconnect snapshot's events with the ones already shown", () => {
    const s = loaded();
    const again = reduceLabMessages(s, [snapshotMessage(makeLab([A, B, C], [], { lastEventSeq: 4 }), [makeEvent(2), makeEvent(3), makeEvent(4)])]);
    expect(again.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(again.nodes["n1"]).toBe(s.nodes["n1"]);
  });

  it("starts over when the server's event sequence went backwards (a new server)", () => {
    const s = reduceLabMessages(loaded(), [{ type: "events", events: [makeEvent(3), makeEvent(4)], dropped: 0 }]);
    const fresh = reduceLabMessages(s, [snapshotMessage(makeLab([A], [], { lastEventSeq: 1 }), [makeEvent(1)])]);
    expect(fresh.events.map((e) => e.seq)).toEqual([1]);
    expect(fresh.nodeIds).toEqual(["n1"]);
  });

  it("records replication id changes per node (promotion keeps the old id as replid2)", () => {
    const s = loaded();
    const promoted = { ...B, role: "master" as const, replid: "ffff000000000000000000000000000000000000", replid2: A.replid, secondReplOffset: 101 };
    const next = reduceLabMessages(s, [updateMessage([promoted])]);
    const history = next.replidHistory["n2"] ?? [];
    expect(history.map((h) => h.replid)).toEqual([A.replid, "ffff000000000000000000000000000000000000"]);
    expect(history[1]).toMatchObject({ replid2: A.replid, secondReplOffset: 101, seenAtMs: 2000 });
  });

  it("marks a deleted lab", () => {
    expect(reduceLabMessages(loaded(), [{ type: "lab-deleted" }]).deleted).toBe(true);
  });
});
