import { describe, expect, it } from "vitest";
import type { CompareLaneView } from "@replica-lab/protocol";
import { differencesOf } from "./compareModel.ts";

const figures = { fullSyncs: 0, partialSyncs: 0, resyncBytes: 0, convergedAtMs: null, keys: {}, keysBehind: 0 };
const sync = (kind: "full" | "partial", atMs: number, bytes: number) => ({ kind, replica: "n3", master: "n1", atMs, doneMs: atMs + 1, bytes });

describe("differences between protocols", () => {
  it("calls out the resyncs that went differently, in order, and leaves out refused lanes", () => {
    const lanes: CompareLaneView[] = [
      { version: "2.6", ok: true, figures, notes: [], timeMs: 9000, syncs: [sync("full", 10, 23), sync("full", 8010, 276)] },
      { version: "7.0", ok: true, figures, notes: [], timeMs: 9000, syncs: [sync("full", 5001, 259), sync("partial", 8010, 620)] },
      { version: "ssdb", ok: false, reason: "no" },
    ];
    const differences = differencesOf(lanes);
    expect(differences.map((d) => [d.replica, d.index, d.parts.map((p) => p.sync?.kind)])).toEqual([["n3", 2, ["full", "partial"]]]);
  });
});
