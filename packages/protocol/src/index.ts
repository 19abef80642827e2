/**
 * The wire protocol between the Replica Lab server and its clients: the operations a client may
 * ask for (over REST or the WebSocket) and the messages the stream sends. Types only, plus the
 * version constant; the server validates every incoming message against JSON schemas built from
 * these shapes.
 */
import type {
  ClockSnapshot,
  JsonReply,
  LabEvent,
  LabSnapshot,
  LinkSnapshot,
  NodeId,
  NodeSnapshot,
  NodeVersion,
  ReplicationEdgeSnapshot,
} from "@replica-lab/engine";

export type {
  ClockSnapshot,
  LabEvent,
  LabSnapshot,
  LinkSnapshot,
  NodeId,
  NodeSnapshot,
  ReplicationEdgeSnapshot,
};
export type {
  AttachedReplicaSnapshot,
  BacklogSnapshot,
  TransferSnapshot,
  NodeStatus,
  NodeVersion,
  LabAction,
  NodeStatsSnapshot,
  NodeConfigSnapshot,
  ReplicaLinkPhase,
  ReplState,
  TraceEvent,
  JsonReply,
  SsdbView,
  SsdbReplicaView,
} from "@replica-lab/engine";

/** Bumped on any incompatible change to the messages below. */
export const PROTOCOL_VERSION = 1;

/** A lab as the API lists it. */
export interface LabSummary {
  readonly id: string;
  readonly name: string;
  readonly seed: string;
  readonly nodeCount: number;
  readonly createdAt: string;
  /** The lab this one was branched from, and when (null: not a branch). */
  readonly parent?: LabParent | null;
  /**
   * Who made the lab: "local" on a loopback server, `token:<id>` (an id derived from the secret,
   * never the secret) on an exposed one. Sent by REST; the stream's snapshot leaves it out.
   */
  readonly owner?: string;
}

/**
 * The lab clock as the server runs it: the engine's clock plus how far virtual time trails the
 * target the wall clock sets (0 unless the lab has more work than one tick's budget; see the
 * server README, "Clock rules").
 */
export interface LabClockView extends ClockSnapshot {
  readonly lagMs: number;
}

/** A server-side write load on one node (the canvas's load slider). */
export interface WriteLoadView {
  readonly nodeId: NodeId;
  readonly opsPerSec: number;
}

/** A replica as an external server's `INFO replication` lists it (`slave<i>:ip=...,port=...`). */
export interface ExternalReplicaView {
  readonly address: string;
  readonly state: string;
  readonly ackOffset: number;
  readonly lagSec: number;
}

/** What one poll of an external server's INFO (server, replication, stats, keyspace) said. */
export interface ExternalObservation {
  readonly version: string;
  readonly runId: string;
  readonly role: "master" | "replica";
  /** Where it replicates from (`master_host:master_port`), when it is a replica. */
  readonly masterAddress: string | null;
  readonly masterLinkStatus: "up" | "down" | null;
  readonly replid: string;
  readonly replid2: string;
  readonly masterReplOffset: number;
  readonly secondReplOffset: number;
  /** slave_repl_offset, when it is a replica. */
  readonly replicaOffset: number | null;
  readonly connectedReplicas: number;
  readonly replicas: readonly ExternalReplicaView[];
  readonly backlogActive: boolean;
  readonly backlogFirstByteOffset: number;
  readonly backlogHistlen: number;
  /** Keys in every db (INFO keyspace). */
  readonly keys: number;
  readonly syncFull: number;
  readonly syncPartialOk: number;
  readonly syncPartialErr: number;
}

/**
 * A redis-server outside the lab that a lab node replicates from or to (or that replicates from
 * or to such a server), drawn on the canvas as an "external" node. The lab cannot run, kill or
 * freeze it; it only sees what polling its INFO (about once a second, over a real socket, and
 * only where the server's outbound policy allows) tells.
 */
export interface ExternalNodeView {
  /** Its address, `host:port`; also what `set-master` takes to replicate from it. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  /** True when the latest poll was answered. */
  readonly reachable: boolean;
  /** Why the latest poll failed (refused, no answer, not allowed), or null. */
  readonly error: string | null;
  /** Wall-clock unix ms of the latest answered poll, or null if none was answered yet. */
  readonly lastPolledUnixMs: number | null;
  /** The latest answer (kept while unreachable, so the canvas shows the last known state). */
  readonly observed: ExternalObservation | null;
}

/** One end of a replication link: a lab node or an external server. */
export type ReplicationEndpoint = { readonly kind: "lab"; readonly id: NodeId } | { readonly kind: "external"; readonly id: string };

/**
 * A replication link whose replica is an external server (a lab node's own link to its master is a
 * `ReplicationEdgeSnapshot`, whose `masterAddress` is then an external node's id).
 */
export interface ExternalEdgeView {
  readonly id: string;
  readonly replica: ReplicationEndpoint;
  readonly master: ReplicationEndpoint;
  /** As the replica reports it, or as its master lists it when the replica cannot be polled. */
  readonly linkStatus: "up" | "down" | "unknown";
}

/** A lab snapshot as the API returns it: the engine's snapshot plus the lab's id and name. */
export interface LabView extends LabSnapshot {
  readonly id: string;
  readonly name: string;
  readonly clock: LabClockView;
  readonly writeLoads: readonly WriteLoadView[];
  /** Servers outside the lab linked to it by replication (optional for older servers). */
  readonly externalNodes?: readonly ExternalNodeView[];
  readonly externalEdges?: readonly ExternalEdgeView[];
  /** Who made the lab (see `LabSummary.owner`); REST answers carry it, the stream does not. */
  readonly owner?: string;
  /** The lab this one was branched from, and the moment of its history it was branched at. */
  readonly parent?: LabParent | null;
  /** Set once the lab's engine failed: the lab is stopped and kept, with its log, for a bug report. */
  readonly failure?: LabFailureView;
}

/**
 * A lab whose engine threw where it never should: stopped, kept with its input log (export it for a
 * bug report); every other lab goes on.
 */
export interface LabFailureView {
  readonly code: "lab-failed";
  /** What was thrown, and during what. */
  readonly message: string;
  /** The lab's virtual time, and the wall-clock time, when it failed. */
  readonly atMs: number;
  readonly at: string;
  /** Inputs in its log then (the last one is the one that failed). */
  readonly inputs: number;
}

// -------------------------------------------------------------------------------------------------
// Time travel (REST: timeline, at, series, branch, export, import, layout)

/** The lab a branch was made from, and the virtual time of its history the branch starts at. */
export interface LabParent {
  readonly labId: string;
  readonly atMs: number;
}

/** One event of a lab's whole history, as the timeline draws it (`GET .../timeline`). */
export interface TimelineEvent {
  readonly seq: number;
  readonly timeMs: number;
  readonly kind: LabEvent["kind"];
  readonly nodeId: NodeId | null;
  readonly source: LabEvent["source"];
}

/** A moment the server can replay from without starting over (a copy of the lab kept aside). */
export interface TimelineCheckpoint {
  readonly timeMs: number;
  /** Inputs of the log applied in whole at that moment. */
  readonly inputIndex: number;
}

/** `GET /api/labs/:lab/timeline`: the lab's whole history at a glance. */
export interface TimelineView {
  /** The lab's virtual time now (the live edge). */
  readonly nowMs: number;
  /** Entries in the lab's input log. */
  readonly inputCount: number;
  /** Every event since the lab began (not only the bounded event log), oldest first. */
  readonly events: readonly TimelineEvent[];
  readonly checkpoints: readonly TimelineCheckpoint[];
  readonly parent: LabParent | null;
  /** Estimated memory the lab's checkpoints hold, and what they may hold. */
  readonly checkpointBytes: number;
  readonly checkpointBudgetBytes: number;
  /** Why the latest checkpoint could not be taken (a frozen node holding events, ...), or null. */
  readonly checkpointRefusal: string | null;
}

/** `GET /api/labs/:lab/at/:ms`: the lab exactly as it was at virtual time `timeMs`. */
export interface MomentView {
  readonly timeMs: number;
  /** The lab then, shaped as the live view (clock paused at `timeMs`, no write loads, no external nodes). */
  readonly snapshot: LabView;
  /** Its newest events up to that moment (at most 500), oldest first. */
  readonly events: readonly LabEvent[];
  /** Each running Redis node's `INFO replication` then, by node id. */
  readonly info: Readonly<Record<string, string>>;
}

/** `GET /api/labs/:lab/series?points=N`: master_repl_offset of every node over the whole history. */
export interface SeriesView {
  /** Virtual times of the samples, ascending. */
  readonly timeMs: readonly number[];
  /** Per node id, its offset at each time (null: not there, down, or a kind without offsets). */
  readonly nodes: Readonly<Record<string, readonly (number | null)[]>>;
}

/** Where a node is drawn on the canvas. */
export interface NodePosition {
  readonly x: number;
  readonly y: number;
}

/** `GET/PUT /api/labs/:lab/layout`: node positions the lab keeps (and exports) for the canvas. */
export interface LayoutView {
  readonly positions: Readonly<Record<string, NodePosition>>;
}

/**
 * Every error code the server answers with, in REST bodies, WebSocket `error` messages and failed
 * `op-result`s. The server's registry (`apps/server/src/http/errors.ts`) gives each its HTTP status.
 */
export type ApiErrorCode =
  | "bad-request"
  | "bad-json"
  | "unsupported-media-type"
  | "body-too-large"
  | "not-found"
  | "upgrade-required"
  | "unknown-lab"
  | "unknown-node"
  | "unknown-lesson"
  | "lesson-not-ready"
  | "bad-argv"
  | "value-too-large"
  | "bad-config"
  | "bad-config-file"
  | "bad-version"
  | "bad-argument"
  | "name-taken"
  | "port-taken"
  | "node-down"
  | "command-failed"
  | "connection-closed"
  | "reply-timeout"
  | "subscribe-in-console"
  | "outbound-not-allowed"
  | "too-many-labs"
  | "too-many-nodes"
  | "memory-limit"
  | "bad-message"
  | "message-too-large"
  | "forbidden-origin"
  | "forbidden-host"
  | "unauthorized"
  | "header-too-large"
  | "bad-url"
  | "url-too-long"
  | "request-timeout"
  | "internal-error"
  | "lab-failed"
  | "classroom-read-only"
  | "unknown-classroom"
  | "not-lab-owner"
  | "outside-classroom"
  | "too-many-attempts"
  | "compare-busy"
  | "sequence-busy";

/** The error body of every 4xx/5xx answer and every rejected socket operation. */
export interface ApiError {
  readonly error: {
    readonly code: ApiErrorCode;
    readonly message: string;
    /** `bad-config-file` only: the 1-based line of the file the node would refuse to start on. */
    readonly line?: number;
  };
}

/** Things a client can ask a lab to do (REST routes map one-to-one onto these). */
export type LabOperation =
  | {
      readonly kind: "add-node";
      readonly name?: string;
      /** The node kind (default "7.0"); a version the server does not have is `bad-version`. */
      readonly version?: NodeVersion;
      readonly config?: Record<string, string | number | boolean>;
      /** Listen on a real TCP port (default true). */
      readonly resp?: boolean;
      /** The TCP port to listen on (default: one the OS assigns). */
      readonly port?: number;
    }
  | { readonly kind: "remove-node"; readonly nodeId: string }
  /**
   * A command on a console of its own, as a user's redis-cli: over the stream, the socket's console
   * for that node; over REST, a fresh connection closed after the reply, or with `session` (an id
   * of the caller's choosing) that session's console, kept between calls (MULTI, SELECT...).
   */
  | { readonly kind: "command"; readonly nodeId: string; readonly argv: readonly string[]; readonly session?: string }
  /**
   * REPLICAOF: `masterId` is a lab node (id, name or address), or a server outside the lab as
   * `host:port` (an external node's id), which the server's outbound policy must allow; null is
   * REPLICAOF NO ONE. With `persist`, the node's config file gets the same `replicaof` (or loses
   * it), so the choice survives a restart; without it, only the running process changes.
   */
  | { readonly kind: "set-master"; readonly nodeId: string; readonly masterId: string | null; readonly persist?: boolean }
  /** Kill: a crash (SIGKILL). Memory is lost; the disk keeps what was saved before. */
  | { readonly kind: "kill"; readonly nodeId: string }
  /**
   * SHUTDOWN through the node's console: a graceful exit that saves `dump.rdb` when the node has
   * save points (`save: true` saves regardless: SHUTDOWN SAVE; `save: false` is SHUTDOWN NOSAVE).
   */
  | { readonly kind: "shutdown"; readonly nodeId: string; readonly save?: boolean }
  /**
   * Replaces the node's config file on its disk (redis.conf). The running process is not told:
   * the file takes effect at the next start. A file the node could not start from is refused.
   */
  | { readonly kind: "config-file"; readonly nodeId: string; readonly text: string }
  /** Starts the node again from its disk; `version` starts it as another kind, as an upgrade (or downgrade) would. */
  | { readonly kind: "restart"; readonly nodeId: string; readonly wipe?: boolean; readonly version?: NodeVersion }
  | { readonly kind: "freeze"; readonly nodeId: string }
  | { readonly kind: "thaw"; readonly nodeId: string }
  | {
      readonly kind: "link";
      readonly a: string;
      readonly b: string;
      readonly latencyMs?: number;
      readonly bandwidthBytesPerSec?: number;
      readonly partitioned?: boolean;
    }
  | { readonly kind: "clock"; readonly action: "pause" | "resume" | "step"; readonly speed?: number; readonly stepMs?: number }
  /** A server-side write load on one node (N SETs of random keys per second; 0 stops it). */
  | { readonly kind: "write-load"; readonly nodeId: string; readonly opsPerSec: number };

/** What a successful `command` operation returns: the reply as JSON and as redis-cli prints it. */
export interface CommandResult {
  readonly reply: JsonReply;
  readonly text: string;
  /** The console's selected db after the command, when not 0 (redis-cli's prompt: `127.0.0.1:6379[3]>`). */
  readonly db?: number;
  /** A MULTI is open on the console (redis-cli's prompt: `127.0.0.1:6379(TX)>`). */
  readonly inTransaction?: true;
}

// -------------------------------------------------------------------------------------------------
// WebSocket messages

/**
 * A node's top-level fields that changed since the copy the client holds; apply with
 * `{ ...node, ...changes }` (nested objects such as `stats` or `backlog` are replaced whole).
 */
export interface NodePatch {
  readonly id: NodeId;
  readonly changes: Partial<NodeSnapshot>;
}

/** Close codes the stream uses (4000–4999 is the application range). */
export const STREAM_CLOSE_CODES = {
  /** The lab was deleted (a `lab-deleted` message precedes the close). */
  labDeleted: 4004,
  /** Too many malformed or oversized messages in a row. */
  badMessages: 4400,
  /** The server is shutting down. */
  serverClosing: 4503,
} as const;

/** Client → server. */
export type ClientMessage =
  | { readonly type: "op"; readonly requestId: string; readonly op: LabOperation }
  | { readonly type: "ping"; readonly sentAt: number }
  /** Asks for a fresh `snapshot` (after the client lost track of its state). */
  | { readonly type: "resync" };

/** Server → client. The first message on every socket is a `snapshot`. */
export type ServerMessage =
  | {
      readonly type: "snapshot";
      readonly protocol: typeof PROTOCOL_VERSION;
      readonly lab: LabView;
      /** The newest events (up to a few hundred), oldest first. */
      readonly events: readonly LabEvent[];
    }
  | {
      /**
       * Coalesced changes since the previous message this client received. `nodes` holds full
       * snapshots of nodes the client has not seen yet; `nodePatches` the changed fields of nodes it
       * has; `removedNodeIds` nodes that are gone.
       */
      readonly type: "update";
      readonly clock: LabClockView;
      readonly nodes: readonly NodeSnapshot[];
      readonly nodePatches: readonly NodePatch[];
      readonly removedNodeIds: readonly NodeId[];
      /** The full edge and link lists (small), when either changed. */
      readonly edges?: readonly ReplicationEdgeSnapshot[];
      readonly links?: readonly LinkSnapshot[];
      /** The full write-load list, when it changed. */
      readonly writeLoads?: readonly WriteLoadView[];
      /** The full external node and edge lists, when either changed (about once a second while polled). */
      readonly externalNodes?: readonly ExternalNodeView[];
      readonly externalEdges?: readonly ExternalEdgeView[];
      readonly lastEventSeq: number;
      /** Server wall-clock ms when this update was computed. */
      readonly serverTimeMs: number;
      /** Set in the first update after the lab failed (see `LabView.failure`). */
      readonly failure?: LabFailureView;
    }
  /** New log entries, oldest first; `dropped` counts entries this client's bounded queue lost. */
  | { readonly type: "events"; readonly events: readonly LabEvent[]; readonly dropped: number }
  | { readonly type: "op-result"; readonly requestId: string; readonly ok: true; readonly result: unknown }
  | { readonly type: "op-result"; readonly requestId: string; readonly ok: false; readonly error: ApiError["error"] }
  | { readonly type: "error"; readonly error: ApiError["error"] }
  | { readonly type: "pong"; readonly sentAt: number; readonly serverTimeMs: number }
  | { readonly type: "lab-deleted" };

/** Exhaustiveness helper for switches over these unions. */
export function assertNever(value: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(value)}`);
}

// Lessons (their files, as the API serves them, and a lab's progress through one).
export * from "./lessons.ts";

// The classroom: an instructor's session, followers, forks.
export * from "./classroom.ts";

// The sequence diagram and the protocol comparison (issue 10).
export * from "./sequence.ts";

// The keyspace browser and the cards' dataset digests (issue 17).
export * from "./keyspace.ts";
