/**
 * The simulated world: hosts running sans-IO nodes, a discrete-event network between them, and a
 * virtual clock.
 *
 * Network model (rules NET-* in packages/engine/SPEC.md):
 * - NET-1 A connection is two ordered byte streams. A send departs when the direction's previous
 *   bytes have been serialized at the link bandwidth and arrives `latencyMs` later; arrival order
 *   never differs from send order. Chunks may be split (when chunk splitting is on) but never
 *   reordered.
 * - NET-2 Connecting to an address no live process holds is refused after one latency.
 * - NET-3 While a pair of hosts is partitioned, bytes (and connection attempts, and closes) sent
 *   between them wait, as TCP retransmits, and leave when the partition heals.
 * - NET-4 Kill is a crash: every connection of the process is reset, memory is lost, the disk
 *   stays. A killed host refuses connections until restarted.
 * - NET-5 Freeze is SIGSTOP: the process handles nothing (bytes, accepts, timers) until thawed, but
 *   its kernel still accepts connections and buffers bytes.
 * - NET-7 With an outbound connector, connections to addresses no host holds are real sockets
 *   (see `OutboundConnector`); one abandoned while opening closes its socket.
 * - NET-8 Flow control: a direction holds at most `SOCKET_BUFFER_BYTES` that its reader has not
 *   consumed (the kernel buffers). A process that asks (`wait-writable`) is told when a quarter of
 *   that is free again; until then its output waits in its own buffers. A frozen reader, a partition
 *   or a client that does not read its socket (acks, see `ExternalConnection.ack`) fills the direction,
 *   and so do bytes a process received but holds unread (`read-hold`: a replica loading its RDB
 *   slowly reads its socket only as far as it has loaded).
 */
import type { NodeKind, PeerProbe } from "../process/contract.ts";
import { SimDisk } from "../process/disk.ts";
import { SOCKET_BUFFER_BYTES, type ConnId, type NodeEffect } from "../process/effects.ts";
import type { TraceEvent } from "../process/trace.ts";
import { EventQueue } from "./event-queue.ts";
import { Machine } from "./machine.ts";
import { Prng } from "./prng.ts";
import { DEFAULT_LINK, ExternalConnection, LOOPBACK, SEGMENT_BYTES, segment, type Direction, type Endpoint, type ExternalEndpoint, type Host, type LinkSettings, type OutboundConnector, type SimConnection } from "./connection.ts";

export { DEFAULT_LINK, ExternalConnection } from "./connection.ts";
export type { ExternalEndpoint, Host, LinkSettings, OutboundConnector, OutboundEvents, OutboundSocket, SimConnection } from "./connection.ts";

type WorldEvent =
  | { readonly type: "deliver"; readonly conn: SimConnection; readonly toSide: 0 | 1; readonly bytes: Uint8Array }
  | { readonly type: "fin"; readonly conn: SimConnection; readonly toSide: 0 | 1 }
  | { readonly type: "syn"; readonly conn: SimConnection }
  | { readonly type: "syn-ack"; readonly conn: SimConnection }
  | { readonly type: "refused"; readonly conn: SimConnection; readonly reason: string }
  | { readonly type: "timer"; readonly host: Host; readonly token: number }
  | { readonly type: "writable"; readonly conn: SimConnection; readonly side: 0 | 1 };

/** The end of a connection a simulated host holds. */
type HostEndpoint = Extract<Endpoint, { readonly kind: "host" }>;

export interface WorldOptions {
  readonly seed: number | string;
  /** Unix ms at virtual time 0. */
  readonly epochMs?: number;
  readonly defaultLink?: LinkSettings;
  /** Split sends into random pieces (exercises every parser at odd boundaries). */
  readonly splitChunks?: boolean;
  /** Bytes of memory the machine has for its processes and connections (default: no limit). */
  readonly memoryLimitBytes?: number;
}

export type WorldTraceListener = (address: string, event: TraceEvent, timeMs: number) => void;

/**
 * What a wire tap is told: the connections processes open and every byte they carry, with when it
 * left and when it arrives (the sequence diagram reads the protocol from these, `sequence/`).
 */
export interface WireTap {
  connect(conn: SimConnection, timeMs: number): void;
  bytes(conn: SimConnection, fromSide: 0 | 1, bytes: Uint8Array, sentMs: number, arrivalMs: number): void;
  fin(conn: SimConnection, fromSide: 0 | 1, sentMs: number, arrivalMs: number): void;
  refused(conn: SimConnection, reason: string, timeMs: number): void;
  /**
   * Bytes (or, with 0, the FIN) that `fromSide` sent reached the receiving process, one call per
   * piece `bytes` reported, in order. The receiver's step that reads them is the next node step to
   * begin (`World.nodeStep + 1`), so a tap can tell which events that delivery caused.
   */
  delivered?(conn: SimConnection, fromSide: 0 | 1, bytes: number): void;
  /**
   * A partition holds what `fromSide` just wrote (`bytes`; 0: its FIN). `bytes` and `fin` report it
   * when the path heals, in the order written; this call is made in the writer's node step.
   */
  held?(conn: SimConnection, fromSide: 0 | 1, bytes: number): void;
  /**
   * A client outside the world opened a connection to a host (a console, a write load, or a real
   * replica bridged in). `connect` reports only connections processes open.
   */
  opened?(conn: SimConnection, timeMs: number): void;
  /** Bytes `fromSide` sent arrived where no process reads them any more (see {@link WireLoss}). */
  lost?(conn: SimConnection, fromSide: 0 | 1, bytes: number, reason: WireLoss): void;
}

/**
 * Why bytes were never read: the connection was already reset (the receiver closed it, or its
 * FIN crossed them), or the receiving process had crashed or restarted since it accepted them.
 */
export type WireLoss = "reset" | "closed" | "crashed";

/** The node-step counter a wire tap reads (the world's `nodeStep` and `inNodeStep`). */
export interface NodeStepClock {
  readonly nodeStep: number;
  readonly inNodeStep: boolean;
}

const EPHEMERAL_PORT_BASE = 40000;
/** A writer waiting for room is told once at least this much of the direction is free. */
const WRITABLE_ROOM_BYTES = SOCKET_BUFFER_BYTES / 4;

export class World implements NodeStepClock {
  nowMs = 0;
  readonly epochMs: number;
  readonly hosts = new Map<string, Host>();
  private readonly queue = new EventQueue<WorldEvent>();
  private readonly links = new Map<string, LinkSettings>();
  private defaultLink: LinkSettings;
  private readonly rootPrng: Prng;
  private readonly netPrng: Prng;
  private readonly splitChunks: boolean;
  private nextConnectionId = 1;
  private nextEphemeralPort = EPHEMERAL_PORT_BASE;
  private readonly connections = new Set<SimConnection>();
  private networkEvents = 0;
  private readonly traceListeners: WorldTraceListener[] = [];
  private readonly exitListeners: ((address: string, reason: string) => void)[] = [];
  private outbound: OutboundConnector | null = null;
  private wireTap: WireTap | null = null;
  /**
   * Node steps begun: each `afterNodeStep` (a process ran and its effects are carried out) takes
   * the next number. While `inNodeStep` is true, the trace events and sends being applied belong
   * to step `nodeStep`; a wire tap links messages to the events of the same step by it.
   */
  nodeStep = 0;
  inNodeStep = false;
  /** Events processed so far (a machine's cached memory sum is valid within one). */
  eventCount = 0;
  /**
   * Bytes written and not yet read over every connection in {@link connections} (the sum of their
   * directions' `unread`), kept as they change so the machine need not sum them at every event.
   */
  networkUnread = 0;
  /** The memory every process here shares. */
  readonly machine: Machine;

  constructor(options: WorldOptions) {
    this.epochMs = options.epochMs ?? 1_700_000_000_000;
    this.defaultLink = options.defaultLink ?? DEFAULT_LINK;
    this.rootPrng = Prng.fromSeed(options.seed);
    this.netPrng = this.rootPrng.fork("network");
    this.splitChunks = options.splitChunks ?? false;
    const eventCount = (): number => this.eventCount;
    this.machine = new Machine(options.memoryLimitBytes ?? Infinity, {
      hosts: this.hosts,
      networkBytes: () => this.networkUnread,
      eventCount,
    });
  }

  onTrace(listener: WorldTraceListener): void {
    this.traceListeners.push(listener);
  }

  onExit(listener: (address: string, reason: string) => void): void {
    this.exitListeners.push(listener);
  }

  /** Tells `tap` about every connection and byte from now on (null: stop). */
  setWireTap(tap: WireTap | null): void {
    this.wireTap = tap;
  }

  // ---------------------------------------------------------------------------------------------
  // Hosts

  /**
   * Creates a host and boots a process of `kind` on it; `files` are written to its disk first
   * (the config file a node starts from).
   */
  addHost(hostname: string, port: number, kind: NodeKind, files: Readonly<Record<string, string>> = {}): Host {
    const address = `${hostname}:${port}`;
    if (this.hosts.has(address)) throw new Error(`address ${address} is taken`);
    const host: Host = {
      address,
      hostname,
      port,
      disk: new SimDisk(),
      kind,
      process: null,
      state: "down",
      frozen: false,
      generation: 0,
      inbox: [],
      timerAt: Infinity,
      timerToken: 0,
      prng: this.rootPrng.fork(`host:${address}`),
      conns: new Map(),
      bootCount: 0,
    };
    for (const [name, text] of Object.entries(files)) host.disk.writeText(name, text);
    this.hosts.set(address, host);
    this.boot(host);
    return host;
  }

  /** Removes a host entirely (its connections are reset). */
  removeHost(address: string): void {
    const host = this.requireHost(address);
    if (host.state === "up") this.kill(address);
    this.hosts.delete(address);
  }

  private boot(host: Host): void {
    host.generation++;
    host.bootCount++;
    host.conns.clear();
    host.inbox.length = 0;
    host.frozen = false;
    host.process = host.kind.boot({
      hostname: host.hostname,
      port: host.port,
      prng: host.prng.fork(`boot:${host.bootCount}`),
      nowMs: this.nowMs,
      epochMs: this.epochMs,
      disk: host.disk,
      pid: 1000 + host.bootCount * 97 + (host.port % 1000),
    });
    host.process.attachHost?.(this.machine);
    host.state = "up";
    this.afterNodeStep(host);
  }

  requireHost(address: string): Host {
    const host = this.hosts.get(address);
    if (!host) throw new Error(`no host at ${address}`);
    return host;
  }

  /** Crash: connections reset, memory gone, disk kept. */
  kill(address: string): void {
    const host = this.requireHost(address);
    if (host.state === "down") return;
    // What REPLICAOF and CONFIG SET changed dies with the process; the disk (config file, dump) stays.
    for (const [local, conn] of [...host.conns]) this.resetFromHost(host, local, conn);
    host.conns.clear();
    host.process = null;
    host.state = "down";
    host.frozen = false;
    host.inbox.length = 0;
    host.timerToken++;
    host.timerAt = Infinity;
  }

  /** Starts a stopped host again; `wipe` empties its disk first. */
  restart(address: string, wipe = false): void {
    const host = this.requireHost(address);
    if (host.state === "up") this.kill(address);
    // A wiped disk loses its data (dump.rdb), not the config file it boots from.
    if (wipe) host.disk.wipe([host.kind.configFile]);
    this.boot(host);
  }

  freeze(address: string): void {
    const host = this.requireHost(address);
    if (host.state === "up") host.frozen = true;
  }

  thaw(address: string): void {
    const host = this.requireHost(address);
    if (!host.frozen) return;
    host.frozen = false;
    const held = host.inbox.splice(0, host.inbox.length);
    for (const run of held) {
      if (host.state !== "up" || host.frozen) break;
      run();
    }
    if (host.state === "up" && host.process) {
      host.process.tick(this.nowMs);
      this.afterNodeStep(host);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Links

  /** The unordered pair of addresses a path joins (hosts are told apart by full address). */
  private linkKey(a: string, b: string): string {
    return a < b ? `${a}|${b}` : `${b}|${a}`;
  }

  linkSettings(a: string, b: string): LinkSettings {
    return this.links.get(this.linkKey(a, b)) ?? this.defaultLink;
  }

  /** Changes the path between two hosts. Healing a partition releases what it held. */
  setLink(a: string, b: string, patch: Partial<LinkSettings>): LinkSettings {
    const key = this.linkKey(a, b);
    const before = this.linkSettings(a, b);
    const after: LinkSettings = { ...before, ...patch };
    this.links.set(key, after);
    if (before.partitioned && !after.partitioned) this.releaseHeld(a, b);
    return after;
  }

  setDefaultLink(settings: LinkSettings): void {
    this.defaultLink = settings;
  }

  /** Every link with non-default settings. */
  customLinks(): { a: string; b: string; settings: LinkSettings }[] {
    return [...this.links.entries()].map(([key, settings]) => {
      const [a, b] = key.split("|") as [string, string];
      return { a, b, settings };
    });
  }

  private releaseHeld(a: string, b: string): void {
    for (const conn of this.connections) {
      const pair = this.linkKey(conn.fromAddress, conn.toAddress);
      if (pair !== this.linkKey(a, b)) continue;
      if (conn.state === "connecting" && conn.sides[1] === null && conn.dirs[0].held.length === 0) {
        // A SYN that waited for the partition.
        this.scheduleSyn(conn);
      }
      for (const fromSide of [0, 1] as const) {
        const dir = conn.dirs[fromSide];
        const held = dir.held.splice(0, dir.held.length);
        for (const item of held) {
          if (item.kind === "bytes") this.transmit(conn, fromSide, item.bytes, item.writtenMs);
          else this.transmitFin(conn, fromSide, item.writtenMs);
        }
      }
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Connections

  private newDirection(): Direction {
    return { busyUntilMs: this.nowMs, lastArrivalMs: this.nowMs, held: [], finSent: false, unread: 0, writerWaiting: false, readerHolds: 0 };
  }

  /** Opens a connection from an external client to a host address (a console, a test client). */
  connectExternal(address: string, endpoint: ExternalEndpoint, fromAddress = `127.0.0.1:${this.nextEphemeralPort++}`, acks = false): ExternalConnection {
    const conn: SimConnection = {
      id: this.nextConnectionId++,
      sides: [{ kind: "external", endpoint, address: fromAddress, acks }, null],
      fromAddress,
      toAddress: address,
      dirs: [this.newDirection(), this.newDirection()],
      state: "connecting",
      loopback: true,
      bytesInFlight: 0,
    };
    this.connections.add(conn);
    this.wireTap?.opened?.(conn, this.nowMs);
    this.scheduleSyn(conn);
    return new ExternalConnection(this, conn);
  }

  private scheduleSyn(conn: SimConnection): void {
    const link = this.pathOf(conn);
    if (link.partitioned) return; // waits for the heal (releaseHeld)
    this.schedule(this.nowMs + link.latencyMs, { type: "syn", conn });
  }

  private schedule(timeMs: number, event: WorldEvent): void {
    if (event.type !== "timer") this.networkEvents++;
    this.queue.push(timeMs, event);
  }

  /** Sends bytes from one side of a connection. */
  sendFrom(conn: SimConnection, fromSide: 0 | 1, bytes: Uint8Array): void {
    if (conn.state === "closed" || conn.dirs[fromSide].finSent || bytes.length === 0) return;
    conn.dirs[fromSide].unread += bytes.length;
    this.networkUnread += bytes.length;
    const link = this.pathOf(conn);
    if (link.partitioned) {
      conn.dirs[fromSide].held.push({ kind: "bytes", bytes, writtenMs: this.nowMs });
      this.wireTap?.held?.(conn, fromSide, bytes.length);
      return;
    }
    this.transmit(conn, fromSide, bytes);
  }

  /** The path a connection runs over; its key is computed once per connection (hot path). */
  private pathOf(conn: SimConnection): LinkSettings {
    if (conn.loopback) return LOOPBACK;
    conn.linkKey ??= this.linkKey(conn.fromAddress, conn.toAddress);
    return this.links.get(conn.linkKey) ?? this.defaultLink;
  }

  /** `writtenMs`: when the process wrote bytes a partition held (a wire tap reports that time). */
  private transmit(conn: SimConnection, fromSide: 0 | 1, bytes: Uint8Array, writtenMs?: number): void {
    const link = this.pathOf(conn);
    const dir = conn.dirs[fromSide];
    const whole = !this.splitChunks || bytes.length <= 1;
    // On a bandwidth-limited path a large write arrives as it is serialized, segment by segment,
    // so a long RDB transfer shows progress instead of landing all at once.
    if (whole && (bytes.length <= SEGMENT_BYTES || !Number.isFinite(link.bandwidthBytesPerSec))) {
      // One piece, the common case: no array of pieces.
      this.transmitPiece(conn, fromSide, link, dir, bytes, writtenMs);
      return;
    }
    let pieces = whole ? [bytes] : this.split(bytes);
    if (Number.isFinite(link.bandwidthBytesPerSec) && bytes.length > SEGMENT_BYTES) pieces = segment(pieces);
    for (const piece of pieces) this.transmitPiece(conn, fromSide, link, dir, piece, writtenMs);
  }

  private transmitPiece(conn: SimConnection, fromSide: 0 | 1, link: LinkSettings, dir: Direction, piece: Uint8Array, writtenMs: number | undefined): void {
    const start = Math.max(this.nowMs, dir.busyUntilMs);
    const serialize = Number.isFinite(link.bandwidthBytesPerSec) ? (piece.length * 1000) / link.bandwidthBytesPerSec : 0;
    dir.busyUntilMs = start + serialize;
    const arrival = Math.max(dir.busyUntilMs + link.latencyMs, dir.lastArrivalMs);
    dir.lastArrivalMs = arrival;
    conn.bytesInFlight += piece.length;
    this.wireTap?.bytes(conn, fromSide, piece, writtenMs ?? start, arrival);
    this.schedule(arrival, { type: "deliver", conn, toSide: fromSide === 0 ? 1 : 0, bytes: piece });
  }

  private split(bytes: Uint8Array): Uint8Array[] {
    const pieces: Uint8Array[] = [];
    let at = 0;
    const count = 1 + this.netPrng.int(Math.min(4, bytes.length));
    for (let i = 1; i < count; i++) {
      const cut = at + 1 + this.netPrng.int(Math.max(1, bytes.length - at - (count - i)));
      if (cut >= bytes.length) break;
      pieces.push(bytes.subarray(at, cut));
      at = cut;
    }
    pieces.push(bytes.subarray(at));
    return pieces;
  }

  /** The reader consumed `count` bytes of the direction written by `fromSide` (NET-8). */
  private consumed(conn: SimConnection, fromSide: 0 | 1, count: number): void {
    const dir = conn.dirs[fromSide];
    dir.unread -= count;
    // A closed connection is no longer counted (see dropConnection).
    if (conn.state !== "closed") this.networkUnread -= count;
    if (dir.writerWaiting && SOCKET_BUFFER_BYTES - dir.unread >= WRITABLE_ROOM_BYTES) {
      dir.writerWaiting = false;
      this.schedule(this.nowMs, { type: "writable", conn, side: fromSide });
    }
  }

  /** The process at `side` of `conn` holds `bytes` of what it received unread (NET-8). */
  private holdReads(conn: SimConnection, side: 0 | 1, bytes: number): void {
    const fromSide = side === 0 ? 1 : 0;
    const dir = conn.dirs[fromSide];
    const change = bytes - dir.readerHolds;
    dir.readerHolds = bytes;
    if (change > 0) {
      dir.unread += change;
      if (conn.state !== "closed") this.networkUnread += change;
    } else if (change < 0) {
      this.consumed(conn, fromSide, -change);
    }
  }

  /** A process asked to be told when `side` of `conn` may write again. */
  private waitWritable(conn: SimConnection, side: 0 | 1): void {
    const dir = conn.dirs[side];
    if (SOCKET_BUFFER_BYTES - dir.unread >= WRITABLE_ROOM_BYTES) this.schedule(this.nowMs, { type: "writable", conn, side });
    else dir.writerWaiting = true;
  }

  private onWritable(conn: SimConnection, side: 0 | 1): void {
    const end = conn.sides[side];
    if (conn.state === "closed" || !end || end.kind !== "host") return;
    const host = end.host;
    this.runOnHost(host, () => {
      const process = host.process;
      if (!process || host.generation !== end.generation || end.conn === null || host.conns.get(end.conn) !== conn) return;
      if (conn.state === "closed") return;
      process.writable?.(this.nowMs, end.conn, Math.max(0, SOCKET_BUFFER_BYTES - conn.dirs[side].unread));
      this.afterNodeStep(host);
    });
  }

  /** An external client that acknowledges what it reads has read `count` more bytes. */
  ackExternal(conn: SimConnection, count: number): void {
    const end = conn.sides[0];
    if (end.kind !== "external" || !end.acks || conn.state === "closed" || count <= 0) return;
    this.consumed(conn, 1, Math.min(count, conn.dirs[1].unread));
  }

  /** Closes one side: a FIN follows the bytes already sent. */
  closeFrom(conn: SimConnection, fromSide: 0 | 1): void {
    const dir = conn.dirs[fromSide];
    if (dir.finSent || conn.state === "closed") return;
    dir.finSent = true;
    if (this.pathOf(conn).partitioned) {
      dir.held.push({ kind: "fin", writtenMs: this.nowMs });
      this.wireTap?.held?.(conn, fromSide, 0);
      return;
    }
    this.transmitFin(conn, fromSide);
  }

  private transmitFin(conn: SimConnection, fromSide: 0 | 1, writtenMs?: number): void {
    const link = this.pathOf(conn);
    const dir = conn.dirs[fromSide];
    const arrival = Math.max(Math.max(this.nowMs, dir.busyUntilMs) + link.latencyMs, dir.lastArrivalMs);
    dir.lastArrivalMs = arrival;
    this.wireTap?.fin(conn, fromSide, writtenMs ?? Math.max(this.nowMs, dir.busyUntilMs), arrival);
    this.schedule(arrival, { type: "fin", conn, toSide: fromSide === 0 ? 1 : 0 });
  }

  private resetFromHost(host: Host, local: ConnId, conn: SimConnection): void {
    const side = this.sideOfHost(conn, host, local);
    if (side === null) return;
    if (conn.state === "connecting" && side === 0) {
      this.abandon(conn);
      return;
    }
    this.closeFrom(conn, side);
  }

  /**
   * Drops a connection its initiator gave up on before it was established. A real socket already
   * opened for it must be closed too, or it would stay connected to the outside server for ever.
   */
  private abandon(conn: SimConnection): void {
    conn.state = "closed";
    this.dropConnection(conn);
    const end = conn.sides[1];
    if (end?.kind === "outbound") end.socket?.close();
  }

  /** The side of `conn` that is the host's local connection `local` (both, for a node connected to itself). */
  private sideOfHost(conn: SimConnection, host: Host, local: ConnId): 0 | 1 | null {
    // Every send asks: the two sides are looked at without making an array of them.
    const first = conn.sides[0];
    if (first.kind === "host" && first.host === host && first.conn === local) return 0;
    const second = conn.sides[1];
    if (second && second.kind === "host" && second.host === host && second.conn === local) return 1;
    return null;
  }

  // ---------------------------------------------------------------------------------------------
  // Running

  /** Processes every event up to and including `timeMs`, then sets the clock to it. */
  runUntil(timeMs: number): void {
    while (this.queue.peekTime() <= timeMs) this.step();
    if (timeMs > this.nowMs) this.nowMs = timeMs;
  }

  /** Advances the clock by `ms`. */
  runFor(ms: number): void {
    this.runUntil(this.nowMs + ms);
  }

  /** Processes the events scheduled at the current time (replies on zero-latency links). */
  runCurrent(): void {
    this.runUntil(this.nowMs);
  }

  /** Time of the next event, or Infinity. */
  nextEventMs(): number {
    return this.queue.peekTime();
  }

  /** True while bytes, connection attempts or closes are travelling. */
  get networkBusy(): boolean {
    return this.networkEvents > 0;
  }

  /**
   * Runs until the network is quiet and no node is in the middle of a sync (handshake, transfer,
   * waiting for a fork or a first ACK), or until `maxMs` of virtual time have passed. Returns true
   * if it settled.
   */
  runUntilIdle(maxMs = 120_000): boolean {
    const deadline = this.nowMs + maxMs;
    for (;;) {
      if (this.isIdle()) return true;
      const next = this.queue.peekTime();
      if (next > deadline) {
        this.nowMs = Math.max(this.nowMs, deadline);
        return false;
      }
      this.step();
    }
  }

  /** What runUntilIdle waits for: a quiet network and no node in the middle of a sync. */
  isIdle(): boolean {
    return !this.networkBusy && !this.anyNodeBusy();
  }

  private anyNodeBusy(): boolean {
    for (const host of this.hosts.values()) {
      const process = host.process;
      // A stopped process does no work until thawed, whatever waits for it.
      if (!process || host.state !== "up" || host.frozen) continue;
      if (process.busy(this.probeFrom(host))) return true;
    }
    return false;
  }

  /** What a host's process may ask about its peers. */
  private probeFrom(host: Host): PeerProbe {
    return {
      reachable: (address) => {
        const peer = this.hosts.get(address);
        return peer !== undefined && peer.state === "up" && !peer.frozen && !this.linkSettings(host.address, peer.address).partitioned;
      },
      frozen: (address) => this.hosts.get(address)?.frozen === true,
    };
  }

  /** Processes one event. */
  step(): void {
    const next = this.queue.pop();
    if (!next) return;
    this.eventCount++;
    if (next.timeMs > this.nowMs) this.nowMs = next.timeMs;
    const event = next.value;
    if (event.type !== "timer") this.networkEvents--;
    switch (event.type) {
      case "timer":
        this.onTimer(event.host, event.token);
        return;
      case "syn":
        this.onSyn(event.conn);
        return;
      case "syn-ack":
        this.onSynAck(event.conn);
        return;
      case "refused":
        this.onRefused(event.conn, event.reason);
        return;
      case "deliver":
        event.conn.bytesInFlight -= event.bytes.length;
        this.onDeliver(event.conn, event.toSide, event.bytes);
        return;
      case "fin":
        this.onFin(event.conn, event.toSide);
        return;
      case "writable":
        this.onWritable(event.conn, event.side);
        return;
      default:
        assertNever(event);
    }
  }

  private onTimer(host: Host, token: number): void {
    if (token !== host.timerToken || host.state !== "up" || !host.process) return;
    host.timerAt = Infinity;
    if (host.frozen) {
      // A stopped process runs no timers; thaw runs a catch-up tick.
      return;
    }
    host.process.tick(this.nowMs);
    this.afterNodeStep(host);
  }

  private onSyn(conn: SimConnection): void {
    if (conn.state !== "connecting") return;
    const host = this.hosts.get(conn.toAddress);
    const link = this.pathOf(conn);
    if (!host && this.outbound) {
      this.openOutbound(conn, this.outbound);
      return;
    }
    if (!host || host.state !== "up" || !host.process) {
      this.schedule(this.nowMs + link.latencyMs, { type: "refused", conn, reason: "Connection refused" });
      return;
    }
    // The kernel completes the handshake even if the process is stopped; the process accepts later.
    const end: Endpoint = { kind: "host", host, generation: host.generation, conn: null };
    conn.sides[1] = end;
    const accept = (): void => {
      if (host.state !== "up" || host.generation !== end.generation || !host.process || conn.state === "closed") return;
      end.conn = host.process.accept(this.nowMs, conn.fromAddress);
      host.conns.set(end.conn, conn);
      this.afterNodeStep(host);
    };
    this.runOnHost(host, accept);
    this.schedule(this.nowMs + link.latencyMs, { type: "syn-ack", conn });
  }

  /** Hands a connection to an address outside the simulation to the outbound connector. */
  private openOutbound(conn: SimConnection, connector: OutboundConnector): void {
    const end: Endpoint = { kind: "outbound", socket: null, address: conn.toAddress };
    conn.sides[1] = end;
    // The real network has its own latency: the simulated path adds none.
    conn.loopback = true;
    const live = (): boolean => conn.state !== "closed";
    const result = connector.open(conn.toAddress, conn.fromAddress, {
      opened: () => {
        if (conn.state === "connecting") this.schedule(this.nowMs, { type: "syn-ack", conn });
      },
      refused: (reason) => {
        if (conn.state === "connecting") this.schedule(this.nowMs, { type: "refused", conn, reason });
      },
      data: (bytes) => {
        if (!live()) return;
        // Counted like simulated bytes, so the delivery's decrement balances it.
        conn.bytesInFlight += bytes.length;
        this.wireTap?.bytes(conn, 1, bytes, this.nowMs, this.nowMs);
        this.schedule(this.nowMs, { type: "deliver", conn, toSide: 0, bytes });
      },
      closed: () => {
        if (!live()) return;
        this.wireTap?.fin(conn, 1, this.nowMs, this.nowMs);
        this.schedule(this.nowMs, { type: "fin", conn, toSide: 0 });
      },
    });
    if ("refused" in result) {
      this.schedule(this.nowMs, { type: "refused", conn, reason: result.refused });
      return;
    }
    end.socket = result;
  }

  /** Routes connections to unknown addresses through real sockets (null: refuse them, the default). */
  setOutboundConnector(connector: OutboundConnector | null): void {
    this.outbound = connector;
  }

  private onSynAck(conn: SimConnection): void {
    if (conn.state !== "connecting") return;
    conn.state = "open";
    const initiator = conn.sides[0];
    if (initiator.kind === "host") {
      const host = initiator.host;
      if (host.state !== "up" || host.generation !== initiator.generation || initiator.conn === null) return;
      const local = initiator.conn;
      this.runOnHost(host, () => {
        if (!host.process || host.generation !== initiator.generation) return;
        host.process.connected(this.nowMs, local);
        this.afterNodeStep(host);
      });
    }
  }

  private onRefused(conn: SimConnection, reason: string): void {
    if (conn.state !== "connecting") return;
    this.wireTap?.refused(conn, reason, this.nowMs);
    conn.state = "closed";
    this.dropConnection(conn);
    const initiator = conn.sides[0];
    if (initiator.kind !== "host") {
      if (initiator.kind === "external") initiator.endpoint.onClose();
      return;
    }
    const host = initiator.host;
    if (host.state !== "up" || host.generation !== initiator.generation || initiator.conn === null) return;
    const local = initiator.conn;
    host.conns.delete(local);
    this.runOnHost(host, () => {
      if (!host.process || host.generation !== initiator.generation) return;
      host.process.connectFailed(this.nowMs, local, reason);
      this.afterNodeStep(host);
    });
  }

  private onDeliver(conn: SimConnection, toSide: 0 | 1, bytes: Uint8Array): void {
    const end = conn.sides[toSide];
    const fromSide = toSide === 0 ? 1 : 0;
    if (!end || conn.state === "closed") {
      this.wireTap?.lost?.(conn, fromSide, bytes.length, "reset");
      return;
    }
    if (end.kind === "external") {
      this.wireTap?.delivered?.(conn, fromSide, bytes.length);
      end.endpoint.onData(bytes);
      if (!end.acks) this.consumed(conn, fromSide, bytes.length);
      return;
    }
    if (end.kind === "outbound") {
      this.wireTap?.delivered?.(conn, fromSide, bytes.length);
      end.socket?.send(bytes);
      this.consumed(conn, fromSide, bytes.length);
      return;
    }
    // The most frequent event: no closure unless the host is frozen and the delivery must wait.
    if (end.host.frozen) end.host.inbox.push(() => this.deliverToHost(conn, end, fromSide, bytes));
    else this.deliverToHost(conn, end, fromSide, bytes);
  }

  private deliverToHost(conn: SimConnection, end: HostEndpoint, fromSide: 0 | 1, bytes: Uint8Array): void {
    const host = end.host;
    if (!host.process || host.generation !== end.generation || end.conn === null) {
      this.wireTap?.lost?.(conn, fromSide, bytes.length, "crashed");
      return;
    }
    if (host.conns.get(end.conn) !== conn) {
      // Closed locally: the bytes meet a reset.
      this.wireTap?.lost?.(conn, fromSide, bytes.length, "closed");
      return;
    }
    this.wireTap?.delivered?.(conn, fromSide, bytes.length);
    host.process.receive(this.nowMs, end.conn, bytes);
    this.consumed(conn, fromSide, bytes.length);
    this.afterNodeStep(host);
  }

  private onFin(conn: SimConnection, toSide: 0 | 1): void {
    const end = conn.sides[toSide];
    if (!end || conn.state === "closed") return;
    // Once either side has closed, the connection is over for both (a reset in practice).
    const finish = (): void => {
      conn.state = "closed";
      this.dropConnection(conn);
    };
    if (end.kind === "external") {
      finish();
      end.endpoint.onClose();
      return;
    }
    if (end.kind === "outbound") {
      finish();
      end.socket?.close();
      return;
    }
    const host = end.host;
    this.runOnHost(host, () => {
      finish();
      if (!host.process || host.generation !== end.generation || end.conn === null) return;
      if (host.conns.get(end.conn) !== conn) return;
      host.conns.delete(end.conn);
      this.wireTap?.delivered?.(conn, toSide === 0 ? 1 : 0, 0);
      host.process.peerClosed(this.nowMs, end.conn);
      this.afterNodeStep(host);
    });
  }

  /** Runs `work` now, or when the host is thawed if it is frozen. */
  private runOnHost(host: Host, work: () => void): void {
    if (host.frozen) host.inbox.push(work);
    else work();
  }

  /** Carries out a node's effects and re-arms its timer. */
  afterNodeStep(host: Host): void {
    const node = host.process;
    if (!node) return;
    const effects = node.takeEffects();
    this.nodeStep++;
    this.inNodeStep = true;
    for (const effect of effects) this.applyEffect(host, effect);
    this.inNodeStep = false;
    if (host.process !== node || host.state !== "up") return;
    const wake = node.nextWakeMs();
    if (wake < host.timerAt || host.timerAt < this.nowMs) {
      host.timerAt = wake;
      host.timerToken++;
      this.schedule(Math.max(wake, this.nowMs), { type: "timer", host, token: host.timerToken });
    }
  }

  private applyEffect(host: Host, effect: NodeEffect): void {
    switch (effect.type) {
      case "send": {
        const conn = host.conns.get(effect.conn);
        if (!conn) return;
        const side = this.sideOfHost(conn, host, effect.conn);
        if (side !== null) this.sendFrom(conn, side, effect.bytes);
        return;
      }
      case "close": {
        const conn = host.conns.get(effect.conn);
        if (!conn) return;
        host.conns.delete(effect.conn);
        const side = this.sideOfHost(conn, host, effect.conn);
        if (side === null) return;
        // Only the side that opened it gives up on a connection still opening; the side that
        // accepted it (its SYN-ACK not yet delivered) closes it as usual, after what it sent.
        if (conn.state === "connecting" && side === 0) {
          this.abandon(conn);
          return;
        }
        this.closeFrom(conn, side);
        return;
      }
      case "connect": {
        const toAddress = `${effect.host}:${effect.port}`;
        const conn: SimConnection = {
          id: this.nextConnectionId++,
          sides: [{ kind: "host", host, generation: host.generation, conn: effect.conn }, null],
          fromAddress: host.address,
          toAddress,
          dirs: [this.newDirection(), this.newDirection()],
          state: "connecting",
          loopback: false,
          bytesInFlight: 0,
        };
        this.connections.add(conn);
        host.conns.set(effect.conn, conn);
        this.wireTap?.connect(conn, this.nowMs);
        this.scheduleSyn(conn);
        return;
      }
      case "wait-writable": {
        const conn = host.conns.get(effect.conn);
        const side = conn ? this.sideOfHost(conn, host, effect.conn) : null;
        if (conn && side !== null && conn.state !== "closed") this.waitWritable(conn, side);
        return;
      }
      case "read-hold": {
        const conn = host.conns.get(effect.conn);
        const side = conn ? this.sideOfHost(conn, host, effect.conn) : null;
        if (conn && side !== null && conn.state !== "closed") this.holdReads(conn, side, Math.max(0, effect.bytes));
        return;
      }
      case "trace":
        for (const listener of this.traceListeners) listener(host.address, effect.event, this.nowMs);
        return;
      case "exit": {
        const reason = effect.reason;
        // The process is gone after this step; its disk stays.
        this.kill(host.address);
        for (const listener of this.exitListeners) listener(host.address, reason);
        return;
      }
      default:
        assertNever(effect);
    }
  }

  /** A closed connection leaves the world, and what it held unread leaves the machine's count. */
  private dropConnection(conn: SimConnection): void {
    if (this.connections.delete(conn)) this.networkUnread -= conn.dirs[0].unread + conn.dirs[1].unread;
  }

  /** Connections currently open or opening (for snapshots). */
  liveConnections(): SimConnection[] {
    return [...this.connections];
  }
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
