/**
 * The lab's side of the recordings: a master and a slave SSDB node on a simulated world, the slave
 * pointed at a recording proxy node in front of the master, driven in virtual time through the same
 * steps as `PairHarness` drives real ssdb-servers, and observed the same way (`info`, the whole
 * keyspace, every packet on the link). Checkpoints come out in the fixture's shape.
 */
import { World } from "../../src/sim/world.ts";
import { SSDB } from "../../src/protocols/ssdb/kind.ts";
import type { SsdbNode } from "../../src/protocols/ssdb/node.ts";
import { EXPIRE_LIST } from "../../src/protocols/ssdb/database.ts";
import { binaryToBytes, bytesToBinary } from "../../src/util/bytes.ts";
import type { ExternalConnection } from "../../src/sim/world.ts";
import type { TraceEvent } from "../../src/process/trace.ts";
import type { Keyspace, NodeName, NodeObservation, SsdbInfo } from "./fixture-types.ts";
import { ProxyRecorder, proxyKind } from "./lab-proxy.ts";
import { parseSsdbInfo } from "./ssdb-info.ts";
import { encodePacket, escapeBytes, parsePacket } from "./ssdb-wire.ts";

const HOST = "127.0.0.1";
const MASTER_PORT = 8881;
const SLAVE_PORT = 8882;
const PROXY_PORT = 8883;

/** A command run during a step, as the fixture's `CommandRecord` keeps it (escaped text). */
export interface LabCommand {
  readonly node: NodeName;
  readonly argv: readonly string[];
  readonly reply: readonly string[];
}

/** One checkpoint of a lab run (the fixture's `Checkpoint` without logs). */
export interface LabCheckpoint {
  readonly label: string;
  readonly tMs: number;
  readonly commands: readonly LabCommand[];
  readonly nodes: Readonly<Record<NodeName, NodeObservation>>;
}

export interface LabPairOptions {
  readonly binlogCapacity?: number;
  /** Extra ssdb.conf settings for the master (e.g. `replication.copy`). */
  readonly master?: Readonly<Record<string, string>>;
  readonly slave?: Readonly<Record<string, string>>;
  readonly seed?: number;
  /** Default link latency between the nodes, in ms. */
  readonly latencyMs?: number;
  /**
   * The slave connects to the master itself, without the recording proxy: a process reads what
   * it is delivered, so only a direct link lets a frozen slave hold its master back (NET-8).
   */
  readonly direct?: boolean;
}

export class LabPair {
  readonly world: World;
  readonly proxy = new ProxyRecorder(HOST, MASTER_PORT);
  readonly checkpoints: LabCheckpoint[] = [];
  private stepCommands: LabCommand[] = [];
  /** Every trace event of both nodes, with its virtual time. */
  readonly traces: { readonly node: NodeName; readonly event: TraceEvent; readonly tMs: number }[] = [];
  /** How long each dead slave stayed listed on the master (`waitGhostGone`), from the death. */
  readonly ghostLifetimesMs: number[] = [];
  private deathMs: number | null = null;
  readonly masterAddress = `${HOST}:${MASTER_PORT}`;
  readonly slaveAddress = `${HOST}:${SLAVE_PORT}`;
  readonly proxyAddress = `${HOST}:${PROXY_PORT}`;
  private readonly files: Record<NodeName, string>;
  private readonly clients = new Map<NodeName, { generation: number; connection: ExternalConnection; replies: Uint8Array }>();
  private proxyStarted = false;

  constructor(options: LabPairOptions = {}) {
    this.world = new World({ seed: options.seed ?? 1, defaultLink: { latencyMs: options.latencyMs ?? 0, bandwidthBytesPerSec: Infinity, partitioned: false } });
    this.world.onTrace((address, event, tMs) => {
      if (address === this.masterAddress) this.traces.push({ node: "master", event, tMs });
      else if (address === this.slaveAddress) this.traces.push({ node: "slave", event, tMs });
    });
    const capacity = String(options.binlogCapacity ?? 10);
    const conf = (settings: Record<string, string>): string => {
      const built = SSDB.initialConfig(settings);
      if ("error" in built) throw new Error(built.error);
      return built.text;
    };
    this.files = {
      master: conf({ "replication.binlog.capacity": capacity, ...options.master }),
      slave: conf({ "replication.binlog.capacity": capacity, "replication.slaveof.host": HOST, "replication.slaveof.port": String(options.direct === true ? MASTER_PORT : PROXY_PORT), ...options.slave }),
    };
  }

  now(): number {
    return this.world.nowMs;
  }

  private address(name: NodeName): string {
    return name === "master" ? this.masterAddress : this.slaveAddress;
  }

  private up(name: NodeName): boolean {
    return this.world.hosts.get(this.address(name))?.state === "up";
  }

  node(name: NodeName): SsdbNode {
    const process = this.world.hosts.get(this.address(name))?.process;
    if (!process) throw new Error(`${name} is not running`);
    return process as SsdbNode;
  }

  private start(name: NodeName): void {
    const address = this.address(name);
    if (this.world.hosts.has(address)) this.world.restart(address);
    else this.world.addHost(HOST, name === "master" ? MASTER_PORT : SLAVE_PORT, SSDB, { "ssdb.conf": this.files[name] });
    this.world.runCurrent();
  }

  /** Starts the master, then lets the proxy accept (refused attempts stay refused until then). */
  startMaster(): void {
    this.start("master");
    this.openProxy();
  }

  /** Stops the master (SIGTERM and SIGKILL are both a kill here: both reset its connections). */
  stopMaster(): void {
    this.refuseProxy();
    this.world.kill(this.masterAddress);
    this.world.runCurrent();
  }

  /** Kills the master and starts it with an empty disk (its ssdb.conf kept). */
  wipeAndRestartMaster(): void {
    this.world.kill(this.masterAddress);
    this.world.restart(this.masterAddress, true);
    this.world.runCurrent();
    this.openProxy();
  }

  startSlave(): void {
    this.start("slave");
  }

  stopSlave(): void {
    this.deathMs = this.world.nowMs;
    this.world.kill(this.slaveAddress);
    this.world.runCurrent();
  }

  freezeSlave(frozen: boolean): void {
    if (frozen) this.world.freeze(this.slaveAddress);
    else this.world.thaw(this.slaveAddress);
  }

  /** The proxy listens (connection attempts reach the master). */
  openProxy(): void {
    if (!this.proxyStarted) {
      this.world.addHost(HOST, PROXY_PORT, proxyKind(this.proxy));
      this.proxyStarted = true;
    } else if (this.world.hosts.get(this.proxyAddress)?.state !== "up") {
      this.world.restart(this.proxyAddress);
    }
    this.world.runCurrent();
  }

  /** The proxy stops listening: attempts are refused (its live connections are reset). */
  refuseProxy(): void {
    if (!this.proxyStarted) return;
    this.proxy.killed(this.world.nowMs);
    this.world.kill(this.proxyAddress);
  }

  /** Advances virtual time. */
  sleep(ms: number): void {
    this.world.runFor(ms);
  }

  /** Runs one command on a node and records it in the current step (as the recorder's `run`). */
  run(name: NodeName, ...argv: string[]): string[] {
    const reply = this.query(name, ...argv);
    this.stepCommands.push({ node: name, argv: argv.map((a) => escapeBytes(binaryToBytes(a))), reply: reply.map((b) => escapeBytes(binaryToBytes(b))) });
    return reply;
  }

  /** Runs one command on a node in SSDB's protocol and returns the reply blocks (byte strings). */
  query(name: NodeName, ...argv: string[]): string[] {
    const host = this.world.hosts.get(this.address(name));
    if (!host || host.state !== "up") throw new Error(`${name} is down`);
    let client = this.clients.get(name);
    if (!client || client.generation !== host.generation || client.connection.closed) {
      const entry = { generation: host.generation, connection: null as unknown as ExternalConnection, replies: new Uint8Array(0) };
      entry.connection = this.world.connectExternal(this.address(name), {
        onData: (bytes) => {
          const merged = new Uint8Array(entry.replies.length + bytes.length);
          merged.set(entry.replies);
          merged.set(bytes, entry.replies.length);
          entry.replies = merged;
        },
        onClose: () => {},
      });
      client = entry;
      this.clients.set(name, client);
    }
    client.connection.send(encodePacket(argv.map((a) => binaryToBytes(a))));
    for (let i = 0; i < 1000; i++) {
      this.world.runCurrent();
      const parsed = parsePacket(client.replies);
      if (parsed.kind === "packet") {
        client.replies = client.replies.slice(parsed.consumed);
        return parsed.blocks.map((b) => bytesToBinary(b));
      }
      if (this.world.nextEventMs() > this.world.nowMs) this.world.step();
    }
    throw new Error(`no reply from ${name} to ${argv[0]}`);
  }

  info(name: NodeName): SsdbInfo {
    return parseSsdbInfo(this.query(name, "info"));
  }

  slaveLink(): Readonly<Record<string, string>> {
    const entry = this.info("slave").replication.find((r) => r.kind === "slaveof");
    if (!entry) throw new Error("slave has no slaveof entry");
    return entry.fields;
  }

  /** Steps virtual time (50 ms polls, as the recorder polled) until `check` holds. */
  waitUntil(what: string, check: () => boolean, timeoutMs = 20_000, pollMs = 50): void {
    const deadline = this.world.nowMs + timeoutMs;
    while (this.world.nowMs <= deadline) {
      if (check()) return;
      this.world.runFor(pollMs);
    }
    throw new Error(`timed out waiting for ${what}`);
  }

  /** As the recorder: the slave shows `status` (SYNC: with last_seq = the master's max_seq). */
  waitSlave(status = "SYNC", timeoutMs = 20_000): void {
    this.waitUntil(
      `slave ${status}`,
      () => {
        if (!this.up("slave")) return false;
        const link = this.slaveLink();
        if (link["status"] !== status) return false;
        return status !== "SYNC" || Number(link["last_seq"]) === Number(this.info("master").binlogs["max_seq"]);
      },
      timeoutMs,
    );
  }

  /** Polls the master every 50 ms until it lists no slave; returns how long that took. */
  waitGhostGone(): number {
    const start = this.deathMs ?? this.world.nowMs;
    this.waitUntil("the master to drop the dead slave", () => this.info("master").replication.every((r) => r.kind !== "client"));
    this.ghostLifetimesMs.push(this.world.nowMs - start);
    return this.world.nowMs - start;
  }

  /** A node's whole keyspace in the fixture's shape, read as the recorder reads it. */
  keyspace(name: NodeName): Keyspace {
    const db = this.node(name).db;
    const esc = (text: string): string => escapeBytes(binaryToBytes(text));
    const escBytes = (bytes: Uint8Array): string => escapeBytes(bytes);
    const kv: Record<string, string> = {};
    for (const { key, value } of db.scan("", "", Number.MAX_SAFE_INTEGER)) kv[esc(key)] = escBytes(value);
    const hash: Record<string, Record<string, string>> = {};
    for (const name of db.hlist("", "", Number.MAX_SAFE_INTEGER)) {
      hash[esc(name)] = Object.fromEntries(db.hscan(name, "", "", Number.MAX_SAFE_INTEGER).map((e) => [esc(e.key), escBytes(e.value)]));
    }
    const zset: Record<string, Record<string, string>> = {};
    for (const name of db.zlist("", "", Number.MAX_SAFE_INTEGER)) {
      zset[esc(name)] = Object.fromEntries(db.zmembers(name).map((m) => [esc(m.member), String(m.score)]));
    }
    const queue: Record<string, string[]> = {};
    for (const name of db.qlist("", "", Number.MAX_SAFE_INTEGER)) queue[esc(name)] = db.qitems(name).map(escBytes);
    return { kv, hash, zset, queue };
  }

  private observe(name: NodeName): NodeObservation {
    const host = this.world.hosts.get(this.address(name));
    if (!host || host.state !== "up") return { up: false, state: "down", log: [], logOmitted: 0 };
    if (host.frozen) return { up: false, state: "frozen", log: [], logOmitted: 0 };
    return { up: true, info: this.info(name), data: this.keyspace(name), log: [], logOmitted: 0 };
  }

  checkpoint(label: string): LabCheckpoint {
    const tMs = this.world.nowMs;
    const checkpoint: LabCheckpoint = { label, tMs, commands: this.stepCommands, nodes: { master: this.observe("master"), slave: this.observe("slave") } };
    this.stepCommands = [];
    this.checkpoints.push(checkpoint);
    return checkpoint;
  }
}

/** The expiry list's name as the fixture escapes it. */
export const EXPIRE_LIST_ESCAPED = escapeBytes(binaryToBytes(EXPIRE_LIST));
