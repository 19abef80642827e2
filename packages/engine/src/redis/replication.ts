/**
 * The seam between what every Redis version shares (clients, commands, keyspace, RDB: the
 * `RedisNode` core) and one version's replication protocol (SYNC, PSYNC with a run id, PSYNC2).
 *
 * A node kind builds a `RedisNode` with the replication of its version; the core calls these
 * hooks at the points where redis's server.c and networking.c call into replication.c, and never
 * looks at replication state itself. Each protocol keeps its own state (offsets, ids, backlog).
 */
import type { PeerProbe, ProcessViewCommon } from "../process/contract.ts";
import type { ConnId } from "../process/effects.ts";
import type { Client } from "./client.ts";
import type { CommandSpec } from "./commands/command.ts";

/** The master's per-replica state that the core touches (the rest belongs to the protocol). */
export interface AttachedReplica {
  /** Virtual ms of the last ACK or keep-alive newline from the replica. */
  ackTimeMs: number;
}

/** What an RDB written now carries about the replication stream (rdbPopulateSaveInfo). */
export interface ReplicationSaveInfo {
  readonly streamDb: number;
  readonly replid: string;
  readonly offset: number;
}

/** A version's replication, as the shared core drives it. `V` is the kind's snapshot view. */
export interface RedisReplication<V extends ProcessViewCommon = ProcessViewCommon> {
  /** server.masterhost != NULL. */
  readonly isReplica: boolean;
  /** The master REPLICAOF set (what CONFIG REWRITE writes as `replicaof`), or null. */
  readonly configuredMaster: { readonly host: string; readonly port: number } | null;
  /** The link to the master is up (repl_state CONNECTED), for MASTERDOWN. */
  readonly masterLinkUp: boolean;
  /** The offset just past the last byte of the stream (WAIT's target; 0 where there are none). */
  readonly streamOffset: number;
  /** The error a write to a read-only replica gets, in this version's words. */
  readonly readOnlyError: string;
  /** The commands this version's replication adds (REPLICAOF, SYNC, PSYNC, REPLCONF, WAIT, ROLE...). */
  readonly commands: readonly CommandSpec[];

  // Connections the replica side opened (they are not clients until the handshake is done).
  onLinkData(conn: ConnId, bytes: Uint8Array): void;
  onLinkClosed(conn: ConnId): void;
  onConnected(conn: ConnId): void;
  onConnectFailed(conn: ConnId, reason: string): void;
  /** Bytes from our master once the link is a client (the replication stream). */
  onMasterData(client: Client, bytes: Uint8Array): void;
  /** A client is being freed: a replica, the master link, or a client blocked in WAIT. */
  onClientFreed(client: Client): void;

  /** replicationCron (once a second). */
  cron(): void;
  /** Timers other than the cron (WAIT deadlines). */
  onTimers(): void;
  nextWakeMs(): number;
  /** beforeSleep: GETACK, feeding replicas, trimming the backlog. */
  beforeSleep(): void;
  /**
   * A replica client's next bytes of the replication stream, at most `maxBytes` (what its connection
   * takes now), written after its reply list; `more` when some are left for later. Versions that
   * write the stream into the reply list itself leave this out.
   */
  replicaOutput?(client: Client, maxBytes: number): { readonly bytes: Uint8Array; readonly more: boolean };
  /** beforeSleep after clients were written to: trimming what replicas no longer hold. */
  afterClientWrites?(): void;
  /** The part of a replica's output buffer that the replication holds for it (its unsent stream). */
  replicaOutputBufferBytes?(client: Client): number;
  /** How the log names a replica client (its announced address). */
  replicaName?(client: Client): string;

  /** True when writes here enter a replication stream. */
  shouldPropagate(): boolean;
  /** Appends one command under `db` to the stream (SELECT first when the stream's db differs). */
  feedCommand(db: number, argv: readonly Uint8Array[]): void;
  /**
   * DEBUG REPLICATE: appends `argv` as is under the stream's current db, never preceded by SELECT
   * (replicationFeedSlaves with dictid = slaveseldb). Versions without it answer DEBUG's error.
   */
  feedVerbatim?(argv: readonly Uint8Array[]): void;
  /**
   * Appends a canonical-RESP `SET` exactly as the client sent it (`data[start, end)`; `bounds`
   * holds the (start, length) pairs of its three arguments, for a protocol that feeds them as
   * pieces); returns the stream offset after it. The hot path of every write: no allocation.
   */
  feedPlainSet(db: number, data: Uint8Array, start: number, end: number, bounds: Int32Array): number;
  /**
   * How many bytes of plain SETs in `db`, one after another, may go to {@link feedPlainSetRun} as
   * one piece with the same stream, blocks and offsets as one `feedPlainSet` each (0: none).
   * Optional: versions whose replicas see the pieces leave it out.
   */
  plainSetRunRoom?(db: number): number;
  /** Feeds a run of plain SETs `data[start, end)` that {@link plainSetRunRoom} allowed; returns the stream offset after it. */
  feedPlainSetRun?(data: Uint8Array, start: number, end: number): number;
  /** An RDB child for replication is running (INFO persistence rdb_bgsave_in_progress). */
  rdbChildInProgress?(): boolean;
  /** serverCron's checkChildrenDone: collect an RDB child that ended. */
  childCron?(): void;
  /** killRDBChild (FLUSHALL): the RDB child, if any, is signalled. */
  killRdbChild?(): void;
  /** min-replicas-to-write is configured and not met. */
  minReplicasNotMet(): boolean;

  /** The stream position an RDB saved now records, or null. */
  saveInfo(): ReplicationSaveInfo | null;
  /**
   * Start-up: decide how the dump about to be loaded is used. Returns true when DELs of keys that
   * expired while the process was down must be fed to the stream.
   */
  beginStartupLoad(asMaster: boolean): boolean;
  /** `replicaof` from the config file at start-up: connect at the next cron, no cached master. */
  configureAtStartup(host: string, port: number): void;
  /** Start-up load finished (or failed: `saved` null and `ok` false). */
  endStartupLoad(ok: boolean, saved: ReplicationSaveInfo | null, replicaOf: { host: string; port: number } | null): void;
  /** A CONFIG SET changed settings replication depends on. */
  onConfigChanged(backlogSizeChanged: boolean): void;

  /** Bytes the replication buffers hold (INFO memory, used_memory). */
  memoryBytes(): number;
  /** INFO replication, in this version's fields and order. */
  infoFields(): [string, string | number][];
  /** The node's snapshot view (the kind's own shape). */
  view(): V;
  /** A handshake, transfer or reconnection is in progress or due (see `NodeProcess.busy`). */
  busy(peers: PeerProbe): boolean;
}
