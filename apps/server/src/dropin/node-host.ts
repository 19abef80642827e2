/**
 * The thin driver that runs one engine node as an operating-system process: it supplies the
 * wall clock, real TCP (and unix) sockets for clients and for the link to a master, and real files
 * (see `real-disk.ts`); the node answers with effects, carried out here as the simulated world
 * carries them out for lab nodes. Everything runs on Node's one thread, as redis runs its event
 * loop on one: SIGSTOP freezes the lot, SIGCONT resumes it and the clock has moved on.
 */
import { createServer, Socket, type Server } from "node:net";
import { unlinkSync } from "node:fs";
import type { ConnId, NodeEffect, NodeProcess, ProcessViewCommon, TraceEvent } from "@replica-lab/engine";
import { encodeCommand, utf8 } from "@replica-lab/engine";
import { describeSocketError } from "../outbound/tcp-connector.ts";

/** What the driver tells its owner. */
export interface HostEvents {
  trace(event: TraceEvent, batch: readonly NodeEffect[]): void;
  /** The node exited (SHUTDOWN): what the batch that ended it held. */
  exit(reason: string, batch: readonly NodeEffect[]): void;
  /** An inbound client was accepted (verbose log). */
  accepted(peer: string): void;
  /**
   * A client's bytes before the node sees them: a reply (RESP) for a command the driver answers
   * itself (CONFIG of the process's own settings), or null to pass them on.
   */
  intercept(chunk: Uint8Array): string | null;
}

/**
 * Bytes Node's own buffer of a socket may hold before the node is told there is no room. The
 * kernel's buffers are real here (the engine's SOCKET_BUFFER_BYTES models them for simulated
 * nodes): what Node holds beyond them would be buffering a real redis-server does not have, so it
 * is kept small, and what the kernel has not taken stays in the node's output buffers, where
 * redis's client-output-buffer-limit counts it.
 */
const SOCKET_ROOM_BYTES = 64 * 1024;

interface Link {
  readonly socket: Socket | null;
  /** Set when the node closed it: nothing more is reported to the node. */
  closedByNode: boolean;
  /** For the signal handler's own connection: replies it got. */
  readonly replies?: Uint8Array[];
}

/** The monotonic clock the node runs on, in ms since the driver started. */
export class WallClock {
  private readonly origin = performance.now();
  readonly epochMs = Date.now();

  now(): number {
    return performance.now() - this.origin;
  }
}

export class NodeHost {
  private node: NodeProcess<ProcessViewCommon> | null = null;
  private readonly links = new Map<ConnId, Link>();
  private readonly servers: Server[] = [];
  private timer: NodeJS.Timeout | null = null;
  private timerAt = Infinity;
  private stopped = false;

  constructor(
    readonly clock: WallClock,
    private readonly events: HostEvents,
  ) {}

  /** Listens on `port` at each bind address; rejects with the first failure (EADDRINUSE …). */
  async listenTcp(port: number, addresses: readonly string[]): Promise<void> {
    for (const raw of addresses) {
      // "-" marks an optional address in redis ("-::*"): one that is not available is skipped.
      const optional = raw.startsWith("-");
      const address = optional ? raw.slice(1) : raw;
      const host = address === "*" ? "0.0.0.0" : address === "::*" ? "::" : address;
      try {
        await this.listen((server, done) => server.listen({ port, host, ipv6Only: host === "::" }, done));
      } catch (error) {
        if (!optional) throw error;
      }
    }
  }

  /** Listens on a unix socket (`unixsocket`). */
  async listenUnix(path: string): Promise<void> {
    try {
      unlinkSync(path);
    } catch {
      // No stale socket file.
    }
    await this.listen((server, done) => server.listen(path, done));
  }

  private listen(start: (server: Server, done: () => void) => void): Promise<void> {
    return new Promise((resolve, reject) => {
      const server = createServer({ noDelay: true }, (socket) => this.acceptSocket(socket));
      server.once("error", reject);
      start(server, () => {
        server.off("error", reject);
        server.on("error", () => {
          // Errors of a listening socket after it is up are not actionable.
        });
        this.servers.push(server);
        resolve();
      });
    });
  }

  /** Starts the node (booted by the caller with this host's clock) and runs its first effects. */
  start(node: NodeProcess<ProcessViewCommon>): void {
    this.node = node;
    this.afterStep();
  }

  get process(): NodeProcess<ProcessViewCommon> | null {
    return this.node;
  }

  /**
   * Sends a command on a connection of the driver's own, as redis's signal handler runs
   * prepareForShutdown: the node handles it as any client's command. `onReply` gets its replies.
   */
  internalCommand(argvs: readonly (readonly (string | Uint8Array)[])[], peer: string): Uint8Array[] {
    const node = this.node;
    if (!node) return [];
    const replies: Uint8Array[] = [];
    const conn = node.accept(this.clock.now(), peer);
    this.links.set(conn, { socket: null, closedByNode: false, replies });
    for (const argv of argvs) node.receive(this.clock.now(), conn, encodeCommand(argv.map((arg) => (typeof arg === "string" ? utf8(arg) : arg))));
    this.afterStep();
    return replies;
  }

  /** Stops listening and drops every socket (the process is about to exit). */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    for (const server of this.servers) server.close();
    for (const link of this.links.values()) link.socket?.destroy();
    this.links.clear();
  }

  private acceptSocket(socket: Socket): void {
    const node = this.node;
    if (!node || this.stopped) {
      socket.destroy();
      return;
    }
    socket.setNoDelay(true);
    const peer = socket.remoteAddress === undefined ? `${socket.localAddress ?? "/unix"}:0` : `${socket.remoteAddress.replace(/^::ffff:/, "")}:${socket.remotePort ?? 0}`;
    const conn = node.accept(this.clock.now(), peer);
    const link: Link = { socket, closedByNode: false };
    this.links.set(conn, link);
    this.events.accepted(peer);
    this.wire(conn, link, socket, true);
    node.writable?.(this.clock.now(), conn, SOCKET_ROOM_BYTES);
    this.afterStep();
  }

  /** Bytes and the end of a socket go to the node; a socket the node closed reports nothing. */
  private wire(conn: ConnId, link: Link, socket: Socket, client: boolean): void {
    socket.on("data", (chunk: Buffer) => {
      if (link.closedByNode || !this.node) return;
      const answered = client ? this.events.intercept(chunk) : null;
      if (answered !== null) {
        socket.write(answered);
        return;
      }
      this.node.receive(this.clock.now(), conn, new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      this.afterStep();
    });
    socket.on("error", () => {
      // ECONNRESET and friends: "close" follows.
    });
    const gone = (): void => {
      if (link.closedByNode || !this.node || this.links.get(conn) !== link) return;
      this.links.delete(conn);
      this.node.peerClosed(this.clock.now(), conn);
      this.afterStep();
    };
    // The peer's FIN is the end, as read() returning 0 is for redis: told at once, not after Node
    // has closed the handle ("close" comes a loop phase later, after other sockets' reads).
    socket.on("end", gone);
    socket.on("close", gone);
  }

  private connect(conn: ConnId, host: string, port: number): void {
    const socket = new Socket();
    const link: Link = { socket, closedByNode: false };
    this.links.set(conn, link);
    let open = false;
    socket.setNoDelay(true);
    socket.once("connect", () => {
      open = true;
      socket.setKeepAlive(true);
      if (link.closedByNode || !this.node) return;
      this.node.writable?.(this.clock.now(), conn, SOCKET_ROOM_BYTES);
      this.node.connected(this.clock.now(), conn);
      this.afterStep();
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (open || link.closedByNode || !this.node) return;
      link.closedByNode = true;
      this.links.delete(conn);
      this.node.connectFailed(this.clock.now(), conn, describeSocketError(error));
      this.afterStep();
    });
    this.wire(conn, link, socket, false);
    socket.connect(port, host);
  }

  /** Carries out what the node asked for and re-arms its timer. */
  private afterStep(): void {
    const node = this.node;
    if (!node || this.stopped) return;
    const effects = node.takeEffects();
    for (const effect of effects) {
      this.apply(effect, effects);
      if (this.stopped) return;
    }
    this.arm(node.nextWakeMs());
  }

  private arm(wakeMs: number): void {
    if (wakeMs === this.timerAt && this.timer) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = wakeMs;
    if (!Number.isFinite(wakeMs)) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, Math.ceil(wakeMs - this.clock.now())));
  }

  private fire(): void {
    this.timer = null;
    this.timerAt = Infinity;
    const node = this.node;
    if (!node || this.stopped) return;
    const now = this.clock.now();
    // A timer of Node may fire a little early; the node is woken when its time has come.
    if (now >= node.nextWakeMs()) node.tick(now);
    this.afterStep();
  }

  private apply(effect: NodeEffect, batch: readonly NodeEffect[]): void {
    switch (effect.type) {
      case "send": {
        const link = this.links.get(effect.conn);
        if (link?.replies) link.replies.push(effect.bytes);
        else if (link?.socket && !link.socket.destroyed) link.socket.write(effect.bytes);
        return;
      }
      case "close": {
        const link = this.links.get(effect.conn);
        if (!link) return;
        link.closedByNode = true;
        this.links.delete(effect.conn);
        const socket = link.socket;
        if (!socket) return;
        // As redis's close(fd): with nothing left in Node's buffer the descriptor is closed now (the
        // kernel still sends what it holds, then the FIN), before any later write of this step, so
        // a peer learns of the close before others hear of what followed it (a replica killed inside
        // MULTI is down before the EXEC reply). Bytes still buffered here go out first.
        if (socket.writableLength === 0) socket.destroy();
        else socket.end(() => socket.destroy());
        return;
      }
      case "connect":
        this.connect(effect.conn, effect.host, effect.port);
        return;
      case "wait-writable":
        this.whenWritable(effect.conn);
        return;
      case "read-hold": {
        // The bytes the node holds stand for what a real reader leaves in the kernel: stop reading
        // the socket until it reads again, so that the peer's writes block as they would.
        const socket = this.links.get(effect.conn)?.socket;
        if (!socket || socket.destroyed) return;
        if (effect.bytes > 0) socket.pause();
        else socket.resume();
        return;
      }
      case "trace":
        this.events.trace(effect.event, batch);
        return;
      case "exit":
        this.events.exit(effect.reason, batch);
        return;
    }
  }

  /** The node holds output for a peer that has not read: tell it when the socket has room again. */
  private whenWritable(conn: ConnId): void {
    const link = this.links.get(conn);
    const socket = link?.socket;
    if (!link || !socket) {
      // The driver's own connection reads everything at once.
      if (link) setImmediate(() => this.reportWritable(conn, SOCKET_ROOM_BYTES));
      return;
    }
    const report = (): void => this.reportWritable(conn, Math.max(0, SOCKET_ROOM_BYTES - socket.writableLength));
    if (socket.writableLength < SOCKET_ROOM_BYTES / 4) setImmediate(report);
    else socket.once("drain", report);
  }

  private reportWritable(conn: ConnId, room: number): void {
    const node = this.node;
    if (!node?.writable || !this.links.has(conn) || this.stopped) return;
    node.writable(this.clock.now(), conn, room);
    this.afterStep();
  }
}
