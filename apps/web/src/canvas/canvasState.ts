/**
 * The canvas's own state (React Flow nodes and edges, positions the user pinned) and how it follows
 * the lab: a topology change (nodes added or removed, a replica pointed elsewhere) re-runs the
 * layout for unpinned nodes; any other update leaves the flow arrays untouched.
 */
import { externalFlowId } from "../store/externalData.ts";
import type { LabData } from "../store/labData.ts";
import {
  externalLayoutInput,
  reconcileExternalFlowEdges,
  reconcileExternalFlowNodes,
  selectExternalFlowNode,
  type ExternalCardNode,
  type FlowEdge,
} from "./externalFlow.ts";
import { reconcileFlowEdges, reconcileFlowNodes, type CardNode, type LinkEdge } from "./flowModel.ts";
import { computeLayout, type Point } from "./layout.ts";

/** What the inspector shows: a lab node, a replication edge, a server outside the lab (by address), or nothing. */
export type Selection =
  | { readonly kind: "node"; readonly id: string }
  | { readonly kind: "edge"; readonly id: string }
  | { readonly kind: "external"; readonly id: string }
  | null;

export interface CanvasState {
  readonly flowNodes: readonly CardNode[];
  readonly flowEdges: readonly LinkEdge[];
  /** Cards of servers outside the lab, and the links with an external end (`externalFlow.ts`). */
  readonly externalNodes: readonly ExternalCardNode[];
  readonly externalEdges: readonly FlowEdge[];
  /** Positions the user chose by dragging; the layout never moves these nodes. */
  readonly pinned: Readonly<Record<string, Point>>;
  /** The lab topology version the current positions were computed for. */
  readonly laidOutVersion: number;
}

export const EMPTY_CANVAS: CanvasState = { flowNodes: [], flowEdges: [], externalNodes: [], externalEdges: [], pinned: {}, laidOutVersion: -1 };

export function selectedNodeId(selection: Selection): string | null {
  return selection?.kind === "node" ? selection.id : null;
}

export function selectedEdgeId(selection: Selection): string | null {
  return selection?.kind === "edge" ? selection.id : null;
}

/** The flow id of the selected external card, if one is selected. */
export function selectedExternalFlowId(selection: Selection): string | null {
  return selection?.kind === "external" ? externalFlowId(selection.id) : null;
}

/** Follows a new lab state; returns `canvas` itself when nothing visible changed. */
export function followLab(canvas: CanvasState, lab: LabData, selection: Selection, force = false): CanvasState {
  let { flowNodes, flowEdges, externalNodes, externalEdges } = canvas;
  let laidOutVersion = canvas.laidOutVersion;
  const externalSelected = selectedExternalFlowId(selection);
  if (force || lab.topologyVersion !== canvas.laidOutVersion || flowNodes.length !== lab.nodeIds.length || externalNodes.length !== lab.externals.nodeIds.length) {
    const positions = layoutPositions(lab, canvas.pinned);
    flowNodes = reconcileFlowNodes(flowNodes, lab.nodeIds, positions, selectedNodeId(selection)) ?? flowNodes;
    externalNodes = reconcileExternalFlowNodes(externalNodes, lab.externals, positions, externalSelected) ?? externalNodes;
    laidOutVersion = lab.topologyVersion;
  } else {
    externalNodes = selectExternalFlowNode(externalNodes, externalSelected) ?? externalNodes;
  }
  const exists = (id: string): boolean => lab.nodes[id] !== undefined;
  flowEdges = reconcileFlowEdges(flowEdges, lab.edgeIds, lab.edges, exists, selectedEdgeId(selection)) ?? flowEdges;
  externalEdges = reconcileExternalFlowEdges(externalEdges, lab, selectedEdgeId(selection)) ?? externalEdges;
  if (
    flowNodes === canvas.flowNodes &&
    flowEdges === canvas.flowEdges &&
    externalNodes === canvas.externalNodes &&
    externalEdges === canvas.externalEdges &&
    laidOutVersion === canvas.laidOutVersion
  ) {
    return canvas;
  }
  return { ...canvas, flowNodes, flowEdges, externalNodes, externalEdges, laidOutVersion };
}

function layoutPositions(lab: LabData, pinned: Readonly<Record<string, Point>>): Map<string, Point> {
  const replicaOf: (readonly [string, string])[] = [];
  for (const id of lab.edgeIds) {
    const edge = lab.edges[id];
    if (edge?.masterId) replicaOf.push([edge.replicaId, edge.masterId]);
  }
  const external = externalLayoutInput(lab);
  const nodeIds = external.ids.length > 0 ? [...lab.nodeIds, ...external.ids] : lab.nodeIds;
  replicaOf.push(...external.replicaOf);
  const pinnedMap = new Map<string, Point>();
  for (const id of nodeIds) {
    const p = pinned[id];
    if (p) pinnedMap.set(id, p);
  }
  return computeLayout({ nodeIds, replicaOf, pinned: pinnedMap });
}
