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

  it("thins its older rows when full, always keeping the first and the newest", () => {
    const h = new OffsetHistory(3, 0);
    for (let t = 0; t < 5; t++) h.record(lab(t * 1000, { n1: t }));
    expect(h.data(["n1"])).toEqual([[0, 3, 4], [0, 3, 4]]);
  });

  it("drops the rows after a time that went backwards (a new lab starts over)", () => {
    const h = new OffsetHistory(10, 0);
    h.record(lab(5000, { n1: 1 }));
    h.record(lab(1000, { n1: 2 }));
    expect(h.data(["n1"])).toEqual([[1], [2]]);
    h.record(lab(2000, { n1: 3 }));
    h.record(lab(3000, { n1: 4 }));
    h.record(lab(2500, { n1: 5 }));
    expect(h.data(["n1"])).toEqual([[1, 2, 2.5], [2, 3, 5]]);
  });

  it("starts from the server's series of the whole history and keeps the samples recorded after it", () => {
    const h = new OffsetHistory(100, 0);
    h.record(lab(1000, { n1: 7 }));
    h.record(lab(9000, { n1: 90, n3: 1 }));
    h.seed({ timeMs: [0, 2000, 4000], nodes: { n1: [0, 20, 40], n2: [null, 5, 6] } });
    expect(h.data(["n1", "n2", "n3"])).toEqual([
      [0, 2, 4, 9],
      [0, 20, 40, 90],
      [null, 5, 6, null],
      [null, null, null, 1],
    ]);
    // A sample older than the series' end (the stream lagging the fetch) cuts the newer rows.
    h.record(lab(3000, { n1: 30 }));
    expect(h.data(["n1"])).toEqual([[0, 2, 3], [0, 20, 30]]);
  });

  it("cuts the columns at a past moment, including a row at exactly that moment", () => {
    const h = new OffsetHistory(100, 0);
    for (const t of [0, 1100, 2300, 3300]) h.record(lab(t, { n1: t }));
    expect(h.data(["n1"], 2300)).toEqual([[0, 1.1, 2.3], [0, 1100, 2300]]);
    expect(h.data(["n1"], 0)).toEqual([[0], [0]]);
    expect(h.data(["n1"], null)[0]).toHaveLength(4);
  });
});
