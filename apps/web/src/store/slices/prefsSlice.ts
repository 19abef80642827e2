/** Viewer preferences: theme, event filter, motion, the help overlay. */
import type { StateCreator } from "zustand/vanilla";
import type { NodeVersion } from "@replica-lab/protocol";
import { NO_FILTER, type EventFilter } from "../eventGroups.ts";
import type { AppState } from "../appState.ts";

export type Theme = "light" | "dark";

export interface PrefsSlice {
  readonly theme: Theme;
  readonly eventFilter: EventFilter;
  /** Animate bytes in flight on edges (off honours reduced motion and saves GPU on projectors). */
  readonly animateEdges: boolean;
  /** The keyboard help overlay. */
  readonly helpOpen: boolean;
  /** Presentation mode: the canvas alone, large, for a projector. */
  readonly presenting: boolean;
  /** The version a new node gets (the header's choice; N and a double-click use it too). */
  readonly newNodeVersion: NodeVersion;
  setTheme(theme: Theme): void;
  setEventFilter(patch: Partial<EventFilter>): void;
  setAnimateEdges(on: boolean): void;
  setHelpOpen(open: boolean): void;
  setPresenting(on: boolean): void;
  setNewNodeVersion(version: NodeVersion): void;
}

export const createPrefsSlice: StateCreator<AppState, [], [], PrefsSlice> = (set) => ({
  theme: "light",
  eventFilter: NO_FILTER,
  animateEdges: true,
  helpOpen: false,
  presenting: false,
  newNodeVersion: "7.0",
  setTheme(theme) {
    set({ theme });
  },
  setEventFilter(patch) {
    set((state) => ({ eventFilter: { ...state.eventFilter, ...patch } }));
  },
  setAnimateEdges(on) {
    set({ animateEdges: on });
  },
  setHelpOpen(open) {
    set({ helpOpen: open });
  },
  setNewNodeVersion(version) {
    set({ newNodeVersion: version });
  },
  setPresenting(on) {
    set((state) => ({ presenting: on, fitRequest: state.fitRequest + 1 }));
  },
});
