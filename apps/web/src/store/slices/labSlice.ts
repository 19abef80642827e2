/**
 * Lab data: the server's snapshots, folded in once per animation frame. The canvas follows in the
 * same state change, so a frame costs one store notification.
 */
import type { StateCreator } from "zustand/vanilla";
import { followLab, type Selection } from "../../canvas/canvasState.ts";
import { emptyLabData, reduceLabMessages, type LabData, type LabStreamMessage } from "../labData.ts";
import type { AppState } from "../appState.ts";

export interface LabSlice {
  readonly lab: LabData;
  /** Applies buffered stream messages in order (one state change); to the live copy while the past is shown. */
  applyStream(messages: readonly LabStreamMessage[]): void;
  /** Forgets everything about the current lab (switching labs), its timeline included. */
  resetLab(labId: string | null): void;
}

/** The selection if it still names something in `lab` (a node may be gone, or not exist yet in the past), else null. */
export function selectionIn(lab: LabData, selection: Selection): Selection {
  if (selection?.kind === "node" && lab.nodes[selection.id] === undefined) return null;
  if (selection?.kind === "edge" && lab.edges[selection.id] === undefined) return null;
  if (selection?.kind === "external" && lab.externals.nodes[selection.id] === undefined) return null;
  return selection;
}

export const createLabSlice: StateCreator<AppState, [], [], LabSlice> = (set) => ({
  lab: emptyLabData(),
  applyStream(messages) {
    if (messages.length === 0) return;
    set((state) => {
      if (state.liveLab !== null) {
        // The screen shows the past: the live lab goes on in the background.
        const liveLab = reduceLabMessages(state.liveLab, messages);
        return liveLab === state.liveLab ? state : { liveLab };
      }
      const lab = reduceLabMessages(state.lab, messages);
      if (lab === state.lab) return state;
      const selection = selectionIn(lab, state.selection);
      const canvas = followLab(state.canvas, lab, selection);
      return { lab, canvas, selection };
    });
  },
  resetLab(labId) {
    set({ lab: emptyLabData(labId), liveLab: null, timeView: { kind: "live" }, timeline: null, timelineError: null, branchProposal: null, selection: null });
  },
});
