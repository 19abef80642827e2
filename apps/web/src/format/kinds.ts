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
