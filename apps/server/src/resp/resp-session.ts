/**
 * One real client socket bridged to one connection into the simulated world. Bytes from the socket
 * go to the node unchanged (the node parses RESP itself, so malformed input gets redis's own
 * protocol error and close); replies are collected and written once per turn of the event loop, so
 * a pipelining client such as `redis-benchmark -P 16` gets one write per batch, not one per reply.
 * Every session's replies of a turn are written together once the loop has read every socket it
 * found readable, as redis writes its clients' replies in `beforeSleep` (`flushAll`).
 */
import type { Socket } from "node:net";
import type { Lab, LabConnection } from "@replica-lab/engine";
import type { ReadBudget } from "./read-budget.ts";

/**
 * Reply bytes a socket may hold unsent before the session stops acknowledging replies to the node:
 * the client is not reading, so what the node says next stays in its own output buffer, where
 * redis's limits (client-output-buffer-limit, client eviction, the lab's memory) apply to it.
 */
const OUTPUT_HIGH_WATER_BYTES = 4 * 1024 * 1024;
/**
 * Replies are acknowledged in batches this large (each acknowledgement is an input in the lab's
 * log): well under the connection's buffer, so a client that reads never makes the node wait.
 */
const ACK_BATCH_BYTES = 512 * 1024;
/** How often a session held back by the memory limit or a frozen node looks again. */
const MEMORY_RECHECK_MS = 250;
/**
 * Bytes a frozen node's client may send before the session stops reading: the kernel of a stopped
 * redis-server would buffer about this much, and the world would otherwise hold it all in memory.
 */
const FROZEN_INPUT_BYTES = 4 * 1024 * 1024;
/** Sizes of the buffers a session copies its client's bytes into (see `RespSession.kept`). */
const MIN_SLAB_BYTES = 1024;
const MAX_SLAB_BYTES = 64 * 1024;

/**
 * Sessions with replies to write this turn, in the order they got them. They are written in Node's
 * check phase (`setImmediate`), after the poll phase has handed over every socket that was
 * readable, as redis's `beforeSleep` writes replies after the event loop has processed every ready
 * client. Written at once after each read instead (a `nextTick`), every reply woke the client's
 * process apart: with `redis-benchmark -t set -P 16` (50 clients) against a three-node lab the
 * labs' thread spent 2.9-3.5 s of CPU on 1.5M SETs and switched 58-64k times; written together,
 * 2.1 s and 25k times.
 */
let unflushed: RespSession[] = [];

function flushAll(): void {
  const sessions = unflushed;
  unflushed = [];
  for (const session of sessions) session.flush();
}

/** What a session needs from the lab that owns it. */
export interface SessionHost {
  /** The lab the node belongs to: bytes enter it as logged inputs. */
  readonly lab: Lab;
  /** Processes what the delivered bytes made due at the current virtual time. */
  runCurrent(): void;
  /**
   * Brings the world up to the clock's target, so bytes arrive at the wall clock's virtual time;
   * false when the lab failed (nothing more is delivered).
   */
  catchUp(): boolean;
  /** True while the server is over its memory limit. */
  overMemory(): boolean;
  /**
   * Runs work driven by a socket event: whatever the lab's engine throws fails that lab alone and
   * never escapes into Node's event loop (see `labs/lab-failure.ts`).
   */
  safely(during: string, work: () => void): void;
}

export class RespSession {
  private readonly connection: LabConnection;
  private pending: Uint8Array[] = [];
  /** Bytes sent while the node was frozen (they wait in the world until it is thawed). */
  private frozenInputBytes = 0;
  private flushQueued = false;
  private ended = false;
  /** Reading from the socket is paused until this says it may go on (memory, a frozen node). */
  private readHold: (() => boolean) | null = null;
  /** Reply bytes received from the node and not yet acknowledged (flow control). */
  private unacked = 0;
  /**
   * Chunks read from the socket that wait for the lab's next turn (its read budget was used up, or
   * reading is held), oldest first; the socket is paused while any wait.
   */
  private backlog: Buffer[] = [];
  private drainQueued = false;
  private readonly frozen: () => boolean;
  /** Where the client's bytes are kept (`kept`), and how much of it is used. */
  private slab = new Uint8Array(0);
  private slabUsed = 0;

  constructor(
    private readonly socket: Socket,
    private readonly host: SessionHost,
    address: string,
    private readonly onGone: (session: RespSession) => void,
    /** The lab's share of each turn of the event loop, shared by all its clients. */
    private readonly budget: ReadBudget,
  ) {
    socket.setNoDelay(true);
    const peer = `${socket.remoteAddress ?? "127.0.0.1"}:${socket.remotePort ?? 0}`;
    const nodeId = host.lab.nodeByAddress(address);
    if (nodeId === undefined) throw new Error(`no lab node at ${address}`);
    this.frozen = (): boolean => host.lab.hasNode(nodeId) && host.lab.isFrozen(nodeId);
    this.connection = host.lab.openConnection(
      nodeId,
      peer,
      {
        onData: (bytes) => this.queue(bytes),
        onClose: () => this.closedByNode(),
      },
      // The socket says what the client has read: one that does not read fills the node's buffer.
      { acks: true },
    );
    socket.on("data", (chunk: Buffer) => {
      if (this.ended) return;
      // Behind earlier chunks, past the lab's share of this turn, or while reading is held: the
      // chunk waits, whole, and the socket stops reading.
      if (this.backlog.length > 0 || this.budget.exhausted || this.readHold !== null) {
        this.backlog.push(chunk);
        this.socket.pause();
        this.queueDrain();
        return;
      }
      this.budget.spend(this.receive, chunk);
    });
    // The client half-closed after its last bytes (as `redis-cli < file` does). Node ends this side
    // right after this event (allowHalfOpen is off, as redis closes once it reads the end), so
    // chunks still waiting for the lab's budget go to the node now, and its replies (theirs and
    // those of this turn, which would wait for `flushAll`) are written before that end; otherwise
    // the client would get nothing.
    socket.prependListener("end", () => {
      if (this.ended) return;
      const rest = this.backlog;
      this.backlog = [];
      for (const chunk of rest) this.received(chunk);
      this.flush();
    });
    socket.on("error", () => {
      // ECONNRESET and friends: "close" follows and cleans up.
    });
    socket.on("close", () => this.closedBySocket());
    socket.on("drain", () => this.drained());
    // The SYN is delivered at the current virtual time, so the node accepts at once.
    host.runCurrent();
  }

  /** `received`, made once rather than a closure per chunk. */
  private readonly receive = (chunk: Buffer): void => this.received(chunk);

  /** Gives one chunk from the socket to the node. */
  private received(chunk: Buffer): void {
    this.host.safely("a client's bytes", () => {
      // A command reads the clock when it runs (TTLs, PXAT): it must see the time the wall says.
      if (!this.host.catchUp() || this.connection.closed) return;
      this.connection.send(this.kept(chunk));
      this.host.runCurrent();
      // Over the memory limit, clients are simply not read from until memory is freed: their
      // commands wait in the kernel instead of growing the heap.
      if (this.host.overMemory()) this.holdReading(() => !this.host.overMemory());
      else if (this.frozen()) {
        this.frozenInputBytes += chunk.length;
        if (this.frozenInputBytes > FROZEN_INPUT_BYTES) this.holdReading(() => !this.frozen());
      } else this.frozenInputBytes = 0;
    });
  }

  /**
   * The bytes of a chunk as the lab's log keeps them (for good): copied into the session's current
   * slab, so a client's thousands of small writes share a few buffers instead of holding one each
   * (each a buffer the garbage collector tracks and frees apart: under `redis-benchmark -P 16`
   * the labs' thread spent about 5% less CPU per SET with slabs). Slabs grow from 1 KiB to 64 KiB
   * as the client writes, so a client that sends one command keeps little more than it sent; a
   * large chunk keeps the buffer Node read it into.
   */
  private kept(chunk: Buffer): Uint8Array {
    if (chunk.length > MAX_SLAB_BYTES / 8) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
    if (this.slabUsed + chunk.length > this.slab.length) {
      this.slab = new Uint8Array(Math.min(MAX_SLAB_BYTES, Math.max(this.slab.length * 2, MIN_SLAB_BYTES, chunk.length)));
      this.slabUsed = 0;
    }
    const view = this.slab.subarray(this.slabUsed, this.slabUsed + chunk.length);
    view.set(chunk);
    this.slabUsed += chunk.length;
    return view;
  }

  private queueDrain(): void {
    if (this.drainQueued) return;
    this.drainQueued = true;
    this.budget.later(() => this.drainBacklog());
  }

  /** Gives waiting chunks to the node within the lab's budget; reads again once none wait. */
  private drainBacklog(): void {
    this.drainQueued = false;
    while (this.backlog.length > 0 && !this.ended && this.readHold === null && !this.budget.exhausted) {
      const chunk = this.backlog.shift()!;
      this.budget.spend(this.receive, chunk);
    }
    if (this.ended) {
      this.backlog = [];
      return;
    }
    // A hold reads again (through resumeReading) once it lifts.
    if (this.readHold !== null) return;
    if (this.backlog.length > 0) this.queueDrain();
    else this.socket.resume();
  }

  /** Reading may go on (a hold lifted): waiting chunks first. */
  private resumeReading(): void {
    if (this.ended || this.readHold !== null) return;
    if (this.backlog.length > 0) this.queueDrain();
    else this.socket.resume();
  }

  /** Drops the client at once (its node was killed or removed). */
  destroy(): void {
    if (this.ended) return;
    this.ended = true;
    this.backlog = [];
    this.socket.destroy();
    this.host.safely("a client's close", () => {
      if (!this.connection.closed) this.connection.close();
    });
    this.onGone(this);
  }

  /** Stops reading from the socket until `ready()` says so. */
  private holdReading(ready: () => boolean): void {
    if (this.readHold !== null) return;
    this.readHold = ready;
    this.socket.pause();
    const check = (): void => {
      if (this.ended) return;
      if (!ready()) {
        setTimeout(check, MEMORY_RECHECK_MS).unref();
        return;
      }
      this.readHold = null;
      this.frozenInputBytes = 0;
      this.resumeReading();
    };
    setTimeout(check, MEMORY_RECHECK_MS).unref();
  }

  private queue(bytes: Uint8Array): void {
    this.pending.push(bytes);
    this.unacked += bytes.length;
    if (this.flushQueued) return;
    this.flushQueued = true;
    unflushed.push(this);
    if (unflushed.length === 1) setImmediate(flushAll);
  }

  /** Writes the replies collected so far (`flushAll` calls it for every session that has some). */
  flush(): void {
    this.flushQueued = false;
    const chunks = this.pending;
    if (chunks.length === 0 || this.socket.destroyed) {
      this.pending = [];
      return;
    }
    if (chunks.length === 1) {
      // The common case (a pipelined batch's replies are one block): one write, nothing to cork,
      // and the array is kept for the next batch.
      const only = chunks[0]!;
      chunks.length = 0;
      this.socket.write(only);
    } else {
      this.pending = [];
      // One write per reply block, corked into one syscall: never one array holding them all.
      this.socket.cork();
      for (const chunk of chunks) this.socket.write(chunk);
      this.socket.uncork();
    }
    // A client that does not read its replies gets no acknowledgement: what the node says next
    // stays in its output buffer. The 'drain' event acknowledges once the socket has caught up.
    if (this.unacked >= ACK_BATCH_BYTES && this.socket.writableLength <= OUTPUT_HIGH_WATER_BYTES) this.acknowledge();
  }

  /** The socket wrote what it held: the node may send more replies. */
  private drained(): void {
    if (this.ended) return;
    if (this.unacked > 0) this.acknowledge();
  }

  private acknowledge(): void {
    const count = this.unacked;
    this.unacked = 0;
    if (this.connection.closed) return;
    this.host.safely("a client's acknowledgement", () => {
      this.connection.ack(count);
      // The node may have replies waiting for this room.
      this.host.runCurrent();
    });
  }

  private closedByNode(): void {
    if (this.ended) return;
    this.ended = true;
    this.backlog = [];
    // Replies written before the node closed (a protocol error, QUIT's +OK) still go out first;
    // then the socket closes for good, as redis closes its fd: a client writing on gets a reset,
    // and nothing it sends is read (a half-close would leave it writing into the void).
    this.flush();
    this.socket.end(() => this.socket.destroy());
    this.onGone(this);
  }

  private closedBySocket(): void {
    if (!this.ended) {
      this.ended = true;
      this.onGone(this);
    }
    // What the client sent before it went still reaches the node first, as the kernel hands a
    // process the bytes it holds before the end of the stream.
    const rest = this.backlog;
    this.backlog = [];
    if (!this.connection.closed) {
      this.host.safely("a client's close", () => {
        if (!this.host.catchUp()) return;
        for (const chunk of rest) if (!this.connection.closed) this.connection.send(this.kept(chunk));
        this.connection.close();
        this.host.runCurrent();
      });
    }
  }
}
