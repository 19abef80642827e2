/**
 * React Flow nodes and edges for servers outside the lab (external nodes), next to the lab's own
 * (`flowModel.ts`). An external card's flow id is `ext:<address>`. Links drawn:
 *
 * - a lab node replicating from an external server: the lab's own replication edge (the usual
 *   `replication` edge component), pointed at the external card;
 * - an external replica of a lab node or of another external server: an `external-link` edge,
 *   from the server's polled INFO.
 *
 * As in `flowModel.ts`, every function returns the previous object for whatever did not change.
 */
import type { Edge, Node } from "@xyflow/react";
import type { ReplicationEndpoint } from "@replica-lab/protocol";
import { endpointFlowId, externalFlowId, type ExternalData } from "../store/externalData.ts";
import type { LabData } from "../store/labData.ts";
import { SOURCE_HANDLE, TARGET_HANDLE, type CardNode, type LinkEdge } from "./flowModel.ts";
import type { Point } from "./layout.ts";

export interface ExternalCardData extends Record<string, unknown> {
  /** The external node's id (its address). */
  readonly externalId: string;
}
export interface ExternalLinkData extends Record<string, unknown> {
  readonly edgeId: string;
}

export type ExternalCardNode = Node<ExternalCardData, "external">;
export type ExternalLinkEdge = Edge<ExternalLinkData, "external-link">;
/** Everything the canvas draws. */
export type FlowNode = CardNode | ExternalCardNode;
export type FlowEdge = LinkEdge | ExternalLinkEdge;

/** Brings the external cards in line with the external nodes the lab reports. */
export function reconcileExternalFlowNodes(
  prev: readonly ExternalCardNode[],
  externals: ExternalData,
  positions: ReadonlyMap<string, Point>,
  selectedFlowId: string | null,
): ExternalCardNode[] | null {
  const byId = new Map(prev.map((n) => [n.id, n]));
  let changed = prev.length !== externals.nodeIds.length;
  const next = externals.nodeIds.map((externalId, index) => {
    const id = externalFlowId(externalId);
    const old = byId.get(id);
    const position = positions.get(id) ?? old?.position ?? { x: 0, y: 0 };
    const selected = id === selectedFlowId;
    if (old && old.position.x === position.x && old.position.y === position.y && (old.selected ?? false) === selected) {
      if (prev[index] !== old) changed = true;
      return old;
    }
    changed = true;
    if (old) return { ...old, position: { x: position.x, y: position.y }, selected };
    const card: ExternalCardNode = { id, type: "external", position: { x: position.x, y: position.y }, data: { externalId }, selected, deletable: false };
    return card;
  });
  return changed ? next : null;
}

/** Sets the `selected` flag of external cards, touching only those whose flag changes. */
export function selectExternalFlowNode(prev: readonly ExternalCardNode[], selectedFlowId: string | null): ExternalCardNode[] | null {
  let changed = false;
  const next = prev.map((n) => {
    const selected = n.id === selectedFlowId;
    if ((n.selected ?? false) === selected) return n;
    changed = true;
    return { ...n, selected };
  });
  return changed ? next : null;
}

/** The links with an external end, as flow edges. */
export function reconcileExternalFlowEdges(prev: readonly FlowEdge[], lab: LabData, selectedEdgeId: string | null): FlowEdge[] | null {
  const externals = lab.externals;
  const byId = new Map(prev.map((e) => [e.id, e]));
  const next: FlowEdge[] = [];
  const keep = (id: string, source: string, target: string, make: () => FlowEdge): void => {
    const old = byId.get(id);
    const selected = id === selectedEdgeId;
    if (old && old.source === source && old.target === target && (old.selected ?? false) === selected) next.push(old);
    else next.push(make());
  };
  // Lab nodes replicating from an external server: their own edge, drawn to the external card.
  for (const id of lab.edgeIds) {
    const edge = lab.edges[id];
    if (!edge || edge.masterId !== null || externals.nodes[edge.masterAddress] === undefined || lab.nodes[edge.replicaId] === undefined) continue;
    const target = externalFlowId(edge.masterAddress);
    keep(id, edge.replicaId, target, () => ({
      id,
      type: "replication",
      source: edge.replicaId,
      target,
      sourceHandle: SOURCE_HANDLE,
      targetHandle: TARGET_HANDLE,
      data: { edgeId: id },
      selected: id === selectedEdgeId,
    }));
  }
  // External replicas: what their INFO (or their master's list) says.
  const exists = (endpoint: ReplicationEndpoint): boolean => (endpoint.kind === "lab" ? lab.nodes[endpoint.id] !== undefined : externals.nodes[endpoint.id] !== undefined);
  for (const id of externals.edgeIds) {
    const edge = externals.edges[id];
    if (!edge) continue;
    const source = endpointFlowId(edge.replica);
    const target = endpointFlowId(edge.master);
    if (!exists(edge.replica) || !exists(edge.master)) continue;
    const flowId = `ext-link:${id}`;
    keep(flowId, source, target, () => ({
      id: flowId,
      type: "external-link",
      source,
      target,
      sourceHandle: SOURCE_HANDLE,
      targetHandle: TARGET_HANDLE,
      data: { edgeId: id },
      selectable: false,
      deletable: false,
    }));
  }
  const changed = next.length !== prev.length || next.some((e, i) => e !== prev[i]);
  return changed ? next : null;
}

/** Flow ids of the external cards and replica → master pairs with an external end, for the layout. */
export function externalLayoutInput(lab: LabData): { readonly ids: readonly string[]; readonly replicaOf: readonly (readonly [string, string])[] } {
  const externals = lab.externals;
  const ids = externals.nodeIds.map(externalFlowId);
  const replicaOf: [string, string][] = [];
  for (const id of lab.edgeIds) {
    const edge = lab.edges[id];
    if (edge && edge.masterId === null && externals.nodes[edge.masterAddress] !== undefined) replicaOf.push([edge.replicaId, externalFlowId(edge.masterAddress)]);
  }
  for (const id of externals.edgeIds) {
    const edge = externals.edges[id];
    if (edge) replicaOf.push([endpointFlowId(edge.replica), endpointFlowId(edge.master)]);
  }
  return { ids, replicaOf };
}
