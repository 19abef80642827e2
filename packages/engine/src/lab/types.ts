/**
 * Serializable views of a lab: what the server streams to the canvas and what tests assert on.
 * Plain data only (no engine objects), so it crosses JSON and WebSocket unchanged.
 */
import type { ReplicaLinkPhase, TraceEvent } from "../process/trace.ts";
import type { NodeVersion, ProcessView } from "../kinds.ts";
import type { AttachedReplicaView, BacklogView, RedisConfigView, RedisStatsView, TransferView } from "../protocols/redis-7.0/view.ts";

export type { NodeVersion } from "../kinds.ts";

/** A stable node handle ("n1", "n2", ...). Names ("A", "B") are for people and may change. */
export type NodeId = string & { readonly __brand: "NodeId" };

export type NodeStatus = "up" | "down" | "frozen";

export type BacklogSnapshot = BacklogView;
export type TransferSnapshot = TransferView;
export type NodeStatsSnapshot = RedisStatsView;
export type NodeConfigSnapshot = RedisConfigView;

/** A replica as its master sees it, with the lab node behind the connection when it is one. */
export type AttachedReplicaSnapshot = AttachedReplicaView & { readonly nodeId: NodeId | null };

/** A kind's view with its attached replicas resolved to lab nodes (distributes over the union). */
export type WithNodeIds<V> = V extends { readonly replicas: readonly (infer R)[] } ? Omit<V, "replicas"> & { readonly replicas: readonly (R & { readonly nodeId: NodeId | null })[] } : never;

/** What the lab knows of every node, whatever its kind. */
export interface LabNodeFields {
  readonly id: NodeId;
  readonly name: string;
  readonly address: string;
  readonly host: string;
  readonly port: number;
  readonly version: NodeVersion;
  /** The kind's name for people ("Redis 7.0"). */
  readonly kindLabel: string;
  readonly status: NodeStatus;
  /** Process starts so far (restarts + 1). */
  readonly boots: number;
  /** The lab node `masterAddress` points at, if any. */
  readonly masterId: NodeId | null;
  /**
   * The name of the lab node that listened at `masterAddress` until it was deleted (the replica
   * keeps retrying that address, as redis would); null otherwise.
   */
  readonly removedMaster: string | null;
  /** The TCP port a real client can use, when the host runs one (the server sets it). */
  readonly respPort: number | null;
  /** The node's config file as it is on its disk (redis.conf). */
  readonly configFile: string;
}

/**
 * A node's state as plain data: the lab's fields and its kind's view (a union tagged by
 * `protocol`), with attached replicas resolved to lab nodes.
 */
export type NodeSnapshot = LabNodeFields & WithNodeIds<ProcessView>;

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
  | {
      readonly kind: "restarted";
      readonly message: string;
      readonly wiped: boolean;
      /** The master its config file named (it came back as a replica of it), or null (a master). */
      readonly replicaOf: string | null;
      /** The config file it started from. */
      readonly configFile: string;
    }
  | { readonly kind: "frozen"; readonly message: string }
  | { readonly kind: "thawed"; readonly message: string }
  | { readonly kind: "link-changed"; readonly message: string }
  | { readonly kind: "config-file"; readonly message: string }
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
