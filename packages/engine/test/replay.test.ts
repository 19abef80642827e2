/**
 * Every lab is a recording: replaying its seed, epoch and input log on a fresh lab gives, after
 * every logged input, the same snapshot, the same keyspaces (every db, values and TTLs) and the
 * same INFO replication on every node as the original had. Random labs: topologies, writes,
 * console commands, REPLICAOF changes, kills, restarts (wiped too), freezes, partitions, latency,
 * CONFIG REWRITE, client connections with pipelined bytes, and the write load.
 *
 * `REPLAY_SEEDS=<count>` runs more seeds; a failure names the seed and the first differing input.
 */
import { describe, expect, it } from "vitest";
import { Lab, Prng, RedisNode, encodeCommand, utf8, type LabConnection, type NodeId } from "../src/index.ts";

const DEFAULT_SEEDS = 200;
const ACTIONS = 60;

/** Everything observable about a lab that replay must reproduce. */
function fingerprint(lab: Lab): string {
  const parts: string[] = [JSON.stringify(lab.snapshot())];
  for (const id of lab.nodeIds()) {
    const process = lab.process(id);
    if (!(process instanceof RedisNode)) {
      parts.push(`${id}:down`);
      continue;
    }
    const data: string[] = [];
    for (const db of process.keyspace.dbs) {
      for (const [key, value] of db.dict) data.push(`${db.id}:${key}=${Array.from(value).join(",")}@${db.expireAt(key)}`);
    }
    parts.push(`${id}:${data.join(";")}`);
    parts.push(JSON.stringify(process.replication.infoFields()));
  }
  parts.push(JSON.stringify(lab.events().map((e) => [e.seq, e.timeMs, e.nodeId, e.message])));
  return parts.join("\n");
}

function drive(seed: number, lab: Lab): void {
  const rng = Prng.fromSeed(`replay:${seed}`);
  const ids: NodeId[] = [];
  const count = 2 + rng.int(3);
  for (let i = 0; i < count; i++) {
    ids.push(lab.addNode({ config: { "repl-backlog-size": rng.pick(["16384", "1048576"]), "repl-diskless-sync-delay": String(rng.int(3)), "repl-ping-replica-period": String(1 + rng.int(5)) } }).id);
  }
  const connections: LabConnection[] = [];
  for (let action = 0; action < ACTIONS; action++) {
    const id = rng.pick(ids);
    const up = lab.isUp(id) && !lab.isFrozen(id);
    const roll = rng.int(100);
    if (roll < 25 && up) lab.command(id, "SET", `k${rng.int(30)}`, `v${action}`, ...(rng.chance(0.2) ? ["PX", String(100 + rng.int(3000))] : []));
    else if (roll < 32 && up) lab.command(id, rng.pick(["INCR", "DEL", "GET"]), `k${rng.int(30)}`);
    else if (roll < 42 && up) lab.replicaOf(id, rng.chance(0.2) ? null : rng.pick(ids.filter((o) => o !== id)));
    else if (roll < 46) lab.kill(id);
    else if (roll < 51) lab.restart(id, { wipe: rng.chance(0.3) });
    else if (roll < 54 && up) lab.freeze(id);
    else if (roll < 57) lab.thaw(id);
    else if (roll < 62) lab.setLink(id, rng.pick(ids.filter((o) => o !== id)), rng.chance(0.5) ? { partitioned: rng.chance(0.5) } : { latencyMs: rng.int(100) });
    else if (roll < 65 && up) lab.command(id, "CONFIG", "REWRITE");
    else if (roll < 70) lab.persistMaster(id, rng.chance(0.5) ? null : rng.pick(ids.filter((o) => o !== id)));
    else if (roll < 76 && lab.isUp(id)) connections.push(lab.openConnection(id, `127.0.0.1:${41000 + action}`, { onData: () => {}, onClose: () => {} }));
    else if (roll < 82 && connections.length > 0) {
      const conn = rng.pick(connections);
      conn.send(encodeCommand([utf8("SET"), utf8(`c${rng.int(10)}`), utf8("x".repeat(rng.int(200)))]));
      if (rng.chance(0.2)) conn.close();
    } else if (roll < 88) lab.writeLoad(id, 1 + rng.int(200));
    else if (roll < 90) lab.stopWriteLoad(id);
    else {
      // Time passes as the server's runtime passes it: whole runs and budgeted steps.
      if (rng.chance(0.5)) lab.advance(rng.pick([1, 20, 300, 1500, 6000]));
      else for (let i = rng.int(40); i > 0 && lab.nextEventMs() < Infinity; i--) lab.step();
    }
  }
  lab.runUntilIdle(60_000);
}

function check(seed: number): void {
  const original = new Lab({ seed, epochMs: 1_700_000_000_000 + seed * 1000 });
  const seen: string[] = [];
  const unsubscribe = original.inputs.subscribe(() => seen.push(fingerprint(original)));
  drive(seed, original);
  unsubscribe();
  const inputs = original.inputs.toArray();
  expect(inputs.length, `seed ${seed}: inputs`).toBe(seen.length);
  const replay = Lab.replayer(original.creation, inputs);
  for (let i = 0; i < inputs.length; i++) {
    replay.next();
    const got = fingerprint(replay.lab);
    if (got !== seen[i]) {
      throw new Error(`seed ${seed}: replay differs after input ${i} (${JSON.stringify(inputs[i], (_k, v: unknown) => (v instanceof Uint8Array ? `<${v.length} bytes>` : v))})`);
    }
  }
}

describe("input log: seed + epoch + log rebuild a lab exactly", () => {
  const seeds = Array.from({ length: Number(process.env.REPLAY_SEEDS ?? DEFAULT_SEEDS) }, (_, i) => i + 1);
  it(`replays ${seeds.length} random labs identically after every input`, () => {
    for (const seed of seeds) check(seed);
  });

  it("merges runs of time into one entry while nobody listens, and the merged log replays to the same lab", () => {
    const lab = new Lab({ seed: "merge" });
    drive(3, lab);
    const merged = lab.inputs.toArray();
    expect(merged.filter((input, i) => i > 0 && input.op === "run-until" && merged[i - 1]!.op === "run-until")).toEqual([]);
    expect(fingerprint(Lab.replay(lab.creation, merged))).toBe(fingerprint(lab));
  });
});
