/**
 * The lab's WebSocket: receives the stream (snapshot first, then updates and events), sends
 * operations and matches their results, and reconnects with backoff when the socket drops. A new
 * socket always starts with a fresh snapshot, so nothing needs replaying after a reconnect.
 */
import type { ClientMessage, LabOperation, ServerMessage } from "@replica-lab/protocol";
import { STREAM_CLOSE_CODES } from "@replica-lab/protocol";
import { backoffDelayMs, DEFAULT_BACKOFF, type BackoffOptions } from "./backoff.ts";
import { LabRequestError } from "./errors.ts";
import type { ConnectionInfo, ConnectionReason } from "../store/slices/connectionSlice.ts";

/** The part of the browser WebSocket this class uses (tests pass a fake). */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(code?: number, reason?: string): void;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
}

export interface Clock {
  now(): number;
  setTimeout(callback: () => void, ms: number): number;
  clearTimeout(handle: number): void;
}

export interface LabConnectionOptions {
  readonly url: string;
  /** Stream messages (everything but op results and pongs). */
  onMessage(message: ServerMessage): void;
  onStatus(patch: Partial<ConnectionInfo>): void;
  createSocket?(url: string): SocketLike;
  clock?: Clock;
  random?(): number;
  backoff?: BackoffOptions;
  /** How long an operation may wait for its result. */
  opTimeoutMs?: number;
  pingEveryMs?: number;
}

const OPEN = 1;

interface Pending {
  resolve(value: unknown): void;
  reject(error: LabRequestError): void;
  timer: number;
}

const browserClock: Clock = {
  now: () => Date.now(),
  setTimeout: (cb, ms) => window.setTimeout(cb, ms),
  clearTimeout: (h) => window.clearTimeout(h),
};

const KNOWN_TYPES = new Set<ServerMessage["type"]>(["snapshot", "update", "events", "op-result", "error", "pong", "lab-deleted"]);

/** Parses one frame; anything that is not a known server message is reported, not thrown. */
export function parseServerMessage(data: unknown): ServerMessage | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null) return null;
  const type = (value as { type?: unknown }).type;
  if (typeof type !== "string" || !KNOWN_TYPES.has(type as ServerMessage["type"])) return null;
  return value as ServerMessage;
}

export class LabConnection {
  private socket: SocketLike | null = null;
  private stopped = true;
  private attempt = 0;
  private retryTimer: number | null = null;
  private pingTimer: number | null = null;
  private readonly pending = new Map<string, Pending>();
  private nextRequest = 1;
  private readonly clock: Clock;
  private readonly random: () => number;

  constructor(private readonly options: LabConnectionOptions) {
    this.clock = options.clock ?? browserClock;
    this.random = options.random ?? Math.random;
  }

  get isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === OPEN;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.connect();
  }

  /** Closes for good: no reconnect, pending operations fail. */
  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) this.clock.clearTimeout(this.retryTimer);
    if (this.pingTimer !== null) this.clock.clearTimeout(this.pingTimer);
    this.retryTimer = null;
    this.pingTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onclose = null;
      socket.onmessage = null;
      socket.close(1000, "client closed");
    }
    this.failPending("disconnected", "the connection to the server was closed");
    this.options.onStatus({ status: "closed", retryAt: null });
  }

  /** Asks the server for a fresh snapshot (the client's copy fell out of step). */
  resync(): void {
    if (this.socket && this.isOpen) this.send(this.socket, { type: "resync" });
  }

  /** Sends an operation over the socket and resolves with its result. */
  request(op: LabOperation): Promise<unknown> {
    if (!this.isOpen || this.socket === null) return Promise.reject(new LabRequestError("disconnected", "not connected to the server"));
    const requestId = `r${this.nextRequest++}`;
    const socket = this.socket;
    return new Promise<unknown>((resolve, reject) => {
      const timer = this.clock.setTimeout(() => {
        this.pending.delete(requestId);
        reject(new LabRequestError("timeout", `the server did not answer ${op.kind} in time`));
      }, this.options.opTimeoutMs ?? 15_000);
      this.pending.set(requestId, { resolve, reject, timer });
      this.send(socket, { type: "op", requestId, op });
    });
  }

  private send(socket: SocketLike, message: ClientMessage): void {
    socket.send(JSON.stringify(message));
  }

  private connect(): void {
    this.retryTimer = null;
    this.options.onStatus({ status: this.attempt === 0 ? "connecting" : "reconnecting", retryAt: null });
    const socket = (this.options.createSocket ?? ((url: string) => new WebSocket(url) as unknown as SocketLike))(this.options.url);
    this.socket = socket;
    socket.onmessage = (event) => this.receive(event.data);
    socket.onclose = (event) => this.closed(socket, event.code, event.reason);
    // Errors are always followed by a close event, which does the work.
    socket.onerror = () => undefined;
    socket.onopen = () => this.schedulePing();
  }

  private receive(data: unknown): void {
    const message = parseServerMessage(data);
    if (message === null) {
      this.options.onMessage({ type: "error", error: { code: "bad-message", message: `unreadable message from the server: ${String(data).slice(0, 120)}` } });
      return;
    }
    switch (message.type) {
      case "op-result": {
        const pending = this.pending.get(message.requestId);
        if (!pending) return;
        this.pending.delete(message.requestId);
        this.clock.clearTimeout(pending.timer);
        if (message.ok) pending.resolve(message.result);
        else pending.reject(new LabRequestError(message.error.code, message.error.message, null, message.error.line ?? null));
        return;
      }
      case "pong":
        this.options.onStatus({ rttMs: Math.max(0, this.clock.now() - message.sentAt) });
        return;
      case "snapshot":
        this.attempt = 0;
        this.options.onStatus({ status: "open", attempt: 0, retryAt: null, reason: null });
        this.options.onMessage(message);
        return;
      case "lab-deleted":
        this.options.onMessage(message);
        this.stop();
        return;
      case "update":
      case "events":
      case "error":
        this.options.onMessage(message);
        return;
    }
  }

  private closed(socket: SocketLike, code: number, reason: string): void {
    if (socket !== this.socket) return;
    this.socket = null;
    if (this.pingTimer !== null) this.clock.clearTimeout(this.pingTimer);
    this.pingTimer = null;
    this.failPending("disconnected", "the connection dropped before the server answered; the operation may or may not have run");
    if (this.stopped) return;
    if (code === STREAM_CLOSE_CODES.labDeleted) {
      this.stopped = true;
      this.options.onStatus({ status: "closed", retryAt: null, reason: { kind: "lab-deleted" } });
      return;
    }
    const delay = backoffDelayMs(this.attempt, this.random(), this.options.backoff ?? DEFAULT_BACKOFF);
    this.attempt++;
    const why: ConnectionReason = reason !== "" ? { kind: "server", text: reason } : code === 1006 ? { kind: "lost" } : { kind: "closed", code };
    this.options.onStatus({ status: "reconnecting", attempt: this.attempt, retryAt: this.clock.now() + delay, reason: why });
    this.retryTimer = this.clock.setTimeout(() => this.connect(), delay);
  }

  private schedulePing(): void {
    if (this.pingTimer !== null) this.clock.clearTimeout(this.pingTimer);
    const ping = (): void => {
      const socket = this.socket;
      if (socket && socket.readyState === OPEN) this.send(socket, { type: "ping", sentAt: this.clock.now() });
      this.pingTimer = this.clock.setTimeout(ping, this.options.pingEveryMs ?? 5000);
    };
    ping();
  }

  private failPending(code: string, message: string): void {
    for (const [id, pending] of this.pending) {
      this.clock.clearTimeout(pending.timer);
      pending.reject(new LabRequestError(code, message));
      this.pending.delete(id);
    }
  }
}
