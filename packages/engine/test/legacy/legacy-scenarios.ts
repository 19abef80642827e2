/**
 * The legacy scenario set: the replication stories of the 7.0 set (scenarios.ts) told with what
 * 2.6.17, 2.8.24 and 4.0.14 have — SLAVEOF instead of REPLICAOF, `repl-ping-slave-period`, CLIENT
 * KILL by address where TYPE is missing — plus the stories where the old versions differ most
 * (chains losing their head, links dropped from either end, the backlog boundary). Each scenario
 * returns its checkpoints and replies; `record-legacy.ts` stores them per release.
 */
import type { LegacyScenarioRecord } from "./legacy-fixture.ts";
import type { LegacyBackend } from "./legacy-backend.ts";
import { ScenarioObserver, replyText } from "./legacy-observe.ts";
import type { LegacyVersion, Reply } from "./legacy-servers.ts";

/** Every scenario node's settings: no master PINGs, so offsets do not depend on timing. */
export const QUIET_CONFIG: Readonly<Record<string, string>> = { "repl-ping-slave-period": "3600" };

/** Who replicates from whom, in the order the links are made: `[replica, master]`. */
type Links = readonly (readonly [string, string])[];

/** B and C both replicas of A. */
const SIBLINGS: Links = [
  ["B", "A"],
  ["C", "A"],
];
/** A <- B <- C. */
const CHAIN: Links = [
  ["B", "A"],
  ["C", "B"],
];
/** B replica of A. */
const PAIR: Links = [["B", "A"]];

/** What a scenario drives: the servers and the observer recording them. */
class ScenarioRun {
  readonly obs: ScenarioObserver;

  constructor(readonly cluster: LegacyBackend) {
    this.obs = new ScenarioObserver(cluster);
  }

  get version(): LegacyVersion {
    return this.cluster.version;
  }

  async nodes(names: readonly string[], config: Readonly<Record<string, string>> = {}): Promise<void> {
    for (const name of names) await this.cluster.addNode(name, config);
  }

  /**
   * Starts every node the links name (masters first) and makes the links one at a time, each
   * settled before the next, so slave lines and sync counters come in a fixed order.
   */
  async topology(links: Links, config: Readonly<Record<string, string>> = {}): Promise<void> {
    const names = [...new Set(links.flatMap(([replica, master]) => [master, replica]))].sort();
    await this.nodes(names, config);
    for (const [replica, master] of links) await this.attach(replica, master);
  }

  /** SLAVEOF `master`, then settle. */
  async attach(replica: string, master: string): Promise<void> {
    await this.slaveOf(replica, master);
    await this.cluster.settle();
  }

  reply(name: string, ...argv: string[]): Promise<Reply> {
    return this.obs.reply(name, argv);
  }

  /** SLAVEOF `master` (NO ONE for null), recorded as a reply with the port shown as the node's name. */
  async slaveOf(name: string, master: string | null): Promise<void> {
    const reply = await this.cluster.slaveOf(name, master);
    this.obs.record(name, master === null ? ["SLAVEOF", "NO", "ONE"] : ["SLAVEOF", "127.0.0.1", String(this.cluster.port(master))], reply);
  }

  /** `count` SETs of `prefix:i` with `valueBytes`-byte values (replies not recorded: all +OK). */
  async writes(name: string, count: number, prefix = "key", valueBytes = 10): Promise<void> {
    const value = "v".repeat(valueBytes);
    for (let i = 0; i < count; i++) {
      const reply = await this.cluster.command(name, "SET", `${prefix}:${i}`, value);
      if (reply.kind !== "simple") throw new Error(`SET on ${name}: ${replyText(reply)}`);
    }
  }

  /** Writes as above, then lets replication settle. */
  async writesSettled(name: string, count: number, prefix = "key"): Promise<void> {
    await this.writes(name, count, prefix);
    await this.cluster.settle();
  }

  /** Kills, on `on`, its one connection flagged S (an attached slave) or M (its master link), by address. */
  async killLink(on: string, flag: "S" | "M", shownAs: string): Promise<void> {
    const addr = await this.cluster.linkAddress(on, flag);
    await this.obs.reply(on, ["CLIENT", "KILL", addr], ["CLIENT", "KILL", shownAs]);
  }

  /**
   * Kills the master A, waits `waitMs` without settling (on 2.6 a sub-replica cannot get a link up
   * while its master has none), checkpoints B and C as `label`, then promotes B with SLAVEOF NO ONE.
   */
  async killAAndPromoteB(waitMs: number, label: string): Promise<void> {
    await this.cluster.kill("A");
    await this.cluster.sleep(waitMs);
    await this.obs.checkpoint(label);
    await this.slaveOf("B", null);
  }

  /** Freezes `replica`, kills its link on `master`, runs `whileDown`, thaws it and settles. */
  async dropFrozen(replica: string, master: string, whileDown: () => Promise<void>): Promise<void> {
    this.cluster.freeze(replica);
    await this.killLink(master, "S", `<${replica}'s link>`);
    await whileDown();
    this.cluster.thaw(replica);
    await this.cluster.settle();
  }
}

/** A scenario: its description and what it does. */
interface LegacyScenario {
  readonly description: string;
  /** Releases without what the scenario is about skip it (absent from their fixture). */
  readonly applies?: (version: LegacyVersion) => boolean;
  readonly run: (run: ScenarioRun) => Promise<void>;
}

const oneMasterTwoReplicas: LegacyScenario = {
  description:
    "A master and two replicas attached one after the other; a SET read back on both; a write refused on a replica; SET EX, MULTI/EXEC, SELECT 3 and DEL propagated.",
  async run(r) {
    await r.nodes(["A", "B", "C"]);
    await r.obs.checkpoint("fresh");
    await r.attach("B", "A");
    await r.obs.checkpoint("B synced");
    await r.attach("C", "A");
    await r.obs.checkpoint("C synced");
    await r.reply("A", "SET", "k1", "v1");
    await r.cluster.settle();
    await r.obs.checkpoint("after SET");
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
    await r.reply("A", "DEL", "k1", "nokey");
    await r.cluster.settle();
    await r.obs.checkpoint("after more writes");
    await r.reply("C", "GET", "a");
    await r.reply("C", "EXISTS", "k3");
  },
};

const replicaWipedRejoins: LegacyScenario = {
  description: "A replica killed, writes made, the replica restarted with its disk wiped (slaveof in its redis.conf): it syncs again.",
  async run(r) {
    await r.topology(SIBLINGS);
    await r.writesSettled("A", 5);
    await r.obs.checkpoint("synced");
    await r.cluster.kill("C");
    await r.writesSettled("A", 10, "during");
    await r.obs.checkpoint("C down");
    await r.cluster.restart("C", { wipe: true });
    await r.cluster.settle();
    await r.obs.checkpoint("C rejoined");
    await r.reply("C", "GET", "during:9");
  },
};

const chain: LegacyScenario = {
  description: "A chain A <- B <- C (C attached after B synced); writes on A reach C; writes refused on B and C.",
  async run(r) {
    await r.topology(CHAIN);
    await r.obs.checkpoint("chained");
    await r.reply("A", "SET", "through", "chain");
    await r.reply("A", "SET", "n", "42");
    await r.cluster.settle();
    await r.obs.checkpoint("after writes");
    await r.reply("C", "GET", "through");
    await r.reply("C", "SET", "x", "1");
    await r.reply("B", "SET", "x", "1");
  },
};

/** SELECT `db`, SET, SELECT 0 again on A (the recorder's connection goes back to db 0; the stream stays on `db`). */
async function setInDb(r: ScenarioRun, db: string, key: string, value: string): Promise<void> {
  await r.reply("A", "SELECT", db);
  await r.reply("A", "SET", key, value);
  await r.reply("A", "SELECT", "0");
}

const chainLateJoin: LegacyScenario = {
  description:
    "B replicates A; writes on A (three in db 0, then one in db 2); C then attaches to B mid-stream and a write in db 2 follows (2.8: B serves C its own stream, own offsets, own SELECT; 4.0: A's stream, replid and offsets).",
  async run(r) {
    await r.topology(PAIR);
    await r.nodes(["C"]);
    await r.writes("A", 3);
    await setInDb(r, "2", "in2", "first");
    await r.cluster.settle();
    await r.attach("C", "B");
    await r.obs.checkpoint("C joined");
    await setInDb(r, "2", "in2b", "second");
    await r.cluster.settle();
    await r.obs.checkpoint("after write in db 2");
    await r.reply("C", "SELECT", "2");
    await r.reply("C", "GET", "in2b");
    await r.reply("C", "SELECT", "0");
  },
};

const promotionInChain: LegacyScenario = {
  description:
    "Chain A <- B <- C with writes; A killed (2.5 s pass: 2.6's C is refused meanwhile); B promoted with SLAVEOF NO ONE while C stays under it; writes on B; A restarted empty and attached under B.",
  async run(r) {
    await r.topology(CHAIN);
    await r.writesSettled("A", 7);
    await r.obs.checkpoint("chain synced");
    await r.killAAndPromoteB(2500, "A killed");
    await r.cluster.settle();
    await r.obs.checkpoint("B promoted");
    await r.reply("B", "SET", "after", "promotion");
    await r.writesSettled("B", 2, "onB");
    await r.obs.checkpoint("writes on B");
    await r.reply("C", "GET", "after");
    await r.cluster.restart("A", { wipe: true });
    await r.attach("A", "B");
    await r.obs.checkpoint("old master rejoined under B");
    await r.reply("A", "GET", "after");
  },
};

const promotionSiblings: LegacyScenario = {
  description:
    "B and C both replicas of A; A killed; B promoted with SLAVEOF NO ONE and C pointed at B (2.8: C's PSYNC names A's run id; 4.0: A's replid, which B kept as replid2); a write on B.",
  async run(r) {
    await r.topology(SIBLINGS);
    await r.writesSettled("A", 7);
    await r.obs.checkpoint("synced");
    await r.killAAndPromoteB(1500, "master down");
    await r.attach("C", "B");
    await r.obs.checkpoint("B promoted, C follows");
    await r.reply("B", "SET", "after", "promotion");
    await r.cluster.settle();
    await r.obs.checkpoint("after write on B");
    await r.reply("C", "GET", "after");
  },
};

const demotion: LegacyScenario = {
  description: "Chain A <- B <- C with writes; B gets SLAVEOF NO ONE while A is alive; then A is made a replica of B; a write on A is refused.",
  async run(r) {
    await r.topology(CHAIN);
    await r.writesSettled("A", 3);
    await r.obs.checkpoint("chain");
    await r.slaveOf("B", null);
    await r.cluster.settle();
    await r.obs.checkpoint("B promoted");
    await r.attach("A", "B");
    await r.obs.checkpoint("A demoted under B");
    await r.reply("A", "SET", "x", "1");
  },
};

const linkDropByMaster: LegacyScenario = {
  description:
    "The master kills its replica's link (CLIENT KILL by address) while the replica is frozen, three SETs run, the replica is thawed and reconnects; then the link is killed again without a freeze (CLIENT KILL TYPE slave where the version has it) with writes right after.",
  async run(r) {
    await r.topology(PAIR);
    await r.writesSettled("A", 4);
    await r.obs.checkpoint("synced");
    await r.dropFrozen("B", "A", async () => {
      await r.writes("A", 3, "later");
      await r.obs.checkpoint("link killed, writes made", ["A"]);
    });
    await r.obs.checkpoint("reconnected");
    await r.reply("B", "GET", "later:2");
    if (r.version.clientKillByType) await r.reply("A", "CLIENT", "KILL", "TYPE", "slave");
    else await r.killLink("A", "S", "<B's link>");
    await r.writesSettled("A", 2, "again");
    await r.obs.checkpoint("after second drop");
  },
};

const linkDropByReplica: LegacyScenario = {
  description: "The replica kills its own master link (CLIENT KILL of the M-flagged client by address); three SETs on the master at once; the replica reconnects at its next cron.",
  async run(r) {
    await r.topology(PAIR);
    await r.writesSettled("A", 4);
    await r.killLink("B", "M", "<A's link>");
    await r.writesSettled("A", 3, "later");
    await r.obs.checkpoint("reconnected");
    await r.reply("B", "GET", "later:2");
  },
};

const chainLinkDrop: LegacyScenario = {
  description: "Chain A <- B <- C; A kills B's link while B is frozen and two SETs run; B thawed: what B does to C (2.6 drops it and C resyncs fully).",
  async run(r) {
    await r.topology(CHAIN);
    await r.writesSettled("A", 3);
    await r.obs.checkpoint("chain synced");
    await r.dropFrozen("B", "A", () => r.writes("A", 2, "later"));
    await r.obs.checkpoint("B reconnected");
    await r.reply("C", "GET", "later:1");
  },
};

const backlogOverrun: LegacyScenario = {
  description:
    "repl-backlog-size 16384. The replica frozen and its link killed while 150 x 1000-byte SETs run: it comes back behind the backlog (full resync). Then a gap of 5 x 1000 bytes, inside the backlog (partial resync).",
  applies: (version) => version.hasBacklog,
  async run(r) {
    await r.topology(PAIR, { "repl-backlog-size": "16384" });
    await r.writesSettled("A", 3);
    await r.obs.checkpoint("synced");
    await r.dropFrozen("B", "A", async () => {
      await r.writes("A", 150, "big", 1000);
      await r.obs.checkpoint("150 KB written", ["A"]);
    });
    await r.obs.checkpoint("resynced after overrun");
    await r.reply("B", "STRLEN", "big:149");
    await r.dropFrozen("B", "A", async () => {
      await r.writes("A", 5, "small", 1000);
      await r.obs.checkpoint("5 KB written", ["A"]);
    });
    await r.obs.checkpoint("resynced inside backlog");
  },
};

const replicaRestartsFromRdb: LegacyScenario = {
  description: "A replica killed and restarted with the dump.rdb its full sync left and slaveof in its redis.conf, after two SETs on the master while it was down.",
  async run(r) {
    await r.topology(PAIR);
    await r.writesSettled("A", 6);
    await r.obs.checkpoint("synced");
    await r.cluster.kill("B");
    await r.writes("A", 2, "while-down");
    await r.obs.checkpoint("B down", ["A"]);
    await r.cluster.restart("B");
    await r.cluster.settle();
    await r.obs.checkpoint("B restarted");
    await r.reply("B", "GET", "while-down:1");
  },
};

const masterRestartsFromRdb: LegacyScenario = {
  description:
    "A master with a replica SAVEs (two keys with PX 4000 among its data, one in db 3), is killed, stays down 4 s (the PX keys expire meanwhile) and restarts from its dump.rdb; the replica reconnects.",
  async run(r) {
    await r.topology(PAIR);
    await r.reply("A", "SET", "a", "1", "PX", "4000");
    await r.reply("A", "SELECT", "3");
    await r.reply("A", "SET", "b", "2", "PX", "4000");
    await r.reply("A", "SELECT", "0");
    await r.reply("A", "SET", "c", "3");
    await r.writesSettled("A", 3);
    await r.reply("A", "SAVE");
    await r.obs.checkpoint("saved");
    await r.cluster.kill("A");
    await r.cluster.sleep(4000);
    await r.obs.checkpoint("A down", ["B"]);
    await r.cluster.restart("A");
    await r.cluster.settle();
    await r.obs.checkpoint("A restarted, B reconnected");
    await r.reply("B", "GET", "c");
    await r.reply("B", "GET", "a");
  },
};

/** Commands whose replies differ between versions: replication commands, old config names, errors. */
const REPLY_CASES: readonly (readonly string[])[] = [
  ["FOOBAR"],
  ["FOOBAR", "x"],
  ["GET"],
  ["SET", "k"],
  ["SET", "k", "v", "NX", "XX"],
  ["SET", "k", "v", "EX", "0"],
  ["SELECT", "16"],
  ["SLAVEOF"],
  ["SLAVEOF", "127.0.0.1"],
  ["SLAVEOF", "127.0.0.1", "abc"],
  ["SLAVEOF", "NO", "ONE"],
  ["REPLICAOF", "NO", "ONE"],
  ["ROLE"],
  ["WAIT", "0", "0"],
  ["REPLCONF", "foo", "bar"],
  ["REPLCONF", "listening-port"],
  ["CONFIG", "GET", "repl-ping-slave-period"],
  ["CONFIG", "GET", "repl-ping-replica-period"],
  ["CONFIG", "GET", "repl-timeout"],
  ["CONFIG", "GET", "repl-backlog-size"],
  ["CONFIG", "GET", "repl-backlog-ttl"],
  ["CONFIG", "GET", "slave-read-only"],
  ["CONFIG", "GET", "replica-read-only"],
  ["CONFIG", "GET", "slave-serve-stale-data"],
  ["CONFIG", "GET", "slave-priority"],
  ["CONFIG", "GET", "repl-diskless-sync"],
  ["CONFIG", "GET", "repl-diskless-sync-delay"],
  ["CONFIG", "GET", "min-slaves-to-write"],
  ["CONFIG", "GET", "repl-disable-tcp-nodelay"],
  ["CONFIG", "SET", "repl-backlog-size", "abc"],
  ["CONFIG", "SET", "no-such-option", "1"],
  ["CONFIG", "SET", "repl-ping-slave-period", "3600"],
  ["CLIENT", "KILL", "TYPE", "slave"],
  ["CLIENT", "KILL", "TYPE", "master"],
  ["CLIENT", "KILL", "127.0.0.1:1"],
  ["INFO", "nosuchsection"],
];

const replies: LegacyScenario = {
  description:
    "Replies and error texts: replication commands and old config names on a master; a write, SYNC and PSYNC on a replica; the replica after its master died (SYNC refused, slave-serve-stale-data no).",
  async run(r) {
    await r.nodes(["A", "B"]);
    for (const argv of REPLY_CASES) await r.reply("A", ...argv);
    await r.attach("B", "A");
    await r.reply("B", "SET", "x", "1");
    await r.reply("B", "ROLE");
    await r.cluster.kill("A");
    await r.cluster.sleep(1500);
    await r.obs.checkpoint("master dead", ["B"]);
    // SYNC/PSYNC on a connection of their own: a server that accepted one would start streaming.
    const probe = await r.cluster.connect("B");
    try {
      for (const argv of [["SYNC"], ["PSYNC", "?", "-1"]]) r.obs.record("B", argv, await probe.send(argv));
    } finally {
      probe.close();
    }
    await r.reply("B", "CONFIG", "SET", "slave-serve-stale-data", "no");
    await r.reply("B", "GET", "x");
    await r.reply("B", "PING");
    await r.reply("B", "INFO", "nosuchsection");
  },
};

/** The scenario set, by the names the fixtures use. */
export const LEGACY_SCENARIOS: Readonly<Record<string, LegacyScenario>> = {
  oneMasterTwoReplicas,
  replicaWipedRejoins,
  chain,
  chainLateJoin,
  promotionInChain,
  promotionSiblings,
  demotion,
  linkDropByMaster,
  linkDropByReplica,
  chainLinkDrop,
  backlogOverrun,
  replicaRestartsFromRdb,
  masterRestartsFromRdb,
  replies,
};

/** Runs one scenario on a fresh cluster from `makeCluster`; undefined when it does not apply to `version`. */
export async function runLegacyScenario(name: string, version: LegacyVersion, makeCluster: () => LegacyBackend): Promise<LegacyScenarioRecord | undefined> {
  const scenario = LEGACY_SCENARIOS[name];
  if (!scenario) throw new Error(`no scenario ${name}`);
  if (scenario.applies && !scenario.applies(version)) return undefined;
  const cluster = makeCluster();
  const run = new ScenarioRun(cluster);
  try {
    await scenario.run(run);
    return run.obs.result(scenario.description);
  } finally {
    await cluster.close();
  }
}
