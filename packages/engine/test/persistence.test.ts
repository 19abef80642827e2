/**
 * Restarts and persistence as a real redis-server 7.0.15 does them (issue: restarts true to
 * redis.conf). Each scenario runs with the same commands on real redis-server processes started
 * from a config file with 7.0's default save points, and on lab nodes; roles, offsets, replids
 * (as equality classes), sync counters and key counts must be identical at every checkpoint.
 * The live half needs redis-server; without it the comparison is skipped and says so.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Lab, type NodeId, type Reply } from "../src/index.ts";
import { freePort, parseInfo, redisServerAvailable, RespClient } from "./backends.ts";

type Name = "A" | "B" | "C";

/** What the scenarios do, on either side. */
interface Side {
  command(name: Name, ...argv: string[]): Promise<Reply>;
  /** SIGKILL: nothing is saved. */
  kill(name: Name): Promise<void>;
  /** Start again from the node's config file and dump. */
  start(name: Name): Promise<void>;
  /** SHUTDOWN (saves, with save points) and wait for the exit. */
  shutdown(name: Name): Promise<void>;
  port(name: Name): number;
  settle(): Promise<void>;
  close(): Promise<void>;
}

const SETTINGS = ["repl-diskless-sync-delay 0", "repl-ping-replica-period 3600"];
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

class LabSide implements Side {
  readonly lab = new Lab({ seed: "persistence" });
  private readonly ids = new Map<Name, NodeId>();
  constructor(names: readonly Name[]) {
    for (const name of names) this.ids.set(name, this.lab.addNode({ name, config: { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600" } }).id);
  }
  private id(name: Name): NodeId {
    return this.ids.get(name)!;
  }
  async command(name: Name, ...argv: string[]): Promise<Reply> {
    return this.lab.command(this.id(name), ...argv);
  }
  async kill(name: Name): Promise<void> {
    this.lab.kill(this.id(name));
  }
  async start(name: Name): Promise<void> {
    this.lab.restart(this.id(name));
  }
  async shutdown(name: Name): Promise<void> {
    let done = false;
    this.lab.execute(this.id(name), ["SHUTDOWN"], () => (done = true));
    this.lab.runCurrent();
    expect(done).toBe(true);
    expect(this.lab.isUp(this.id(name))).toBe(false);
  }
  port(name: Name): number {
    return Number(this.lab.addressOf(this.id(name)).split(":")[1]);
  }
  async settle(): Promise<void> {
    this.lab.runUntilIdle();
    this.lab.advance(1100);
    this.lab.runUntilIdle();
  }
  async close(): Promise<void> {}
}

class RealSide implements Side {
  private readonly root = mkdtempSync(join(tmpdir(), "replica-lab-persistence-"));
  private readonly nodes = new Map<Name, { port: number; dir: string; process: ChildProcess | null; client: RespClient | null }>();

  static async create(names: readonly Name[]): Promise<RealSide> {
    const side = new RealSide();
    for (const name of names) {
      const port = await freePort();
      const dir = join(side.root, name);
      mkdirSync(dir);
      // A config file without `save`: 7.0's default save points apply, as on a real install.
      writeFileSync(join(dir, "redis.conf"), [`port ${port}`, "bind 127.0.0.1", `dir ${dir}`, "appendonly no", `logfile ${join(dir, "log")}`, ...SETTINGS, ""].join("\n"));
      side.nodes.set(name, { port, dir, process: null, client: null });
      await side.start(name);
    }
    return side;
  }

  private node(name: Name): { port: number; dir: string; process: ChildProcess | null; client: RespClient | null } {
    return this.nodes.get(name)!;
  }

  async command(name: Name, ...argv: string[]): Promise<Reply> {
    const client = this.node(name).client;
    if (!client) throw new Error(`${name} is down`);
    return client.command(...argv);
  }

  async kill(name: Name): Promise<void> {
    const node = this.node(name);
    node.client?.close();
    node.client = null;
    const proc = node.process;
    node.process = null;
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGKILL");
      await exited;
    }
  }

  async start(name: Name): Promise<void> {
    const node = this.node(name);
    node.process = spawn("redis-server", [join(node.dir, "redis.conf")], { stdio: "ignore" });
    for (let i = 0; i < 200; i++) {
      try {
        node.client = await RespClient.connect(node.port);
        if ((await node.client.command("PING")).kind === "simple") return;
      } catch {
        // not listening yet
      }
      await sleep(25);
    }
    throw new Error(`redis-server ${name} did not start`);
  }

  async shutdown(name: Name): Promise<void> {
    const node = this.node(name);
    const proc = node.process;
    const exited = proc && proc.exitCode === null ? new Promise((r) => proc.once("exit", r)) : Promise.resolve();
    void node.client?.command("SHUTDOWN");
    await exited;
    node.client?.close();
    node.client = null;
    node.process = null;
  }

  port(name: Name): number {
    return this.node(name).port;
  }

  async settle(): Promise<void> {
    await sleep(1500);
    const deadline = Date.now() + 20_000;
    for (;;) {
      let settled = true;
      for (const node of this.nodes.values()) {
        if (!node.client) continue;
        const fields = parseInfo(await node.client.command("INFO", "replication"));
        if (fields.role === "slave" && fields.master_link_status !== "up") settled = false;
      }
      if (settled || Date.now() > deadline) return;
      await sleep(100);
    }
  }

  async close(): Promise<void> {
    for (const name of this.nodes.keys()) await this.kill(name);
    rmSync(this.root, { recursive: true, force: true });
  }
}

/** What a checkpoint compares: role, offsets, sync counters, key count, and ids as classes. */
async function observe(side: Side, names: readonly Name[], ids: Map<string, string>): Promise<Record<string, Record<string, string>>> {
  const out: Record<string, Record<string, string>> = {};
  const classOf = (id: string | undefined): string => {
    if (id === undefined) return "?";
    if (/^0{40}$/.test(id)) return "zero";
    if (!ids.has(id)) ids.set(id, `id${ids.size + 1}`);
    return ids.get(id)!;
  };
  for (const name of names) {
    const repl = parseInfo(await side.command(name, "INFO", "replication"));
    const stats = parseInfo(await side.command(name, "INFO", "stats"));
    const dbsize = await side.command(name, "DBSIZE");
    out[name] = {
      role: repl.role ?? "",
      link: repl.master_link_status ?? "",
      offset: repl.master_repl_offset ?? "",
      second: repl.second_repl_offset ?? "",
      replid: classOf(repl.master_replid),
      replid2: classOf(repl.master_replid2),
      syncFull: stats.sync_full ?? "",
      syncPartialOk: stats.sync_partial_ok ?? "",
      syncPartialErr: stats.sync_partial_err ?? "",
      keys: dbsize.kind === "integer" ? String(dbsize.value) : JSON.stringify(dbsize),
    };
  }
  return out;
}

type Scenario = (side: Side, check: (label: string) => Promise<void>) => Promise<void>;

async function writes(side: Side, name: Name, prefix: string, count: number): Promise<void> {
  for (let i = 0; i < count; i++) await side.command(name, "SET", `${prefix}${i}`, `v${i}`);
}

const SCENARIOS: Record<string, { names: Name[]; run: Scenario }> = {
  "a replica killed and restarted comes back as a master with the data its disk held": {
    names: ["A", "B"],
    run: async (side, check) => {
      await writes(side, "A", "old", 3);
      await side.command("B", "REPLICAOF", "127.0.0.1", String(side.port("A")));
      await side.settle();
      await writes(side, "A", "new", 2);
      await side.settle();
      await check("synced");
      await side.kill("B");
      await side.start("B");
      await side.settle();
      await check("restarted");
      expect((await side.command("B", "REPLICAOF", "127.0.0.1", String(side.port("A")))).kind).toBe("simple");
      await side.settle();
      await check("told again");
    },
  },
  "a replica with replicaof rewritten into its config file rejoins and resyncs partially from its RDB": {
    names: ["A", "B"],
    run: async (side, check) => {
      await writes(side, "A", "old", 3);
      await side.command("B", "REPLICAOF", "127.0.0.1", String(side.port("A")));
      await side.settle();
      expect(await side.command("B", "CONFIG", "REWRITE")).toEqual({ kind: "simple", value: "OK" });
      await side.shutdown("B");
      await writes(side, "A", "while-down", 2);
      await side.start("B");
      await side.settle();
      await check("rejoined");
    },
  },
  "a master shut down and restarted keeps its data and its replicas catch up": {
    names: ["A", "B", "C"],
    run: async (side, check) => {
      await side.command("B", "REPLICAOF", "127.0.0.1", String(side.port("A")));
      await side.command("C", "REPLICAOF", "127.0.0.1", String(side.port("A")));
      await side.settle();
      await writes(side, "A", "k", 5);
      await side.settle();
      await side.shutdown("A");
      await side.start("A");
      await side.settle();
      await writes(side, "A", "after", 1);
      await side.settle();
      await check("master back");
    },
  },
  "a master killed right after writes loses them, and its replicas follow its older dataset": {
    names: ["A", "B"],
    run: async (side, check) => {
      await writes(side, "A", "saved", 2);
      await side.command("A", "SAVE");
      await side.command("B", "REPLICAOF", "127.0.0.1", String(side.port("A")));
      await side.settle();
      await writes(side, "A", "lost", 3);
      await side.settle();
      await check("before the crash");
      await side.kill("A");
      await side.start("A");
      await side.settle();
      await check("after the crash");
    },
  },
};

async function record(side: Side, scenario: { names: Name[]; run: Scenario }): Promise<{ label: string; nodes: Record<string, Record<string, string>> }[]> {
  const ids = new Map<string, string>();
  const checkpoints: { label: string; nodes: Record<string, Record<string, string>> }[] = [];
  try {
    await scenario.run(side, async (label) => {
      checkpoints.push({ label, nodes: await observe(side, scenario.names, ids) });
    });
  } finally {
    await side.close();
  }
  return checkpoints;
}

const live = redisServerAvailable();

describe("restarts and persistence match a real redis-server 7.0.15", () => {
  for (const [title, scenario] of Object.entries(SCENARIOS)) {
    it.runIf(live)(title, async () => {
      const real = await record(await RealSide.create(scenario.names), scenario);
      const lab = await record(new LabSide(scenario.names), scenario);
      expect(lab).toEqual(real);
    }, 60_000);
  }

  it("the lab says so when a master restarts with less data than its replicas hold", async () => {
    const side = new LabSide(["A", "B"]);
    await side.command("B", "REPLICAOF", "127.0.0.1", String(side.port("A")));
    await side.settle();
    await writes(side, "A", "k", 4);
    await side.settle();
    await side.kill("A");
    await side.start("A");
    await side.settle();
    const warning = side.lab.events().find((e) => e.detail.kind === "warning" && e.detail.code === "replicas-will-drop-keys");
    expect(warning?.message).toMatch(/^A restarted with 0 keys from its disk while its replicas hold 4: they will drop 4 keys in the full resync/);
  });
});
