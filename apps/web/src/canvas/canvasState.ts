/**
 * The canvas's own state (React Flow nodes and edges, positions the user pinned) and how it follows
 * the lab: a topology change (nodes added or removed, a replica pointed elsewhere) re-runs the
 * layout for unpinned nodes; any other update leaves the flow arrays untouched.
 */
import type { LabData } from "../store/labData.ts";
import { reconcileFlowEdges, reconcileFlowNodes, type CardNode, type LinkEdge } from "./flowModel.ts";
import { computeLayout, type Point } from "./layout.ts";

export type Selection = { readonly kind: "node"; readonly id: string } | { readonly kind: "edge"; readonly id: string } | null;

export interface CanvasState {
  readonly flowNodes: readonly CardNode[];
  readonly flowEdges: readonly LinkEdge[];
  /** Positions the user chose by dragging; the layout never moves these nodes. */
  readonly pinned: Readonly<Record<string, Point>>;
  /** The lab topology version the current positions were computed for. */
  readonly laidOutVersion: number;
}

export const EMPTY_CANVAS: CanvasState = { flowNodes: [], flowEdges: [], pinned: {}, laidOutVersion: -1 };

export function selectedNodeId(selection: Selection): string | null {
  return selection?.kind === "node" ? selection.id : null;
}

export function selectedEdgeId(selection: Selection): string | null {
  return selection?.kind === "edge" ? selection.id : null;
}

/** Follows a new lab state; returns `canvas` itself when nothing visible changed. */
export function followLab(canvas: CanvasState, lab: LabData, selection: Selection, force = false): CanvasState {
  let { flowNodes, flowEdges } = canvas;
  let laidOutVersion = canvas.laidOutVersion;
  if (force || lab.topologyVersion !== canvas.laidOutVersion || flowNodes.length !== lab.nodeIds.length) {
    const positions = layoutPositions(lab, canvas.pinned);
    flowNodes = reconcileFlowNodes(flowNodes, lab.nodeIds, positions, selectedNodeId(selection)) ?? flowNodes;
    laidOutVersion = lab.topologyVersion;
  }
  const exists = (id: string): boolean => lab.nodes[id] !== undefined;
  flowEdges = reconcileFlowEdges(flowEdges, lab.edgeIds, lab.edges, exists, selectedEdgeId(selection)) ?? flowEdges;
  if (flowNodes === canvas.flowNodes && flowEdges === canvas.flowEdges && laidOutVersion === canvas.laidOutVersion) return canvas;
  return { ...canvas, flowNodes, flowEdges, laidOutVersion };
}

function layoutPositions(lab: LabData, pinned: Readonly<Record<string, Point>>): Map<string, Point> {
  const replicaOf: [string, string][] = [];
  for (const id of lab.edgeIds) {
    const edge = lab.edges[id];
    if (edge?.masterId) replicaOf.push([edge.replicaId, edge.masterId]);
  }
  const pinnedMap = new Map<string, Point>();
  for (const id of lab.nodeIds) {
    const p = pinned[id];
    if (p) pinnedMap.set(id, p);
  }
  return computeLayout({ nodeIds: lab.nodeIds, replicaOf, pinned: pinnedMap });
}
