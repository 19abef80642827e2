import { describe, expect, it } from "vitest";
import type { NodeId } from "@replica-lab/protocol";
import { reconcileFlowEdges, reconcileFlowNodes, selectFlowNode, type CardNode } from "./flowModel.ts";
import { makeEdge } from "../store/fixtures.ts";

const ids = (...xs: string[]) => xs as NodeId[];

describe("reconcileFlowNodes", () => {
  const first = reconcileFlowNodes([], ids("n1", "n2"), new Map([["n1", { x: 0, y: 0 }], ["n2", { x: 10, y: 300 }]]), null)!;

  it("creates nodes that carry only their id", () => {
    expect(first.map((n) => [n.id, n.position, n.data])).toEqual([
      ["n1", { x: 0, y: 0 }, { nodeId: "n1" }],
      ["n2", { x: 10, y: 300 }, { nodeId: "n2" }],
    ]);
  });

  it("returns null when nothing changed", () => {
    expect(reconcileFlowNodes(first, ids("n1", "n2"), new Map(), null)).toBeNull();
  });

  it("keeps unchanged nodes identical when one is added", () => {
    const next = reconcileFlowNodes(first, ids("n1", "n2", "n3"), new Map([["n3", { x: 5, y: 5 }]]), null)!;
    expect(next[0]).toBe(first[0]);
    expect(next[1]).toBe(first[1]);
    expect(next[2]?.position).toEqual({ x: 5, y: 5 });
  });

  it("keeps a measured node's other fields when moving it", () => {
    const measured: CardNode[] = [{ ...first[0]!, measured: { width: 280, height: 200 } }, first[1]!];
    const next = reconcileFlowNodes(measured, ids("n1", "n2"), new Map([["n1", { x: 50, y: 0 }]]), null)!;
    expect(next[0]?.measured).toEqual({ width: 280, height: 200 });
    expect(next[1]).toBe(measured[1]);
  });

  it("drops removed nodes", () => {
    const next = reconcileFlowNodes(first, ids("n2"), new Map(), null)!;
    expect(next).toEqual([first[1]]);
  });
});

describe("selectFlowNode", () => {
  it("touches only the nodes whose flag flips", () => {
    const nodes = reconcileFlowNodes([], ids("n1", "n2", "n3"), new Map(), null)!;
    const selected = selectFlowNode(nodes, "n2")!;
    expect(selected[0]).toBe(nodes[0]);
    expect(selected[1]?.selected).toBe(true);
    expect(selectFlowNode(selected, "n2")).toBeNull();
  });
});

describe("reconcileFlowEdges", () => {
  const edges = { "n2->n1": makeEdge("n2", "n1"), "n3->n2": makeEdge("n3", "n2"), "n4->x": { ...makeEdge("n4", "n1"), id: "n4->x", masterId: null } };
  const exists = (id: string) => ["n1", "n2", "n3", "n4"].includes(id);

  it("draws replica → master edges and skips masters outside the lab", () => {
    const flow = reconcileFlowEdges([], ["n2->n1", "n3->n2", "n4->x"], edges, exists, null)!;
    expect(flow.map((e) => [e.source, e.target])).toEqual([
      ["n2", "n1"],
      ["n3", "n2"],
    ]);
    expect(reconcileFlowEdges(flow, ["n2->n1", "n3->n2", "n4->x"], edges, exists, null)).toBeNull();
  });

  it("keeps edges whose endpoints did not change", () => {
    const flow = reconcileFlowEdges([], ["n2->n1", "n3->n2"], edges, exists, null)!;
    const next = reconcileFlowEdges(flow, ["n2->n1", "n3->n2"], edges, exists, "n3->n2")!;
    expect(next[0]).toBe(flow[0]);
    expect(next[1]?.selected).toBe(true);
  });
});
