/**
 * The engine's outbound connections as real TCP sockets: a lab node given `REPLICAOF host port`
 * for an address no lab node holds (a real redis-server) connects through here. The node itself
 * runs the handshake, the RDB load and the stream; this adapter only carries bytes, under the same
 * sans-IO core as the simulated network, and only to addresses the server's policy allows.
 *
 * Socket events are handed to the world at its current virtual time and processed at once, as the
 * RESP gateway does for inbound clients. While the lab node is frozen (SIGSTOP), its sockets are
 * not read: the bytes wait in the kernel, and the real peer sees a stopped process.
 */
import { Socket } from "node:net";
import type { OutboundConnector, OutboundEvents, OutboundSocket } from "@replica-lab/engine";
import { parseOutboundAddress, type OutboundPolicy } from "./outbound-policy.ts";

/** What the connector needs from the lab that owns it. */
export interface OutboundHost {
  /** Processes what a socket event made due at the current virtual time. */
  runCurrent(): void;
  /** True while the lab host at `address` is frozen. */
  isFrozen(address: string): boolean;
  /** Runs work driven by a socket event; what the lab's engine throws fails that lab alone. */
  safely(during: string, work: () => void): void;
}

/** How often a socket held for a frozen node looks again. */
const FROZEN_RECHECK_MS = 50;
/** A connection attempt that gets no answer gives up after this long (the node retries). */
const CONNECT_TIMEOUT_MS = 10_000;

export class TcpOutboundConnector implements OutboundConnector {
  private readonly sockets = new Set<Socket>();
  private closed = false;

  constructor(
    private readonly host: OutboundHost,
    private readonly policy: OutboundPolicy,
  ) {}

  /** Real sockets currently open or opening (for tests). */
  get openSockets(): number {
    return this.sockets.size;
  }

  open(address: string, fromAddress: string, events: OutboundEvents): OutboundSocket | { readonly refused: string } {
    if (this.closed) return { refused: "the lab is being deleted" };
    const target = parseOutboundAddress(address);
    if (!target) return { refused: `${address} is not a host:port address` };
    const quick = this.policy.check(target.host, target.port);
    if (quick && !quick.allowed) return { refused: quick.reason };

    const socket = new Socket();
    this.sockets.add(socket);
    let state: "resolving" | "connecting" | "open" | "done" = "resolving";
    const finish = (report: () => void): void => {
      if (state === "done") return;
      state = "done";
      this.sockets.delete(socket);
      socket.destroy();
      // After closeAll (a deleted or failed lab) nothing is reported to the lab any more.
      if (this.closed) return;
      this.host.safely("an outside server's socket", () => {
        report();
        this.host.runCurrent();
      });
    };

    socket.setNoDelay(true);
    socket.setTimeout(CONNECT_TIMEOUT_MS, () => {
      if (state === "connecting") finish(() => events.refused("connection timed out"));
    });
    socket.on("connect", () => {
      if (state !== "connecting") return;
      state = "open";
      socket.setTimeout(0);
      socket.setKeepAlive(true);
      if (this.closed) return;
      this.host.safely("an outside server's socket", () => {
        events.opened();
        this.host.runCurrent();
      });
    });
    socket.on("data", (chunk: Buffer) => {
      if (state !== "open" || this.closed) return;
      this.host.safely("an outside server's bytes", () => {
        events.data(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
        this.host.runCurrent();
        if (this.host.isFrozen(fromAddress)) this.holdWhileFrozen(socket, fromAddress);
      });
    });
    socket.on("error", (error: NodeJS.ErrnoException) => {
      // Before the connection is up this is the refusal the node logs; after it, "close" follows.
      if (state === "connecting" || state === "resolving") finish(() => events.refused(describeSocketError(error)));
    });
    socket.on("close", () => {
      if (state === "open") finish(() => events.closed());
      else finish(() => undefined);
    });

    const connect = (connectHost: string): void => {
      if (state !== "resolving") return;
      state = "connecting";
      socket.connect(target.port, connectHost);
    };
    if (quick) connect(quick.connectHost);
    else {
      void this.policy.verdict(target.host, target.port).then((verdict) => {
        if (verdict.allowed) connect(verdict.connectHost);
        else finish(() => events.refused(verdict.reason));
      });
    }

    return {
      send: (bytes) => {
        if (state !== "done" && !socket.destroyed) socket.write(bytes);
      },
      close: () => {
        if (state === "done") return;
        state = "done";
        this.sockets.delete(socket);
        // Bytes already written go out before the FIN; then the socket is gone for good.
        socket.end(() => socket.destroy());
      },
    };
  }

  /** Closes every socket (the lab is deleted) and refuses new ones. */
  closeAll(): void {
    this.closed = true;
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
  }

  /** Stops reading while the node is frozen; a stopped process leaves bytes in the kernel. */
  private holdWhileFrozen(socket: Socket, fromAddress: string): void {
    if (socket.isPaused()) return;
    socket.pause();
    const check = (): void => {
      if (socket.destroyed) return;
      if (this.host.isFrozen(fromAddress)) {
        setTimeout(check, FROZEN_RECHECK_MS).unref();
        return;
      }
      socket.resume();
    };
    setTimeout(check, FROZEN_RECHECK_MS).unref();
  }
}

/** The message a node logs for a failed connection ("Connection refused", as redis prints it). */
export function describeSocketError(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case "ECONNREFUSED":
      return "Connection refused";
    case "ETIMEDOUT":
      return "Connection timed out";
    case "EHOSTUNREACH":
      return "No route to host";
    case "ENETUNREACH":
      return "Network is unreachable";
    default:
      return error.message;
  }
}
