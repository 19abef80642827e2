/**
 * Seeks in any order give the moment a straight replay gives: a lab with a write load, save points
 * (RDB work, which checkpoints follow at once), replicas whose data differ from their master's (one
 * writable with keys of its own, one cut off for a while, then back by a partial resync), a full
 * resync (a replica killed and restarted wiped) and a promotion (a replica made master, the others
 * moved under it), its timeline taking checkpoints as the server's does (each sharing what did not
 * change with the one before); then moments asked for in random order (so from checkpoints, from
 * the last moment shown, and from the cache) are compared with one cursor replaying the whole log
 * forward: every node's keys, values, TTLs, INFO and the snapshot, and what later commands would
 * find (each key through the dict's index, SCAN's cursors, the backlog's bytes, the disk's files).
 */
import { describe, expect, it } from "vitest";
import { Lab, Prng, RedisNode, ReplayCursor, renderInfo, type NodeId } from "@replica-lab/engine";
import { DEFAULT_TIMELINE, LabTimeline } from "./lab-timeline.ts";

/** The lab's whole state as far as a moment can show it. */
function fingerprint(lab: Lab): string {
  const parts: string[] = [JSON.stringify(lab.snapshot({ paused: true, speed: 1 }))];
  for (const id of lab.nodeIds()) {
    const process = lab.process(id);
    if (!(process instanceof RedisNode) || !lab.isUp(id)) {
      parts.push(`${id}: down`);
      continue;
    }
    const data: string[] = [];
    for (const db of process.keyspace.dbs) {
      for (const [key, value] of db.dict) {
        data.push(`${db.id}:${key}=${value instanceof Uint8Array ? Array.from(value).join(",") : JSON.stringify(value)}@${db.expireAt(key)}`);
        if (db.dict.get(key) !== value) data.push(`(${key} not found through the index)`);
      }
      const cursors: number[] = [];
      for (let cursor = db.dict.scan(0, 50, []); cursor !== 0; cursor = db.dict.scan(cursor, 50, [])) cursors.push(cursor);
      data.push(`scan ${db.id}: ${cursors.join(",")}`);
    }
    parts.push(`${id}: ${data.join(";")}`);
    parts.push(renderInfo(process, ["replication", "persistence", "memory", "keyspace", "stats"]));
    const backlog = (process.replication as { backlog?: { firstByteOffset: number; copyFrom(offset: number): Uint8Array } | null }).backlog;
    if (backlog) parts.push(`backlog ${Array.from(backlog.copyFrom(backlog.firstByteOffset)).join(",")}`);
    for (const name of process.disk.list()) parts.push(`${name}: ${Array.from(process.disk.read(name)!).join(",")}`);
  }
  return parts.join("\n");
}

/** Runs `ms` of virtual time as the server's runtime does with a write load (a tick every 10 ms). */
function run(lab: Lab, timeline: LabTimeline, writer: NodeId | null, ms: number): void {
  const end = lab.nowMs + ms;
  while (lab.nowMs < end) {
    if (writer !== null) lab.writeLoad(writer, 5);
    lab.runCurrent();
    const target = lab.nowMs + 10;
    while (lab.nextEventMs() <= target) lab.step();
    lab.runUntil(target);
    timeline.poll();
  }
}

describe("timeline seeks in any order", () => {
  it("equal a straight replay, across save points, a full resync and a promotion", () => {
    const lab = new Lab({ seed: "timeline-seeks", epochMs: 1_700_000_000_000 });
    const timeline = new LabTimeline(lab, { ...DEFAULT_TIMELINE, pollMs: 0, checkpointEveryMs: 700 }, () => true);
    try {
      const [a, b, c] = ["A", "B", "C"].map((name) => lab.addNode({ name }).id);
      for (const id of [a!, b!, c!]) lab.command(id, "CONFIG", "SET", "save", "1 100");
      lab.replicaOf(b!, a!);
      lab.replicaOf(c!, a!);
      lab.runUntilIdle(60_000);
      run(lab, timeline, a!, 3_000);
      lab.command(a!, "RPUSH", "list", "x", "y", "z");
      lab.command(a!, "HSET", "hash", "f", "1");
      lab.command(a!, "SET", "ttl", "v", "PX", "2500");
      run(lab, timeline, a!, 1_500);
      // C takes writes of its own (its dict is no longer its master's); B is cut off, then comes
      // back by a partial resync from A's backlog.
      lab.command(c!, "CONFIG", "SET", "replica-read-only", "no");
      for (let i = 0; i < 40; i++) lab.command(c!, "SET", `c:${i}`, `only on C ${i}`);
      lab.command(c!, "HSET", "c:hash", "f", "1");
      lab.setLink(a!, b!, { partitioned: true });
      run(lab, timeline, a!, 1_500);
      lab.command(c!, "HINCRBY", "c:hash", "f", "2");
      lab.command(a!, "RPUSH", "list", "while B is away");
      lab.setLink(a!, b!, { partitioned: false });
      run(lab, timeline, a!, 2_500);
      // A full resync: B comes back empty.
      lab.kill(b!);
      run(lab, timeline, a!, 600);
      lab.restart(b!, { wipe: true });
      run(lab, timeline, a!, 4_000);
      // A promotion: B becomes the master, A and C follow it.
      lab.stopWriteLoad(a!);
      lab.replicaOf(b!, null);
      lab.replicaOf(a!, b!);
      lab.replicaOf(c!, b!);
      lab.command(b!, "LPUSH", "list", "w");
      run(lab, timeline, b!, 4_000);
      const end = lab.nowMs;

      const view = timeline.view(null);
      expect(view.checkpoints.length).toBeGreaterThan(10);
      expect(view.checkpointRefusal).toBeNull();
      expect(lab.events().some((e) => e.kind === "persistence")).toBe(true);
      expect(lab.events().some((e) => e.message.includes("partial resynchronization") || e.message.includes("Partial resynchronization"))).toBe(true);

      const rng = Prng.fromSeed("timeline-seeks:order");
      const times: number[] = [];
      for (let i = 0; i < 40; i++) times.push(rng.int(Math.floor(end)) + rng.pick([0, 0.5]));
      // Some moments twice (the cache), and runs of moments going forward (the last moment shown).
      times.push(times[3]!, times[7]!, times[7]! + 120, times[7]! + 900, end);
      // The checkpoints' own moments: the lab as a checkpoint holds it, before any replay.
      for (const checkpoint of view.checkpoints) times.push(checkpoint.timeMs);

      // The straight replay, forward through the moments in time order.
      const expected = new Map<number, string>();
      const straight = ReplayCursor.start(lab.creation, lab.inputs.toArray());
      for (const t of [...new Set(times)].sort((x, y) => x - y)) {
        straight.seek(t);
        expected.set(t, fingerprint(straight.lab));
      }

      for (const t of times) {
        const moment = timeline.moment(t, (snapshot) => snapshot as never);
        expect(moment.timeMs).toBe(t);
        const cursor = timeline.detachedCursorAt(t);
        if (fingerprint(cursor.lab) !== expected.get(t)) throw new Error(`the lab seeked to ${t} ms differs from the straight replay`);
        expect(JSON.stringify(moment.snapshot), `snapshot at ${t} ms`).toBe(JSON.stringify(cursor.lab.snapshot({ paused: true, speed: 1 })));
      }
    } finally {
      timeline.dispose();
    }
  }, 240_000);
});

describe("checkpoint spacing", () => {
  it("is the interval while the lab gets inputs, ten intervals while it only lets time pass", () => {
    const lab = new Lab({ seed: "timeline-spacing", epochMs: 1_700_000_000_000 });
    const timeline = new LabTimeline(lab, { ...DEFAULT_TIMELINE, pollMs: 0, checkpointEveryMs: 1_000 }, () => true);
    try {
      const [a, b] = ["A", "B"].map((name) => lab.addNode({ name }).id);
      lab.replicaOf(b!, a!);
      lab.runUntilIdle(60_000);
      const poll = (ms: number, writer: NodeId | null): void => {
        const end = lab.nowMs + ms;
        while (lab.nowMs < end) {
          if (writer !== null) lab.writeLoad(writer, 1);
          lab.advance(250);
          timeline.poll();
        }
      };
      poll(10_000, a!);
      const busy = timeline.view(null).checkpoints.length;
      expect(busy).toBeGreaterThanOrEqual(9);
      poll(40_000, null);
      const idle = timeline.view(null).checkpoints.length - busy;
      expect(idle).toBeGreaterThanOrEqual(3);
      expect(idle).toBeLessThanOrEqual(5);
      poll(5_000, a!);
      expect(timeline.view(null).checkpoints.length - busy - idle).toBeGreaterThanOrEqual(4);
    } finally {
      timeline.dispose();
    }
  });
});
