/**
 * A TCP proxy between a slave and its master that records every packet in both directions.
 *
 * It tries to be invisible to both servers:
 * - it listens only while the master is up (`open`/`refuse`), so a slave's attempts while the
 *   master is down are refused as they would be without it;
 * - an end is passed on in kind: a FIN becomes a FIN followed by a full close (so later bytes from
 *   the other side are answered with RST, as a dead process's kernel does), an RST becomes an RST;
 * - it forwards with backpressure, so a frozen slave stalls the master's blocking writes.
 * SSDB packets are forwarded whole, which lets `cutAfter` stop a connection at an exact packet.
 */
import { createServer, Socket, type Server } from "node:net";
import type { CloseKind, NodeName, WireConnection, WireDirection, WireMessage } from "./fixture-types.ts";
import { concatBytes } from "../../src/util/bytes.ts";
import { decodeRecordHeader, escapeBytes, parsePacket } from "./ssdb-wire.ts";

/** How many messages of a connection to keep: the first `head` and the last `tail`. */
export interface WireCap {
  readonly head: number;
  readonly tail: number;
}

/** A planned cut: after `packets` whole packets have gone master → slave on the next connection. */
interface PlannedCut {
  readonly packets: number;
  readonly onCut: () => void;
}

/** Recording state of one direction of one connection. */
class DirectionRecorder {
  private pending: Uint8Array = new Uint8Array(0);
  private ssdb = true;
  forwardedPackets = 0;

  constructor(readonly dir: WireDirection) {}

  /** Takes a chunk; returns the whole units (packets, or raw chunks) ready to forward, in order. */
  take(chunk: Uint8Array, tMs: number, out: WireMessage[]): Uint8Array[] {
    if (!this.ssdb) {
      out.push({ framing: "raw", dir: this.dir, tMs, bytes: escapeBytes(chunk) });
      return [chunk];
    }
    this.pending = concatBytes([this.pending, chunk]);
    const units: Uint8Array[] = [];
    for (;;) {
      const parsed = parsePacket(this.pending);
      if (parsed.kind === "incomplete") break;
      if (parsed.kind === "not-ssdb") {
        // A Redis peer: from here on this direction is recorded and forwarded as raw chunks.
        this.ssdb = false;
        out.push({ framing: "raw", dir: this.dir, tMs, bytes: escapeBytes(this.pending) });
        units.push(this.pending);
        this.pending = new Uint8Array(0);
        break;
      }
      const bytes = this.pending.subarray(0, parsed.consumed);
      this.pending = this.pending.slice(parsed.consumed);
      if (parsed.canonical) {
        const first = parsed.blocks[0];
        const record = this.dir === "master->slave" && first ? decodeRecordHeader(first) : null;
        out.push({ framing: "ssdb", dir: this.dir, tMs, blocks: parsed.blocks.map(escapeBytes), record });
      } else {
        out.push({ framing: "raw", dir: this.dir, tMs, bytes: escapeBytes(bytes) });
      }
      units.push(bytes.slice());
    }
    return units;
  }

  trailing(): string {
    return escapeBytes(this.pending);
  }
}

/** One proxied connection. */
class ProxiedConnection {
  readonly messages: WireMessage[] = [];
  closedMs: number | null = null;
  closedBy: WireConnection["closedBy"] = null;
  readonly up = new DirectionRecorder("slave->master");
  readonly down = new DirectionRecorder("master->slave");
  cut: PlannedCut | null = null;
  notForwarded = 0;

  constructor(
    readonly index: number,
    readonly openedMs: number,
    readonly slaveSide: Socket,
    readonly masterSide: Socket,
  ) {}

  noteClose(side: NodeName | "proxy", how: CloseKind, tMs: number): void {
    if (this.closedBy) return;
    this.closedBy = { side, how };
    this.closedMs = tMs;
  }

  finish(cap: WireCap): WireConnection {
    const total = this.messages.length;
    const keep = total > cap.head + cap.tail ? [...this.messages.slice(0, cap.head), ...this.messages.slice(total - cap.tail)] : this.messages;
    return {
      index: this.index,
      openedMs: this.openedMs,
      closedMs: this.closedMs,
      closedBy: this.closedBy,
      messages: keep,
      notForwarded: this.notForwarded,
      omitted: total - keep.length,
      trailing: { "slave->master": this.up.trailing(), "master->slave": this.down.trailing() },
    };
  }
}

/** The recording proxy. Times are ms since `originMs`. */
export class RecordingProxy {
  private server: Server | null = null;
  private listenPort = 0;
  private readonly connections: ProxiedConnection[] = [];
  private nextCut: PlannedCut | null = null;

  constructor(
    private readonly masterPort: number,
    private readonly originMs: number,
  ) {}

  /** The port slaves connect to (fixed after the first `open`). */
  get port(): number {
    if (this.listenPort === 0) throw new Error("proxy never opened");
    return this.listenPort;
  }

  /** Starts listening (on the same port as before, after a `refuse`). */
  async open(): Promise<void> {
    if (this.server) return;
    const server = createServer({ allowHalfOpen: true, pauseOnConnect: true }, (socket) => this.accept(socket));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.listenPort, "127.0.0.1", () => {
        server.off("error", reject);
        resolve();
      });
    });
    const address = server.address();
    if (typeof address === "object" && address) this.listenPort = address.port;
    this.server = server;
  }

  /** Stops listening, so new connection attempts are refused; open connections stay. */
  async refuse(): Promise<void> {
    // close() releases the listening socket at once; its callback would wait for every open
    // connection to end, which is not what "refuse new connections" means.
    this.server?.close();
    this.server = null;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }

  /**
   * Arms a cut for the next connection: after `packets` whole packets master → slave, the slave
   * side gets a FIN, the master side an RST, and `onCut` runs.
   */
  cutNextConnectionAfter(packets: number, onCut: () => void): void {
    this.nextCut = { packets, onCut };
  }

  /** Number of connections seen so far. */
  get connectionCount(): number {
    return this.connections.length;
  }

  /** The wire messages of connection `index` so far (untrimmed). */
  messagesOf(index: number): readonly WireMessage[] {
    return this.connections[index]?.messages ?? [];
  }

  /** All connections, trimmed to `cap`. */
  wire(cap: WireCap): WireConnection[] {
    return this.connections.map((c) => c.finish(cap));
  }

  /** Stops listening and resets every open connection. */
  async close(): Promise<void> {
    await this.refuse();
    for (const c of this.connections) {
      c.slaveSide.destroy();
      c.masterSide.destroy();
    }
  }

  private now(): number {
    return Date.now() - this.originMs;
  }

  private accept(slaveSide: Socket): void {
    const masterSide = new Socket({ allowHalfOpen: true });
    const conn = new ProxiedConnection(this.connections.length, this.now(), slaveSide, masterSide);
    conn.cut = this.nextCut;
    this.nextCut = null;
    this.connections.push(conn);
    let connected = false;
    masterSide.once("connect", () => {
      connected = true;
      this.pipe(conn, slaveSide, masterSide, conn.up, "slave");
      this.pipe(conn, masterSide, slaveSide, conn.down, "master");
      slaveSide.resume();
    });
    slaveSide.on("error", () => {});
    masterSide.on("error", () => {
      // Refused: the recorder keeps the proxy closed while the master is down, so this is a bug
      // in a scenario; pass the failure on as an RST rather than hang the slave.
      if (!connected) {
        conn.noteClose("master", "rst", this.now());
        slaveSide.resetAndDestroy();
      }
    });
    masterSide.connect(this.masterPort, "127.0.0.1");
  }

  private pipe(conn: ProxiedConnection, from: Socket, to: Socket, recorder: DirectionRecorder, fromSide: NodeName): void {
    from.on("data", (chunk: Buffer) => {
      if (to.destroyed) return;
      const units = recorder.take(new Uint8Array(chunk), this.now(), conn.messages);
      let full = false;
      for (const [i, unit] of units.entries()) {
        if (!to.write(unit)) full = true;
        recorder.forwardedPackets += 1;
        if (conn.cut && recorder.dir === "master->slave" && recorder.forwardedPackets >= conn.cut.packets) {
          const onCut = conn.cut.onCut;
          conn.cut = null;
          conn.notForwarded = units.length - i - 1;
          conn.noteClose("proxy", "recorder", this.now());
          // The slave gets a FIN after the last packet (an RST could discard bytes it has not read
          // yet); the master gets an RST, so its next write fails at once.
          from.pause();
          to.end(() => to.destroy());
          from.resetAndDestroy();
          onCut();
          return;
        }
      }
      if (full) {
        // Backpressure: a frozen slave must stall the master's blocking writes, as without us.
        from.pause();
        to.once("drain", () => from.resume());
      }
    });
    from.on("end", () => {
      conn.noteClose(fromSide, "fin", this.now());
      // Pass the FIN on, then close fully so that later bytes from the other side get an RST.
      to.end(() => to.destroy());
      from.destroy();
    });
    from.on("error", (error: NodeJS.ErrnoException) => {
      conn.noteClose(fromSide, error.code === "ECONNRESET" ? "rst" : "fin", this.now());
      if (!to.destroyed) to.resetAndDestroy();
    });
  }
}
