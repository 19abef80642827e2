/**
 * Engine benchmarks (wall-clock figures on this machine; virtual time is free). Targets from issue 13:
 * - engine.set_throughput: pipelined SETs into a master with two replicas, counted once applied on
 *   all three (target ≥ 1,500,000 ops/s); `_2_8` and `_4_0` the same with 2.8 and 4.0 nodes (the
 *   ring backlog, PSYNC1/PSYNC2-ring replication), `engine.ssdb_set_throughput` with SSDB nodes
 *   (SETs over its Redis protocol, counted once every slave's last_seq is the master's binlog seq);
 *   `_100k_keys` over 100,000 distinct keys (target ≥ 1,000,000 ops/s).
 * - engine.full_sync_1m: full sync of 1,000,000 keys with 16-byte values: RDB write, transfer and
 *   load (target ≤ 0.6 s), with the write and the load timed again on their own beside it.
 * - engine.replay_speed: a 3-node lab's log replayed from scratch, virtual ms per wall ms (target
 *   ≥ 100× real time): 10 minutes of virtual history at 1,000 writes/s (a tick every 10 ms, as the
 *   server drives a write load), with a replica restarted on a wiped disk and synced in full at
 *   30% and a promotion (the other replica becomes the master, both others follow it) at 60%.
 *   BENCH_QUICK=1: 2 minutes of history.
 * - engine.idle_node_bytes: heap per idle node (target ≤ 1 MB plus its backlog).
 * Issue 17: engine.lpush_throughput, engine.hset_throughput and engine.zadd_throughput, the
 * engine.set_throughput shape with redis-benchmark's LPUSH, HSET and ZADD (target ≥ 1,000,000 ops/s).
 */
import { Lab, RedisNode, ReplayCursor, encodeCommand, utf8, type NodeId, type NodeSnapshot, type NodeVersion } from "../packages/engine/src/index.ts";
import { buildRdb, loadRdbInto } from "../packages/engine/src/redis/persistence.ts";

function report(bench: string, value: number, unit: string, extra: Record<string, unknown> = {}): void {
  console.log(JSON.stringify({ bench, value: Math.round(value * 1000) / 1000, unit, ...extra }));
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** A master and two synced replicas of `version` on an unlimited-bandwidth network. */
function threeNodes(seed: string, config: Record<string, string> = {}, version: NodeVersion = "7.0"): { lab: Lab; a: NodeId; b: NodeId; c: NodeId } {
  const lab = new Lab({ seed, defaultLink: { latencyMs: 1, bandwidthBytesPerSec: Infinity, partitioned: false } });
  const settings = version === "ssdb" ? config : { "repl-diskless-sync-delay": "0", ...config };
  const a = lab.addNode({ config: settings, version }).id;
  const b = lab.addNode({ config: settings, version }).id;
  const c = lab.addNode({ config: settings, version }).id;
  lab.replicaOf(b, a);
  lab.replicaOf(c, a);
  lab.runUntilIdle();
  return { lab, a, b, c };
}

/**
 * Commands a node processed, and how far it is in its master's stream (its own for the master): a
 * 2.8 replica counts its master's stream apart from its own (slave_repl_offset), 4.0 and 7.0 share it.
 */
function progress(node: NodeSnapshot): { readonly commands: number; readonly offset: number } {
  switch (node.protocol) {
    case "redis-psync2":
    case "redis-psync2-ring":
      return { commands: node.stats.commandsProcessed, offset: node.masterReplOffset };
    case "redis-psync1":
      return { commands: node.stats.commandsProcessed, offset: node.replicaOffset ?? node.masterReplOffset };
    case "ssdb-binlog":
      // Every SET is one binlog record: the master's last seq counts them, a slave's says how far it is.
      return { commands: node.binlog.maxSeq, offset: node.role === "master" ? node.binlog.maxSeq : (node.lastSeq ?? -1) };
    default:
      throw new Error(`no offsets to compare on ${node.protocol}`);
  }
}

/** redis-benchmark's `-t set` request: the literal key `key:__rand_int__` (no `-r`), 3-byte value. */
const SET_REQUEST = (key: string | null): string[] => ["SET", key ?? "key:__rand_int__", "xxx"];

/**
 * SETs from `clients` connections, each sending `pipeline` commands per write, round after round,
 * until `count` have been applied on the master and both replicas (equal offsets at the end).
 * Keys follow redis-benchmark: the literal key unless `distinctKeys` > 1 (then `key:<n>`), 3-byte
 * values. `request` makes another command of the same shape (LPUSH, HSET, ZADD).
 */
function setThroughput(bench: string, clients: number, pipeline: number, distinctKeys: number, count: number, note: string, version: NodeVersion = "7.0", request = SET_REQUEST): void {
  const { lab, a, b, c } = threeNodes(`bench:${bench}`, {}, version);
  const batches: Uint8Array[] = [];
  const batchCount = Math.max(1, Math.ceil(distinctKeys / pipeline));
  for (let batch = 0; batch < batchCount; batch++) {
    const parts: Uint8Array[] = [];
    for (let i = 0; i < pipeline; i++) {
      const key = distinctKeys > 1 ? `key:${(batch * pipeline + i) % distinctKeys}` : null;
      parts.push(encodeCommand(request(key).map(utf8)));
    }
    const buf = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      buf.set(p, at);
      at += p.length;
    }
    batches.push(buf);
  }
  const conns = Array.from({ length: clients }, (_, i) => lab.openConnection(a, `127.0.0.1:${50000 + i}`, { onData: () => {}, onClose: () => {} }));
  lab.runCurrent();
  const ids = [a, b, c];
  const run = (n: number): number => {
    const target = progress(lab.nodeSnapshot(a)).commands + n;
    const start = performance.now();
    let next = 0;
    for (let sent = 0; sent < n; ) {
      for (const conn of conns) {
        conn.send(batches[next++ % batches.length]!);
        sent += pipeline;
      }
      // Deliver this round to the master, then the master's stream to the replicas.
      lab.runUntil(lab.nextEventMs());
      lab.runUntil(lab.nextEventMs());
    }
    lab.runUntilIdle();
    const elapsed = performance.now() - start;
    const offsets = ids.map((id) => progress(lab.nodeSnapshot(id)).offset);
    if (progress(lab.nodeSnapshot(a)).commands < target || offsets[1] !== offsets[0] || offsets[2] !== offsets[0]) {
      throw new Error(`not applied everywhere: offsets ${offsets.join(", ")}`);
    }
    return elapsed;
  };
  run(Math.min(200_000, count)); // warm-up
  gc();
  const elapsed = run(count);
  report(bench, (count / elapsed) * 1000, "ops/s", { clients, pipeline, distinctKeys, ...(version === "7.0" ? {} : { version }), note });
}

/** The Redis process behind a lab node (benchmarks fill keyspaces directly). */
function redisNode(lab: Lab, id: NodeId): RedisNode {
  const node = lab.process(id);
  if (!(node instanceof RedisNode)) throw new Error("not a running Redis node");
  return node;
}

function fullSync1m(): void {
  const lab = new Lab({ seed: "bench:sync", defaultLink: { latencyMs: 1, bandwidthBytesPerSec: Infinity, partitioned: false } });
  const a = lab.addNode({ config: { "repl-diskless-sync-delay": "0" } }).id;
  const b = lab.addNode().id;
  const db = redisNode(lab, a).keyspace.db(0);
  const value = new Uint8Array(16).fill(0x61);
  for (let i = 0; i < 1_000_000; i++) db.set(`key:${String(i).padStart(7, "0")}`, value.slice());
  gc();
  const start = performance.now();
  lab.replicaOf(b, a);
  lab.runUntilIdle();
  const elapsed = performance.now() - start;
  const keys = redisNode(lab, b).keyspace.totalKeys;
  if (keys !== 1_000_000) throw new Error(`replica has ${keys} keys`);
  // The split, each part timed again on its own: the master's RDB, and its load into the replica
  // emptied first (the same work, on the same heap); the transfer is the rest (handshake, the bytes
  // through the simulated network, the replica's CRC and bookkeeping).
  gc();
  let at = performance.now();
  const rdb = buildRdb(redisNode(lab, a));
  const writeMs = performance.now() - at;
  redisNode(lab, b).keyspace.flushAll();
  gc();
  at = performance.now();
  const loaded = loadRdbInto(redisNode(lab, b), rdb, false).keys;
  const loadMs = performance.now() - at;
  if (loaded !== 1_000_000) throw new Error(`loaded ${loaded} keys`);
  const seconds = (ms: number): number => Math.round(ms) / 1000;
  report("engine.full_sync_1m", elapsed / 1000, "s", { target: "<= 0.6", keys, writeS: seconds(writeMs), transferS: seconds(elapsed - writeMs - loadMs), loadS: seconds(loadMs) });
}

/**
 * engine.replay_speed: the log of a 3-node lab (see the file comment) replayed from the start, as a
 * timeline seek far from any checkpoint does.
 */
function replaySpeed(): void {
  const historyMs = (process.env.BENCH_QUICK === "1" ? 2 : 10) * 60_000;
  const tickMs = 10;
  const writesPerTick = (1000 * tickMs) / 1000;
  const lab = new Lab({ seed: "bench:replay", epochMs: 1_700_000_000_000 });
  const [a, b, c] = ["A", "B", "C"].map((name) => lab.addNode({ name }).id) as [NodeId, NodeId, NodeId];
  lab.replicaOf(b, a);
  lab.replicaOf(c, a);
  lab.runUntilIdle(60_000);
  let writer = a;
  let resynced = false;
  let promoted = false;
  while (lab.nowMs < historyMs) {
    if (!resynced && lab.nowMs >= historyMs * 0.3) {
      resynced = true;
      lab.restart(c, { wipe: true });
      lab.replicaOf(c, a);
    }
    if (!promoted && lab.nowMs >= historyMs * 0.6) {
      promoted = true;
      lab.replicaOf(b, null);
      lab.replicaOf(a, b);
      lab.replicaOf(c, b);
      writer = b;
    }
    lab.writeLoad(writer, writesPerTick);
    lab.runCurrent();
    const target = lab.nowMs + tickMs;
    while (lab.nextEventMs() <= target) lab.step();
    lab.runUntil(target);
  }
  const fullSyncs = lab.events().filter((event) => event.kind === "full-resync" && event.detail?.kind === "full-resync" && event.detail.side === "replica").length;
  if (fullSyncs !== 3) throw new Error(`expected 3 full syncs (2 at the start, 1 after the wipe), saw ${fullSyncs}`);
  const keys = [a, b, c].map((id) => lab.nodeSnapshot(id).keys);
  if (keys[0] !== keys[1] || keys[0] !== keys[2]) throw new Error(`nodes differ: ${keys.join(", ")} keys`);
  gc();
  const started = performance.now();
  const cursor = ReplayCursor.start(lab.creation, lab.inputs);
  cursor.seek(lab.nowMs);
  const wallMs = performance.now() - started;
  if (cursor.lab.nodeSnapshot(b).keys !== keys[1]) throw new Error("the replay differs from the run");
  report("engine.replay_speed", lab.nowMs / wallMs, "x real time", { target: ">= 100", virtualMs: Math.round(lab.nowMs), wallMs: Math.round(wallMs), inputs: lab.inputs.length, keys: keys[0], fullSyncs, promotions: 1 });
}

function idleNodeBytes(): void {
  gc();
  const before = process.memoryUsage().heapUsed;
  const lab = new Lab({ seed: "bench:idle" });
  const count = 200;
  for (let i = 0; i < count; i++) lab.addNode({ port: 20000 + i });
  lab.advance(5_000);
  gc();
  const after = process.memoryUsage().heapUsed;
  report("engine.idle_node_bytes", (after - before) / count, "B", { target: "<= 1048576 plus backlog", nodes: count, backlog: 0 });
  if (lab.nodeIds().length !== count) throw new Error("lost nodes");
}

setThroughput("engine.set_throughput", 10, 1000, 1, 2_000_000, "target >= 1500000; bulk pipelines, redis-benchmark's key and value");
setThroughput("engine.set_throughput_2_8", 10, 1000, 1, 2_000_000, "target >= 1500000; as engine.set_throughput with 2.8 nodes", "2.8");
setThroughput("engine.set_throughput_4_0", 10, 1000, 1, 2_000_000, "target >= 1500000; as engine.set_throughput with 4.0 nodes", "4.0");
setThroughput("engine.ssdb_set_throughput", 10, 1000, 1, 100_000, "target >= 1500000; as engine.set_throughput with SSDB nodes (fewer SETs: far slower)", "ssdb");
setThroughput("engine.set_throughput_p16_c50", 50, 16, 1, 1_000_000, "redis-benchmark -t set -P 16 shape (real redis with two replicas: about 335000 here)");
setThroughput("engine.set_throughput_100k_keys", 10, 1000, 100_000, 1_000_000, "target >= 1000000; 100,000 distinct keys");
// Issue 17: the data types' everyday writes in the same shape, as redis-benchmark sends them (no -r):
// LPUSH grows one list, HSET rewrites one field, ZADD re-adds one member at score 0 (unchanged, so
// only the first is propagated, as redis does).
setThroughput("engine.lpush_throughput", 10, 1000, 1, 1_000_000, "target >= 1000000; redis-benchmark -t lpush: LPUSH mylist xxx", "7.0", () => ["LPUSH", "mylist", "xxx"]);
setThroughput("engine.hset_throughput", 10, 1000, 1, 1_000_000, "target >= 1000000; redis-benchmark -t hset: HSET myhash element:__rand_int__ xxx", "7.0", () => ["HSET", "myhash", "element:__rand_int__", "xxx"]);
setThroughput("engine.zadd_throughput", 10, 1000, 1, 1_000_000, "target >= 1000000; redis-benchmark -t zadd: ZADD myzset 0 element:__rand_int__", "7.0", () => ["ZADD", "myzset", "0", "element:__rand_int__"]);
fullSync1m();
replaySpeed();
idleNodeBytes();
