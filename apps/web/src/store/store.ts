/**
 * The store: slices combined into one vanilla Zustand store (testable without React), plus the
 * React hook components use with narrow selectors.
 */
import { createStore, type StoreApi } from "zustand/vanilla";
import { useStore } from "zustand";
import type { AppState } from "./appState.ts";
import { createCanvasSlice } from "./slices/canvasSlice.ts";
import { createConnectionSlice } from "./slices/connectionSlice.ts";
import { createConsoleSlice } from "./slices/consoleSlice.ts";
import { createLabSlice } from "./slices/labSlice.ts";
import { createNoticeSlice } from "./slices/noticeSlice.ts";
import { createPrefsSlice } from "./slices/prefsSlice.ts";
import { createSelectionSlice } from "./slices/selectionSlice.ts";
import { createTimelineSlice } from "./slices/timelineSlice.ts";

export type AppStore = StoreApi<AppState>;

export function createAppStore(): AppStore {
  return createStore<AppState>()((...a) => ({
    ...createLabSlice(...a),
    ...createCanvasSlice(...a),
    ...createSelectionSlice(...a),
    ...createConnectionSlice(...a),
    ...createNoticeSlice(...a),
    ...createConsoleSlice(...a),
    ...createPrefsSlice(...a),
    ...createTimelineSlice(...a),
  }));
}

/** The app's store. Tests make their own with {@link createAppStore}. */
export const appStore: AppStore = createAppStore();

/** Subscribes a component to one slice of state; it re-renders only when the selection changes. */
export function useApp<T>(selector: (state: AppState) => T): T {
  return useStore(appStore, selector);
}
