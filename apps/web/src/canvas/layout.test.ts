import { describe, expect, it } from "vitest";
import { CARD_HEIGHT, CARD_WIDTH, computeLayout } from "./layout.ts";

describe("computeLayout", () => {
  it("puts a master left of its replicas, which stack in one column", () => {
    const pos = computeLayout({ nodeIds: ["a", "b", "c"], replicaOf: [["b", "a"], ["c", "a"]], pinned: new Map() });
    const a = pos.get("a")!;
    const b = pos.get("b")!;
    const c = pos.get("c")!;
    expect(b.x).toBeGreaterThan(a.x + CARD_WIDTH);
    expect(b.x).toBe(c.x);
    expect(Math.abs(b.y - c.y)).toBeGreaterThanOrEqual(CARD_HEIGHT);
  });

  it("lines a chain up left to right", () => {
    const pos = computeLayout({ nodeIds: ["a", "b", "c"], replicaOf: [["b", "a"], ["c", "b"]], pinned: new Map() });
    expect(pos.get("b")!.x).toBeGreaterThan(pos.get("a")!.x);
    expect(pos.get("c")!.x).toBeGreaterThan(pos.get("b")!.x);
  });

  it("survives a replication cycle", () => {
    const pos = computeLayout({ nodeIds: ["a", "b"], replicaOf: [["a", "b"], ["b", "a"]], pinned: new Map() });
    expect(pos.size).toBe(2);
  });

  it("never moves pinned nodes and keeps others off them", () => {
    const pinned = new Map([["a", { x: 0, y: 0 }]]);
    const pos = computeLayout({ nodeIds: ["a", "b"], replicaOf: [], pinned });
    expect(pos.get("a")).toEqual({ x: 0, y: 0 });
    const b = pos.get("b")!;
    const apart = Math.abs(b.x) >= CARD_WIDTH || Math.abs(b.y) >= CARD_HEIGHT;
    expect(apart).toBe(true);
  });
});
