/**
 * The sequence drawer's state: whether it is open and on which tab, the messages and comparison
 * last fetched, the filter, and the selection that links the diagram with the event log (a message
 * selected lights its events up; an event selected lights its messages up).
 */
import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import type { CompareView, SequenceView } from "@replica-lab/protocol";
import { DEFAULT_FILTER, type SequenceFilter } from "./sequenceModel.ts";

export type DrawerTab = "diagram" | "compare";

/** What is selected: a message (by seq) or an event of the log (by seq). */
export type SequenceSelection = { readonly kind: "message"; readonly seq: number } | { readonly kind: "event"; readonly seq: number } | null;

export interface SequenceState {
  readonly open: boolean;
  readonly tab: DrawerTab;
  readonly view: SequenceView | null;
  readonly compare: CompareView | null;
  readonly loading: boolean;
  readonly error: string | null;
  readonly filter: SequenceFilter;
  readonly selection: SequenceSelection;
  /** Events of the log the selected message belongs to (the event log lights them). */
  readonly litEvents: readonly number[];
  setOpen(open: boolean, tab?: DrawerTab): void;
  setView(view: SequenceView): void;
  setCompare(view: CompareView | null): void;
  setLoading(loading: boolean): void;
  setError(error: string | null): void;
  setFilter(patch: Partial<SequenceFilter>): void;
  select(selection: SequenceSelection): void;
}

export const sequenceStore = createStore<SequenceState>((set) => ({
  open: false,
  tab: "diagram",
  view: null,
  compare: null,
  loading: false,
  error: null,
  filter: DEFAULT_FILTER,
  selection: null,
  litEvents: [],
  setOpen: (open, tab) => set((s) => ({ open, tab: tab ?? s.tab })),
  setView: (view) => set({ view, error: null }),
  setCompare: (compare) => set({ compare, error: null }),
  setLoading: (loading) => set({ loading }),
  setError: (error) => set({ error }),
  setFilter: (patch) => set((s) => ({ filter: { ...s.filter, ...patch } })),
  select: (selection) => set({ selection }),
}));

export function useSequence<T>(selector: (state: SequenceState) => T): T {
  return useStore(sequenceStore, selector);
}
