/**
 * A TCP proxy on loopback that sits between a replica and its master and records every byte both
 * ways, cut into the units the replication protocol has: handshake commands and replies, the RDB
 * bulk, stream commands, ACKs, PINGs and lone keep-alive newlines. Opening and closing of each
 * connection are recorded too, with the side that closed.
 */
import { createServer, Socket, type Server } from "node:net";
import type { Direction } from "./legacy-fixture.ts";

/** A recorded unit before normalization: bytes as they crossed the proxy. */
export type RawFrame =
  | { readonly kind: "step"; readonly text: string }
  | { readonly kind: "connect" | "close"; readonly conn: number; readonly dir: Direction }
  | { readonly kind: "command" | "reply" | "stream" | "ack" | "ping" | "newline"; readonly conn: number; readonly dir: Direction; readonly bytes: Uint8Array }
  | { readonly kind: "rdb"; readonly conn: number; readonly dir: Direction; readonly header: Uint8Array; readonly payload: Uint8Array };

type DataKind = "command" | "reply" | "stream" | "ack" | "ping" | "newline";
/** What a parser cut from its buffer. */
type Unit = { readonly kind: DataKind; readonly bytes: Uint8Array } | { readonly kind: "rdb"; readonly header: Uint8Array; readonly payload: Uint8Array };

const LF = 0x0a;
const STAR = 0x2a;
const DOLLAR = 0x24;
/** Bytes as text, one char per byte (ISO-8859-1; TextDecoder's "latin1" is windows-1252 and would remap 0x80-0x9f). */
export const latin1 = { decode: (bytes: Uint8Array): string => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1") };

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** The end of the line starting at `from` (index after its `\n`), or undefined when incomplete. */
function lineEnd(buf: Uint8Array, from: number): number | undefined {
  const at = buf.indexOf(LF, from);
  return at < 0 ? undefined : at + 1;
}

/** A whole RESP array of bulk strings at the start of `buf`: its length and arguments, or undefined. */
function multibulk(buf: Uint8Array): { readonly length: number; readonly args: string[] } | undefined {
  const countEnd = lineEnd(buf, 0);
  if (countEnd === undefined) return undefined;
  const count = Number(latin1.decode(buf.subarray(1, countEnd)).trim());
  const args: string[] = [];
  let at: number = countEnd;
  for (let i = 0; i < count; i++) {
    const headerEnd = lineEnd(buf, at);
    if (headerEnd === undefined || buf[at] !== DOLLAR) return undefined;
    const size = Number(latin1.decode(buf.subarray(at + 1, headerEnd)).trim());
    if (buf.length < headerEnd + size + 2) return undefined;
    args.push(latin1.decode(buf.subarray(headerEnd, headerEnd + size)));
    at = headerEnd + size + 2;
  }
  return { length: at, args };
}

/** Buffers one direction's bytes and cuts whole units from the front as they complete. */
abstract class ByteCutter {
  protected buf: Uint8Array = new Uint8Array(0);

  push(chunk: Uint8Array): Unit[] {
    this.buf = concat(this.buf, chunk);
    const units: Unit[] = [];
    for (let unit = this.next(); unit !== undefined; unit = this.next()) units.push(unit);
    return units;
  }

  protected take(length: number): Uint8Array {
    const bytes = this.buf.slice(0, length);
    this.buf = this.buf.subarray(length);
    return bytes;
  }

  /** The next whole unit at the front of the buffer, taken off it; undefined until one is complete. */
  protected abstract next(): Unit | undefined;
}

/** Cuts what a replica sends: inline commands, RESP arrays (REPLCONF ACK among them), lone `\n`. */
class ReplicaBytes extends ByteCutter {
  protected next(): Unit | undefined {
    if (this.buf.length === 0) return undefined;
    if (this.buf[0] === LF) return { kind: "newline", bytes: this.take(1) };
    if (this.buf[0] === STAR) {
      const array = multibulk(this.buf);
      if (!array) return undefined;
      const isAck = array.args[0]?.toUpperCase() === "REPLCONF" && array.args[1]?.toUpperCase() === "ACK";
      return { kind: isAck ? "ack" : "command", bytes: this.take(array.length) };
    }
    const end = lineEnd(this.buf, 0);
    return end === undefined ? undefined : { kind: "command", bytes: this.take(end) };
  }
}

/**
 * Cuts what a master sends: status and error lines and the RDB bulk during the handshake, then the
 * command stream (PINGs told apart); lone `\n` keep-alives in either phase.
 */
class MasterBytes extends ByteCutter {
  private phase: "handshake" | "stream" = "handshake";

  protected next(): Unit | undefined {
    if (this.buf.length === 0) return undefined;
    const first = this.buf[0];
    if (first === LF) return { kind: "newline", bytes: this.take(1) };
    if (first === STAR && this.phase === "stream") {
      const array = multibulk(this.buf);
      if (!array) return undefined;
      return { kind: array.args[0]?.toUpperCase() === "PING" ? "ping" : "stream", bytes: this.take(array.length) };
    }
    const end = lineEnd(this.buf, 0);
    if (end === undefined) return undefined;
    if (first === DOLLAR && this.phase === "handshake") return this.rdb(end);
    const line = this.take(end);
    if (latin1.decode(line).startsWith("+CONTINUE")) this.phase = "stream";
    return { kind: "reply", bytes: line };
  }

  /** `$<len>\r\n<payload>`, or diskless `$EOF:<mark>\r\n<payload><mark>`. */
  private rdb(headerEnd: number): Unit | undefined {
    const header = latin1.decode(this.buf.subarray(0, headerEnd));
    let payloadEnd: number;
    let trailer = 0;
    if (header.startsWith("$EOF:")) {
      const mark = this.buf.subarray(5, 45);
      const at = findBytes(this.buf, mark, headerEnd);
      if (at < 0) return undefined;
      payloadEnd = at;
      trailer = mark.length;
    } else {
      payloadEnd = headerEnd + Number(header.slice(1).trim());
      if (this.buf.length < payloadEnd) return undefined;
    }
    const unit: Unit = { kind: "rdb", header: this.buf.slice(0, headerEnd), payload: this.buf.slice(headerEnd, payloadEnd) };
    this.take(payloadEnd + trailer);
    this.phase = "stream";
    return unit;
  }
}

function findBytes(haystack: Uint8Array, needle: Uint8Array, from: number): number {
  outer: for (let i = from; i + needle.length <= haystack.length; i++) {
    for (let j = 0; j < needle.length; j++) if (haystack[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/**
 * What a proxy records, whatever carries the bytes (real sockets here, the lab's connections in
 * lab-backend.ts): steps, connections opened and closed (by which side first), and each
 * direction's bytes cut into units.
 */
export class ProxyRecorder {
  readonly frames: RawFrame[] = [];
  private connections = 0;
  private recording = true;

  /** Records an action of the recorder between the frames it causes. */
  step(text: string): void {
    if (this.recording) this.frames.push({ kind: "step", text });
  }

  /** A replica connected through the proxy: its number, and the handlers of its two directions. */
  open(): { readonly conn: number; fromReplica(chunk: Uint8Array): void; fromMaster(chunk: Uint8Array): void; closed(dir: Direction): void } {
    const conn = ++this.connections;
    const replicaBytes = new ReplicaBytes();
    const masterBytes = new MasterBytes();
    let closedBy: Direction | null = null;
    const record = (dir: Direction, units: Unit[]): void => {
      for (const unit of units) this.push({ ...unit, conn, dir });
    };
    this.push({ kind: "connect", conn, dir: "replica->master" });
    return {
      conn,
      fromReplica: (chunk) => record("replica->master", replicaBytes.push(chunk)),
      fromMaster: (chunk) => record("master->replica", masterBytes.push(chunk)),
      closed: (dir) => {
        if (closedBy !== null) return;
        closedBy = dir;
        this.push({ kind: "close", conn, dir });
      },
    };
  }

  /** Resolves once connection `conn` has closed (either side), polling with `wait`. */
  async closeOf(conn: number, wait: (ms: number) => Promise<void>): Promise<void> {
    for (let waited = 0; !this.frames.some((f) => f.kind === "close" && f.conn === conn); waited += 10) {
      if (waited > 10_000) throw new Error(`connection ${conn} through the proxy did not close`);
      await wait(10);
    }
  }

  /** Records nothing more. */
  stop(): void {
    this.recording = false;
  }

  private push(frame: RawFrame): void {
    if (this.recording) this.frames.push(frame);
  }
}

/** The proxy: one listening port in front of `targetPort`; each accepted connection gets its own upstream. */
export class RecordingProxy {
  private readonly recorder = new ProxyRecorder();
  private readonly sockets = new Set<Socket>();

  private constructor(
    private readonly server: Server,
    private readonly targetPort: number,
  ) {
    server.on("connection", (replica) => this.accept(replica));
  }

  static start(targetPort: number): Promise<RecordingProxy> {
    return new Promise((resolve, reject) => {
      const server = createServer();
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve(new RecordingProxy(server, targetPort)));
    });
  }

  get port(): number {
    const address = this.server.address();
    if (typeof address !== "object" || address === null) throw new Error("proxy not listening");
    return address.port;
  }

  get frames(): readonly RawFrame[] {
    return this.recorder.frames;
  }

  /** Records an action of the recorder between the frames it causes. */
  step(text: string): void {
    this.recorder.step(text);
  }

  private accept(replica: Socket): void {
    const master = new Socket();
    this.sockets.add(replica).add(master);
    const connection = this.recorder.open();
    const closed = (dir: Direction): void => {
      connection.closed(dir);
      replica.destroy();
      master.destroy();
    };
    replica.on("data", (chunk: Buffer) => {
      connection.fromReplica(new Uint8Array(chunk));
      master.write(chunk);
    });
    master.on("data", (chunk: Buffer) => {
      connection.fromMaster(new Uint8Array(chunk));
      replica.write(chunk);
    });
    replica.on("close", () => closed("replica->master"));
    master.on("close", () => closed("master->replica"));
    replica.on("error", () => {});
    master.on("error", () => {});
    master.connect(this.targetPort, "127.0.0.1");
  }

  /** Resolves once connection `conn` has closed (either side), so later steps are recorded after it. */
  closeOf(conn: number): Promise<void> {
    return this.recorder.closeOf(conn, (ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  }

  /** Stops recording, then closes the listener and every connection through it. */
  async close(): Promise<void> {
    this.recorder.stop();
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
