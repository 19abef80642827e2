import { describe, expect, it } from "vitest";
import { CARD_HEIGHT, CARD_WIDTH, computeLayout, MAX_PER_COLUMN } from "./layout.ts";

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

  it("folds a rank of many replicas into several columns", () => {
    const ids = ["m", ...Array.from({ length: 30 }, (_, i) => `r${i}`)];
    const pos = computeLayout({ nodeIds: ids, replicaOf: ids.slice(1).map((r) => [r, "m"] as const), pinned: new Map() });
    const columns = new Set(ids.slice(1).map((id) => pos.get(id)!.x));
    const rows = new Set(ids.slice(1).map((id) => pos.get(id)!.y));
    expect(columns.size).toBe(Math.ceil(30 / MAX_PER_COLUMN));
    expect(rows.size).toBeLessThanOrEqual(MAX_PER_COLUMN);
    for (const id of ids.slice(1)) expect(pos.get(id)!.x).toBeGreaterThan(pos.get("m")!.x);
    // No two cards share a spot.
    expect(new Set(ids.map((id) => `${pos.get(id)!.x},${pos.get(id)!.y}`)).size).toBe(ids.length);
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
