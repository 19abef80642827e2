/**
 * A lane's cost at the moment of a resync, against what real servers did in the same story: the
 * recorded `reconnect` handshake (fixtures real-redis-2.6.17/2.8.24/4.0.14.json and
 * handshakes-7.0.15.json). A holds x1 and x2, B replicates it, SET w1; B is frozen, A kills B's
 * link, SET w2, B is thawed and reconnects; SET w3. Told on a lab and compared under each
 * version, the reconnect's resync must be the kind the real server chose (an RDB after SYNC on
 * 2.6, +CONTINUE from 2.8 on), send the bytes it sent (2.6: the RDB frame, `$48\r\n` and 48 bytes
 * holding x1, x2, w1, w2; later versions: the backlog frames after +CONTINUE, exactly the missed
 * SET), and count the writes B missed as the recorder's steps between the kill and the thaw.
 *
 * And the recorded `promotion` capture (A holds x1, x2; B replicates A, C replicates B; A killed,
 * B promoted): after the kill, C's resyncs are what the real server did: 2.6 drops C and syncs it
 * in full once B is a master (an RDB of x1, x2, w1); 2.8 keeps C's link and does nothing; 4.0 and
 * 7.0 drop it at the promotion and answer +CONTINUE with an empty backlog.
 */
import { describe, expect, it } from "vitest";
import { readLegacyFixture, type HandshakeFrame, type HandshakeRecord } from "../../test/legacy/legacy-fixture.ts";
import { readHandshakes70 } from "../../test/sequence/handshakes-7.0.ts";
import { Lab } from "../lab/lab.ts";
import { compareProtocols, costsAt, type CompareLane } from "./compare.ts";

const byteLength = (text: string): number => new TextEncoder().encode(text).length;

/** The resyncs a real server's frames hold, in order: an RDB frame (its bulk header and payload), or a +CONTINUE and the backlog frames after it. */
function realResyncs(frames: readonly HandshakeFrame[]): { readonly kind: "full" | "partial"; readonly bytes: number }[] {
  const out: { kind: "full" | "partial"; bytes: number }[] = [];
  frames.forEach((f, i) => {
    if (f.kind === "rdb") out.push({ kind: "full", bytes: byteLength(f.text.slice(0, f.text.indexOf("<RDB "))) + f.rdb.bytes });
    if (f.kind !== "reply" || !f.text.startsWith("+CONTINUE")) return;
    let bytes = 0;
    for (const next of frames.slice(i + 1)) {
      if (next.kind !== "stream") break;
      bytes += byteLength(next.text);
    }
    out.push({ kind: "partial", bytes });
  });
  return out;
}

/** A capture's frames without the periodic ones (their number is timing). */
const significant = (record: HandshakeRecord): HandshakeFrame[] => record.frames.filter((f) => !("periodic" in f && f.periodic));

/** What the real server's reconnect cost: the resync's kind and bytes, and the writes B missed. */
function realReconnect(record: HandshakeRecord): { readonly kind: "full" | "partial"; readonly bytes: number; readonly writesMissed: number } {
  const frames = significant(record);
  const kill = frames.findIndex((f) => f.kind === "step" && f.text.includes("CLIENT KILL"));
  const thaw = frames.findIndex((f) => f.kind === "step" && f.text.includes("thawed"));
  const writesMissed = frames.slice(kill, thaw).filter((f) => f.kind === "step" && /^A: SET /.test(f.text)).length;
  const resyncs = realResyncs(frames.slice(thaw));
  expect(resyncs.length).toBe(1);
  return { ...resyncs[0]!, writesMissed };
}

/** The reconnect story told on a 7.0 lab (the compare tells it again under each version). */
function reconnectStory(): Lab {
  const lab = new Lab({ seed: "compare-reconnect" });
  const a = lab.addNode({ name: "A" }).id;
  const b = lab.addNode({ name: "B" }).id;
  lab.command(a, "SET", "x1", "v1");
  lab.command(a, "SET", "x2", "v2");
  lab.replicaOf(b, a);
  lab.runUntilIdle(60_000);
  lab.command(a, "SET", "w1", "v1");
  lab.advance(500);
  lab.freeze(b);
  lab.command(a, "CLIENT", "KILL", lab.nodeSnapshot(b).address);
  lab.command(a, "SET", "w2", "v2");
  lab.advance(500);
  lab.thaw(b);
  lab.runUntilIdle(60_000);
  // The recorder wrote w3 once B was back; older versions reconnect at their next cron, later than 7.0.
  lab.advance(2000);
  lab.command(a, "SET", "w3", "v3");
  lab.advance(500);
  return lab;
}

function told(lanes: readonly CompareLane[], version: string): Extract<CompareLane, { ok: true }> {
  const lane = lanes.find((l) => l.version === version);
  if (!lane?.ok) throw new Error(`lane ${version}: ${lane?.ok === false ? lane.reason : "missing"}`);
  return lane;
}

describe("the cost of a reconnect, moment by moment, as the real servers paid it", () => {
  const lab = reconnectStory();
  const b = lab.resolve("B")!;
  const lanes = compareProtocols(lab.creation, lab.inputs.toArray(), lab.nowMs, ["2.6", "2.8", "4.0", "7.0"]);
  const real: Record<string, HandshakeRecord> = {
    "2.6": readLegacyFixture("2.6.17").handshakes.reconnect,
    "2.8": readLegacyFixture("2.8.24").handshakes.reconnect,
    "4.0": readLegacyFixture("4.0.14").handshakes.reconnect,
    "7.0": readHandshakes70().handshakes.reconnect!,
  };

  for (const version of ["2.6", "2.8", "4.0", "7.0"]) {
    it(`${version}: the reconnect's resync, its bytes and the writes B missed`, () => {
      const expected = realReconnect(real[version]!);
      const lane = told(lanes, version);
      const resyncs = lane.syncs.filter((s) => s.replica === b);
      expect(resyncs.length).toBe(2);
      const reconnect = resyncs[1]!;
      expect({ kind: reconnect.kind, bytes: reconnect.bytes, writesMissed: reconnect.writesMissed }).toEqual(expected);

      // The cursor: just before the master answered, the cost is the first sync's and B is out
      // of sync; once the catch-up arrived, the resync is counted and B is in sync again.
      const before = costsAt(lane.moments, reconnect.atMs - 0.001);
      const first = resyncs[0]!;
      expect([before.fullSyncs, before.partialSyncs, before.resyncBytes, before.replicasOutOfSync, before.writesMissed]).toEqual([1, 0, first.bytes, 1, expected.writesMissed]);
      const after = costsAt(lane.moments, reconnect.doneMs);
      expect([after.fullSyncs, after.partialSyncs, after.resyncBytes, after.replicasOutOfSync]).toEqual([
        expected.kind === "full" ? 2 : 1,
        expected.kind === "partial" ? 1 : 0,
        first.bytes + expected.bytes,
        0,
      ]);
      // Time to convergence: from A's kill of the link until the catch-up arrived, and no longer.
      const away = lane.moments.find((m) => m.event.kind === "out-of-sync")!;
      expect(after.outOfSyncMs).toBeCloseTo(reconnect.doneMs - away.atMs, 6);
      expect(costsAt(lane.moments, lab.nowMs).outOfSyncMs).toBeCloseTo(after.outOfSyncMs, 6);
      expect(lane.figures.keysLost).toBe(0);
    });
  }

  it("2.6 carries the whole dataset (4 keys, as the real RDB held x1, x2, w1, w2) where 2.8 sends the one SET", () => {
    const real26 = real["2.6"]!.frames.filter((f): f is Extract<HandshakeFrame, { kind: "rdb" }> => f.kind === "rdb").at(-1)!;
    // The RDB 6 payload holds its keys as plain strings: count the key names the fixture's bytes carry.
    const payload = Buffer.from(real26.rdb.hex!, "hex").toString("latin1");
    const keys = ["x1", "x2", "w1", "w2"].filter((k) => payload.includes(`\x02${k}`)).length;
    expect(keys).toBe(4);
    expect(told(lanes, "2.6").syncs.filter((s) => s.replica === b)[1]!.keys).toBe(keys);
    expect(told(lanes, "2.8").syncs.filter((s) => s.replica === b)[1]!.keys).toBeNull();
  });
});

/** What the real server did for C after A's kill in the recorded `promotion` capture: its resyncs' kinds and bytes. */
function realPromotion(record: HandshakeRecord): { readonly kind: "full" | "partial"; readonly bytes: number }[] {
  const frames = significant(record);
  return realResyncs(frames.slice(frames.findIndex((f) => f.kind === "step" && f.text.includes("killed"))));
}

/** The promotion capture's story: A holds x1, x2; B replicates A, C replicates B; SET w1; A killed; 2.5 s; B promoted; SET n1 on B. */
function promotionStory(): Lab {
  const lab = new Lab({ seed: "compare-promotion" });
  const a = lab.addNode({ name: "A" }).id;
  const b = lab.addNode({ name: "B" }).id;
  const c = lab.addNode({ name: "C" }).id;
  lab.command(a, "SET", "x1", "v1");
  lab.command(a, "SET", "x2", "v2");
  lab.replicaOf(b, a);
  lab.runUntilIdle(60_000);
  lab.replicaOf(c, b);
  lab.runUntilIdle(60_000);
  lab.command(a, "SET", "w1", "v1");
  lab.advance(500);
  lab.kill(a);
  lab.advance(2500);
  lab.replicaOf(b, null);
  lab.runUntilIdle(60_000);
  // The recorder wrote n1 once C had settled; 2.6's C retries its SYNC at its next cron.
  lab.advance(2000);
  lab.command(b, "SET", "n1", "v1");
  lab.advance(500);
  return lab;
}

describe("the cost of a promotion in a chain, as the real servers paid it", () => {
  const lab = promotionStory();
  const c = lab.resolve("C")!;
  const killMs = lab.inputs.toArray().find((i) => i.op === "kill")!.t;
  const lanes = compareProtocols(lab.creation, lab.inputs.toArray(), lab.nowMs, ["2.6", "2.8", "4.0", "7.0"]);
  const real: Record<string, HandshakeRecord> = {
    "2.6": readLegacyFixture("2.6.17").handshakes.promotion,
    "2.8": readLegacyFixture("2.8.24").handshakes.promotion,
    "4.0": readLegacyFixture("4.0.14").handshakes.promotion,
    "7.0": readHandshakes70().handshakes.promotion!,
  };

  for (const version of ["2.6", "2.8", "4.0", "7.0"]) {
    it(`${version}: C's resyncs after A's kill, their kinds and bytes, and the cost then`, () => {
      const expected = realPromotion(real[version]!);
      const lane = told(lanes, version);
      const after = lane.syncs.filter((s) => s.replica === c && s.atMs > killMs);
      expect(after.map((s) => ({ kind: s.kind, bytes: s.bytes }))).toEqual(expected);
      const before = costsAt(lane.moments, killMs - 1);
      const end = costsAt(lane.moments, lab.nowMs);
      expect(end.fullSyncs - before.fullSyncs).toBe(expected.filter((e) => e.kind === "full").length);
      expect(end.partialSyncs - before.partialSyncs).toBe(expected.filter((e) => e.kind === "partial").length);
      expect(end.resyncBytes - before.resyncBytes).toBe(expected.reduce((sum, e) => sum + e.bytes, 0));
      // Everyone in sync at the end, and C missed no write (n1 came once it was back).
      expect(end.replicasOutOfSync).toBe(0);
      expect(end.writesMissed).toBe(0);
    });
  }

  it("2.8 kept C's link through the promotion (no stretch out of sync), where 2.6 dropped it and synced it in full", () => {
    const awayIn = (version: string): number => told(lanes, version).moments.filter((m) => m.event.kind === "out-of-sync" && m.event.replica === c).length;
    expect(realPromotion(real["2.8"]!)).toEqual([]);
    expect(awayIn("2.8")).toBe(0);
    expect(awayIn("2.6")).toBe(1);
    const full = told(lanes, "2.6").syncs.filter((s) => s.replica === c).at(-1)!;
    // The real 2.6.17's RDB then held x1, x2 and w1.
    expect(full.keys).toBe(3);
  });
});
