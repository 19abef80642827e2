/**
 * A master and a slave ssdb-server on loopback, the slave connected through a recording proxy,
 * plus what a scenario needs to drive them and to take checkpoints (`info`, full keyspace, log).
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { binaryToBytes, bytesToBinary } from "../../src/util/bytes.ts";
import { freePort } from "../backends.ts";
import type {
  Checkpoint,
  CommandRecord,
  GhostSample,
  Keyspace,
  LogLine,
  NodeName,
  NodeObservation,
  ReplicationEntry,
  SsdbInfo,
  SsdbScenario,
} from "./fixture-types.ts";
import { RecordingProxy, type WireCap } from "./recording-proxy.ts";
import type { Arg } from "./ssdb-client.ts";
import { parseSsdbInfo } from "./ssdb-info.ts";
import { SsdbServerProcess } from "./ssdb-server.ts";
import { escapeBytes } from "./ssdb-wire.ts";

/** Sleeps `ms` of wall-clock time. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Log sources kept in checkpoints: the two replication sides and the binlog (trimming). */
const REPLICATION_SOURCES = /^(backend_sync|slave|binlog)\.cpp\(/;
const LOG_HEAD = 40;
const LOG_TAIL = 20;
/** Request blocks kept in a command record (longer requests are cut after these). */
const ARGV_KEPT = 9;

/** Options of one scenario's pair. */
export interface PairOptions {
  readonly bin: string;
  /** A fresh directory for this scenario's two nodes. */
  readonly root: string;
  readonly binlogCapacity: number;
  readonly wireCap: WireCap;
}

/** Samples a scenario contributes to the timing summary. */
export interface ScenarioSamples {
  readonly ghosts: Omit<GhostSample, "scenario">[];
  readonly writeToSlaveMs: number[];
}

/** The pair and the scenario's recording so far. */
export class PairHarness {
  readonly samples: ScenarioSamples = { ghosts: [], writeToSlaveMs: [] };
  /** Every replication log line seen so far, per node (for the timing summary). */
  readonly logs: Record<NodeName, LogLine[]> = { master: [], slave: [] };
  private readonly checkpoints: Checkpoint[] = [];
  private stepCommands: CommandRecord[] = [];
  private readonly unreported: Record<NodeName, LogLine[]> = { master: [], slave: [] };
  private readonly frozen = new Set<NodeName>();

  private constructor(
    /** Epoch ms when the scenario started; every `tMs` (wire, logs, checkpoints) counts from here. */
    readonly originMs: number,
    readonly master: SsdbServerProcess,
    readonly slave: SsdbServerProcess,
    readonly proxy: RecordingProxy,
    private readonly options: PairOptions,
  ) {}

  /** Allocates ports and directories and writes both ssdb.conf files; starts nothing. */
  static async create(options: PairOptions): Promise<PairHarness> {
    const originMs = Date.now();
    const masterPort = await freePort();
    const slavePort = await freePort();
    const proxy = new RecordingProxy(masterPort, originMs);
    await proxy.open();
    await proxy.refuse();
    mkdirSync(options.root, { recursive: true });
    const master = new SsdbServerProcess("master", options.bin, join(options.root, "master"), {
      port: masterPort,
      binlogCapacity: options.binlogCapacity,
      slaveOf: null,
    });
    const slave = new SsdbServerProcess("slave", options.bin, join(options.root, "slave"), {
      port: slavePort,
      binlogCapacity: options.binlogCapacity,
      slaveOf: { host: "127.0.0.1", port: proxy.port },
    });
    return new PairHarness(originMs, master, slave, proxy, options);
  }

  /** Milliseconds since the scenario started. */
  now(): number {
    return Date.now() - this.originMs;
  }

  node(name: NodeName): SsdbServerProcess {
    return name === "master" ? this.master : this.slave;
  }

  /** Starts the master, then lets the proxy accept the slave's connections. */
  async startMaster(): Promise<void> {
    await this.master.start();
    await this.proxy.open();
  }

  /** Stops (SIGTERM) or kills (SIGKILL) the master; from then on the slave's attempts are refused. */
  async stopMaster(how: "stop" | "kill"): Promise<void> {
    await this.proxy.refuse();
    await (how === "stop" ? this.master.stop() : this.master.kill());
  }

  async startSlave(): Promise<void> {
    await this.slave.start();
  }

  async stopSlave(how: "stop" | "kill"): Promise<void> {
    this.frozen.delete("slave");
    await (how === "stop" ? this.slave.stop() : this.slave.kill());
  }

  /** SIGSTOP / SIGCONT the slave. */
  freezeSlave(frozen: boolean): void {
    this.slave.pause(frozen);
    if (frozen) this.frozen.add("slave");
    else this.frozen.delete("slave");
  }

  /** Runs one command on a node (SSDB protocol) and records it in the current step. */
  async run(node: NodeName, ...argv: Arg[]): Promise<string[]> {
    const client = await this.node(node).client();
    const reply = await client.request(...argv);
    const escaped = argv.map((a) => escapeBytes(typeof a === "string" ? binaryToBytes(a) : a));
    this.stepCommands.push({
      node,
      argv: escaped.slice(0, ARGV_KEPT),
      argvOmitted: Math.max(0, escaped.length - ARGV_KEPT),
      reply: reply.map(escapeBytes),
      tMs: this.now(),
    });
    return reply.map((b) => bytesToBinary(b));
  }

  /** A command that is not recorded as a step command (bulk writes, the recorder's own queries). */
  async query(node: NodeName, ...argv: string[]): Promise<string[]> {
    const client = await this.node(node).client();
    return (await client.request(...argv)).map((b) => bytesToBinary(b));
  }

  async info(node: NodeName): Promise<SsdbInfo> {
    return parseSsdbInfo(await this.query(node, "info"));
  }

  /** The slave's `slaveof` entry. */
  async slaveLink(): Promise<ReplicationEntry> {
    const entry = (await this.info("slave")).replication.find((r) => r.kind === "slaveof");
    if (!entry) throw new Error("slave has no slaveof entry");
    return entry;
  }

  /** The master's `client` entries. */
  async masterClients(): Promise<ReplicationEntry[]> {
    return (await this.info("master")).replication.filter((r) => r.kind === "client");
  }

  /** The slave's link status and last_seq. */
  async slavePosition(): Promise<{ status: string; slaveSeq: number }> {
    const link = await this.slaveLink();
    return { status: link.fields["status"] ?? "", slaveSeq: Number(link.fields["last_seq"]) };
  }

  /** Polls `check` every `pollMs` until it holds; throws after `timeoutMs`. */
  async waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 20_000, pollMs = 100): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (await check()) return;
      await sleep(pollMs);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** Waits until the slave shows `status` (default SYNC) and, for SYNC, its last_seq equals the master's max_seq. */
  async waitSlave(status = "SYNC", timeoutMs = 20_000): Promise<void> {
    await this.waitUntil(
      `slave ${status}`,
      async () => {
        const p = await this.slavePosition();
        if (p.status !== status) return false;
        // Caught up only counts for SYNC; the master may be down in the other states.
        return status !== "SYNC" || p.slaveSeq === Number((await this.info("master")).binlogs["max_seq"]);
      },
      timeoutMs,
    );
  }

  /**
   * After a slave died: polls the master's `info` until no client entry is listed any more and
   * records how long the dead slave stayed listed.
   */
  async measureGhost(deathMs: number, how: "kill" | "stop", recordsWrittenAfterDeath: number): Promise<void> {
    let lastListed = deathMs;
    await this.waitUntil(
      "master to drop the dead slave",
      async () => {
        const listed = (await this.masterClients()).length > 0;
        if (listed) lastListed = this.now();
        return !listed;
      },
      20_000,
      50,
    );
    this.samples.ghosts.push({ how, recordsWrittenAfterDeath, listedAtLeastMs: lastListed - deathMs, goneByMs: this.now() - deathMs });
  }

  /** Full keyspace of a node: KV, hashes, zsets and queues. */
  async keyspace(node: NodeName): Promise<Keyspace> {
    const pairs = (blocks: string[]): [string, string][] => {
      const out: [string, string][] = [];
      for (let i = 1; i + 1 < blocks.length; i += 2) out.push([blocks[i] ?? "", blocks[i + 1] ?? ""]);
      return out;
    };
    const esc = (text: string): string => escapeBytes(binaryToBytes(text));
    const escPairs = (list: [string, string][]): Record<string, string> => Object.fromEntries(list.map(([k, v]) => [esc(k), esc(v)]));
    const kv = escPairs(pairs(await this.query(node, "scan", "", "", "100000")));
    const hash: Record<string, Record<string, string>> = {};
    for (const name of (await this.query(node, "hlist", "", "", "100000")).slice(1)) {
      hash[esc(name)] = escPairs(pairs(await this.query(node, "hgetall", name)));
    }
    const zset: Record<string, Record<string, string>> = {};
    for (const name of (await this.query(node, "zlist", "", "", "100000")).slice(1)) {
      zset[esc(name)] = escPairs(pairs(await this.query(node, "zscan", name, "", "", "", "100000")));
    }
    const queue: Record<string, string[]> = {};
    for (const name of (await this.query(node, "qlist", "", "", "100000")).slice(1)) {
      queue[esc(name)] = (await this.query(node, "qslice", name, "0", "-1")).slice(1).map(esc);
    }
    return { kv, hash, zset, queue };
  }

  /** Reads both logs, keeping replication lines for the next checkpoint and the timing summary. */
  private collectLogs(): void {
    for (const name of ["master", "slave"] as const) {
      const lines = this.node(name).readNewLog(this.originMs).filter((l) => REPLICATION_SOURCES.test(l.source));
      this.logs[name].push(...lines);
      this.unreported[name].push(...lines);
    }
  }

  private takeLog(name: NodeName): { log: LogLine[]; logOmitted: number } {
    const lines = this.unreported[name].splice(0);
    if (lines.length <= LOG_HEAD + LOG_TAIL) return { log: lines, logOmitted: 0 };
    return { log: [...lines.slice(0, LOG_HEAD), ...lines.slice(-LOG_TAIL)], logOmitted: lines.length - LOG_HEAD - LOG_TAIL };
  }

  private async observe(name: NodeName): Promise<NodeObservation> {
    const server = this.node(name);
    if (!server.running || this.frozen.has(name)) {
      return { up: false, state: server.running ? "frozen" : "down", ...this.takeLog(name) };
    }
    const info = await this.info(name);
    const data = await this.keyspace(name);
    return { up: true, info, data, ...this.takeLog(name) };
  }

  /** Takes a checkpoint of both nodes, closing the current step. */
  async checkpoint(label: string, action: string): Promise<void> {
    const tMs = this.now();
    // Give the log writer a moment: ssdb-server's logger is buffered line by line.
    await sleep(30);
    this.collectLogs();
    const master = await this.observe("master");
    const slave = await this.observe("slave");
    this.checkpoints.push({ label, action, tMs, commands: this.stepCommands, nodes: { master, slave } });
    this.stepCommands = [];
  }

  /** The finished scenario. */
  result(description: string): SsdbScenario {
    return {
      description,
      binlogCapacity: this.options.binlogCapacity,
      checkpoints: this.checkpoints,
      wire: this.proxy.wire(this.options.wireCap),
    };
  }

  /** Stops everything this harness started (by PID). */
  async close(): Promise<void> {
    if (this.frozen.has("slave")) this.freezeSlave(false);
    await this.proxy.close();
    await this.slave.kill();
    await this.master.kill();
  }
}
