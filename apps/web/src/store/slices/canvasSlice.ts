/**
 * React Flow's nodes and edges in controlled mode. Changes from React Flow (drags, measurements,
 * clicks) come back here; selection is kept in the selection slice and mirrored onto the flow objects.
 */
import { applyNodeChanges, type EdgeChange, type NodeChange } from "@xyflow/react";
import type { StateCreator } from "zustand/vanilla";
import { EMPTY_CANVAS, followLab, selectedNodeId, type CanvasState } from "../../canvas/canvasState.ts";
import type { ExternalCardNode, FlowEdge, FlowNode } from "../../canvas/externalFlow.ts";
import { reconcileFlowNodes, selectFlowNode, type CardNode } from "../../canvas/flowModel.ts";
import type { Point } from "../../canvas/layout.ts";
import type { AppState } from "../appState.ts";
import { externalFlowId, externalIdOf, isExternalFlowId } from "../externalData.ts";

export interface CanvasSlice {
  readonly canvas: CanvasState;
  /** Bumped to ask the canvas to fit every node into view again (and follow the layout). */
  readonly fitRequest: number;
  requestFit(): void;
  onNodesChange(changes: NodeChange<FlowNode>[]): void;
  onEdgesChange(changes: EdgeChange<FlowEdge>[]): void;
  /** Remembers where the user dropped a node, so the layout leaves it there. */
  pinNode(id: string, position: Point): void;
  /** Loads pinned positions saved for this lab (in this browser, or kept by the server). */
  loadPinned(pinned: Readonly<Record<string, Point>>): void;
  /** Forgets pinned positions and lays every node out again. */
  relayout(): void;
}

export const createCanvasSlice: StateCreator<AppState, [], [], CanvasSlice> = (set) => ({
  canvas: EMPTY_CANVAS,
  fitRequest: 0,
  requestFit() {
    set((state) => ({ fitRequest: state.fitRequest + 1 }));
  },
  onNodesChange(changes) {
    set((state) => {
      let selection = state.selection;
      const rest: NodeChange<CardNode>[] = [];
      const externalRest: NodeChange<ExternalCardNode>[] = [];
      for (const change of changes) {
        if (change.type !== "add" && change.type !== "replace" && isExternalFlowId(change.id)) {
          // External cards: selectable and movable, never removed from here.
          if (change.type === "select") {
            if (change.selected) selection = { kind: "external", id: externalIdOf(change.id) };
            else if (selection?.kind === "external" && externalFlowId(selection.id) === change.id) selection = null;
          } else if (change.type !== "remove") externalRest.push(change);
          continue;
        }
        if (change.type === "select") {
          if (change.selected) selection = { kind: "node", id: change.id };
          else if (selection?.kind === "node" && selection.id === change.id) selection = null;
        } else if (change.type !== "remove" && change.type !== "add" && change.type !== "replace") {
          // Removal goes through the server (a delete operation), never straight into the canvas.
          rest.push(change as NodeChange<CardNode>);
        }
      }
      const externalNodes = externalRest.length > 0 ? applyNodeChanges(externalRest, state.canvas.externalNodes as ExternalCardNode[]) : state.canvas.externalNodes;
      let flowNodes = state.canvas.flowNodes;
      if (rest.length > 0) flowNodes = applyNodeChanges(rest, flowNodes as CardNode[]);
      flowNodes = selectFlowNode(flowNodes, selection?.kind === "node" ? selection.id : null) ?? flowNodes;
      if (flowNodes === state.canvas.flowNodes && externalNodes === state.canvas.externalNodes && selection === state.selection) return state;
      const canvas = followLab({ ...state.canvas, flowNodes, externalNodes }, state.lab, selection);
      return { canvas, selection };
    });
  },
  onEdgesChange(changes) {
    set((state) => {
      let selection = state.selection;
      for (const change of changes) {
        if (change.type !== "select") continue;
        if (change.selected) selection = { kind: "edge", id: change.id };
        else if (selection?.kind === "edge" && selection.id === change.id) selection = null;
      }
      if (selection === state.selection) return state;
      const flowNodes = selectFlowNode(state.canvas.flowNodes, selection?.kind === "node" ? selection.id : null) ?? state.canvas.flowNodes;
      return { selection, canvas: followLab({ ...state.canvas, flowNodes }, state.lab, selection) };
    });
  },
  pinNode(id, position) {
    set((state) => {
      const point = { x: Math.round(position.x), y: Math.round(position.y) };
      const pinned = { ...state.canvas.pinned, [id]: point };
      if (isExternalFlowId(id)) {
        const externalNodes = state.canvas.externalNodes.map((n) => (n.id === id ? { ...n, position: point } : n));
        return { canvas: { ...state.canvas, pinned, externalNodes } };
      }
      const moved = reconcileFlowNodes(state.canvas.flowNodes, state.lab.nodeIds, new Map([[id, point]]), selectedNodeId(state.selection));
      return { canvas: { ...state.canvas, pinned, flowNodes: moved ?? state.canvas.flowNodes } };
    });
  },
  loadPinned(pinned) {
    // Positions that arrive after the first snapshot (the lab's layout from the server) move the
    // cards at once rather than at the next topology change.
    set((state) => ({ canvas: state.lab.loaded ? followLab({ ...state.canvas, pinned }, state.lab, state.selection, true) : { ...state.canvas, pinned } }));
  },
  relayout() {
    set((state) => ({ canvas: followLab({ ...state.canvas, pinned: {} }, state.lab, state.selection, true), fitRequest: state.fitRequest + 1 }));
  },
});
