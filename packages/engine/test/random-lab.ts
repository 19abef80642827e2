/**
 * Random labs for the tests that check a lab against its own log (replay, recordings, the
 * timeline): `drive` runs a seeded mix of every kind of input, `fingerprint` says everything
 * observable about a lab, so two labs are the same when their fingerprints are.
 */
import { Lab, Prng, RedisNode, encodeCommand, utf8, valueFingerprint, type LabConnection, type NodeId } from "../src/index.ts";

const ACTIONS = 60;

/** Everything observable about a lab that a replay, an import or a seek must reproduce. */
export function fingerprint(lab: Lab): string {
  const parts: string[] = [JSON.stringify(lab.snapshot())];
  for (const id of lab.nodeIds()) {
    const process = lab.process(id);
    if (!(process instanceof RedisNode)) {
      parts.push(`${id}:down`);
      continue;
    }
    const data: string[] = [];
    for (const db of process.keyspace.dbs) {
      for (const [key, value] of db.dict) data.push(`${db.id}:${key}=${valueFingerprint(value)}@${db.expireAt(key)}`);
    }
    parts.push(`${id}:${data.join(";")}`);
    parts.push(JSON.stringify(process.replication.infoFields()));
  }
  parts.push(JSON.stringify(lab.events().map((e) => [e.seq, e.timeMs, e.nodeId, e.message])));
  return parts.join("\n");
}

/** A short digest of bytes (FNV-1a), with their length. */
function digest(bytes: Uint8Array): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return `${bytes.length}#${(h >>> 0).toString(16)}`;
}

/**
 * What `fingerprint` does not show, but a lab copied or restored (a fork, a checkpoint) must have
 * as its original does, as later commands would find it: every key found again through its dict's
 * index, SCAN's cursors (the dict's sequence numbers), the replication backlog's bytes (a later
 * partial resync sends them) and the disk's files (a restart loads them).
 */
export function hiddenState(lab: Lab): string {
  const parts: string[] = [];
  for (const id of lab.nodeIds()) {
    const process = lab.process(id);
    if (!(process instanceof RedisNode)) continue;
    for (const db of process.keyspace.dbs) {
      if (db.dict.size === 0) continue;
      const lost: string[] = [];
      for (const [key, value] of db.dict) if (db.dict.get(key) !== value) lost.push(key);
      const cursors: number[] = [];
      let cursor = 0;
      do cursor = db.dict.scan(cursor, 3, []);
      while (cursor !== 0 && cursors.push(cursor) < 100_000);
      parts.push(`${id}/${db.id}: lost [${lost.join(",")}] scan ${cursors.join(",")}`);
    }
    const replication = process.replication as { readonly backlog?: Backlog | null; readonly ring?: Backlog | null };
    const backlog = replication.backlog ?? replication.ring ?? null;
    if (backlog) parts.push(`${id} backlog ${backlog.firstByteOffset}..${backlog.endOffset} ${digest(backlog.copyFrom(backlog.firstByteOffset))}`);
    for (const name of process.disk.list()) parts.push(`${id} ${name} ${digest(process.disk.read(name)!)}`);
  }
  return parts.join("\n");
}

/** What `hiddenState` reads of a backlog (redis 7.0's and the 2.8/4.0 ring). */
interface Backlog {
  readonly firstByteOffset: number;
  readonly endOffset: number;
  copyFrom(offset: number): Uint8Array;
}

/** How `drive` runs a lab beyond its seed. */
export interface DriveOptions {
  readonly actions?: number;
  /**
   * Chance that virtual time passes after an action, besides the actions that pass it. With
   * none, most random labs never finish a sync; with some, replicas sync, stream and resync.
   */
  readonly timeShare?: number;
  /** Chance that an action also writes a list, hash, set or sorted set (values changed in place). */
  readonly aggregateShare?: number;
}

/** Writes to the aggregate types, each changing a value in place. */
const AGGREGATE_WRITES: readonly (readonly string[])[] = [
  ["LPUSH", "list", "a", "b"],
  ["RPOP", "list"],
  ["HSET", "hash", "f", "1", "g", "2"],
  ["HINCRBY", "hash", "f", "3"],
  ["SADD", "set", "x", "y", "z"],
  ["SREM", "set", "y"],
  ["ZADD", "zset", "1", "a", "2", "b"],
  ["ZINCRBY", "zset", "5", "a"],
];

/**
 * Drives `lab` with seed `seed`: topologies, writes, console commands, REPLICAOF changes, kills,
 * restarts (wiped too), freezes, partitions, latency, CONFIG REWRITE, client connections with
 * pipelined bytes, the write load, and time passing as the server passes it.
 */
export function drive(seed: number, lab: Lab, options: DriveOptions = {}): void {
  const actions = options.actions ?? ACTIONS;
  const rng = Prng.fromSeed(`replay:${seed}`);
  // Its own stream, so that labs driven without extra time stay what they were.
  const clock = Prng.fromSeed(`replay-time:${seed}`);
  const ids: NodeId[] = [];
  const count = 2 + rng.int(3);
  for (let i = 0; i < count; i++) {
    ids.push(lab.addNode({ config: { "repl-backlog-size": rng.pick(["16384", "1048576"]), "repl-diskless-sync-delay": String(rng.int(3)), "repl-ping-replica-period": String(1 + rng.int(5)) } }).id);
  }
  const connections: LabConnection[] = [];
  for (let action = 0; action < actions; action++) {
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
    if (options.timeShare !== undefined && clock.chance(options.timeShare)) lab.advance(clock.pick([2, 30, 400, 1200, 3000]));
    if (options.aggregateShare !== undefined && clock.chance(options.aggregateShare)) {
      const node = clock.pick(ids);
      if (lab.isUp(node) && !lab.isFrozen(node)) lab.command(node, ...clock.pick(AGGREGATE_WRITES));
    }
  }
  lab.runUntilIdle(60_000);
}

/** The lab of `seed` as the replay tests make it. */
export function randomLab(seed: number): Lab {
  return new Lab({ seed, epochMs: 1_700_000_000_000 + seed * 1000 });
}
