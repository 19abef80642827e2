/** What the inspector shows: one node, one replication edge, or nothing. */
import type { StateCreator } from "zustand/vanilla";
import { followLab, selectedNodeId, type Selection } from "../../canvas/canvasState.ts";
import { selectFlowNode } from "../../canvas/flowModel.ts";
import type { AppState } from "../appState.ts";

export interface SelectionSlice {
  readonly selection: Selection;
  select(selection: Selection): void;
}

export const createSelectionSlice: StateCreator<AppState, [], [], SelectionSlice> = (set) => ({
  selection: null,
  select(selection) {
    set((state) => {
      const flowNodes = selectFlowNode(state.canvas.flowNodes, selectedNodeId(selection)) ?? state.canvas.flowNodes;
      return { selection, canvas: followLab({ ...state.canvas, flowNodes }, state.lab, selection) };
    });
  },
});
