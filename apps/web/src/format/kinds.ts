/**
 * What a node's kind has to show. A snapshot is a union tagged by `protocol`: 7.0 (and 4.0) nodes
 * have replication ids, offsets and a backlog; a 2.8 node has offsets and a ring backlog but a run
 * id instead of replids; a 2.6 node has neither offsets nor a backlog. Components ask here before
 * drawing a figure, so a card shows what its version has and nothing else.
 */
import type { NodeSnapshot } from "@replica-lab/protocol";

/** A node whose kind has a stream offset, a backlog and replicas' ACK offsets. */
export type OffsetNode = Extract<NodeSnapshot, { readonly masterReplOffset: number }>;

/** A node whose kind has replication ids (replid, replid2), shared along a chain with its offsets. */
export type ReplidNode = Extract<NodeSnapshot, { readonly replid: string }>;

export function hasOffsets(node: NodeSnapshot): node is OffsetNode {
  return "masterReplOffset" in node;
}

export function hasReplids(node: NodeSnapshot): node is ReplidNode {
  return "replid" in node;
}

type AttachedReplica = NodeSnapshot["replicas"][number];

/** An attached replica whose master's kind tracks ACKs (2.8 on). */
type AckingReplica = Extract<AttachedReplica, { readonly ackOffset: number }>;

function acks(replica: AttachedReplica): replica is AckingReplica {
  return "ackOffset" in replica;
}

/** An attached replica's lag in seconds, where its master's kind tracks ACKs. */
export function replicaLagSec(replica: AttachedReplica): number | undefined {
  return acks(replica) ? replica.lagSec : undefined;
}

/** An attached replica's acknowledged offset, where its master's kind tracks ACKs. */
export function replicaAckOffset(replica: AttachedReplica): number | undefined {
  return acks(replica) ? replica.ackOffset : undefined;
}

/**
 * How far a replica has read of its master's stream: a chain that shares replids (4.0, 7.0) has one
 * offset for both; a 2.8 replica counts its master's stream apart from its own (slave_repl_offset).
 * Null where the kind has no offsets (2.6, SSDB) or the node is not reading a master.
 */
export function offsetInMasterStream(node: NodeSnapshot): number | null {
  if (hasReplids(node)) return node.masterReplOffset;
  return node.protocol === "redis-psync1" ? node.replicaOffset : null;
}

/** A master's own count of the syncs it served: full ones, and partial ones where the kind has them. */
export interface SyncCounts {
  readonly full: number;
  /** Null on 2.6, which has no partial resync to count. */
  readonly partial: number | null;
}

/** sync_full and sync_partial_ok as the node counts them (2.6: the lab's count of SYNCs served); null for SSDB. */
export function syncCounts(node: NodeSnapshot): SyncCounts | null {
  switch (node.protocol) {
    case "redis-psync2":
      return { full: node.stats.syncFull, partial: node.stats.syncPartialOk };
    case "redis-psync2-ring":
    case "redis-psync1":
      return { full: node.stats.fullSyncs, partial: node.syncPartialOk };
    case "redis-sync":
      return { full: node.stats.fullSyncs, partial: null };
    case "ssdb-binlog":
      return null;
  }
}
