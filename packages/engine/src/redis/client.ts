/**
 * A connection's server-side state: what redis keeps in `client` for a normal, replica or master
 * connection.
 */
import { RequestParser, type RequestLimits } from "./resp/request-parser.ts";
import { ReplyBuffer } from "./reply-buffer.ts";
import { SOCKET_BUFFER_BYTES, type ConnId } from "../process/effects.ts";
import type { AttachedReplica } from "./replication.ts";
import type { WatchedKey } from "./watch.ts";
import type { BlockedOnKeys } from "./blocking.ts";
import type { ClientSubscriptions } from "./commands/pubsub.ts";

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
  /** The reply list: what the client has been answered and not yet sent. */
  readonly out = new ReplyBuffer();
  /** Bytes the connection takes before the peer must read (flow control, `wait-writable`). */
  room = SOCKET_BUFFER_BYTES;
  /** A `wait-writable` is outstanding for this connection. */
  waitingWritable = false;
  /** Unix second since which the output buffer is over its soft limit, or 0 (redis obuf_soft_limit_reached_time). */
  obufSoftLimitSinceSec = 0;
  kind: ClientKind = "normal";
  /** The protocol HELLO chose (redis c->resp): 3 answers nulls, maps, sets and doubles in RESP3. */
  resp: 2 | 3 = 2;
  db = 0;
  name = "";
  /** Queued commands while in MULTI, or null. */
  multi: QueuedCommand[] | null = null;
  /** An error while queueing makes EXEC fail with EXECABORT. */
  multiDirty = false;
  /** A WATCHed key changed: EXEC answers a null array (CLIENT_DIRTY_CAS). */
  dirtyCas = false;
  /** Keys this client WATCHes. */
  readonly watchedKeys: WatchedKey[] = [];
  /** A blocking list or sorted-set pop (BLPOP, BLMOVE, BZPOPMIN...) that waits for data. */
  blocked: BlockedOnKeys | null = null;
  /** Pub/Sub mode (CLIENT_PUBSUB): set by (P|S)SUBSCRIBE, cleared when no subscription is left. */
  pubsubMode = false;
  /** Channels and patterns this client subscribes to (null until its first SUBSCRIBE). */
  subscriptions: ClientSubscriptions | null = null;
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

  /**
   * @param limits the node's settings the parser reads at each header (`proto-max-bulk-len`), so a
   *   CONFIG SET applies to connections already open, as in redis; a number fixes the limit.
   */
  constructor(id: number, conn: ConnId, peer: string, nowMs: number, authenticated: boolean, limits: RequestLimits | number) {
    this.id = id;
    this.conn = conn;
    this.peer = peer;
    this.createdMs = nowMs;
    this.lastInteractionMs = nowMs;
    this.parser = typeof limits === "number" ? new RequestParser({ maxBulkLength: limits }) : new RequestParser({ limits });
    this.authenticated = authenticated;
  }

  /**
   * The connection has authenticated (or needed not). Until it has, its requests are held to redis's
   * unauthenticated limits (10 arguments, 16 KiB bulks): the parser follows this flag.
   */
  get authenticated(): boolean {
    return !this.parser.authRequired;
  }

  set authenticated(value: boolean) {
    this.parser.authRequired = !value;
  }
}
