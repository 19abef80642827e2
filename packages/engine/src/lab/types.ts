/**
 * Serializable views of a lab: what the server streams to the canvas and what tests assert on.
 * Plain data only (no engine objects), so it crosses JSON and WebSocket unchanged.
 */
import type { TraceEvent, ReplicaLinkPhase } from "../process/trace.ts";
import type { ReplState } from "../protocols/redis-7.0/replica-side.ts";

/** A stable node handle ("n1", "n2", ...). Names ("A", "B") are for people and may change. */
export type NodeId = string & { readonly __brand: "NodeId" };

export type NodeStatus = "up" | "down" | "frozen";

/** The replication protocol a node speaks. Only 7.0 exists so far. */
export type NodeVersion = "7.0";

export interface BacklogSnapshot {
  readonly active: boolean;
  /** repl-backlog-size (config). */
  readonly sizeBytes: number;
  readonly firstByteOffset: number;
  readonly histlen: number;
  /** Allocated bytes (blocks and headers). */
  readonly memoryBytes: number;
}

/** A replica as its master sees it (INFO slaveN). */
export interface AttachedReplicaSnapshot {
  /** The lab node behind the connection, when it is one. */
  readonly nodeId: NodeId | null;
  readonly address: string;
  readonly state: "wait_bgsave" | "send_bulk" | "online";
  /** Last offset the replica acknowledged. */
  readonly ackOffset: number;
  readonly lagSec: number;
  /** Diskless sync delivered, stream waits for the replica's first ACK. */
  readonly awaitingFirstAck: boolean;
}

export interface TransferSnapshot {
  /** Announced RDB size; 0 in EOF (diskless) mode. */
  readonly totalBytes: number;
  readonly readBytes: number;
  readonly eofMode: boolean;
}

export interface NodeStatsSnapshot {
  readonly syncFull: number;
  readonly syncPartialOk: number;
  readonly syncPartialErr: number;
  readonly commandsProcessed: number;
  readonly connectionsReceived: number;
  readonly expiredKeys: number;
}

export interface NodeConfigSnapshot {
  readonly replBacklogSize: number;
  readonly replBacklogTtl: number;
  readonly replPingReplicaPeriod: number;
  readonly replTimeout: number;
  readonly replDisklessSync: boolean;
  readonly replDisklessSyncDelay: number;
  readonly minReplicasToWrite: number;
  readonly minReplicasMaxLag: number;
  readonly replicaReadOnly: boolean;
  readonly replicaServeStaleData: boolean;
  readonly replicaPriority: number;
  readonly replicaAnnounced: boolean;
}

export interface NodeSnapshot {
  readonly id: NodeId;
  readonly name: string;
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly version: NodeVersion;
  readonly status: NodeStatus;
  /** Process starts so far (restarts + 1). */
  readonly boots: number;
  readonly role: "master" | "replica";
  /** Where REPLICAOF points, and the lab node there if any. */
  readonly masterAddress: string | null;
  readonly masterId: NodeId | null;
  readonly replState: ReplState | null;
  /** ROLE's word for the link: none, connect, connecting, handshake, sync, connected. */
  readonly linkPhase: ReplicaLinkPhase | null;
  readonly linkUp: boolean;
  readonly replid: string;
  readonly replid2: string;
  readonly secondReplOffset: number;
  readonly masterReplOffset: number;
  /** Replica only: slave_repl_offset and slave_read_repl_offset. */
  readonly replicaOffset: number | null;
  readonly replicaReadOffset: number | null;
  readonly masterLinkDownSinceSec: number | null;
  readonly masterLastIoSecAgo: number | null;
  readonly backlog: BacklogSnapshot;
  readonly replicas: readonly AttachedReplicaSnapshot[];
  readonly transfer: TransferSnapshot | null;
  readonly keys: number;
  readonly expires: number;
  readonly stats: NodeStatsSnapshot;
  readonly config: NodeConfigSnapshot;
  readonly uptimeSec: number;
  /** The TCP port a real client can use, when the host runs one (the server sets it). */
  readonly respPort: number | null;
}

/** A network path between two nodes with non-default settings. */
export interface LinkSnapshot {
  readonly a: NodeId;
  readonly b: NodeId;
  readonly latencyMs: number;
  readonly bandwidthBytesPerSec: number;
  readonly partitioned: boolean;
}

/** A replica → master edge, as the canvas draws it. */
export interface ReplicationEdgeSnapshot {
  readonly id: string;
  readonly replicaId: NodeId;
  /** The lab node the replica points at, or null for an address outside the lab. */
  readonly masterId: NodeId | null;
  readonly masterAddress: string;
  readonly phase: ReplicaLinkPhase;
  /** Bytes travelling on the replication connection in either direction. */
  readonly inFlightBytes: number;
  readonly partitioned: boolean;
  readonly latencyMs: number;
  readonly bandwidthBytesPerSec: number;
  /** 0..1 during an RDB transfer with a known size. */
  readonly transferProgress: number | null;
  /** Part of a replication cycle (legal in redis, and worth flagging). */
  readonly inCycle: boolean;
}

export interface ClockSnapshot {
  readonly timeMs: number;
  readonly unixMs: number;
  readonly paused: boolean;
  readonly speed: number;
}

export interface LabSnapshot {
  readonly seed: string;
  readonly clock: ClockSnapshot;
  readonly nodes: readonly NodeSnapshot[];
  readonly edges: readonly ReplicationEdgeSnapshot[];
  readonly links: readonly LinkSnapshot[];
  /** Sequence number of the newest event. */
  readonly lastEventSeq: number;
}

/** Something the lab's operator did (as opposed to something a node did). */
export type LabAction =
  | { readonly kind: "node-added"; readonly message: string }
  | { readonly kind: "node-removed"; readonly message: string }
  | { readonly kind: "killed"; readonly message: string }
  | { readonly kind: "restarted"; readonly message: string; readonly wiped: boolean }
  | { readonly kind: "frozen"; readonly message: string }
  | { readonly kind: "thawed"; readonly message: string }
  | { readonly kind: "link-changed"; readonly message: string }
  | { readonly kind: "exited"; readonly message: string };

export interface LabEvent {
  readonly seq: number;
  readonly timeMs: number;
  readonly nodeId: NodeId | null;
  readonly nodeName: string | null;
  /** "node" for what a node reported, "lab" for operator actions. */
  readonly source: "node" | "lab";
  readonly kind: TraceEvent["kind"] | LabAction["kind"];
  readonly message: string;
  readonly detail: TraceEvent | LabAction;
}
