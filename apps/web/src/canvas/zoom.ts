/**
 * Level of detail: below this zoom the canvas draws compact cards and bare edges. The selector
 * returns a boolean, so a card re-renders only when the zoom crosses the threshold, not on every
 * pan or zoom step.
 */
import { useStore, type ReactFlowState } from "@xyflow/react";

export const COMPACT_ZOOM = 0.5;

const isCompact = (s: ReactFlowState): boolean => s.transform[2] < COMPACT_ZOOM;

export function useCompactView(): boolean {
  return useStore(isCompact);
}
