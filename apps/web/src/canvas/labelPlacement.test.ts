import { describe, expect, it } from "vitest";
import { cubicOfPath, placeLabel } from "./labelPlacement.ts";

// A curve from a replica at (0, 0) to its master at (400, 0), drawn straight.
const PATH = "M0,0 C133.3,0 266.7,0 400,0";
const SIZE = { width: 80, height: 24 };

describe("an edge label's place", () => {
  it("reads React Flow's Bézier path", () => {
    expect(cubicOfPath("M10,20 C30,40 50,60 70,80")).toEqual([
      { x: 10, y: 20 },
      { x: 30, y: 40 },
      { x: 50, y: 60 },
      { x: 70, y: 80 },
    ]);
    expect(cubicOfPath("M0,0 L10,10")).toBeNull();
  });

  it("sits a quarter of the way from the replica when nothing is in the way", () => {
    expect(placeLabel(PATH, SIZE, [], { x: -1, y: -1 }).x).toBeCloseTo(100, 0);
  });

  it("moves along the curve off a card that lies across its first choices", () => {
    const card = { x: 40, y: -60, width: 160, height: 120 };
    const point = placeLabel(PATH, SIZE, [card], { x: -1, y: -1 });
    const box = { left: point.x - 40, right: point.x + 40 };
    expect(box.left >= card.x + card.width || box.right <= card.x).toBe(true);
  });

  it("covers as little as it can when every point is covered", () => {
    const wall = { x: -50, y: -50, width: 500, height: 100 };
    const corner = { x: 300, y: -50, width: 200, height: 100 };
    const point = placeLabel(PATH, SIZE, [wall, corner], { x: -1, y: -1 });
    expect(point.x).toBeLessThan(300);
  });

  it("falls back when the path is not a curve", () => {
    expect(placeLabel("M0,0 L1,1", SIZE, [], { x: 7, y: 8 })).toEqual({ x: 7, y: 8 });
  });
});
