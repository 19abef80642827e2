/**
 * One real client socket bridged to one connection into the simulated world. Bytes from the socket
 * go to the node unchanged (the node parses RESP itself, so malformed input gets redis's own
 * protocol error and close); replies are collected and written once per turn of the event loop, so
 * a pipelining client such as `redis-benchmark -P 16` gets one write per batch, not one per reply.
 */
import type { Socket } from "node:net";
import type { Lab, LabConnection } from "@replica-lab/engine";

/** Output bytes a socket may hold unsent before the session stops reading from it. */
const OUTPUT_HIGH_WATER_BYTES = 8 * 1024 * 1024;
/** How often a session held back by the memory limit or a frozen node looks again. */
const MEMORY_RECHECK_MS = 250;
/**
 * Bytes a frozen node's client may send before the session stops reading: the kernel of a stopped
 * redis-server would buffer about this much, and the world would otherwise hold it all in memory.
 */
const FROZEN_INPUT_BYTES = 4 * 1024 * 1024;

/** What a session needs from the lab that owns it. */
export interface SessionHost {
  /** The lab the node belongs to: bytes enter it as logged inputs. */
  readonly lab: Lab;
  /** Processes what the delivered bytes made due at the current virtual time. */
  runCurrent(): void;
  /** True while the server is over its memory limit. */
  overMemory(): boolean;
}

export class RespSession {
  private readonly connection: LabConnection;
  private pending: Uint8Array[] = [];
  /** Bytes sent while the node was frozen (they wait in the world until it is thawed). */
  private frozenInputBytes = 0;
  private flushQueued = false;
  private ended = false;

  constructor(
    private readonly socket: Socket,
    private readonly host: SessionHost,
    address: string,
    private readonly onGone: (session: RespSession) => void,
  ) {
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress ?? "127.0.0.1"}:${socket.remotePort ?? 0}`;
    const nodeId = host.lab.nodeByAddress(address);
    if (nodeId === undefined) throw new Error(`no lab node at ${address}`);
    const frozen = (): boolean => host.lab.hasNode(nodeId) && host.lab.isFrozen(nodeId);
    this.connection = host.lab.openConnection(nodeId, peer, {
      onData: (bytes) => this.queue(bytes),
      onClose: () => this.closedByNode(),
    });
    socket.on("data", (chunk: Buffer) => {
      if (this.ended) return;
      this.connection.send(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      host.runCurrent();
      // Over the memory limit, clients are simply not read from until memory is freed (through the
      // API): their commands wait in the kernel instead of growing the heap.
      if (host.overMemory()) this.holdUntil(() => !host.overMemory());
      else if (frozen()) {
        this.frozenInputBytes += chunk.length;
        if (this.frozenInputBytes > FROZEN_INPUT_BYTES) this.holdUntil(() => !frozen());
      } else this.frozenInputBytes = 0;
    });
    socket.on("error", () => {
      // ECONNRESET and friends: "close" follows and cleans up.
    });
    socket.on("close", () => this.closedBySocket());
    socket.on("drain", () => {
      if (!this.ended) socket.resume();
    });
    // The SYN is delivered at the current virtual time, so the node accepts at once.
    host.runCurrent();
  }

  /** Drops the client at once (its node was killed or removed). */
  destroy(): void {
    if (this.ended) return;
    this.ended = true;
    this.socket.destroy();
    if (!this.connection.closed) this.connection.close();
    this.onGone(this);
  }

  /** Stops reading from the socket until `ready()` says so. */
  private holdUntil(ready: () => boolean): void {
    this.socket.pause();
    const check = (): void => {
      if (this.ended) return;
      if (!ready()) {
        setTimeout(check, MEMORY_RECHECK_MS).unref();
        return;
      }
      this.frozenInputBytes = 0;
      this.socket.resume();
    };
    setTimeout(check, MEMORY_RECHECK_MS).unref();
  }

  private queue(bytes: Uint8Array): void {
    this.pending.push(bytes);
    if (this.flushQueued) return;
    this.flushQueued = true;
    process.nextTick(() => this.flush());
  }

  private flush(): void {
    this.flushQueued = false;
    if (this.pending.length === 0 || this.socket.destroyed) {
      this.pending = [];
      return;
    }
    const chunks = this.pending;
    this.pending = [];
    this.socket.write(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
    // A client that does not read its replies stops being read: it cannot make us buffer without end.
    if (this.socket.writableLength > OUTPUT_HIGH_WATER_BYTES) this.socket.pause();
  }

  private closedByNode(): void {
    if (this.ended) return;
    this.ended = true;
    // Replies written before the node closed (a protocol error, QUIT's +OK) still go out first.
    this.flush();
    this.socket.end();
    this.onGone(this);
  }

  private closedBySocket(): void {
    if (!this.ended) {
      this.ended = true;
      this.onGone(this);
    }
    if (!this.connection.closed) {
      this.connection.close();
      this.host.runCurrent();
    }
  }
}
