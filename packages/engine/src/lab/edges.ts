/**
 * Replication edges as the canvas draws them: one per replica that points at a master, with the
 * state of its link, the bytes in flight on it and whether it is part of a cycle.
 */
import type { World } from "../sim/world.ts";
import type { NodeId, NodeSnapshot, ReplicationEdgeSnapshot } from "./types.ts";

export function buildEdges(nodes: readonly NodeSnapshot[], world: World): ReplicationEdgeSnapshot[] {
  const inFlight = new Map<string, number>();
  for (const conn of world.liveConnections()) {
    const key = `${conn.fromAddress}>${conn.toAddress}`;
    inFlight.set(key, (inFlight.get(key) ?? 0) + conn.bytesInFlight);
  }
  const masterOf = new Map<NodeId, NodeId | null>();
  for (const node of nodes) if (node.role === "replica") masterOf.set(node.id, node.masterId);
  const inCycle = (start: NodeId): boolean => {
    let at = masterOf.get(start) ?? null;
    for (let steps = 0; at !== null && steps <= nodes.length; steps++) {
      if (at === start) return true;
      at = masterOf.get(at) ?? null;
    }
    return false;
  };
  const edges: ReplicationEdgeSnapshot[] = [];
  for (const node of nodes) {
    if (node.role !== "replica" || node.masterAddress === null) continue;
    const link = world.linkSettings(node.address, node.masterAddress);
    edges.push({
      id: `${node.id}->${node.masterId ?? node.masterAddress}`,
      replicaId: node.id,
      masterId: node.masterId,
      masterAddress: node.masterAddress,
      phase: node.status === "down" ? "none" : (node.linkPhase ?? "none"),
      inFlightBytes: (inFlight.get(`${node.address}>${node.masterAddress}`) ?? 0) + (inFlight.get(`${node.masterAddress}>${node.address}`) ?? 0),
      partitioned: link.partitioned,
      latencyMs: link.latencyMs,
      bandwidthBytesPerSec: link.bandwidthBytesPerSec,
      transferProgress: node.transferProgress,
      inCycle: inCycle(node.id),
    });
  }
  return edges;
}
