/**
 * Servers outside the lab that its replication reaches (`LabView.externalNodes` and
 * `externalEdges`), as the client holds them. The server sends both lists whole whenever either
 * changes (about once a second while they are polled); merging keeps the identity of every entry
 * that did not change, so an external card re-renders only when its own server changed.
 */
import type { ExternalEdgeView, ExternalNodeView, ReplicationEndpoint } from "@replica-lab/protocol";
import { keepIfEqual } from "./jsonEqual.ts";

export interface ExternalData {
  readonly nodes: Readonly<Record<string, ExternalNodeView>>;
  /** External node ids (their addresses) in the server's order. */
  readonly nodeIds: readonly string[];
  readonly edges: Readonly<Record<string, ExternalEdgeView>>;
  readonly edgeIds: readonly string[];
}

export const EMPTY_EXTERNALS: ExternalData = { nodes: {}, nodeIds: [], edges: {}, edgeIds: [] };

/** Folds the lists of a snapshot or an update into what the client holds. */
export function mergeExternals(prev: ExternalData, nodes: readonly ExternalNodeView[], edges: readonly ExternalEdgeView[]): ExternalData {
  const nextNodes: Record<string, ExternalNodeView> = {};
  for (const node of nodes) nextNodes[node.id] = keepIfEqual(prev.nodes[node.id], node);
  const nextEdges: Record<string, ExternalEdgeView> = {};
  for (const edge of edges) nextEdges[edge.id] = keepIfEqual(prev.edges[edge.id], edge);
  const nodeIds = keepIds(prev.nodeIds, nodes.map((n) => n.id));
  const edgeIds = keepIds(prev.edgeIds, edges.map((e) => e.id));
  const sameNodes = nodeIds === prev.nodeIds && nodeIds.every((id) => nextNodes[id] === prev.nodes[id]);
  const sameEdges = edgeIds === prev.edgeIds && edgeIds.every((id) => nextEdges[id] === prev.edges[id]);
  if (sameNodes && sameEdges) return prev;
  return { nodes: sameNodes ? prev.nodes : nextNodes, nodeIds, edges: sameEdges ? prev.edges : nextEdges, edgeIds };
}

function keepIds(prev: readonly string[], next: readonly string[]): readonly string[] {
  return prev.length === next.length && prev.every((id, i) => id === next[i]) ? prev : next;
}

/** Flow ids of external cards carry a prefix, so they never collide with lab node ids. */
export const EXTERNAL_FLOW_PREFIX = "ext:";

export function externalFlowId(externalId: string): string {
  return `${EXTERNAL_FLOW_PREFIX}${externalId}`;
}

export function isExternalFlowId(flowId: string): boolean {
  return flowId.startsWith(EXTERNAL_FLOW_PREFIX);
}

/** The external id (its address) behind a flow id. */
export function externalIdOf(flowId: string): string {
  return flowId.slice(EXTERNAL_FLOW_PREFIX.length);
}

/** The flow id of either end of a link. */
export function endpointFlowId(endpoint: ReplicationEndpoint): string {
  return endpoint.kind === "lab" ? endpoint.id : externalFlowId(endpoint.id);
}

/** What changes the drawing's shape: which externals exist and which links join them. */
export function externalTopologyKey(data: ExternalData): string {
  const pairs = data.edgeIds.map((id) => {
    const e = data.edges[id];
    return e ? `${endpointFlowId(e.replica)}>${endpointFlowId(e.master)}` : id;
  });
  return `${data.nodeIds.join(",")}|${pairs.join(",")}`;
}
