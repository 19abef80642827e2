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
import type { LabInput } from "../lab/input-log.ts";
import { type Lab } from "../lab/lab.ts";
import { compareProtocols, costsAt, translateLog, type CompareLane } from "./compare.ts";
import { differencesOf } from "./compare-differences.ts";

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

  // The moments of the story, from its log: the kill of C's link, the heal, the kill of A.
  const inputs = lab.inputs.toArray();
  const dropMs = inputs.find((i) => i.op === "command" && new TextDecoder().decode(i.argv[0]) === "CLIENT")!.t;
  const killMs = inputs.find((i) => i.op === "kill")!.t;
  const redis = ["2.6", "2.8", "4.0", "7.0"];

  it("a cursor 1 s into the cut: C is out of sync in every redis lane, and has missed the 11 SETs written since", () => {
    for (const version of redis) {
      const costs = costsAt(lane(lanes, version).moments, dropMs + 1000.5);
      expect([version, costs.fullSyncs, costs.partialSyncs, costs.replicasOutOfSync, costs.writesMissed]).toEqual([version, 2, 0, 1, 11]);
      expect(costs.outOfSyncMs).toBeCloseTo(1000.5, 6);
    }
  });

  it("a cursor after C's reconnect and before A's kill: 2.6's third full sync beside the others' partial one, 20 writes missed", () => {
    const c = lab.resolve("C")!;
    const cursor = killMs - 1;
    const counts = redis.map((version) => {
      const costs = costsAt(lane(lanes, version).moments, cursor);
      expect(costs.replicasOutOfSync).toBe(0);
      expect(costs.writesMissed).toBe(20);
      return [costs.fullSyncs, costs.partialSyncs];
    });
    expect(counts).toEqual([
      [3, 0],
      [2, 1],
      [2, 1],
      [2, 1],
    ]);
    // 2.6 sent the dataset again; 7.0 sent the backlog: the 20 SETs, no more.
    const resend = lane(lanes, "2.6").syncs.filter((s) => s.replica === c)[1]!;
    const backlog = lane(lanes, "7.0").syncs.filter((s) => s.replica === c)[1]!;
    expect(resend.keys).toBe(30);
    expect(backlog.bytes).toBe(Array.from({ length: 20 }, (_, i) => `*3\r\n$3\r\nSET\r\n$3\r\nk${i + 10}\r\n$3\r\nv${i + 10}\r\n`).join("").length);
    expect(costsAt(lane(lanes, "7.0").moments, cursor).resyncBytes - costsAt(lane(lanes, "7.0").moments, dropMs).resyncBytes).toBe(backlog.bytes);
  });

  it("calls out where the lanes part ways, with their numbers, at the moment it happens", () => {
    const names = { [lab.resolve("C")!]: "C" };
    const differences = differencesOf(lanes, names);
    const drop = differences.find((d) => d.atMs > dropMs && d.atMs < killMs)!;
    expect(drop.parts.map((p) => [p.version, p.sync?.kind ?? "none"])).toEqual([
      ["2.6", "full"],
      ["2.8", "partial"],
      ["4.0", "partial"],
      ["7.0", "partial"],
      ["ssdb", "full"],
    ]);
    expect(drop.text).toContain("2.6 transfers the whole dataset again (30 keys, ");
    expect(drop.text).toContain("7.0 sends 620 B from its backlog (20 writes missed)");
    const promotion = differences.find((d) => d.atMs > killMs)!;
    expect(promotion.parts.filter((p) => p.sync?.kind === "full").map((p) => p.version)).toEqual(["2.6", "2.8"]);
    // The story writes n1 on B once every lane has settled (it ran until idle): C missed nothing then.
    expect(promotion.parts.filter((p) => p.version !== "ssdb").map((p) => p.sync?.writesMissed)).toEqual([0, 0, 0, 0]);
  });

  it("REPLICAOF is told as SLAVEOF before 5.0; SSDB skips REPLICAOF NO ONE and marks CLIENT KILL, and tells the rest", () => {
    const told = translateLog(inputs, "2.6");
    expect(told.ok && told.notes).toEqual(["REPLICAOF → SLAVEOF"]);
    const ssdb = lane(lanes, "ssdb");
    expect(ssdb.marks.map((m) => m.kind).sort()).toEqual(["skipped", "translated", "translated", "unknown"]);
    const skipped = ssdb.marks.find((m) => m.kind === "skipped")!;
    expect(skipped.atMs).toBeGreaterThan(killMs);
    // C, pointed at B, copies B's dataset: every key is still there, and C is in sync (its copy ended).
    expect(ssdb.figures.keys[lab.resolve("C")!]).toBe(31);
    const lastState = ssdb.moments.filter((m) => m.event.kind === "node" && m.event.node === lab.resolve("C")).at(-1)!.event;
    expect(lastState.kind === "node" && lastState.state).toEqual({ up: true, role: "replica", link: "connected" });
  });

  it("a console's REPLICAOF NO ONE and a redis.conf edit are skipped on SSDB, each marked at its moment; 2.6 gets SLAVEOF NO ONE", () => {
    const node = lab.resolve("B")!;
    const story: LabInput[] = [
      { op: "config-file", t: 5, node, text: "save 60 1\n" },
      { op: "open", t: 6, conn: 1, node, peer: "console" },
      { op: "send", t: 7, conn: 1, bytes: new TextEncoder().encode("*3\r\n$9\r\nREPLICAOF\r\n$2\r\nNO\r\n$3\r\nONE\r\n") },
    ];
    const ssdb = translateLog(story, "ssdb");
    if (!ssdb.ok) throw new Error(ssdb.reason);
    expect(ssdb.inputs.map((i) => i.op)).toEqual(["open"]);
    expect(ssdb.marks).toEqual([
      { kind: "skipped", atMs: 5, what: "redis.conf", reason: "ssdb-config-file" },
      { kind: "skipped", atMs: 7, what: "REPLICAOF NO ONE", reason: "ssdb-no-one" },
    ]);
    const old = translateLog(story, "2.6");
    if (!old.ok) throw new Error(old.reason);
    const sent = old.inputs.find((i) => i.op === "send");
    expect(sent?.op === "send" && new TextDecoder().decode(sent.bytes)).toBe("*3\r\n$7\r\nSLAVEOF\r\n$2\r\nNO\r\n$3\r\nONE\r\n");
  });

  it("WAIT goes to 2.6 and 2.8 as it is, marked unknown before 3.0", () => {
    const { lab: small, a } = masterAndTwoReplicas("compare-wait");
    small.command(a, "SET", "k", "v");
    small.command(a, "WAIT", "2", "100");
    small.advance(200);
    const told = compareProtocols(small.creation, small.inputs.toArray(), small.nowMs, ["2.8", "7.0"]);
    const marks = told.map((l) => (l.ok ? l.marks.filter((m) => m.kind === "unknown") : null));
    expect(marks[0]).toEqual([{ kind: "unknown", atMs: expect.any(Number), command: "WAIT", since: "3.0" }]);
    expect(marks[1]).toEqual([]);
  });
});
