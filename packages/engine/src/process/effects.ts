/**
 * What a sans-IO node asks its host to do. A node never touches sockets or clocks: the host (the
 * simulated network, or the server's TCP gateway) feeds it events and carries out these effects.
 */
import type { TraceEvent } from "./trace.ts";

/** A connection handle local to one node. */
export type ConnId = number & { readonly __brand: "ConnId" };

/**
 * Bytes one direction of a connection holds between the writing process and the reading one (the
 * kernel's send and receive buffers). A process may write this much that the peer has not read yet;
 * past it, its writes would block, so what it has left to say stays in its own output buffers (where
 * redis's `client-output-buffer-limit` counts it). About what Linux loopback holds: a redis-server
 * 7.0.15 master whose replica was SIGSTOPped had about 3.8 MB written before its output buffer grew.
 */
export const SOCKET_BUFFER_BYTES = 4 * 1024 * 1024;

export type NodeEffect =
  /** Write bytes to a connection, in order. */
  | { readonly type: "send"; readonly conn: ConnId; readonly bytes: Uint8Array }
  /** Open an outbound connection; the host answers with `connected` or `connectFailed`. */
  | { readonly type: "connect"; readonly conn: ConnId; readonly host: string; readonly port: number }
  /**
   * Call `writable` when the connection can take more bytes: the process holds output it could not
   * write because the peer has not read {@link SOCKET_BUFFER_BYTES} of what it sent.
   */
  | { readonly type: "wait-writable"; readonly conn: ConnId }
  /**
   * Of the bytes the process received on a connection, `bytes` are not read yet: it holds them as
   * a reader that has not called read() leaves them in the kernel (a replica loading slowly from
   * its socket, a loading node that reads nothing). They count against the writer's
   * {@link SOCKET_BUFFER_BYTES}; each report replaces the last, 0 when the process reads again.
   */
  | { readonly type: "read-hold"; readonly conn: ConnId; readonly bytes: number }
  /** Close a connection after the bytes already sent on it. */
  | { readonly type: "close"; readonly conn: ConnId }
  /** Something worth explaining happened. */
  | { readonly type: "trace"; readonly event: TraceEvent }
  /** The process exits (SHUTDOWN). Its disk is kept. */
  | { readonly type: "exit"; readonly reason: string };
