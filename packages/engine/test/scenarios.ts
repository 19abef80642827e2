/**
 * Replication scenarios written once against a `Backend`, each returning what it observed at its
 * checkpoints. `differential.test.ts` runs them on real redis-server 7.0.15 processes and on the
 * simulated lab and requires identical observations; `scenarios.test.ts` pins the lab's values.
 */
import { fromUtf8, type Reply } from "../src/index.ts";
import { info, type Backend } from "./backends.ts";

/** The fields compared at a checkpoint (timing-free ones: no lag, no ACK offsets, no seconds). */
const REPLICATION_FIELDS = [
  "role",
  "master_link_status",
  "connected_slaves",
  "master_repl_offset",
  "second_repl_offset",
  "repl_backlog_active",
  "repl_backlog_first_byte_offset",
  "repl_backlog_histlen",
] as const;
const STATS_FIELDS = ["sync_full", "sync_partial_ok", "sync_partial_err"] as const;

export interface NodeObservation {
  readonly [field: string]: string;
}

/** A checkpoint: per node, the fields above plus replid / replid2 as classes ("id1", "id2"...). */
export type Checkpoint = { readonly label: string; readonly nodes: Record<string, NodeObservation> };

export interface ScenarioResult {
  readonly checkpoints: Checkpoint[];
  /** Replies worth comparing (GET on replicas, errors), in order. */
  readonly replies: string[];
}

/** Settings every scenario node starts with: no cron PINGs, so offsets do not depend on timing. */
export const QUIET = { "repl-ping-replica-period": "3600" };

class Recorder {
  readonly checkpoints: Checkpoint[] = [];
  readonly replies: string[] = [];
  private readonly idClasses = new Map<string, string>();

  constructor(private readonly backend: Backend, private readonly names: string[]) {}

  private classOf(id: string | undefined): string {
    if (id === undefined) return "?";
    if (/^0{40}$/.test(id)) return "zero";
    let cls = this.idClasses.get(id);
    if (!cls) {
      cls = `id${this.idClasses.size + 1}`;
      this.idClasses.set(id, cls);
    }
    return cls;
  }

  async checkpoint(label: string, names: string[] = this.names): Promise<void> {
    const nodes: Record<string, NodeObservation> = {};
    for (const name of names) {
      const repl = await info(this.backend, name, "replication");
      const stats = await info(this.backend, name, "stats");
      const obs: Record<string, string> = {};
      for (const f of REPLICATION_FIELDS) obs[f] = repl[f] ?? "";
      for (const f of STATS_FIELDS) obs[f] = stats[f] ?? "";
      obs.master_replid = this.classOf(repl.master_replid);
      obs.master_replid2 = this.classOf(repl.master_replid2);
      nodes[name] = obs;
    }
    this.checkpoints.push({ label, nodes });
  }

  async reply(name: string, ...argv: string[]): Promise<Reply> {
    const reply = await this.backend.command(name, ...argv);
    // Ports differ between backends: a port is recorded as the name of the node behind it.
    const command = argv[0]?.toUpperCase();
    const shown = command === "REPLICAOF" && this.ports.has(argv[2] ?? "") ? ["REPLICAOF", this.nameOfPort(argv[2]!)] : argv;
    let text = describe(reply);
    for (const [port, node] of this.ports) text = text.replaceAll(`:${port},`, `:<${node}>,`).replaceAll(`"${port}"`, `"<${node}>"`);
    // KEYS and glob CONFIG GET come in hash-table order, which is not part of the contract.
    if (reply.kind === "array" && reply.items && (command === "KEYS" || (command === "CONFIG" && /[*?[]/.test(argv[2] ?? "")))) {
      const items = reply.items.map(describe);
      const entries = command === "KEYS" ? items : pairs(items);
      text = `[${entries.sort().join(", ")}] (sorted)`;
    }
    this.replies.push(`${name} ${shown.join(" ")} -> ${text}`);
    return reply;
  }

  private readonly ports = new Map<string, string>();

  async learnPorts(): Promise<void> {
    for (const name of this.names) this.ports.set((await info(this.backend, name, "server")).tcp_port!, name);
  }

  private nameOfPort(port: string): string {
    return this.ports.get(port) ?? "?";
  }

  result(): ScenarioResult {
    return { checkpoints: this.checkpoints, replies: this.replies };
  }
}

function pairs(items: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i + 1 < items.length; i += 2) out.push(`${items[i]}=${items[i + 1]}`);
  return out;
}

export function describe(reply: Reply): string {
  switch (reply.kind) {
    case "simple":
      return `+${reply.value}`;
    case "error":
      return `-${reply.message}`;
    case "integer":
      return `:${reply.value}`;
    case "bulk":
      return reply.value === null ? "(nil)" : `"${fromUtf8(reply.value)}"`;
    case "array":
      return reply.items === null ? "(nil array)" : `[${reply.items.map(describe).join(", ")}]`;
  }
}

async function recorder(b: Backend, names: string[]): Promise<Recorder> {
  const r = new Recorder(b, names);
  await r.learnPorts();
  return r;
}

async function nodes(backend: Backend, names: string[], config: Record<string, string> = {}): Promise<void> {
  for (const name of names) await backend.addNode(name, { ...QUIET, ...config });
}

async function writes(backend: Backend, node: string, count: number, prefix = "key", valueBytes = 10): Promise<void> {
  const value = "v".repeat(valueBytes);
  for (let i = 0; i < count; i++) await backend.command(node, "SET", `${prefix}:${i}`, value);
}

export type Scenario = (backend: Backend) => Promise<ScenarioResult>;

/** One master, two replicas; a SET read back on both replicas; a write refused on a replica. */
export const oneMasterTwoReplicas: Scenario = async (b) => {
  // Default diskless delay (5 s) here, to cover the delayed fork.
  await nodes(b, ["A", "B", "C"]);
  const r = await recorder(b, ["A", "B", "C"]);
  await r.checkpoint("fresh");
  await r.reply("B", "REPLICAOF", ...(await addressArgs(b, "A")));
  await r.reply("C", "REPLICAOF", ...(await addressArgs(b, "A")));
  await b.settle(6000);
  await r.checkpoint("synced");
  await r.reply("A", "SET", "k1", "v1");
  await b.settle();
  await r.checkpoint("after SET");
  await r.reply("B", "GET", "k1");
  await r.reply("C", "GET", "k1");
  await r.reply("B", "SET", "k2", "v2");
  await r.reply("A", "SET", "k3", "v3", "EX", "100");
  await r.reply("A", "MULTI");
  await r.reply("A", "SET", "a", "1");
  await r.reply("A", "INCR", "counter");
  await r.reply("A", "EXEC");
  await r.reply("A", "SELECT", "3");
  await r.reply("A", "SET", "in3", "x");
  await r.reply("A", "SELECT", "0");
  await b.settle();
  await r.checkpoint("after more writes");
  await r.reply("C", "DBSIZE");
  return r.result();
};

/** A replica killed, writes made, the replica restarted with a wiped disk: full sync. */
export const replicaWipedRejoins: Scenario = async (b) => {
  await nodes(b, ["A", "B", "C"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B", "C"]);
  await b.replicaOf("B", "A");
  await b.replicaOf("C", "A");
  await b.settle();
  await writes(b, "A", 5);
  await b.settle();
  await r.checkpoint("synced");
  await b.kill("C");
  await writes(b, "A", 10, "during");
  await b.settle();
  await r.checkpoint("C down", ["A", "B"]);
  await b.restart("C", { wipe: true });
  await b.settle();
  await r.checkpoint("C rejoined");
  await r.reply("C", "GET", "during:9");
  await r.reply("C", "DBSIZE");
  return r.result();
};

/** A chain A ← B ← C: one replid and one offset along it. */
export const chain: Scenario = async (b) => {
  await nodes(b, ["A", "B", "C"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B", "C"]);
  await b.replicaOf("B", "A");
  await b.settle();
  await b.replicaOf("C", "B");
  await b.settle();
  await r.checkpoint("chained");
  await r.reply("A", "SET", "through", "chain");
  await r.reply("A", "SET", "n", "12345");
  await b.settle();
  await r.checkpoint("after writes");
  await r.reply("C", "GET", "through");
  await r.reply("C", "SET", "x", "1");
  return r.result();
};

/**
 * The master dies; B is promoted with REPLICAOF NO ONE, C follows B with a partial resync through
 * B's replid2; the old master comes back empty and rejoins as a replica with a full sync.
 */
export const promotion: Scenario = async (b) => {
  await nodes(b, ["A", "B", "C"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B", "C"]);
  await b.replicaOf("B", "A");
  await b.replicaOf("C", "A");
  await b.settle();
  await writes(b, "A", 7);
  await b.settle();
  await r.checkpoint("synced");
  await b.kill("A");
  await b.settle();
  await r.checkpoint("master down", ["B", "C"]);
  await r.reply("B", "REPLICAOF", "NO", "ONE");
  await r.reply("C", "REPLICAOF", ...(await addressArgs(b, "B")));
  await b.settle();
  await r.checkpoint("B promoted, C follows", ["B", "C"]);
  await r.reply("B", "SET", "after", "promotion");
  await b.settle();
  await b.restart("A");
  await r.reply("A", "REPLICAOF", ...(await addressArgs(b, "B")));
  await b.settle();
  await r.checkpoint("old master rejoined");
  await r.reply("A", "GET", "after");
  return r.result();
};

/** REPLICAOF NO ONE on a live replica, and its old master demoted below it: partial resyncs. */
export const demotion: Scenario = async (b) => {
  await nodes(b, ["A", "B", "C"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B", "C"]);
  await b.replicaOf("B", "A");
  await b.settle();
  await b.replicaOf("C", "B");
  await b.settle();
  await writes(b, "A", 3);
  await b.settle();
  await r.checkpoint("chain");
  await r.reply("B", "REPLICAOF", "NO", "ONE");
  await b.settle();
  await r.checkpoint("B promoted");
  await r.reply("A", "REPLICAOF", ...(await addressArgs(b, "B")));
  await b.settle();
  await r.checkpoint("A demoted");
  await r.reply("A", "SET", "x", "1");
  await r.reply("A", "WAIT", "1", "10");
  await r.reply("A", "REPLICAOF", ...(await addressArgs(b, "B")));
  await r.reply("B", "REPLICAOF", "NO", "ONE");
  return r.result();
};

/** A replica's link killed briefly: it reconnects at once and continues partially. */
export const linkDrop: Scenario = async (b) => {
  await nodes(b, ["A", "B"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B"]);
  await b.replicaOf("B", "A");
  await b.settle();
  await writes(b, "A", 4);
  await b.settle();
  await r.reply("B", "CLIENT", "KILL", "TYPE", "master");
  await writes(b, "A", 3, "later");
  await b.settle();
  await r.checkpoint("after drop");
  await r.reply("B", "GET", "later:2");
  await r.reply("A", "CLIENT", "KILL", "TYPE", "replica");
  await b.settle();
  await r.checkpoint("after second drop");
  return r.result();
};

/**
 * repl-backlog-size 16384: a replica frozen and its link killed while 150 KB is written comes back
 * behind the backlog and needs a full resync.
 */
export const backlogOverflow: Scenario = async (b) => {
  await nodes(b, ["A", "B"], { "repl-diskless-sync-delay": "0", "repl-backlog-size": "16384" });
  const r = await recorder(b, ["A", "B"]);
  await b.replicaOf("B", "A");
  await b.settle();
  await writes(b, "A", 3);
  await b.settle();
  await r.checkpoint("synced");
  await b.freeze("B");
  await r.reply("A", "CLIENT", "KILL", "TYPE", "replica");
  await writes(b, "A", 150, "big", 1000);
  await r.checkpoint("written", ["A"]);
  await b.thaw("B");
  await b.settle();
  await r.checkpoint("resynced");
  await r.reply("B", "GET", "big:149").then(() => undefined);
  return r.result();
};

/** WAIT for replica ACKs (each blocking WAIT adds a 37-byte GETACK to the stream). */
export const waitScenario: Scenario = async (b) => {
  await nodes(b, ["A", "B", "C"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B", "C"]);
  await b.replicaOf("B", "A");
  await b.replicaOf("C", "A");
  await b.settle();
  await r.reply("A", "SET", "a", "c");
  await r.reply("A", "WAIT", "2", "1000");
  await b.settle();
  await r.checkpoint("after WAIT 2");
  await r.reply("A", "WAIT", "3", "500");
  await b.settle();
  await r.checkpoint("after WAIT 3");
  await r.reply("A", "WAIT", "0", "100");
  await r.reply("B", "WAIT", "1", "100");
  return r.result();
};

/** min-replicas-to-write refuses writes with NOREPLICAS when too few replicas are good. */
export const minReplicas: Scenario = async (b) => {
  await nodes(b, ["A", "B", "C"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B", "C"]);
  await b.replicaOf("B", "A");
  await b.replicaOf("C", "A");
  await b.settle();
  await r.reply("A", "CONFIG", "SET", "min-replicas-to-write", "3");
  await r.reply("A", "SET", "x", "1");
  await r.reply("A", "MULTI");
  await r.reply("A", "SET", "y", "1");
  await r.reply("A", "EXEC");
  await r.reply("A", "CONFIG", "SET", "min-replicas-to-write", "2");
  await r.reply("A", "SET", "x", "2");
  await b.settle();
  await r.checkpoint("done");
  const fields = await info(b, "A", "replication");
  r.replies.push(`A min_slaves_good_slaves=${fields.min_slaves_good_slaves}`);
  return r.result();
};

/** A replica restarted with the dump.rdb its last full sync left: it continues partially. */
export const replicaRestartsFromSyncRdb: Scenario = async (b) => {
  await nodes(b, ["A", "B"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B"]);
  await b.replicaOf("B", "A");
  await b.settle();
  await writes(b, "A", 6);
  await b.settle();
  await b.kill("B");
  await writes(b, "A", 2, "while-down");
  await b.restart("B");
  await b.settle();
  await r.checkpoint("restarted");
  await r.reply("B", "GET", "while-down:1");
  await r.reply("B", "DBSIZE");
  return r.result();
};

/**
 * A master restarted from its own SAVE after keys expired while it was down: it feeds DELs for
 * them into a fresh backlog on top of the saved offset, and keeps the old id as replid2.
 */
export const masterRestartsWithExpiredKeys: Scenario = async (b) => {
  await nodes(b, ["A", "B"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B"]);
  await b.replicaOf("B", "A");
  await b.settle();
  await r.reply("A", "SET", "a", "1", "PX", "300");
  await r.reply("A", "SELECT", "3");
  await r.reply("A", "SET", "b", "2", "PX", "300");
  await r.reply("A", "SELECT", "0");
  await r.reply("A", "SET", "c", "3");
  await b.settle();
  await r.reply("B", "REPLICAOF", "NO", "ONE");
  // Let A see B leave (a real redis-cli round trip takes that long anyway).
  await b.sleep(50);
  await r.reply("A", "SAVE");
  await r.checkpoint("saved");
  await b.kill("A");
  await b.sleep(1000);
  await b.restart("A");
  await r.checkpoint("restarted", ["A"]);
  await r.reply("A", "DBSIZE");
  return r.result();
};

/**
 * A sub-replica full-syncs from a replica whose stream is on db 2: the RDB's repl-stream-db must
 * be that live db, since the next command arrives without a SELECT.
 */
export const subReplicaJoinsMidStream: Scenario = async (b) => {
  await nodes(b, ["A", "B", "C"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B", "C"]);
  await b.replicaOf("B", "A");
  await b.settle();
  await r.reply("A", "SELECT", "2");
  await r.reply("A", "SET", "in2", "first");
  await b.settle();
  await b.replicaOf("C", "B");
  await b.settle();
  await r.reply("A", "SET", "in2b", "second");
  await b.settle();
  await r.checkpoint("after write");
  await r.reply("C", "SELECT", "2");
  await r.reply("C", "GET", "in2b");
  await r.reply("C", "SELECT", "0");
  await r.reply("C", "GET", "in2b");
  return r.result();
};

/** Replies and error texts for edge cases and bad input, compared word for word. */
export const replies: Scenario = async (b) => {
  await nodes(b, ["A", "B"], { "repl-diskless-sync-delay": "0" });
  const r = await recorder(b, ["A", "B"]);
  const cases: string[][] = [
    ["FOOBAR"],
    ["FOOBAR", "x", "y"],
    ["GET"],
    ["GET", "a", "b"],
    ["SET", "k"],
    ["SET", "k", "v", "NX", "XX"],
    ["SET", "k", "v", "EX", "0"],
    ["SET", "k", "v", "EX", "abc"],
    ["SET", "k", "v", "PX", "-5"],
    ["SET", "k", "v", "KEEPTTL", "EX", "10"],
    ["SET", "k", "v", "EX", "10", "KEEPTTL"],
    ["SET", "k", "v", "GET"],
    ["SET", "k", "w", "NX", "GET"],
    ["SET", "k", "x", "XX", "GET"],
    ["GETSET", "k", "y"],
    ["GETDEL", "k"],
    ["GETDEL", "k"],
    ["SETEX", "k", "0", "v"],
    ["SETEX", "k", "10", "v"],
    ["TTL", "k"],
    ["PERSIST", "k"],
    ["TTL", "k"],
    ["PTTL", "nokey"],
    ["EXPIRE", "k", "100", "NX", "XX"],
    ["EXPIRE", "k", "100", "GT", "LT"],
    ["EXPIRE", "k", "100", "FOO"],
    ["EXPIRE", "k", "100", "XX"],
    ["EXPIRE", "k", "50", "GT"],
    ["EXPIRE", "nokey", "100"],
    ["INCR", "k"],
    ["SET", "n", "10"],
    ["INCRBY", "n", "5"],
    ["INCRBY", "n", "x"],
    ["DECRBY", "n", "-9223372036854775808"],
    ["SET", "big", "9223372036854775807"],
    ["INCR", "big"],
    ["DECR", "nokey2"],
    ["APPEND", "s", "hello"],
    ["APPEND", "s", " world"],
    ["STRLEN", "s"],
    ["STRLEN", "nokey"],
    ["GETRANGE", "s", "0", "4"],
    ["GETRANGE", "s", "-5", "-1"],
    ["MSET", "a", "1", "b"],
    ["MSET", "a", "1", "b", "2"],
    ["MSETNX", "a", "1", "c", "3"],
    ["MGET", "a", "b", "nokey"],
    ["EXISTS", "a", "b", "nokey", "a"],
    ["DEL", "a", "nokey"],
    ["TYPE", "b"],
    ["TYPE", "nokey"],
    ["DBSIZE"],
    ["SELECT", "16"],
    ["SELECT", "-1"],
    ["SELECT", "x"],
    ["ECHO", "hi"],
    ["PING"],
    ["PING", "msg"],
    ["PING", "a", "b"],
    ["MULTI"],
    ["MULTI"],
    ["SET", "t", "1"],
    ["NOSUCH"],
    ["EXEC"],
    ["EXEC"],
    ["DISCARD"],
    ["MULTI"],
    ["SET", "t", "1"],
    ["INCR", "t"],
    ["EXEC"],
    ["WAIT", "x", "0"],
    ["WAIT", "0", "-1"],
    ["CONFIG", "GET", "repl-backlog-size"],
    ["CONFIG", "GET", "repl-diskless-sync*"],
    ["CONFIG", "GET", "min-slaves-*"],
    ["CONFIG", "SET", "repl-backlog-size", "abc"],
    ["CONFIG", "SET", "repl-timeout", "0"],
    ["CONFIG", "SET", "replica-read-only", "maybe"],
    ["CONFIG", "SET", "no-such-option", "1"],
    ["CONFIG", "SET", "repl-backlog-size", "100"],
    ["CONFIG", "GET", "repl-backlog-size"],
    ["CONFIG", "SET", "repl-ping-replica-period", "3600", "repl-timeout", "60"],
    ["CONFIG", "FOO"],
    ["REPLICAOF", "127.0.0.1", "99999"],
    ["REPLICAOF", "127.0.0.1", "abc"],
    ["REPLICAOF", "NO", "ONE"],
    ["ROLE"],
    ["AUTH", "x"],
    ["AUTH", "default", "x"],
    ["CLIENT", "SETNAME", "has space"],
    ["CLIENT", "SETNAME", "lab"],
    ["CLIENT", "GETNAME"],
    ["CLIENT", "KILL", "TYPE", "nonsense"],
    ["CLIENT", "NOPE"],
    ["REPLCONF", "foo", "bar"],
    ["REPLCONF", "listening-port"],
    ["PSYNC", "?", "x"],
    ["FLUSHDB", "WHAT"],
    ["KEYS", "*"],
    ["KEYS", "[bs]*"],
    ["SCAN", "x"],
  ];
  for (const argv of cases) await r.reply("A", ...argv);
  await b.replicaOf("B", "A");
  await b.settle();
  for (const argv of [["SET", "x", "1"], ["WAIT", "1", "10"], ["DEL", "x"], ["GET", "n"], ["CONFIG", "SET", "replica-serve-stale-data", "no"]]) await r.reply("B", ...argv);
  await b.kill("A");
  await b.sleep(1500);
  for (const argv of [["GET", "n"], ["PING"], ["INFO", "nosuchsection"], ["ROLE"]]) await r.reply("B", ...argv);
  return r.result();
};

async function addressArgs(b: Backend, name: string): Promise<[string, string]> {
  const fields = await info(b, name, "server");
  return ["127.0.0.1", fields.tcp_port!];
}

export const SCENARIOS: Record<string, Scenario> = {
  oneMasterTwoReplicas,
  replicaWipedRejoins,
  chain,
  promotion,
  demotion,
  linkDrop,
  backlogOverflow,
  waitScenario,
  minReplicas,
  replicaRestartsFromSyncRdb,
  masterRestartsWithExpiredKeys,
  subReplicaJoinsMidStream,
  replies,
};
