import { describe, expect, it } from "vitest";
import { OffsetHistory } from "./offsetHistory.ts";
import { emptyLabData, type LabData } from "../store/labData.ts";
import { makeNode } from "../store/fixtures.ts";
import type { NodeId } from "@replica-lab/protocol";

function lab(timeMs: number, offsets: Record<string, number | "down">): LabData {
  const nodes = Object.fromEntries(
    Object.entries(offsets).map(([id, o]) => [id, makeNode(id, o === "down" ? { status: "down" } : { masterReplOffset: o })]),
  );
  return { ...emptyLabData("L"), clock: { timeMs, unixMs: 0, paused: false, speed: 1, lagMs: 0 }, nodes, nodeIds: Object.keys(offsets) as NodeId[] };
}

describe("OffsetHistory", () => {
  it("records one row per sample and skips samples too close in time", () => {
    const h = new OffsetHistory(100, 100);
    h.record(lab(0, { n1: 0, n2: 0 }));
    h.record(lab(50, { n1: 10, n2: 0 }));
    h.record(lab(100, { n1: 14, n2: 14 }));
    expect(h.data(["n1", "n2"])).toEqual([[0, 0.1], [0, 14], [0, 14]]);
  });

  it("fills gaps with null for nodes that appear later or are down", () => {
    const h = new OffsetHistory(100, 0);
    h.record(lab(0, { n1: 0 }));
    h.record(lab(1000, { n1: 5, n2: "down" }));
    h.record(lab(2000, { n1: 9, n2: 9 }));
    expect(h.data(["n2"])).toEqual([[0, 1, 2], [null, null, 9]]);
  });

  it("keeps only the newest rows", () => {
    const h = new OffsetHistory(3, 0);
    for (let t = 0; t < 5; t++) h.record(lab(t * 1000, { n1: t }));
    expect(h.data(["n1"])).toEqual([[2, 3, 4], [2, 3, 4]]);
  });

  it("starts over when time goes backwards", () => {
    const h = new OffsetHistory(10, 0);
    h.record(lab(5000, { n1: 1 }));
    h.record(lab(1000, { n1: 2 }));
    expect(h.data(["n1"])).toEqual([[1], [2]]);
  });
});
