/**
 * React Flow's nodes and edges, derived from the lab topology. They carry only ids: cards and edges
 * read their live figures from the store by id. Every function here returns the previous object for
 * anything that did not change, because React Flow re-renders exactly the objects whose identity
 * changed.
 */
import type { Edge, Node } from "@xyflow/react";
import type { NodeId, ReplicationEdgeSnapshot } from "@replica-lab/protocol";
import type { Point } from "./layout.ts";

export interface CardData extends Record<string, unknown> {
  readonly nodeId: NodeId;
}
export interface LinkData extends Record<string, unknown> {
  readonly edgeId: string;
}

export type CardNode = Node<CardData, "replica">;
export type LinkEdge = Edge<LinkData, "replication">;

/** Handle ids on every card: replicas connect from "out" (top) to their master's "in" (bottom). */
export const SOURCE_HANDLE = "out";
export const TARGET_HANDLE = "in";

/**
 * Brings the flow nodes in line with the lab's node ids, placing new nodes at `positions` and
 * moving existing ones only when `positions` says so.
 */
export function reconcileFlowNodes(
  prev: readonly CardNode[],
  nodeIds: readonly NodeId[],
  positions: ReadonlyMap<string, Point>,
  selectedId: string | null,
): CardNode[] | null {
  const byId = new Map(prev.map((n) => [n.id, n]));
  let changed = prev.length !== nodeIds.length;
  const next = nodeIds.map((id, index) => {
    const old = byId.get(id);
    const position = positions.get(id) ?? old?.position ?? { x: 0, y: 0 };
    const selected = id === selectedId;
    if (old && old.position.x === position.x && old.position.y === position.y && (old.selected ?? false) === selected) {
      if (prev[index] !== old) changed = true;
      return old;
    }
    changed = true;
    if (old) return { ...old, position: { x: position.x, y: position.y }, selected };
    return { id, type: "replica" as const, position: { x: position.x, y: position.y }, data: { nodeId: id }, selected };
  });
  return changed ? next : null;
}

/** Sets the `selected` flag, touching only the nodes whose flag changes. */
export function selectFlowNode(prev: readonly CardNode[], selectedId: string | null): CardNode[] | null {
  let changed = false;
  const next = prev.map((n) => {
    const selected = n.id === selectedId;
    if ((n.selected ?? false) === selected) return n;
    changed = true;
    return { ...n, selected };
  });
  return changed ? next : null;
}

/**
 * One flow edge per replication edge whose master is a lab node. The edge runs replica → master
 * (source = replica, target = master), as REPLICAOF points.
 */
export function reconcileFlowEdges(
  prev: readonly LinkEdge[],
  edgeIds: readonly string[],
  edges: Readonly<Record<string, ReplicationEdgeSnapshot>>,
  nodeExists: (id: string) => boolean,
  selectedId: string | null,
): LinkEdge[] | null {
  const byId = new Map(prev.map((e) => [e.id, e]));
  const next: LinkEdge[] = [];
  let changed = false;
  for (const id of edgeIds) {
    const snapshot = edges[id];
    if (!snapshot || snapshot.masterId === null || !nodeExists(snapshot.masterId) || !nodeExists(snapshot.replicaId)) continue;
    const old = byId.get(id);
    const selected = id === selectedId;
    if (old && old.source === snapshot.replicaId && old.target === snapshot.masterId && (old.selected ?? false) === selected) {
      if (prev[next.length] !== old) changed = true;
      next.push(old);
      continue;
    }
    changed = true;
    next.push({
      id,
      type: "replication",
      source: snapshot.replicaId,
      target: snapshot.masterId,
      sourceHandle: SOURCE_HANDLE,
      targetHandle: TARGET_HANDLE,
      data: { edgeId: id },
      selected,
    });
  }
  if (next.length !== prev.length) changed = true;
  return changed ? next : null;
}
