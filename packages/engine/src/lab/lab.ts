/**
 * The Lab: the one door to a simulated world of named nodes, for the server and the tests. Every
 * input (operations, commands, bytes from real sockets, write-load ticks, the passing of time)
 * enters through a method here, is appended to the input log, and is then applied; replaying the
 * log on a fresh lab with the same seed and epoch rebuilds it exactly (`Lab.replay`).
 */
import { nodeKind, isNodeVersion, NODE_VERSIONS, type NodeVersion, type ProcessView } from "../kinds.ts";
import { World, DEFAULT_LINK, type ExternalConnection, type LinkSettings, type Host, type OutboundConnector, type OutboundEvents, type OutboundSocket, type WireTap, type NodeStepClock } from "../sim/world.ts";
import { Prng } from "../sim/prng.ts";
import type { MachineView } from "../sim/machine.ts";
import { encodeCommand } from "../redis/resp/encode.ts";
import type { Reply } from "../redis/resp/reply.ts";
import { fromUtf8, utf8 } from "../util/bytes.ts";
import type { NodeProcess } from "../process/contract.ts";
import { ReplyQueue, SUBSCRIBING_COMMANDS, type CommandOutcome } from "./console.ts";
import { ClientEndpoint, ConsoleEndpoint, IGNORE_OUTCOME, LoadEndpoint, NULL_ENDPOINT, type Console, type LabEndpoint } from "./endpoints.ts";
import { forkRules, type ForkOptions, type ForkResult } from "./fork.ts";
import { cloneGraph, estimateBytes, type Replacement } from "./graph-clone.ts";
import { EventLog } from "./event-log.ts";
import { InputLog, type LabInput, type LabOrigin, type OutboundLogEvent } from "./input-log.ts";
import { buildEdges } from "./edges.ts";
import { writeLoadBatch } from "./write-load.ts";
import type { LabAction, LabEvent, LabSnapshot, LinkSnapshot, NodeId, NodeSnapshot } from "./types.ts";

export type { CommandOutcome, LabErrorCode } from "./console.ts";

/** A lab's memory, as {@link Lab.memory} reports it. */
export interface LabMemory {
  /** The machine's limit (Infinity: none). */
  readonly limitBytes: number;
  /** What its nodes and connections use now. */
  readonly machineBytes: number;
  /** Of which bytes written and not yet read (in flight, held, waiting for a frozen node). */
  readonly networkBytes: number;
  readonly nodes: readonly { readonly id: NodeId; readonly bytes: number }[];
  /** The input log (kept whole: the lab is rebuilt from it). */
  readonly logBytes: number;
}
export type { LabEndpoint } from "./endpoints.ts";

export interface LabOptions {
  readonly seed?: number | string;
  /** Unix ms at virtual time 0 (default: a fixed date, so runs are reproducible). */
  readonly epochMs?: number;
  readonly defaultLink?: LinkSettings;
  readonly splitChunks?: boolean;
  /** Event log capacity (oldest entries are dropped). */
  readonly maxEvents?: number;
  /**
   * Bytes of memory the lab's machine has for its nodes and the data between them (default: no
   * limit). Nodes keep within it as redis keeps within maxmemory and maxmemory-clients: writes are
   * refused with OOM, large clients are disconnected (see `redis/memory.ts`).
   */
  readonly memoryLimitBytes?: number;
}

export interface AddNodeOptions {
  readonly name?: string;
  readonly version?: NodeVersion | string;
  /** Config values by redis name, as CONFIG SET takes them (`{"repl-backlog-size": "16384"}`). */
  readonly config?: Readonly<Record<string, string | number | boolean>>;
  readonly host?: string;
  readonly port?: number;
}

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

/**
 * A client connection into a node opened through the lab (a real socket's bridge, a test). The
 * bytes given to `send` are logged as they are: the caller hands them over and must not change them.
 */
export interface LabConnection {
  readonly id: number;
  send(bytes: Uint8Array): void;
  close(): void;
  /**
   * On a connection opened with `acks`: the client has read `count` more bytes of the replies (its
   * real socket wrote them). Replies not yet acknowledged fill the connection; past
   * `SOCKET_BUFFER_BYTES` the node keeps them in its output buffer, where its limits apply.
   */
  ack(count: number): void;
  readonly closed: boolean;
}

interface LabNode {
  readonly id: NodeId;
  name: string;
  readonly address: string;
  version: NodeVersion;
  respPort: number | null;
}

const NODE_NAMES = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
const DEFAULT_EPOCH_MS = 1_700_000_000_000;
/** The socket of an outbound connection in a replay: what the real server said is in the log. */
const REPLAYED_SOCKET: OutboundSocket = Object.freeze({ send: (): void => {}, close: (): void => {} });

/** A run of time being replayed (see {@link Lab.replayRun}). */
export type TimeInput = Extract<LabInput, { op: "run-until" | "steps" | "until-idle" }>;

export class Lab {
  readonly seed: string;
  readonly epochMs: number;
  /** The inputs so far: with the seed and epoch, all it takes to rebuild this lab. */
  readonly inputs = new InputLog();
  private readonly world: World;
  private readonly origin: LabOrigin;
  private readonly eventLog: EventLog;
  private readonly nodes = new Map<NodeId, LabNode>();
  private readonly byAddress = new Map<string, NodeId>();
  /**
   * Names of deleted nodes by the address they listened at, until a node is added there again: a
   * replica of a deleted node keeps retrying its address (as a redis replica of a server that went
   * away does), and the lab can say whose address it is instead of calling it an outside server.
   */
  private readonly removedAt = new Map<string, string>();
  private readonly consoles = new Map<NodeId, Console>();
  private readonly connections = new Map<number, ExternalConnection>();
  private readonly loadConnections = new Map<NodeId, ExternalConnection>();
  private readonly loadPrng: Prng;
  private nextConnectionId = 1;
  private nextNodeNumber = 1;
  /** Real outbound connections by id, and what the connector answered at open (for replay). */
  private readonly outbound = new Map<number, OutboundEvents>();
  private nextOutboundId = 1;
  /** What a replayed log says the connector answered at open, and the last outbound id it used. */
  private readonly replayedOpenResults = new Map<number, string>();
  private replayedOutboundIds = 0;
  /** True once the log says outside addresses go through a connector (`outbound-connector`). */
  private outboundOn = false;
  /** The host's connector (real sockets); null in replays and forks, which use the log instead. */
  private liveConnector: OutboundConnector | null = null;
  /** What the world calls for outside addresses while `outboundOn`. */
  private readonly worldConnector: OutboundConnector = Lab.worldConnectorOf(this);
  private readonly onWorldTrace = Lab.traceListenerOf(this);
  private readonly onWorldExit = Lab.exitListenerOf(this);
  private lastIdleSettled = true;
  /** Bumped whenever anything observable may have changed. */
  changeCounter = 0;

  constructor(options: LabOptions = {}) {
    this.seed = String(options.seed ?? 1);
    this.epochMs = options.epochMs ?? DEFAULT_EPOCH_MS;
    this.origin = {
      seed: options.seed ?? 1,
      epochMs: this.epochMs,
      splitChunks: options.splitChunks ?? false,
      maxEvents: options.maxEvents ?? 5000,
      defaultLink: options.defaultLink ?? DEFAULT_LINK,
      ...(options.memoryLimitBytes === undefined ? {} : { memoryLimitBytes: options.memoryLimitBytes }),
    };
    this.eventLog = new EventLog(this.origin.maxEvents);
    this.world = new World({
      seed: options.seed ?? 1,
      epochMs: this.epochMs,
      defaultLink: this.origin.defaultLink,
      splitChunks: this.origin.splitChunks,
      ...(options.memoryLimitBytes === undefined ? {} : { memoryLimitBytes: options.memoryLimitBytes }),
    });
    this.loadPrng = Prng.fromSeed(options.seed ?? 1).fork("write-load");
    this.world.onTrace(this.onWorldTrace);
    this.world.onExit(this.onWorldExit);
  }

  // The lab's closures are made by static factories, so that a fork can make its own (fork.ts).

  private static traceListenerOf(lab: Lab): (address: string, event: LabEvent["detail"], timeMs: number) => void {
    return (address, event, timeMs) => lab.record(lab.byAddress.get(address) ?? null, "node", event, timeMs);
  }

  private static exitListenerOf(lab: Lab): (address: string, reason: string) => void {
    return (address, reason) => {
      const id = lab.byAddress.get(address) ?? null;
      if (id) lab.consoles.delete(id);
      lab.record(id, "lab", { kind: "exited", message: `process exited (${reason})` }, lab.world.nowMs);
    };
  }

  private static worldConnectorOf(lab: Lab): OutboundConnector {
    return { open: (address, fromAddress, events) => lab.openOutbound(address, fromAddress, events) };
  }

  /** What this lab was created with (its log holds the rest). */
  get creation(): LabOrigin {
    return this.origin;
  }

  /**
   * Rebuilds a lab from its origin and inputs (all of them, or the first `count`): the same
   * snapshots, keyspaces and INFO as the original had after each of those inputs.
   */
  static replay(origin: LabOrigin, inputs: readonly LabInput[], count = inputs.length): Lab {
    const replay = Lab.replayer(origin, inputs);
    while (replay.position < count) replay.next();
    return replay.lab;
  }

  /** A replay applied one input at a time (to compare a lab with its replay step by step). */
  static replayer(origin: LabOrigin, inputs: readonly LabInput[]): { readonly lab: Lab; readonly position: number; next(): void } {
    const lab = new Lab(origin);
    for (const input of inputs) lab.noteReplayedInput(input);
    let position = 0;
    return {
      lab,
      get position(): number {
        return position;
      },
      next(): void {
        const input = inputs[position++];
        if (input === undefined) throw new Error("the replay is at the end of the log");
        // The replayed lab logs what it applies, so it can be replayed (or branched) in turn.
        lab.inputs.append(input);
        lab.apply(input);
      },
    };
  }

  // ---------------------------------------------------------------------------------------------
  // Forks and partial replays (the timeline: replay-cursor.ts)

  /**
   * A copy of this lab as it is now, which goes on independently of it: same nodes, keyspaces,
   * connections and bytes in flight, events and clock. Replaying the same inputs on both gives the
   * same labs. The copy has no listeners, no outbound connector (what outside servers said is in
   * the log) and drops replies meant for this lab's callers; its log is `options.inputs`, or a copy
   * of this lab's. Refused, with the reason, when the lab holds what cannot be copied (see
   * `fork.ts`): a real outbound connection, or a frozen node's held events.
   */
  fork(options: ForkOptions = {}): ForkResult {
    if (this.outbound.size > 0) return { ok: false, reason: "a node is connected to a server outside the lab" };
    const replace = new Map<object, Replacement>([
      [this.onWorldTrace, (copyOf) => Lab.traceListenerOf(copyOf(this))],
      [this.onWorldExit, (copyOf) => Lab.exitListenerOf(copyOf(this))],
      [this.worldConnector, (copyOf) => Lab.worldConnectorOf(copyOf(this))],
    ]);
    if (this.liveConnector !== null) replace.set(this.liveConnector, () => null);
    // The world's machine reads its world through closures (sim/world.ts); the copy's read the copy.
    const machineView = (this.world.machine as unknown as { world?: MachineView }).world;
    if (machineView !== undefined) {
      replace.set(machineView, (copyOf) => {
        const world = copyOf(this.world);
        // Read when used: the copy's world is not filled in yet when this is made.
        const view: MachineView = {
          get hosts() {
            return world.hosts;
          },
          networkBytes: () => world.networkUnread,
          eventCount: () => world.eventCount,
        };
        return view;
      });
    }
    for (const endpoint of this.connectionEndpoints.values()) replace.set(endpoint, () => NULL_ENDPOINT);
    const rules = forkRules(() => Lab.probe(), [REPLAYED_SOCKET, REPLAYED_SOCKET.send, REPLAYED_SOCKET.close], options.checkpoint);
    const result = cloneGraph<Lab>(this, { ...rules, replace });
    if (!result.ok) return result;
    result.copy.inputs.load(options.inputs ?? this.inputs.toArray());
    return { ok: true, lab: result.copy, bytes: estimateBytes(result.stats), held: result.stats.held };
  }

  /** A lab that uses every node kind the way labs do: what two of them share, forks share. */
  private static probe(): Lab {
    const lab = new Lab({ seed: "fork-probe" });
    for (const version of NODE_VERSIONS) {
      try {
        const a = lab.addNode({ version }).id;
        const b = lab.addNode({ version }).id;
        lab.replicaOf(b, a);
        lab.runUntilIdle(30_000);
        lab.command(a, "SET", "k", "v");
        lab.command(a, "SET", "t", "v", "PX", "100000");
        lab.command(a, "INCR", "n");
        lab.command(a, "APPEND", "k", "w");
        lab.writeLoad(a, 3);
        const client = lab.openConnection(a, "10.0.0.1:40000", NULL_ENDPOINT);
        client.send(encodeCommand([utf8("PING")]));
        lab.command(b, "CONFIG", "REWRITE");
        lab.freeze(b);
        lab.advance(20);
        lab.thaw(b);
        lab.kill(b);
        lab.restart(b);
        lab.advance(1500);
        lab.runUntilIdle(30_000);
      } catch {
        // A kind that refuses one of these steps only teaches the probe less: a fork of a lab
        // using what the probe missed is refused, never wrong.
      }
    }
    return lab;
  }

  /**
   * Learns what a logged input says about real outbound connections (ids used, refusals at open)
   * before a replay reaches it: a connection is opened during an earlier input than its outcome.
   */
  noteReplayedInput(input: LabInput): void {
    if (input.op !== "outbound") return;
    if (input.id > this.replayedOutboundIds) this.replayedOutboundIds = input.id;
    if (input.event.type === "refused-at-open") this.replayedOpenResults.set(input.id, input.event.reason);
  }

  /** Applies a logged input as a replay does, without logging it (a cursor keeps the log). */
  replayInput(input: LabInput): void {
    this.apply(input);
  }

  /**
   * Replays part of a logged run of time: what it did up to virtual time `limitMs`, going on from
   * `progress` (events a `steps` or `until-idle` entry has stepped so far). Returns true when the
   * run is complete; false when it was cut at `limitMs`, with every event due by then processed
   * and the clock at `limitMs`: the lab as it was at that moment. The rest resumes with the same
   * `progress`. A run cut in two processes the same events in the same order as the whole run.
   */
  replayRun(input: TimeInput, progress: { steps: number }, limitMs: number): boolean {
    const world = this.world;
    switch (input.op) {
      case "run-until":
        if (input.untilMs <= limitMs) {
          world.runUntil(input.untilMs);
          return true;
        }
        world.runUntil(limitMs);
        return false;
      case "steps":
        while (progress.steps < input.count) {
          const next = world.nextEventMs();
          // A step with nothing queued does nothing: the rest of the entry cannot move the clock.
          if (next === Infinity) progress.steps = input.count;
          else if (next > limitMs) {
            world.runUntil(limitMs);
            return false;
          } else {
            world.step();
            progress.steps++;
          }
        }
        return true;
      case "until-idle": {
        // As World.runUntilIdle, one event at a time; the deadline is the original's.
        const deadlineMs = input.t + input.maxMs;
        for (;;) {
          if (world.isIdle()) {
            this.lastIdleSettled = true;
            return true;
          }
          const next = world.nextEventMs();
          if (next > deadlineMs && deadlineMs <= limitMs) {
            world.runUntil(deadlineMs);
            this.lastIdleSettled = false;
            return true;
          }
          if (next > limitMs) {
            world.runUntil(limitMs);
            return false;
          }
          world.step();
          progress.steps++;
        }
      }
      default:
        return assertNever(input);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Events

  /**
   * Tells `tap` about every connection the lab's processes open and every byte they carry (null:
   * stop). A lab with a tap cannot be forked: the sequence diagram taps a replay of its own.
   */
  tapWire(tap: WireTap | null): void {
    this.world.setWireTap(tap);
  }

  /** The world's node-step counter: the sequence diagram links messages to events by it. */
  get stepClock(): NodeStepClock {
    return this.world;
  }

  subscribe(listener: (event: LabEvent) => void): () => void {
    return this.eventLog.subscribe(listener);
  }

  private record(nodeId: NodeId | null, source: "node" | "lab", detail: LabEvent["detail"], timeMs: number): void {
    this.eventLog.record(nodeId, nodeId ? (this.nodes.get(nodeId)?.name ?? null) : null, source, detail, timeMs);
    this.changeCounter++;
  }

  private action(nodeId: NodeId | null, detail: LabAction): void {
    this.record(nodeId, "lab", detail, this.world.nowMs);
  }

  /** Events with a sequence number greater than `after`. */
  events(after = 0): LabEvent[] {
    return this.eventLog.after(after);
  }

  get lastEventSeq(): number {
    return this.eventLog.lastSeq;
  }

  // ---------------------------------------------------------------------------------------------
  // Inputs: each is logged, then applied

  private input(input: LabInput): void {
    this.inputs.append(input);
    this.apply(input);
    this.inputs.announce(input);
  }

  /** Applies one input (live, or from a log being replayed). */
  private apply(input: LabInput): void {
    switch (input.op) {
      case "add-node":
        return this.applyAddNode(input);
      case "remove-node":
        return this.applyRemoveNode(input.node);
      case "rename-node":
        this.requireNode(input.node).name = input.name;
        this.changeCounter++;
        return;
      case "set-resp-port":
        this.requireNode(input.node).respPort = input.port;
        this.changeCounter++;
        return;
      case "kill":
        return this.applyKill(input.node);
      case "restart":
        return this.applyRestart(input.node, input.wipe, input.version);
      case "freeze":
        return this.applyFreeze(input.node);
      case "thaw":
        return this.applyThaw(input.node);
      case "set-link":
        return this.applySetLink(input.a, input.b, input.patch);
      case "config-file":
        return this.applyConfigFile(input.node, input.text);
      case "write-file":
        this.hostOf(input.node).disk.write(input.name, input.bytes);
        return;
      case "command":
        return this.applyCommand(input.node, input.argv, IGNORE_OUTCOME);
      case "open":
        return this.applyOpen(input.conn, input.node, input.peer, NULL_ENDPOINT, input.acks === true);
      case "send":
        this.connections.get(input.conn)?.send(input.bytes);
        return;
      case "close":
        // Closed by its caller: forgotten here at once (the world calls onClose only when the node
        // closes it), or every connection a lab ever had would stay reachable from it.
        this.connections.get(input.conn)?.close();
        this.connections.delete(input.conn);
        return;
      case "ack":
        this.connections.get(input.conn)?.ack(input.bytes);
        return;
      case "load":
        return this.applyLoad(input.node, input.count);
      case "load-stop":
        return this.applyLoadStop(input.node);
      case "outbound":
        return this.applyOutbound(input.id, input.event);
      case "outbound-connector":
        this.outboundOn = input.on;
        this.world.setOutboundConnector(input.on ? this.worldConnector : null);
        return;
      case "run-until":
        this.world.runUntil(input.untilMs);
        return;
      case "steps":
        for (let i = 0; i < input.count; i++) this.world.step();
        return;
      case "until-idle":
        this.lastIdleSettled = this.world.runUntilIdle(input.maxMs);
        return;
      default:
        return assertNever(input);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Nodes

  /** Adds and boots a node. Ports are assigned from 6379 upward unless given. */
  addNode(options: AddNodeOptions = {}): NodeSnapshot {
    const version = options.version ?? "7.0";
    if (!isNodeVersion(version)) throw new LabError("bad-version", `version ${String(version)} is not available (available: ${NODE_VERSIONS.join(", ")})`);
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
    const config: Record<string, string> = {};
    for (const [key, raw] of Object.entries(options.config ?? {})) config[key] = typeof raw === "boolean" ? (raw ? "yes" : "no") : String(raw);
    const file = nodeKind(version).initialConfig(config);
    if ("error" in file) throw new LabError("bad-config", file.error);
    this.input({ op: "add-node", t: this.world.nowMs, name, version, config, host, port });
    return this.nodeSnapshot(this.byAddress.get(`${host}:${port}`)!);
  }

  private applyAddNode(input: Extract<LabInput, { op: "add-node" }>): void {
    const kind = nodeKind(input.version);
    const file = kind.initialConfig(input.config);
    if ("error" in file) throw new LabError("bad-config", file.error);
    const id = `n${this.nextNodeNumber++}` as NodeId;
    const address = `${input.host}:${input.port}`;
    this.nodes.set(id, { id, name: input.name, address, version: input.version, respPort: null });
    this.byAddress.set(address, id);
    this.removedAt.delete(address);
    this.world.addHost(input.host, input.port, kind, { [kind.configFile]: file.text });
    this.action(id, { kind: "node-added", message: `node ${input.name} added at ${address} (${kind.label})` });
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

  /** Removes a node: its process stops and its address is freed. */
  removeNode(id: NodeId): void {
    this.requireNode(id);
    this.input({ op: "remove-node", t: this.world.nowMs, node: id });
  }

  private applyRemoveNode(id: NodeId): void {
    const node = this.requireNode(id);
    this.world.removeHost(node.address);
    this.nodes.delete(id);
    this.byAddress.delete(node.address);
    this.removedAt.set(node.address, node.name);
    this.consoles.delete(id);
    this.loadConnections.delete(id);
    this.action(id, { kind: "node-removed", message: `node ${node.name} removed` });
  }

  renameNode(id: NodeId, name: string): void {
    this.requireNode(id);
    if ([...this.nodes.values()].some((n) => n.name === name && n.id !== id)) throw new LabError("name-taken", `a node named ${name} already exists`);
    this.input({ op: "rename-node", t: this.world.nowMs, node: id, name });
  }

  /** Records the real TCP port a gateway exposes for a node. */
  setRespPort(id: NodeId, port: number | null): void {
    this.requireNode(id);
    this.input({ op: "set-resp-port", t: this.world.nowMs, node: id, port });
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

  /** The node's running process, or null while it is down. For tests and adapters. */
  process(id: NodeId): NodeProcess | null {
    return this.hostOf(id).process;
  }

  addressOf(id: NodeId): string {
    return this.requireNode(id).address;
  }

  /** The process is running (not killed, not exited). */
  isUp(id: NodeId): boolean {
    return this.hostOf(id).state === "up";
  }

  /** The process is stopped (SIGSTOP). */
  isFrozen(id: NodeId): boolean {
    return this.hostOf(id).frozen;
  }

  /** Events a frozen node's host holds for it until thawed (bytes, accepts, closes). */
  heldEvents(id: NodeId): number {
    return this.hostOf(id).inbox.length;
  }

  /** The node's config file as its disk holds it. */
  configFile(id: NodeId): string {
    const host = this.hostOf(id);
    return host.disk.readText(host.kind.configFile) ?? "";
  }

  /** Replaces the node's config file (the inspector's editor); the process reads it at its next start. */
  setConfigFile(id: NodeId, text: string): void {
    this.requireNode(id);
    this.input({ op: "config-file", t: this.world.nowMs, node: id, text });
  }

  /** Puts a file on the node's disk (an RDB to load at the next start). */
  writeFile(id: NodeId, name: string, bytes: Uint8Array): void {
    this.requireNode(id);
    this.input({ op: "write-file", t: this.world.nowMs, node: id, name, bytes: bytes.slice() });
  }

  /**
   * Writes (or removes) `replicaof` in the node's config file, so that it comes back as a replica
   * of `masterId` after a restart: the other half of the tutorial's lesson.
   */
  persistMaster(id: NodeId, masterId: NodeId | null): void {
    const host = this.hostOf(id);
    const master = masterId === null ? null : splitAddress(this.requireNode(masterId).address);
    this.setConfigFile(id, host.kind.withMaster(this.configFile(id), master ? { host: master[0], port: master[1] } : null));
  }

  private applyConfigFile(id: NodeId, text: string): void {
    const node = this.requireNode(id);
    const host = this.hostOf(id);
    host.disk.writeText(host.kind.configFile, text);
    this.action(id, { kind: "config-file", message: `${host.kind.configFile} of ${node.name} rewritten; it takes effect at the next start` });
  }

  // ---------------------------------------------------------------------------------------------
  // Faults

  kill(id: NodeId): void {
    this.requireNode(id);
    this.input({ op: "kill", t: this.world.nowMs, node: id });
  }

  private applyKill(id: NodeId): void {
    const node = this.requireNode(id);
    this.world.kill(node.address);
    this.consoles.delete(id);
    this.action(id, { kind: "killed", message: `node ${node.name} killed (crash: connections reset, memory lost, disk kept)` });
  }

  /** Starts the node again from its disk; `wipe` empties the disk's data first, `version` upgrades it. */
  restart(id: NodeId, options: { wipe?: boolean; version?: NodeVersion } = {}): void {
    this.requireNode(id);
    this.input({ op: "restart", t: this.world.nowMs, node: id, wipe: options.wipe === true, ...(options.version ? { version: options.version } : {}) });
  }

  private applyRestart(id: NodeId, wipe: boolean, version: NodeVersion | undefined): void {
    const node = this.requireNode(id);
    const host = this.hostOf(id);
    this.consoles.delete(id);
    if (version !== undefined && version !== node.version) {
      node.version = version;
      host.kind = nodeKind(version);
    }
    this.world.restart(node.address, wipe);
    const running = host.process?.view();
    const master = running?.masterAddress ?? null;
    this.action(id, {
      kind: "restarted",
      wiped: wipe,
      replicaOf: master,
      configFile: host.kind.configFile,
      message: `node ${node.name} restarted${wipe ? " with a wiped disk" : ""} from its ${host.kind.configFile}${master ? `, as a replica of ${master} (replicaof is in the file)` : ", as a master (no replicaof in the file)"}`,
    });
    // (An SSDB slave never drops keys for its master's: it resumes, stops OUT_OF_SYNC, or is copied
    // again over what it holds.)
    if (running && master === null && host.kind.version !== "ssdb") this.warnIfReplicasWillDropKeys(node, running.keys);
  }

  /** A master back with less data than the replicas still pointing at it: say what they will lose. */
  private warnIfReplicasWillDropKeys(node: LabNode, keys: number): void {
    let most = 0;
    for (const other of this.nodes.values()) {
      if (other.id === node.id) continue;
      const process = this.hostOf(other.id).process;
      const view = process?.view();
      if (view?.masterAddress === node.address) most = Math.max(most, view.keys);
    }
    if (most <= keys) return;
    this.record(node.id, "node", {
      kind: "warning",
      code: "replicas-will-drop-keys",
      message: `${node.name} restarted with ${keys} keys from its disk while its replicas hold ${most}: they will drop ${most - keys} keys in the full resync (writes after its last save are gone)`,
    }, this.world.nowMs);
  }

  freeze(id: NodeId): void {
    const node = this.requireNode(id);
    if (this.hostOf(id).state !== "up") throw new LabError("node-down", `node ${node.name} is down`);
    this.input({ op: "freeze", t: this.world.nowMs, node: id });
  }

  private applyFreeze(id: NodeId): void {
    const node = this.requireNode(id);
    this.world.freeze(node.address);
    this.action(id, { kind: "frozen", message: `node ${node.name} frozen (SIGSTOP): it processes nothing until thawed` });
  }

  thaw(id: NodeId): void {
    this.requireNode(id);
    this.input({ op: "thaw", t: this.world.nowMs, node: id });
  }

  private applyThaw(id: NodeId): void {
    const node = this.requireNode(id);
    this.world.thaw(node.address);
    this.action(id, { kind: "thawed", message: `node ${node.name} thawed (SIGCONT)` });
  }

  /** Changes the network path between two nodes. */
  setLink(a: NodeId, b: NodeId, patch: Partial<LinkSettings>): LinkSnapshot {
    this.requireNode(a);
    this.requireNode(b);
    if (a === b) throw new LabError("bad-argument", "a link joins two different nodes");
    this.input({ op: "set-link", t: this.world.nowMs, a, b, patch: { ...patch } });
    return this.link(a, b);
  }

  private applySetLink(a: NodeId, b: NodeId, patch: Partial<LinkSettings>): void {
    const na = this.requireNode(a);
    const nb = this.requireNode(b);
    this.world.setLink(na.address, nb.address, patch);
    const parts: string[] = [];
    if (patch.partitioned !== undefined) parts.push(patch.partitioned ? "partitioned" : "healed");
    if (patch.latencyMs !== undefined) parts.push(`latency ${patch.latencyMs} ms`);
    if (patch.bandwidthBytesPerSec !== undefined) parts.push(`bandwidth ${patch.bandwidthBytesPerSec} B/s`);
    this.action(a, { kind: "link-changed", message: `link ${na.name} ↔ ${nb.name}: ${parts.join(", ")}` });
  }

  link(a: NodeId, b: NodeId): LinkSnapshot {
    return { a, b, ...this.world.linkSettings(this.requireNode(a).address, this.requireNode(b).address) };
  }

  // ---------------------------------------------------------------------------------------------
  // Commands and connections

  /**
   * Sends a command on the node's console connection; `done` gets the reply when it arrives.
   * Never advances virtual time (the real-time runtime does that).
   */
  execute(id: NodeId, argv: readonly (string | Uint8Array)[], done: (outcome: CommandOutcome) => void): void {
    const node = this.requireNode(id);
    if (this.hostOf(id).state !== "up") {
      done({ ok: false, error: "node-down", message: `node ${node.name} is down` });
      return;
    }
    const bytes = argv.map((a) => (typeof a === "string" ? utf8(a) : a.slice()));
    const name = bytes.length > 0 ? fromUtf8(bytes[0]!).toLowerCase() : "";
    if (SUBSCRIBING_COMMANDS.has(name)) {
      done({ ok: false, error: "subscribe-in-console", message: `${name.toUpperCase()} is not run in a console, which gets one reply per command: subscribe with redis-cli on the node's RESP port` });
      return;
    }
    const input: LabInput = { op: "command", t: this.world.nowMs, node: id, argv: bytes };
    this.inputs.append(input);
    this.applyCommand(id, bytes, done);
    this.inputs.announce(input);
  }

  private applyCommand(id: NodeId, argv: readonly Uint8Array[], done: (outcome: CommandOutcome) => void): void {
    const host = this.hostOf(id);
    if (host.state !== "up") return;
    const console = this.consoleFor(id, host);
    console.replies.waiting.push(done);
    console.connection.send(encodeCommand(argv));
    this.world.runCurrent();
  }

  private consoleFor(id: NodeId, host: Host): Console {
    const existing = this.consoles.get(id);
    if (existing && existing.generation === host.generation && !existing.connection.closed) return existing;
    const replies = new ReplyQueue();
    const endpoint = new ConsoleEndpoint(this.consoles, id, replies);
    const connection = this.world.connectExternal(host.address, endpoint);
    const console: Console = { generation: host.generation, connection, replies };
    endpoint.connection = connection;
    endpoint.console = console;
    this.consoles.set(id, console);
    // The operator's console logs in as `redis-cli -a` would: REPLICAOF and SHUTDOWN from the
    // canvas work on a node with requirepass too. Its answer is nobody's.
    const login = host.process?.operatorLogin?.() ?? null;
    if (login !== null) {
      replies.waiting.push(IGNORE_OUTCOME);
      connection.send(encodeCommand(login));
    }
    return console;
  }

  /**
   * Opens a client connection into a node (a real socket's bridge): its bytes are logged as
   * inputs. `peer` is the address the node sees.
   */
  openConnection(id: NodeId, peer: string, endpoint: LabEndpoint, options: { readonly acks?: boolean } = {}): LabConnection {
    this.requireNode(id);
    const conn = this.nextConnectionId;
    const acks = options.acks === true;
    // Replaying the log opens the same connection with an endpoint that drops replies.
    this.connectionEndpoints.set(conn, endpoint);
    this.input(acks ? { op: "open", t: this.world.nowMs, conn, node: id, peer, acks } : { op: "open", t: this.world.nowMs, conn, node: id, peer });
    const live = (): boolean => this.connections.get(conn)?.closed === false;
    return {
      id: conn,
      send: (bytes: Uint8Array): void => {
        // The log keeps the caller's bytes without a copy: a sender must not change them after.
        if (live()) this.input({ op: "send", t: this.world.nowMs, conn, bytes });
      },
      close: (): void => {
        if (live()) this.input({ op: "close", t: this.world.nowMs, conn });
      },
      ack: (count: number): void => {
        if (live() && acks) this.input({ op: "ack", t: this.world.nowMs, conn, bytes: count });
      },
      get closed(): boolean {
        return !live();
      },
    };
  }

  private readonly connectionEndpoints = new Map<number, LabEndpoint>();

  private applyOpen(conn: number, id: NodeId, peer: string, fallback: LabEndpoint, acks: boolean): void {
    this.nextConnectionId = Math.max(this.nextConnectionId, conn + 1);
    const endpoint = this.connectionEndpoints.get(conn) ?? fallback;
    this.connectionEndpoints.delete(conn);
    const connection = this.world.connectExternal(this.requireNode(id).address, new ClientEndpoint(this.connections, conn, endpoint), peer, acks);
    this.connections.set(conn, connection);
  }

  /**
   * The write load: `count` SETs sent pipelined on the node's load connection, keys drawn from the
   * lab's seed. A node that is down or frozen gets none (a stopped process would only queue them).
   */
  writeLoad(id: NodeId, count: number): boolean {
    const host = this.hostOf(id);
    if (count <= 0 || host.state !== "up" || host.frozen) return false;
    this.input({ op: "load", t: this.world.nowMs, node: id, count });
    return true;
  }

  private applyLoad(id: NodeId, count: number): void {
    const host = this.hostOf(id);
    if (host.state !== "up" || host.frozen) return;
    let connection = this.loadConnections.get(id);
    if (!connection || connection.closed) {
      const opened = this.world.connectExternal(host.address, new LoadEndpoint(this.loadConnections, id));
      this.loadConnections.set(id, opened);
      connection = opened;
    }
    connection.send(writeLoadBatch(this.loadPrng, count));
  }

  /** Stops a node's write load: its connection closes, as a client going away. */
  stopWriteLoad(id: NodeId): void {
    const connection = this.loadConnections.get(id);
    if (connection && !connection.closed) this.input({ op: "load-stop", t: this.world.nowMs, node: id });
  }

  private applyLoadStop(id: NodeId): void {
    const connection = this.loadConnections.get(id);
    this.loadConnections.delete(id);
    connection?.close();
  }

  /**
   * Runs a command and returns its reply, advancing virtual time if the reply needs it (WAIT).
   * For tests and scripts; the server uses `execute`.
   */
  command(id: NodeId, ...argv: (string | Uint8Array)[]): Reply {
    let outcome: CommandOutcome | null = null;
    this.execute(id, argv, (o) => (outcome = o));
    const deadline = this.world.nowMs + 600_000;
    while (outcome === null && this.world.nextEventMs() <= deadline) this.step();
    const result = outcome as CommandOutcome | null;
    if (result === null) throw new LabError("node-down", `no reply from ${this.requireNode(id).name}`);
    if (!result.ok) throw new LabError("node-down", result.message);
    return result.reply;
  }

  /** REPLICAOF by node id (null = REPLICAOF NO ONE). */
  replicaOf(id: NodeId, masterId: NodeId | null): Reply {
    const master = masterId === null ? null : splitAddress(this.requireNode(masterId).address);
    const command = this.replicaOfCommand(id, master === null ? null : { host: master[0], port: master[1] });
    if ("error" in command) throw new LabError("bad-argument", command.error);
    return this.command(id, ...command.argv);
  }

  /**
   * The console command that points node `id` at `master` (null: at none), as its kind spells it
   * (`REPLICAOF` for Redis kinds, `slaveof` for SSDB), or why its kind cannot do it at run time.
   */
  replicaOfCommand(id: NodeId, master: { readonly host: string; readonly port: number } | null): { readonly argv: readonly string[] } | { readonly error: string } {
    const kind = this.hostOf(id).kind;
    if (kind.replicaOfCommand) return kind.replicaOfCommand(master);
    return { argv: master === null ? ["REPLICAOF", "NO", "ONE"] : ["REPLICAOF", master.host, String(master.port)] };
  }

  // ---------------------------------------------------------------------------------------------
  // Real servers outside the lab

  /**
   * Routes connections to addresses outside the lab through `connector` (real sockets), or
   * refuses them (null). What the outside servers answer is logged, so a replay needs none.
   */
  setOutboundConnector(connector: OutboundConnector | null): void {
    this.liveConnector = connector;
    // Whether outside addresses are reachable changes what a node's connection attempt does, so
    // it is an input; which connector carries them is the host's business.
    if ((connector !== null) !== this.outboundOn) this.input({ op: "outbound-connector", t: this.world.nowMs, on: connector !== null });
  }

  private openOutbound(address: string, fromAddress: string, events: OutboundEvents): OutboundSocket | { readonly refused: string } {
    const id = this.nextOutboundId++;
    this.outbound.set(id, events);
    const connector = this.liveConnector;
    if (id <= this.replayedOutboundIds || connector === null) {
      // A replay, or a fork: what happened next is in the log.
      const refused = this.replayedOpenResults.get(id);
      if (refused === undefined) return REPLAYED_SOCKET;
      this.outbound.delete(id);
      return { refused };
    }
    const logged = (event: OutboundLogEvent): void => this.input({ op: "outbound", t: this.world.nowMs, id, event });
    const result = connector.open(address, fromAddress, {
      opened: () => logged({ type: "opened" }),
      refused: (reason) => logged({ type: "refused", reason }),
      data: (bytes) => logged({ type: "data", bytes: bytes.slice() }),
      closed: () => logged({ type: "closed" }),
    });
    if ("refused" in result) {
      // The world handles a refusal at open itself: nothing will be reported on `events`.
      this.outbound.delete(id);
      const input: LabInput = { op: "outbound", t: this.world.nowMs, id, event: { type: "refused-at-open", reason: result.refused } };
      this.inputs.append(input);
      this.inputs.announce(input);
    }
    return result;
  }

  private applyOutbound(id: number, event: OutboundLogEvent): void {
    const events = this.outbound.get(id);
    if (!events) return;
    switch (event.type) {
      case "refused-at-open":
        return;
      case "opened":
        return events.opened();
      case "refused":
        // Over: the connection's callbacks go (and with them what keeps the lab from forking).
        this.outbound.delete(id);
        return events.refused(event.reason);
      case "data":
        return events.data(event.bytes);
      case "closed":
        this.outbound.delete(id);
        return events.closed();
      default:
        return assertNever(event);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Time

  /** Runs every event up to `timeMs`, then sets the clock to it. */
  runUntil(timeMs: number): void {
    this.input({ op: "run-until", t: this.world.nowMs, untilMs: Math.max(timeMs, this.world.nowMs) });
  }

  advance(ms: number): void {
    this.runUntil(this.world.nowMs + ms);
  }

  /** Processes what is due at the current virtual time (replies on zero-latency links). */
  runCurrent(): void {
    if (this.world.nextEventMs() <= this.world.nowMs) this.runUntil(this.world.nowMs);
  }

  /** Processes one event (the real-time runtime steps within a budget). */
  step(): void {
    this.input({ op: "steps", t: this.world.nowMs, count: 1 });
  }

  /**
   * Processes the events due by `timeMs`, at most `max` of them, one by one as `step()` does, and
   * returns how many it processed. Logged as one `steps` entry of that count (what `step()` called
   * that many times logs once merged), without an input object and a merge per event.
   */
  stepUntil(timeMs: number, max: number): number {
    const world = this.world;
    const t = world.nowMs;
    let count = 0;
    try {
      while (count < max && world.nextEventMs() <= timeMs) {
        // Counted before it runs: an event that throws is in the log that reproduces the failure.
        count++;
        world.step();
      }
    } finally {
      if (count > 0) {
        const input: LabInput = { op: "steps", t, count };
        this.inputs.append(input);
        this.inputs.announce(input);
      }
    }
    return count;
  }

  /** Time of the next event, or Infinity. */
  nextEventMs(): number {
    return this.world.nextEventMs();
  }

  runUntilIdle(maxMs = 120_000): boolean {
    this.input({ op: "until-idle", t: this.world.nowMs, maxMs });
    return this.lastIdleSettled;
  }

  get nowMs(): number {
    return this.world.nowMs;
  }

  // ---------------------------------------------------------------------------------------------
  // Snapshots

  /**
   * What the lab holds in memory: its machine (every node's used_memory, and the bytes between
   * them) against its limit, and its input log, which grows with every byte clients send.
   */
  memory(): LabMemory {
    const usage = this.world.machine.usage();
    const nodes: { id: NodeId; bytes: number }[] = [];
    for (const [address, bytes] of usage.processes) {
      const id = this.byAddress.get(address);
      if (id !== undefined) nodes.push({ id, bytes });
    }
    return { limitBytes: usage.limitBytes, machineBytes: usage.usedBytes, networkBytes: usage.networkBytes, nodes, logBytes: this.inputs.memoryBytes };
  }

  snapshot(clock: { paused: boolean; speed: number } = { paused: true, speed: 1 }): LabSnapshot {
    const nodes = [...this.nodes.keys()].map((id) => this.nodeSnapshot(id));
    return {
      seed: this.seed,
      clock: { timeMs: this.world.nowMs, unixMs: this.epochMs + this.world.nowMs, paused: clock.paused, speed: clock.speed },
      nodes,
      edges: buildEdges(nodes, this.world),
      links: this.linkSnapshots(),
      lastEventSeq: this.eventLog.lastSeq,
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

  /** A node's state as plain data. */
  nodeSnapshot(id: NodeId): NodeSnapshot {
    const entry = this.requireNode(id);
    const host = this.hostOf(id);
    const process = host.state === "up" ? host.process : null;
    // Every process here was booted by the lab's own kinds, so its view is one of theirs.
    const view = process ? (process.view() as ProcessView) : nodeKind(entry.version).downView(host.disk);
    const name = entry.name;
    const address = entry.address;
    const hostname = host.hostname;
    const port = host.port;
    const version = entry.version;
    const kindLabel = host.kind.label;
    const status = process === null ? "down" : host.frozen ? "frozen" : "up";
    const boots = host.bootCount;
    const respPort = entry.respPort;
    const masterId = view.masterAddress ? (this.byAddress.get(view.masterAddress) ?? null) : null;
    const removedMaster = view.masterAddress ? (this.removedAt.get(view.masterAddress) ?? null) : null;
    const replicas = view.replicas.map((replica) => ({ nodeId: this.byAddress.get(replica.address) ?? null, ...replica }));
    const configFile = host.disk.readText(host.kind.configFile) ?? "";
    const own = { id, name, address, host: hostname, port, version, kindLabel, status, boots, respPort, masterId, removedMaster, replicas, configFile };
    // Each kind's fields with its protocol tag, replicas included (their shape follows the tag),
    // which TypeScript cannot follow through a copy of the union: asserted. The node's own fields
    // win over a view's of the same name (replicas). Built as a literal of those fields, then the
    // view spread in, then the fields stored again: V8 builds that in about 2 us as an object with
    // fast properties, where `{ ...view, id, ... }` took 15-20 us and more (its slow path) and
    // Object.assign({}, view, own) left a dictionary-mode object (slower to read, heavier to
    // collect). Every stream frame of every watched lab takes one snapshot per node.
    return Object.assign(
      { id, name, address, host: hostname, port, version, kindLabel, status, boots, respPort, masterId, removedMaster, configFile, ...view },
      own,
    ) as NodeSnapshot;
  }
}

function splitAddress(address: string): [string, number] {
  const at = address.lastIndexOf(":");
  return [address.slice(0, at), Number(address.slice(at + 1))];
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
