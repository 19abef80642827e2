/**
 * A connection's server-side state: what redis keeps in `client` for a normal, replica or master
 * connection.
 */
import { RequestParser } from "./resp/request-parser.ts";
import { ByteWriter } from "../util/bytes.ts";
import type { ConnId } from "../process/effects.ts";
import type { AttachedReplica } from "./replication.ts";

export type ClientKind = "normal" | "replica" | "master";

/** A command queued inside MULTI. */
export interface QueuedCommand {
  readonly argv: Uint8Array[];
}

export class Client {
  /** CLIENT ID: grows from 1 per node process, never reused. */
  readonly id: number;
  readonly conn: ConnId;
  readonly peer: string;
  readonly parser: RequestParser;
  readonly out = new ByteWriter(64);
  kind: ClientKind = "normal";
  db = 0;
  name = "";
  authenticated: boolean;
  /** Queued commands while in MULTI, or null. */
  multi: QueuedCommand[] | null = null;
  /** An error while queueing makes EXEC fail with EXECABORT. */
  multiDirty = false;
  /** The replication offset right after this client's last command (WAIT's target). */
  woff = 0;
  readonly createdMs: number;
  lastInteractionMs: number;
  lastCommand = "NULL";
  /** Set once the connection is to be closed after its pending output. */
  closing = false;
  /** What REPLCONF told us (kept on the client, as redis does, before it becomes a replica). */
  replListeningPort = 0;
  replAnnouncedIp = "";
  replCapaEof = false;
  replCapaPsync2 = false;
  /** Master side: this client is a replica of ours. */
  replica: AttachedReplica | null = null;
  /** A WAIT that blocks this client. */
  blockedWait: { readonly target: number; readonly wanted: number; readonly deadlineMs: number } | null = null;

  constructor(id: number, conn: ConnId, peer: string, nowMs: number, authenticated: boolean, maxBulkLen: number) {
    this.id = id;
    this.conn = conn;
    this.peer = peer;
    this.createdMs = nowMs;
    this.lastInteractionMs = nowMs;
    this.authenticated = authenticated;
    this.parser = new RequestParser({ maxBulkLength: maxBulkLen });
  }
}
