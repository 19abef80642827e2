import { describe, expect, it } from "vitest";
import type { NodeId } from "@replica-lab/protocol";
import { createAppStore } from "./store.ts";
import { makeEdge, makeLab, makeNode, snapshotMessage, updateMessage } from "./fixtures.ts";

const A = makeNode("n1", { name: "A" });
const B = makeNode("n2", { name: "B", role: "replica", masterId: "n1" as NodeId });

function loadedStore() {
  const store = createAppStore();
  store.getState().applyStream([snapshotMessage(makeLab([A, B], [makeEdge("n2", "n1")]))]);
  return store;
}

describe("app store", () => {
  it("builds flow nodes and edges from the first snapshot, master left of its replica", () => {
    const s = loadedStore().getState();
    expect(s.canvas.flowNodes.map((n) => n.id)).toEqual(["n1", "n2"]);
    expect(s.canvas.flowEdges.map((e) => [e.source, e.target])).toEqual([["n2", "n1"]]);
    const [a, b] = s.canvas.flowNodes;
    expect(b!.position.x).toBeGreaterThan(a!.position.x);
  });

  it("leaves the flow arrays alone when only figures change", () => {
    const store = loadedStore();
    const before = store.getState().canvas;
    store.getState().applyStream([updateMessage([{ ...B, masterReplOffset: 999 }])]);
    const after = store.getState();
    expect(after.lab.nodes["n2"]).toMatchObject({ masterReplOffset: 999 });
    expect(after.canvas.flowNodes).toBe(before.flowNodes);
    expect(after.canvas.flowEdges).toBe(before.flowEdges);
  });

  it("notifies subscribers once per applied batch", () => {
    const store = loadedStore();
    let calls = 0;
    store.subscribe(() => calls++);
    store.getState().applyStream([updateMessage([{ ...B, masterReplOffset: 1 }]), updateMessage([{ ...B, masterReplOffset: 2 }]), updateMessage([{ ...A, keys: 3 }])]);
    expect(calls).toBe(1);
    expect(store.getState().lab.nodes["n2"]).toMatchObject({ masterReplOffset: 2 });
  });

  it("keeps a pinned node where the user put it when a node is added", () => {
    const store = loadedStore();
    store.getState().pinNode("n1", { x: 900, y: 900 });
    store.getState().applyStream([updateMessage([makeNode("n3", { name: "C" })])]);
    const flow = store.getState().canvas.flowNodes;
    expect(flow.find((n) => n.id === "n1")?.position).toEqual({ x: 900, y: 900 });
    expect(flow).toHaveLength(3);
  });

  it("mirrors selection onto the flow nodes and drops it when the node goes away", () => {
    const store = loadedStore();
    store.getState().select({ kind: "node", id: "n2" });
    expect(store.getState().canvas.flowNodes.find((n) => n.id === "n2")?.selected).toBe(true);
    store.getState().onNodesChange([{ type: "select", id: "n1", selected: true }]);
    expect(store.getState().selection).toEqual({ kind: "node", id: "n1" });
    store.getState().applyStream([updateMessage([], { removedNodeIds: ["n1" as NodeId], edges: [] })]);
    expect(store.getState().selection).toBeNull();
    expect(store.getState().canvas.flowEdges).toEqual([]);
  });

  it("ignores React Flow's own removals (deletion goes through the server)", () => {
    const store = loadedStore();
    store.getState().onNodesChange([{ type: "remove", id: "n1" }]);
    expect(store.getState().canvas.flowNodes).toHaveLength(2);
  });
});
