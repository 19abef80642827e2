/**
 * What a sans-IO node asks its host to do. A node never touches sockets or clocks: the host (the
 * simulated network, or the server's TCP gateway) feeds it events and carries out these effects.
 */
import type { TraceEvent } from "./trace.ts";

/** A connection handle local to one node. */
export type ConnId = number & { readonly __brand: "ConnId" };

export type NodeEffect =
  /** Write bytes to a connection, in order. */
  | { readonly type: "send"; readonly conn: ConnId; readonly bytes: Uint8Array }
  /** Open an outbound connection; the host answers with `connected` or `connectFailed`. */
  | { readonly type: "connect"; readonly conn: ConnId; readonly host: string; readonly port: number }
  /** Close a connection after the bytes already sent on it. */
  | { readonly type: "close"; readonly conn: ConnId }
  /** Something worth explaining happened. */
  | { readonly type: "trace"; readonly event: TraceEvent }
  /** The process exits (SHUTDOWN). Its disk is kept. */
  | { readonly type: "exit"; readonly reason: string };
