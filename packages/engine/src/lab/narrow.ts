/**
 * Narrowing a node's snapshot to its kind's view, for code that made the node itself and knows its
 * kind (tests, benchmarks, tools): the snapshot is a union tagged by `protocol`, and only a 7.0
 * node has replid, replid2 and the block backlog.
 */
import type { NodeSnapshot } from "./types.ts";

/** The snapshot of a node of the 7.0 kind (PSYNC2 with the shared replication buffer). */
export type Psync2NodeSnapshot = Extract<NodeSnapshot, { readonly protocol: "redis-psync2" }>;

/** `node` as a 7.0 node's snapshot; throws if it is another kind's. */
export function asPsync2(node: NodeSnapshot): Psync2NodeSnapshot {
  if (node.protocol !== "redis-psync2") throw new Error(`node ${node.name} is a ${node.kindLabel} node, not a Redis 7.0 one`);
  return node;
}
