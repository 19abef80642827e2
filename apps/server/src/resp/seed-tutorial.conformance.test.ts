/**
 * Conformance: the seed tutorial (/work/shared/seeds/003: one master and two replicas, a replica
 * killed and rejoined, a chain, the master killed and a replica promoted with SLAVEOF NO ONE) run
 * twice with the same redis-cli commands, once against three real redis-server 7.0.15 processes
 * and once against three lab nodes behind the server's RESP ports. At every step the sync figures
 * of `INFO replication` and `INFO stats` must be equal: offsets, backlog fields, sync counters, and
 * which nodes share a replid or replid2. Cron PINGs are off on both sides
 * (`repl-ping-replica-period 3600`), so offsets do not depend on timing.
 *
 * Kill is SIGKILL by PID for the real servers and `POST .../kill` for the lab. Neither keeps a
 * REPLICAOF typed at runtime across a restart (it is not in a config file): the restarted node is a
 * master until SLAVEOF is sent again, which is the tutorial's lesson.
 */
import type { FastifyInstance } from "fastify";
import { afterAll, describe, expect, it } from "vitest";
import { addNode, createLab, haveRedisTools, parseInfo, RedisServerProcess, redisCli, scratchDir, sleep, startApp } from "../testing/helpers.ts";

const NAMES = ["A", "B", "C"] as const;
type Name = (typeof NAMES)[number];
const CONFIG = { "repl-ping-replica-period": "3600", "repl-diskless-sync-delay": "0" };

const REPLICATION_FIELDS = [
  "role",
  "master_link_status",
  "master_sync_in_progress",
  "slave_repl_offset",
  "slave_read_repl_offset",
  "connected_slaves",
  "master_repl_offset",
  "second_repl_offset",
  "repl_backlog_active",
  "repl_backlog_size",
  "repl_backlog_first_byte_offset",
  "repl_backlog_histlen",
] as const;
const STATS_FIELDS = ["sync_full", "sync_partial_ok", "sync_partial_err"] as const;

/** Three nodes reachable by port, plus kill and restart. */
interface Side {
  readonly ports: Record<Name, number>;
  kill(name: Name): Promise<void>;
  restart(name: Name): Promise<void>;
  close(): Promise<void>;
}

async function realSide(): Promise<Side> {
  const scratch = scratchDir("replica-lab-conformance-");
  const servers = {} as Record<Name, RedisServerProcess>;
  for (const name of NAMES) servers[name] = await RedisServerProcess.start(scratch.dir, name, CONFIG);
  return {
    ports: { A: servers.A.port, B: servers.B.port, C: servers.C.port },
    async kill(name) {
      await servers[name].kill();
    },
    async restart(name) {
      // As in the tutorial: SLAVEOF typed at runtime is not in a config file, so the server
      // comes back as a master and must be told SLAVEOF again.
      await servers[name].spawn([]);
    },
    async close() {
      for (const name of NAMES) await servers[name].kill();
      scratch.remove();
    },
  };
}

async function labSide(app: FastifyInstance): Promise<Side> {
  const lab = await createLab(app, { name: "conformance" });
  const ports = {} as Record<Name, number>;
  for (const name of NAMES) ports[name] = (await addNode(app, lab.id, { name, config: CONFIG })).respPort!;
  const post = async (name: Name, action: string): Promise<void> => {
    const response = await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${name}/${action}` });
    if (response.statusCode !== 200) throw new Error(`${action} ${name}: ${response.body}`);
  };
  return {
    ports,
    kill: (name) => post(name, "kill"),
    restart: (name) => post(name, "restart"),
    async close() {
      await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}` });
    },
  };
}

interface Observation {
  readonly label: string;
  readonly nodes: Record<string, Record<string, string>>;
}

/** Runs the tutorial on one side and returns what it saw. */
async function runTutorial(side: Side): Promise<{ checkpoints: Observation[]; replies: string[] }> {
  const checkpoints: Observation[] = [];
  const replies: string[] = [];
  const alive = new Set<Name>(NAMES);
  const port = (name: Name): string => String(side.ports[name]);
  const nameOfPort = (p: string | undefined): string => NAMES.find((n) => port(n) === p) ?? `?${p}`;

  const cli = async (name: Name, ...args: string[]): Promise<string> => {
    const out = await redisCli(side.ports[name], ...args);
    // Ports differ between the sides: a REPLICAOF target is recorded by node name.
    const shown = args.map((arg) => (NAMES.some((n) => port(n) === arg) ? nameOfPort(arg) : arg));
    const text = args[0] === "KEYS" ? out.split("\n").sort().join(",") : out;
    replies.push(`${name}> ${shown.join(" ")} -> ${text}`);
    return out;
  };
  const info = async (name: Name, section: string): Promise<Record<string, string>> => parseInfo(await redisCli(side.ports[name], "INFO", section));

  /** Waits until every live replica with a live master is linked and caught up. */
  const settle = async (): Promise<void> => {
    const deadline = Date.now() + 20_000;
    await sleep(300);
    for (;;) {
      let settled = true;
      for (const name of alive) {
        const fields = await info(name, "replication");
        if (fields.role !== "slave") continue;
        const master = nameOfPort(fields.master_port);
        if (!alive.has(master as Name)) {
          if (fields.master_link_status !== "down") settled = false;
          continue;
        }
        const masterFields = await info(master as Name, "replication");
        if (fields.master_link_status !== "up" || fields.master_sync_in_progress !== "0" || fields.slave_repl_offset !== masterFields.master_repl_offset) settled = false;
      }
      if (settled) return;
      if (Date.now() > deadline) throw new Error("replication did not settle within 20 s");
      await sleep(50);
    }
  };

  const checkpoint = async (label: string, names: readonly Name[] = [...alive]): Promise<void> => {
    // Replids are compared by who shares them, never by value.
    const classes = new Map<string, string>();
    const classOf = (id: string | undefined): string => {
      if (id === undefined) return "?";
      if (/^0{40}$/.test(id)) return "zero";
      if (!classes.has(id)) classes.set(id, `id${classes.size + 1}`);
      return classes.get(id)!;
    };
    const nodes: Record<string, Record<string, string>> = {};
    for (const name of names) {
      const repl = await info(name, "replication");
      const stats = await info(name, "stats");
      const observed: Record<string, string> = {};
      for (const field of REPLICATION_FIELDS) observed[field] = repl[field] ?? "-";
      for (const field of STATS_FIELDS) observed[field] = stats[field] ?? "-";
      observed.master = repl.role === "slave" ? nameOfPort(repl.master_port) : "-";
      observed.master_replid = classOf(repl.master_replid);
      observed.master_replid2 = classOf(repl.master_replid2);
      nodes[name] = observed;
    }
    checkpoints.push({ label, nodes });
  };

  // 3.4: three fresh servers.
  await checkpoint("fresh");
  // 3.5: configure the replicas, not the master.
  await cli("B", "SLAVEOF", "127.0.0.1", port("A"));
  await cli("C", "SLAVEOF", "127.0.0.1", port("A"));
  await settle();
  await checkpoint("one master, two replicas");
  await cli("A", "SET", "k1", "v1");
  await settle();
  await cli("B", "GET", "k1");
  await cli("C", "GET", "k1");
  await cli("C", "SET", "k2", "v2");
  await checkpoint("after SET k1");

  // 4.1 demo 1: a replica goes down, the master takes writes, the replica comes back.
  await side.kill("C");
  alive.delete("C");
  await cli("A", "SET", "a1", "v1");
  await cli("A", "SET", "a2", "v2");
  await cli("A", "SET", "a3", "v3");
  await settle();
  await cli("B", "KEYS", "*");
  await checkpoint("C down, writes on A");
  await side.restart("C");
  alive.add("C");
  await cli("C", "SLAVEOF", "127.0.0.1", port("A"));
  await settle();
  await cli("C", "KEYS", "*");
  await checkpoint("C rejoined");

  // 4.2: a chain A <- B <- C.
  await cli("C", "SLAVEOF", "127.0.0.1", port("B"));
  await settle();
  await cli("A", "SET", "chain", "yes");
  await settle();
  await cli("C", "GET", "chain");
  await checkpoint("chain");

  // 4.3: the master dies; B takes over with SLAVEOF NO ONE and C, below it, follows.
  await side.kill("A");
  alive.delete("A");
  await settle();
  await checkpoint("master down");
  await cli("B", "SLAVEOF", "no", "one");
  await settle();
  await cli("B", "SET", "promoted", "yes");
  await settle();
  await cli("C", "GET", "promoted");
  await checkpoint("B promoted");
  return { checkpoints, replies };
}

describe.runIf(haveRedisTools)("the seed tutorial on real redis-server and on lab nodes", () => {
  const closers: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const close of closers.reverse()) await close();
  });

  it("shows the same INFO replication and INFO stats sync figures at every step", async () => {
    const real = await realSide();
    closers.push(() => real.close());
    const { app } = await startApp();
    closers.push(() => app.close());
    const lab = await labSide(app);
    closers.push(() => lab.close());

    const expected = await runTutorial(real);
    const actual = await runTutorial(lab);
    if (process.env.SHOW_TUTORIAL) console.log(JSON.stringify(expected, null, 1));
    expect(actual.replies).toEqual(expected.replies);
    for (let i = 0; i < expected.checkpoints.length; i++) {
      expect(actual.checkpoints[i], `checkpoint "${expected.checkpoints[i]!.label}"`).toEqual(expected.checkpoints[i]);
    }
    // The tutorial's own claims hold too.
    const promoted = expected.checkpoints.at(-1)!.nodes;
    // C joined B by partial resync twice: when the chain formed, and after B was promoted.
    expect(promoted.B).toMatchObject({ role: "master", sync_partial_ok: "2" });
    expect(promoted.C).toMatchObject({ role: "slave", master: "B", master_replid: promoted.B!.master_replid });
  }, 120_000);
});
