/**
 * Lab data: the server's snapshots, folded in once per animation frame. The canvas follows in the
 * same state change, so a frame costs one store notification.
 */
import type { StateCreator } from "zustand/vanilla";
import { followLab } from "../../canvas/canvasState.ts";
import { emptyLabData, reduceLabMessages, type LabData, type LabStreamMessage } from "../labData.ts";
import type { AppState } from "../appState.ts";

export interface LabSlice {
  readonly lab: LabData;
  /** Applies buffered stream messages in order (one state change). */
  applyStream(messages: readonly LabStreamMessage[]): void;
  /** Forgets everything about the current lab (switching labs). */
  resetLab(labId: string | null): void;
}

export const createLabSlice: StateCreator<AppState, [], [], LabSlice> = (set) => ({
  lab: emptyLabData(),
  applyStream(messages) {
    if (messages.length === 0) return;
    set((state) => {
      const lab = reduceLabMessages(state.lab, messages);
      if (lab === state.lab) return state;
      let selection = state.selection;
      if (selection?.kind === "node" && lab.nodes[selection.id] === undefined) selection = null;
      if (selection?.kind === "edge" && lab.edges[selection.id] === undefined) selection = null;
      if (selection?.kind === "external" && lab.externals.nodes[selection.id] === undefined) selection = null;
      const canvas = followLab(state.canvas, lab, selection);
      return { lab, canvas, selection };
    });
  },
  resetLab(labId) {
    set({ lab: emptyLabData(labId), selection: null });
  },
});
