/**
 * The warning before a restart that will cost the replicas data: every restart (button, menu, R,
 * ⇧R) goes through `guardRestart`, which restarts at once when nothing is at risk and otherwise
 * asks first (`RestartWarning.tsx` shows the question).
 */
import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import type { AppStore } from "../store/store.ts";
import { restartRisk, type RestartRisk } from "./restartRisk.ts";

export interface PendingRestart {
  readonly risk: RestartRisk;
  /** Restarts as asked. */
  readonly restart: () => void;
  /** SAVE, then restart (offered when the node is running: the crash then loses nothing). */
  readonly saveFirst: (() => void) | null;
}

/** The restart waiting for an answer, if any. */
export const restartGuardStore = createStore<{ readonly pending: PendingRestart | null }>()(() => ({ pending: null }));

/** The restart waiting for an answer (the warning subscribes to it). */
export function usePendingRestart(): PendingRestart | null {
  return useStore(restartGuardStore, (s) => s.pending);
}

/** Unsaved changes of each node as last seen running (a down node's snapshot reads 0). */
const lastDirty = new Map<string, number>();
const watched = new WeakSet<AppStore>();

/** Starts remembering unsaved-change counts for the lab in `store` (idempotent). */
export function watchForRestarts(store: AppStore): void {
  if (watched.has(store)) return;
  watched.add(store);
  const record = (): void => {
    const lab = store.getState().lab;
    for (const id of lab.nodeIds) {
      const node = lab.nodes[id];
      if (node?.status === "up" && "dirty" in node && typeof node.dirty === "number") lastDirty.set(id, node.dirty);
    }
  };
  record();
  let lab = store.getState().lab;
  store.subscribe((state) => {
    if (state.lab === lab) return;
    lab = state.lab;
    record();
  });
}

/** Restarts at once when no replica would lose data; otherwise asks first. */
export function guardRestart(store: AppStore, id: string, wipe: boolean, actions: { readonly restart: () => void; readonly save: () => Promise<void> }): void {
  watchForRestarts(store);
  const risk = restartRisk(store.getState().lab, id, wipe, lastDirty.get(id));
  if (risk === null) {
    actions.restart();
    return;
  }
  const running = store.getState().lab.nodes[id]?.status === "up";
  restartGuardStore.setState({
    pending: {
      risk,
      restart: actions.restart,
      saveFirst: running && !wipe ? () => void actions.save().then(actions.restart) : null,
    },
  });
}

/** Forgets the question (cancel, or an answer given). */
export function closeRestartWarning(): void {
  restartGuardStore.setState({ pending: null });
}
