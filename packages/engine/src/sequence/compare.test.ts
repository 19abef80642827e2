/**
 * The default story told under every protocol: one master and two replicas; C's link
 * dropped during writes (A kills it, and the path is cut for 2 s); then A killed and B promoted,
 * with C pointed at B. What each lane costs must be what the real versions did in the recorded
 * scenarios (packages/engine/test/fixtures): after a dropped link 2.6 syncs in full (its
 * `reconnect` capture: SYNC and an RDB again), 2.8 and 4.0 resync partially (their
 * `linkDropByReplica` stats: sync_partial_ok 1); after a promotion 2.8's sibling syncs in full and
 * 4.0's partially (`promotionSiblings` stats on the new master: sync_full 1 vs sync_partial_ok 1).
 * 7.0 behaves as 4.0 (PSYNC2); its fixture's `promotion` scenario shows the partial resync.
 */
import { describe, expect, it } from "vitest";
import { readLegacyFixture } from "../../test/legacy/legacy-fixture.ts";
import { healKillAndPromote, masterAndTwoReplicas } from "../../test/sequence-story.ts";
import { type Lab } from "../lab/lab.ts";
import { compareProtocols, translateLog, type CompareLane } from "./compare.ts";

/** The story on a 7.0 lab (the lab a user would have built). */
function defaultStory(): Lab {
  const { lab, a, b, c } = masterAndTwoReplicas("compare-story");
  for (let i = 0; i < 10; i++) {
    lab.command(a, "SET", `k${i}`, `v${i}`);
    lab.advance(100);
  }
  // C's link is killed by its master (by address, as every version takes it) and the path is cut for 2 s.
  lab.command(a, "CLIENT", "KILL", lab.nodeSnapshot(c).address);
  lab.setLink(a, c, { partitioned: true });
  for (let i = 10; i < 30; i++) {
    lab.command(a, "SET", `k${i}`, `v${i}`);
    lab.advance(100);
  }
  healKillAndPromote(lab, a, b, c);
  lab.command(b, "SET", "n1", "v1");
  lab.advance(2000);
  return lab;
}

function lane(lanes: readonly CompareLane[], version: string): Extract<CompareLane, { ok: true }> {
  const found = lanes.find((l) => l.version === version);
  if (!found?.ok) throw new Error(`lane ${version}: ${found?.ok === false ? found.reason : "missing"}`);
  return found;
}

describe("the default story under every protocol", () => {
  const lab = defaultStory();
  const lanes = compareProtocols(lab.creation, lab.inputs.toArray(), lab.nowMs);

  it("2.6 syncs in full at every reconnect (its reconnect capture: SYNC, then an RDB)", () => {
    const reconnect = readLegacyFixture("2.6.17").handshakes.reconnect.frames;
    expect(reconnect.filter((f) => f.kind === "command" && f.text === "SYNC\r\n").length).toBe(2);
    const figures = lane(lanes, "2.6").figures;
    // Two first syncs, C after its drop, C after the promotion.
    expect(figures.fullSyncs).toBe(4);
    expect(figures.partialSyncs).toBe(0);
  });

  it("2.8 resyncs partially after the drop and in full after the promotion, as the real 2.8.24 did", () => {
    const real = readLegacyFixture("2.8.24").scenarios;
    const drop = real.linkDropByReplica!.checkpoints.at(-1)!.nodes.A!.stats!;
    const promotion = real.promotionSiblings!.checkpoints.at(-1)!.nodes.B!.stats!;
    expect([drop.sync_partial_ok, promotion.sync_full, promotion.sync_partial_ok]).toEqual(["1", "1", "0"]);
    const figures = lane(lanes, "2.8").figures;
    expect(figures.partialSyncs).toBe(1);
    expect(figures.fullSyncs).toBe(3);
  });

  it("4.0 and 7.0 resync partially after the drop and after the promotion, as the real 4.0.14 did", () => {
    const real = readLegacyFixture("4.0.14").scenarios;
    const promotion = real.promotionSiblings!.checkpoints.at(-1)!.nodes.B!.stats!;
    expect([promotion.sync_full, promotion.sync_partial_ok]).toEqual(["0", "1"]);
    for (const version of ["4.0", "7.0"]) {
      const figures = lane(lanes, version).figures;
      expect(figures.fullSyncs).toBe(2);
      expect(figures.partialSyncs).toBe(2);
    }
  });

  it("a full resync sends the dataset, a partial one exactly the writes the replica missed", () => {
    const c = lab.resolve("C");
    const full = lane(lanes, "2.6").syncs.filter((s) => s.replica === c);
    const partial = lane(lanes, "7.0").syncs.filter((s) => s.replica === c && s.kind === "partial");
    expect(full.map((s) => s.kind)).toEqual(["full", "full", "full"]);
    expect(partial.length).toBe(2);
    // The 20 SETs written while C was away, as RESP: *3 $3 SET $3 k10 $3 v10 is 31 bytes each.
    const missed = Array.from({ length: 20 }, (_, i) => `*3\r\n$3\r\nSET\r\n$3\r\nk${i + 10}\r\n$3\r\nv${i + 10}\r\n`).join("");
    expect(partial[0]!.bytes).toBe(missed.length);
    // 2.6's RDB after the drop holds all 30 keys: at least their names and values.
    expect(full[1]!.bytes).toBeGreaterThan(30 * 4);
    expect(lane(lanes, "7.0").figures.keysBehind).toBe(0);
  });

  it("REPLICAOF is told as SLAVEOF before 5.0, and SSDB refuses REPLICAOF NO ONE", () => {
    const inputs = lab.inputs.toArray();
    const told = translateLog(inputs, "2.6");
    expect(told.ok && told.notes).toEqual(["REPLICAOF → SLAVEOF"]);
    const ssdb = lanes.find((l) => l.version === "ssdb")!;
    expect(ssdb.ok).toBe(false);
  });
});
