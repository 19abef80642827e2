/**
 * Watches one external server: a persistent connection (named `replica-lab-observer` in its
 * CLIENT LIST) that asks for INFO each time `poll()` is called, at most one request in flight. A
 * server that does not answer (stopped with SIGSTOP, busy loading) is shown unreachable after
 * `timeoutMs`, and its last known state is kept; a closed connection is opened again at the next
 * poll. Only addresses the outbound policy allows are ever connected to.
 */
import { Socket } from "node:net";
import { encodeCommand, fromUtf8, ReplyParser, utf8 } from "@replica-lab/engine";
import type { ExternalNodeView, ExternalObservation } from "@replica-lab/protocol";
import type { OutboundAddress, OutboundPolicy } from "../outbound/outbound-policy.ts";
import { OBSERVED_SECTIONS, parseObservation } from "./observation.ts";

const SETNAME = encodeCommand(["CLIENT", "SETNAME", "replica-lab-observer"].map(utf8));
const INFO = encodeCommand(["INFO", ...OBSERVED_SECTIONS].map(utf8));
/** An INFO reply is a few KB; anything far larger is not a redis-server answering INFO. */
const MAX_BUFFERED_BYTES = 1024 * 1024;

export class ExternalObserver {
  private socket: Socket | null = null;
  private connected = false;
  private parser = new ReplyParser();
  private buffered = 0;
  /** What each awaited reply answers, in order. */
  private readonly awaiting: ("setname" | "info")[] = [];
  private infoSentAtMs: number | null = null;
  private resolving = false;
  private closed = false;
  private reachable = false;
  private error: string | null = "not polled yet";
  private lastPolledUnixMs: number | null = null;
  private observed: ExternalObservation | null = null;

  constructor(
    readonly id: string,
    private readonly address: OutboundAddress,
    private readonly policy: OutboundPolicy,
    private readonly timeoutMs: number,
    private readonly onChange: () => void,
  ) {}

  view(): ExternalNodeView {
    return {
      id: this.id,
      host: this.address.host,
      port: this.address.port,
      reachable: this.reachable,
      error: this.error,
      lastPolledUnixMs: this.lastPolledUnixMs,
      observed: this.observed,
    };
  }

  /** The latest answer, for discovery (its master and replicas are external nodes too). */
  get observation(): ExternalObservation | null {
    return this.observed;
  }

  /** One round: connect if needed, ask for INFO unless a request is still unanswered. */
  poll(): void {
    if (this.closed) return;
    if (this.socket === null) {
      this.connect();
      return;
    }
    if (!this.connected) return;
    if (this.infoSentAtMs !== null) {
      const waitedMs = Date.now() - this.infoSentAtMs;
      if (waitedMs >= this.timeoutMs) this.fail(`no answer to INFO for ${Math.round(waitedMs / 1000)} s (stopped or busy?)`, false);
      return;
    }
    this.sendInfo();
  }

  close(): void {
    this.closed = true;
    this.drop();
  }

  private connect(): void {
    if (this.resolving) return;
    const quick = this.policy.check(this.address.host, this.address.port);
    if (quick) {
      this.open(quick);
      return;
    }
    this.resolving = true;
    void this.policy.verdict(this.address.host, this.address.port).then((verdict) => {
      this.resolving = false;
      if (!this.closed) this.open(verdict);
    });
  }

  private open(verdict: { allowed: true; connectHost: string } | { allowed: false; reason: string }): void {
    if (!verdict.allowed) {
      this.fail(`not polled: ${verdict.reason}`, true);
      return;
    }
    const socket = new Socket();
    this.socket = socket;
    this.connected = false;
    this.parser = new ReplyParser();
    this.buffered = 0;
    this.awaiting.length = 0;
    this.infoSentAtMs = null;
    socket.setNoDelay(true);
    socket.setTimeout(this.timeoutMs, () => {
      if (!this.connected && this.socket === socket) this.fail("connection timed out", true);
    });
    socket.on("connect", () => {
      if (this.socket !== socket) return;
      this.connected = true;
      socket.setTimeout(0);
      this.awaiting.push("setname");
      socket.write(SETNAME);
      this.sendInfo();
    });
    socket.on("data", (chunk: Buffer) => {
      if (this.socket === socket) this.receive(chunk);
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      if (this.socket === socket) this.fail(error.code === "ECONNREFUSED" ? "connection refused" : error.message, true);
    });
    socket.on("close", () => {
      if (this.socket === socket) this.fail("connection closed", true);
    });
    socket.connect(this.address.port, verdict.connectHost);
  }

  private sendInfo(): void {
    this.awaiting.push("info");
    this.infoSentAtMs = Date.now();
    this.socket?.write(INFO);
  }

  private receive(chunk: Buffer): void {
    this.buffered += chunk.length;
    if (this.buffered > MAX_BUFFERED_BYTES) {
      this.fail("the server's answers are not redis INFO replies", true);
      return;
    }
    this.parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
    for (;;) {
      const reply = this.parser.next();
      if (reply === undefined) return;
      this.buffered = 0;
      if (reply.kind === "protocol-error") {
        this.fail("the server does not speak RESP", true);
        return;
      }
      const what = this.awaiting.shift();
      if (what !== "info") continue;
      this.infoSentAtMs = null;
      this.lastPolledUnixMs = Date.now();
      this.reachable = true;
      if (reply.kind === "bulk" && reply.value !== null) {
        const observed = parseObservation(fromUtf8(reply.value));
        this.observed = observed ?? this.observed;
        this.error = observed ? null : "INFO did not describe a redis-server";
      } else {
        this.error = reply.kind === "error" ? `INFO answered: ${reply.message}` : "INFO did not describe a redis-server";
      }
      this.onChange();
    }
  }

  /** Marks the server unreachable; `reconnect` drops the connection so the next poll opens a new one. */
  private fail(reason: string, reconnect: boolean): void {
    const changed = this.reachable || this.error !== reason;
    this.reachable = false;
    this.error = reason;
    if (reconnect) this.drop();
    if (changed) this.onChange();
  }

  private drop(): void {
    const socket = this.socket;
    this.socket = null;
    this.connected = false;
    this.awaiting.length = 0;
    this.infoSentAtMs = null;
    socket?.destroy();
  }
}
