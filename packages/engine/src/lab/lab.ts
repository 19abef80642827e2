/**
 * The Lab: the facade the server and the tests use. It owns a simulated world of named nodes,
 * runs commands on them through console connections (as redis-cli on the same host would), keeps
 * an event log that explains itself, and renders serializable snapshots.
 */
import { World, DEFAULT_LINK, type ExternalConnection, type LinkSettings, type Host } from "../sim/world.ts";
import { ReplyParser } from "../redis/resp/reply-parser.ts";
import { encodeCommand } from "../redis/resp/encode.ts";
import type { Reply } from "../redis/resp/reply.ts";
import { utf8 } from "../util/bytes.ts";
import type { NodeConfig } from "../redis/config.ts";
import { setConfigValue, defaultConfig } from "../redis/config.ts";
import type { RedisNode } from "../redis/server.ts";
import type { TraceEvent } from "../process/trace.ts";
import type {
  AttachedReplicaSnapshot,
  LabAction,
  LabEvent,
  LabSnapshot,
  LinkSnapshot,
  NodeId,
  NodeSnapshot,
  NodeVersion,
  ReplicationEdgeSnapshot,
} from "./types.ts";

export interface LabOptions {
  readonly seed?: number | string;
  /** Unix ms at virtual time 0 (default: a fixed date, so runs are reproducible). */
  readonly epochMs?: number;
  readonly defaultLink?: LinkSettings;
  readonly splitChunks?: boolean;
  /** Event log capacity (oldest entries are dropped). */
  readonly maxEvents?: number;
}

export interface AddNodeOptions {
  readonly name?: string;
  readonly version?: NodeVersion;
  /** Config values by redis name, as CONFIG SET takes them (`{"repl-backlog-size": "16384"}`). */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  readonly host?: string;
  readonly port?: number;
}

/** A console command's outcome. */
export type CommandOutcome = { readonly ok: true; readonly reply: Reply } | { readonly ok: false; readonly error: LabErrorCode; readonly message: string };

export type LabErrorCode = "node-down" | "no-reply" | "connection-closed";

/** Thrown for operator mistakes (unknown node, bad config): the caller maps them to 4xx answers. */
export class LabError extends Error {
  constructor(
    readonly code: "unknown-node" | "bad-config" | "name-taken" | "port-taken" | "bad-version" | "node-down" | "bad-argument",
    message: string,
  ) {
    super(message);
    this.name = "LabError";
  }
}

interface LabNode {
  readonly id: NodeId;
  name: string;
  readonly address: string;
  readonly version: NodeVersion;
  respPort: number | null;
}

interface Console {
  readonly generation: number;
  readonly connection: ExternalConnection;
  readonly parser: ReplyParser;
  readonly waiting: ((outcome: CommandOutcome) => void)[];
}

const NODE_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";

export class Lab {
  readonly seed: string;
  readonly world: World;
  private readonly nodes = new Map<NodeId, LabNode>();
  private readonly byAddress = new Map<string, NodeId>();
  private readonly consoles = new Map<NodeId, Console>();
  private readonly log: LabEvent[] = [];
  private readonly maxEvents: number;
  private eventSeq = 0;
  private nextNodeNumber = 1;
  private readonly listeners = new Set<(event: LabEvent) => void>();
  /** Bumped whenever anything observable may have changed. */
  changeCounter = 0;

  constructor(options: LabOptions = {}) {
    this.seed = String(options.seed ?? 1);
    this.maxEvents = options.maxEvents ?? 5000;
    this.world = new World({
      seed: options.seed ?? 1,
      epochMs: options.epochMs,
      defaultLink: options.defaultLink ?? DEFAULT_LINK,
      splitChunks: options.splitChunks,
    });
    this.world.onTrace((address, event, timeMs) => {
      const id = this.byAddress.get(address) ?? null;
      this.record(id, "node", event, timeMs);
    });
    this.world.onExit((address, reason) => {
      const id = this.byAddress.get(address) ?? null;
      this.consoles.delete(id as NodeId);
      this.record(id, "lab", { kind: "exited", message: `process exited (${reason})` }, this.world.nowMs);
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  /** Subscribes to new events; returns an unsubscribe function. */
  subscribe(listener: (event: LabEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private record(nodeId: NodeId | null, source: "node" | "lab", detail: TraceEvent | LabAction, timeMs: number): void {
    const node = nodeId ? this.nodes.get(nodeId) : undefined;
    const event: LabEvent = {
      seq: ++this.eventSeq,
      timeMs,
      nodeId,
      nodeName: node?.name ?? null,
      source,
      kind: detail.kind,
      message: detail.message,
      detail,
    };
    this.log.push(event);
    if (this.log.length > this.maxEvents) this.log.splice(0, this.log.length - this.maxEvents);
    this.changeCounter++;
    for (const listener of this.listeners) listener(event);
  }

  private action(nodeId: NodeId | null, detail: LabAction): void {
    this.record(nodeId, "lab", detail, this.world.nowMs);
  }

  /** Events with a sequence number greater than `after`. */
  events(after = 0): LabEvent[] {
    if (after >= this.eventSeq) return [];
    const first = this.log.findIndex((e) => e.seq > after);
    return first < 0 ? [] : this.log.slice(first);
  }

  get lastEventSeq(): number {
    return this.eventSeq;
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  /** Adds and boots a node. Ports are assigned from 6379 upward unless given. */
  addNode(options: AddNodeOptions = {}): NodeSnapshot {
    const version = options.version ?? "7.0";
    if (version !== "7.0") throw new LabError("bad-version", `version ${String(version)} is not available yet (only 7.0)`);
    const name = options.name ?? this.nextFreeName();
    if ([...this.nodes.values()].some((n) => n.name === name)) throw new LabError("name-taken", `a node named ${name} already exists`);
    const host = options.host ?? "127.0.0.1";
    let port = options.port;
    if (port === undefined) {
      port = 6379;
      while (this.world.hosts.has(`${host}:${port}`)) port++;
    } else if (this.world.hosts.has(`${host}:${port}`)) {
      throw new LabError("port-taken", `address ${host}:${port} is already used by a node`);
    }
    const config = this.parseConfig(options.config ?? {});
    const id = `n${this.nextNodeNumber++}` as NodeId;
    const address = `${host}:${port}`;
    const entry: LabNode = { id, name, address, version, respPort: null };
    this.nodes.set(id, entry);
    this.byAddress.set(address, id);
    this.world.addHost(host, port, config);
    this.action(id, { kind: "node-added", message: `node ${name} added at ${address} (redis ${version})` });
    return this.nodeSnapshot(id);
  }

  private nextFreeName(): string {
    const taken = new Set([...this.nodes.values()].map((n) => n.name));
    for (let round = 0; ; round++) {
      for (const letter of NODE_NAMES) {
        const name = round === 0 ? letter : `${letter}${round + 1}`;
        if (!taken.has(name)) return name;
      }
    }
  }

  private parseConfig(values: Readonly<Record<string, string | number | boolean>>): Partial<NodeConfig> {
    const draft = defaultConfig();
    const changed: Partial<NodeConfig> = {};
    for (const [name, raw] of Object.entries(values)) {
      const text = typeof raw === "boolean" ? (raw ? "yes" : "no") : String(raw);
      const result = setConfigValue(draft, name, text);
      if (!result.ok) throw new LabError("bad-config", result.message);
    }
    for (const key of Object.keys(draft) as (keyof NodeConfig)[]) {
      if (draft[key] !== defaultConfig()[key]) (changed as Record<string, unknown>)[key] = draft[key];
    }
    return changed;
  }

  /** Removes a node: its process stops and its address is freed. */
  removeNode(id: NodeId): void {
    const node = this.requireNode(id);
    this.world.removeHost(node.address);
    this.nodes.delete(id);
    this.byAddress.delete(node.address);
    this.consoles.delete(id);
    this.action(id, { kind: "node-removed", message: `node ${node.name} removed` });
  }

  renameNode(id: NodeId, name: string): void {
    const node = this.requireNode(id);
    if ([...this.nodes.values()].some((n) => n.name === name && n.id !== id)) throw new LabError("name-taken", `a node named ${name} already exists`);
    node.name = name;
    this.changeCounter++;
  }

  /** Records the real TCP port a gateway exposes for a node. */
  setRespPort(id: NodeId, port: number | null): void {
    this.requireNode(id).respPort = port;
    this.changeCounter++;
  }

  nodeIds(): NodeId[] {
    return [...this.nodes.keys()];
  }

  hasNode(id: string): id is NodeId {
    return this.nodes.has(id as NodeId);
  }

  /** Finds a node by id or by name. */
  resolve(idOrName: string): NodeId | undefined {
    if (this.nodes.has(idOrName as NodeId)) return idOrName as NodeId;
    for (const node of this.nodes.values()) if (node.name === idOrName) return node.id;
    return undefined;
  }

  nodeByAddress(address: string): NodeId | undefined {
    return this.byAddress.get(address);
  }

  private requireNode(id: NodeId): LabNode {
    const node = this.nodes.get(id);
    if (!node) throw new LabError("unknown-node", `no node ${id}`);
    return node;
  }

  private hostOf(id: NodeId): Host {
    return this.world.requireHost(this.requireNode(id).address);
  }

  /** The node process, or null while it is down. For tests and adapters. */
  process(id: NodeId): RedisNode | null {
    return this.hostOf(id).node;
  }

  addressOf(id: NodeId): string {
    return this.requireNode(id).address;
  }

  // ---------------------------------------------------------------------------------------------
  // Faults

  kill(id: NodeId): void {
    const node = this.requireNode(id);
    this.world.kill(node.address);
    this.consoles.delete(id);
    this.action(id, { kind: "killed", message: `node ${node.name} killed (crash: connections reset, memory lost, disk kept)` });
  }

  restart(id: NodeId, options: { wipe?: boolean } = {}): void {
    const node = this.requireNode(id);
    const host = this.hostOf(id);
    this.consoles.delete(id);
    this.world.restart(node.address, options.wipe === true);
    this.action(id, {
      kind: "restarted",
      wiped: options.wipe === true,
      message: `node ${node.name} restarted${options.wipe ? " with a wiped disk" : ""}${host.startupReplicaOf ? ` as a replica of ${host.startupReplicaOf.host}:${host.startupReplicaOf.port}` : ""}`,
    });
  }

  freeze(id: NodeId): void {
    const node = this.requireNode(id);
    if (this.hostOf(id).state !== "up") throw new LabError("node-down", `node ${node.name} is down`);
    this.world.freeze(node.address);
    this.action(id, { kind: "frozen", message: `node ${node.name} frozen (SIGSTOP): it processes nothing until thawed` });
  }

  thaw(id: NodeId): void {
    const node = this.requireNode(id);
    this.world.thaw(node.address);
    this.action(id, { kind: "thawed", message: `node ${node.name} thawed (SIGCONT)` });
  }

  /** Changes the network path between two nodes. */
  setLink(a: NodeId, b: NodeId, patch: Partial<LinkSettings>): LinkSnapshot {
    const na = this.requireNode(a);
    const nb = this.requireNode(b);
    if (a === b) throw new LabError("bad-argument", "a link joins two different nodes");
    const settings = this.world.setLink(na.address, nb.address, patch);
    const parts: string[] = [];
    if (patch.partitioned !== undefined) parts.push(patch.partitioned ? "partitioned" : "healed");
    if (patch.latencyMs !== undefined) parts.push(`latency ${patch.latencyMs} ms`);
    if (patch.bandwidthBytesPerSec !== undefined) parts.push(`bandwidth ${patch.bandwidthBytesPerSec} B/s`);
    this.action(a, { kind: "link-changed", message: `link ${na.name} ↔ ${nb.name}: ${parts.join(", ")}` });
    return { a, b, ...settings };
  }

  link(a: NodeId, b: NodeId): LinkSnapshot {
    return { a, b, ...this.world.linkSettings(this.requireNode(a).address, this.requireNode(b).address) };
  }

  // ---------------------------------------------------------------------------------------------
  // Commands

  /**
   * Sends a command on the node's console connection; `done` gets the reply when it arrives.
   * Never advances virtual time (the real-time runtime does that).
   */
  execute(id: NodeId, argv: readonly (string | Uint8Array)[], done: (outcome: CommandOutcome) => void): void {
    const node = this.requireNode(id);
    const host = this.hostOf(id);
    if (host.state !== "up") {
      done({ ok: false, error: "node-down", message: `node ${node.name} is down` });
      return;
    }
    const console = this.consoleFor(id, host);
    console.waiting.push(done);
    console.connection.send(encodeCommand(argv.map((a) => (typeof a === "string" ? utf8(a) : a))));
    this.world.runCurrent();
  }

  private consoleFor(id: NodeId, host: Host): Console {
    const existing = this.consoles.get(id);
    if (existing && existing.generation === host.generation && !existing.connection.closed) return existing;
    const parser = new ReplyParser();
    const waiting: ((outcome: CommandOutcome) => void)[] = [];
    let console: Console | null = null;
    const connection = this.world.connectExternal(host.address, {
      onData: (bytes) => {
        parser.push(bytes);
        for (;;) {
          const reply = parser.next();
          if (reply === undefined) break;
          if (reply.kind === "protocol-error") {
            connection.close();
            break;
          }
          const next = waiting.shift();
          next?.({ ok: true, reply });
        }
      },
      onClose: () => {
        if (console && this.consoles.get(id) === console) this.consoles.delete(id);
        for (const next of waiting.splice(0, waiting.length)) next({ ok: false, error: "connection-closed", message: "the node closed the connection" });
      },
    });
    console = { generation: host.generation, connection, parser, waiting };
    this.consoles.set(id, console);
    return console;
  }

  /**
   * Runs a command and returns its reply, advancing virtual time if the reply needs it (WAIT).
   * For tests and scripts; the server uses `execute`.
   */
  command(id: NodeId, ...argv: (string | Uint8Array)[]): Reply {
    let outcome: CommandOutcome | null = null;
    this.execute(id, argv, (o) => (outcome = o));
    const deadline = this.world.nowMs + 600_000;
    while (outcome === null && this.world.nextEventMs() <= deadline) this.world.step();
    const result = outcome as CommandOutcome | null;
    if (result === null) throw new LabError("node-down", `no reply from ${this.requireNode(id).name}`);
    if (!result.ok) throw new LabError("node-down", result.message);
    return result.reply;
  }

  /** REPLICAOF by node id (null = REPLICAOF NO ONE). */
  replicaOf(id: NodeId, masterId: NodeId | null): Reply {
    if (masterId === null) return this.command(id, "REPLICAOF", "NO", "ONE");
    const master = this.requireNode(masterId);
    const [host, port] = splitAddress(master.address);
    return this.command(id, "REPLICAOF", host, String(port));
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  advance(ms: number): void {
    this.world.runFor(ms);
  }

  runUntilIdle(maxMs?: number): boolean {
    return this.world.runUntilIdle(maxMs);
  }

  get nowMs(): number {
    return this.world.nowMs;
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots

  snapshot(clock: { paused: boolean; speed: number } = { paused: true, speed: 1 }): LabSnapshot {
    const nodes = [...this.nodes.keys()].map((id) => this.nodeSnapshot(id));
    return {
      seed: this.seed,
      clock: { timeMs: this.world.nowMs, unixMs: this.world.epochMs + this.world.nowMs, paused: clock.paused, speed: clock.speed },
      nodes,
      edges: this.edges(nodes),
      links: this.linkSnapshots(),
      lastEventSeq: this.eventSeq,
    };
  }

  private linkSnapshots(): LinkSnapshot[] {
    const out: LinkSnapshot[] = [];
    for (const { a, b, settings } of this.world.customLinks()) {
      const ia = this.byAddress.get(a);
      const ib = this.byAddress.get(b);
      if (ia && ib) out.push({ a: ia, b: ib, ...settings });
    }
    return out;
  }

  private edges(nodes: readonly NodeSnapshot[]): ReplicationEdgeSnapshot[] {
    const inFlight = new Map<string, number>();
    for (const conn of this.world.liveConnections()) {
      const key = `${conn.fromAddress}>${conn.toAddress}`;
      inFlight.set(key, (inFlight.get(key) ?? 0) + conn.bytesInFlight);
    }
    const masterOf = new Map<NodeId, NodeId | null>();
    for (const node of nodes) if (node.role === "replica") masterOf.set(node.id, node.masterId);
    const inCycle = (start: NodeId): boolean => {
      let at = masterOf.get(start) ?? null;
      for (let steps = 0; at !== null && steps <= nodes.length; steps++) {
        if (at === start) return true;
        at = masterOf.get(at) ?? null;
      }
      return false;
    };
    const edges: ReplicationEdgeSnapshot[] = [];
    for (const node of nodes) {
      if (node.role !== "replica" || node.masterAddress === null) continue;
      const link = this.world.linkSettings(node.address, node.masterAddress);
      const transfer = node.transfer;
      edges.push({
        id: `${node.id}->${node.masterId ?? node.masterAddress}`,
        replicaId: node.id,
        masterId: node.masterId,
        masterAddress: node.masterAddress,
        phase: node.status === "down" ? "none" : (node.linkPhase ?? "none"),
        inFlightBytes: (inFlight.get(`${node.address}>${node.masterAddress}`) ?? 0) + (inFlight.get(`${node.masterAddress}>${node.address}`) ?? 0),
        partitioned: link.partitioned,
        latencyMs: link.latencyMs,
        bandwidthBytesPerSec: link.bandwidthBytesPerSec,
        transferProgress: transfer && transfer.totalBytes > 0 ? transfer.readBytes / transfer.totalBytes : null,
        inCycle: inCycle(node.id),
      });
    }
    return edges;
  }

  /** A node's state as plain data. */
  nodeSnapshot(id: NodeId): NodeSnapshot {
    const entry = this.requireNode(id);
    const host = this.hostOf(id);
    const node = host.node;
    const config = node?.config ?? { ...defaultConfig(), ...host.config };
    const base = {
      id,
      name: entry.name,
      address: entry.address,
      host: host.hostname,
      port: host.port,
      version: entry.version,
      boots: host.bootCount,
      respPort: entry.respPort,
      config: {
        replBacklogSize: config["repl-backlog-size"],
        replBacklogTtl: config["repl-backlog-ttl"],
        replPingReplicaPeriod: config["repl-ping-replica-period"],
        replTimeout: config["repl-timeout"],
        replDisklessSync: config["repl-diskless-sync"],
        replDisklessSyncDelay: config["repl-diskless-sync-delay"],
        minReplicasToWrite: config["min-replicas-to-write"],
        minReplicasMaxLag: config["min-replicas-max-lag"],
        replicaReadOnly: config["replica-read-only"],
        replicaServeStaleData: config["replica-serve-stale-data"],
        replicaPriority: config["replica-priority"],
        replicaAnnounced: config["replica-announced"],
      },
    };
    if (!node || host.state === "down") {
      const startup = host.startupReplicaOf;
      const masterAddress = startup ? `${startup.host}:${startup.port}` : null;
      return {
        ...base,
        status: "down",
        role: startup ? "replica" : "master",
        masterAddress,
        masterId: masterAddress ? (this.byAddress.get(masterAddress) ?? null) : null,
        replState: null,
        linkPhase: null,
        linkUp: false,
        replid: "",
        replid2: "",
        secondReplOffset: -1,
        masterReplOffset: 0,
        replicaOffset: null,
        replicaReadOffset: null,
        masterLinkDownSinceSec: null,
        masterLastIoSecAgo: null,
        backlog: { active: false, sizeBytes: config["repl-backlog-size"], firstByteOffset: 0, histlen: 0, memoryBytes: 0 },
        replicas: [],
        transfer: null,
        keys: 0,
        expires: 0,
        stats: { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0, commandsProcessed: 0, connectionsReceived: 0, expiredKeys: 0 },
        uptimeSec: 0,
      };
    }
    const rs = node.replicaSide;
    const isReplica = rs.masterHost !== null;
    const masterAddress = isReplica ? rs.masterAddress : null;
    const link = rs.masterOrCached();
    const replicas: AttachedReplicaSnapshot[] = node.masterSide.replicas.map((client) => {
      const r = client.replica!;
      const ip = client.replAnnouncedIp || client.peer.slice(0, client.peer.lastIndexOf(":"));
      const address = `${ip}:${client.replListeningPort}`;
      return {
        nodeId: this.byAddress.get(address) ?? null,
        address,
        state: r.infoState as AttachedReplicaSnapshot["state"],
        ackOffset: r.ackOffset,
        lagSec: r.state === "online" ? node.unixSec() - node.unixSecAt(r.ackTimeMs) : 0,
        awaitingFirstAck: r.startStreamOnAck,
      };
    });
    const backlog = node.backlog;
    const transfer = rs.state === "transfer" && rs.transfer ? rs.transfer : null;
    return {
      ...base,
      status: host.frozen ? "frozen" : "up",
      role: isReplica ? "replica" : "master",
      masterAddress,
      masterId: masterAddress ? (this.byAddress.get(masterAddress) ?? null) : null,
      replState: isReplica ? rs.state : null,
      linkPhase: isReplica ? rs.phase : null,
      linkUp: isReplica && rs.state === "connected",
      replid: node.replid,
      replid2: node.replid2,
      secondReplOffset: node.secondReplidOffset,
      masterReplOffset: node.masterReplOffset,
      replicaOffset: isReplica ? (link ? link.reploff : 1) : null,
      replicaReadOffset: isReplica ? (link ? link.readReploff : 1) : null,
      masterLinkDownSinceSec: isReplica && rs.state !== "connected" && rs.downSinceMs !== null ? node.unixSec() - node.unixSecAt(rs.downSinceMs) : null,
      masterLastIoSecAgo: isReplica && rs.master ? node.unixSec() - node.unixSecAt(rs.master.lastInteractionMs) : null,
      backlog: {
        active: backlog !== null,
        sizeBytes: node.config["repl-backlog-size"],
        firstByteOffset: backlog ? backlog.firstByteOffset : 0,
        histlen: backlog ? backlog.histlen : 0,
        memoryBytes: backlog ? backlog.memoryBytes() : 0,
      },
      replicas,
      transfer: transfer ? { totalBytes: transfer.eofMark ? 0 : Math.max(0, transfer.size), readBytes: transfer.readBytes, eofMode: transfer.eofMark !== null } : null,
      keys: node.keyspace.totalKeys,
      expires: node.keyspace.totalExpires,
      stats: {
        syncFull: node.stats.syncFull,
        syncPartialOk: node.stats.syncPartialOk,
        syncPartialErr: node.stats.syncPartialErr,
        commandsProcessed: node.stats.totalCommandsProcessed,
        connectionsReceived: node.stats.totalConnectionsReceived,
        expiredKeys: node.stats.expiredKeys,
      },
      uptimeSec: node.uptimeSec(),
    };
  }
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(":");
  return [address.slice(0, at), Number(address.slice(at + 1))];
}
