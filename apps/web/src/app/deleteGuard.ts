/**
 * The question before deleting a node that holds something: its keys go with it, and its replicas
 * keep retrying its address every second (as redis replicas of a server that went away do). A node
 * with no keys and no replicas is deleted at once, so tidying an empty canvas stays one keystroke.
 * Every delete (card menu, inspector, Del) goes through `guardDelete`; `DeleteWarning.tsx` asks.
 */
import { createStore } from "zustand/vanilla";
import { useStore } from "zustand";
import type { LabData } from "../store/labData.ts";

/** What deleting a node costs, as the question states it. */
export interface DeleteRisk {
  readonly name: string;
  readonly keys: number;
  /** Names of the lab nodes replicating from it. */
  readonly replicas: readonly string[];
}

/** The cost of deleting `id` from `lab`; null when nothing is lost (no keys, no replicas). */
export function deleteRisk(lab: LabData, id: string): DeleteRisk | null {
  const node = lab.nodes[id];
  if (node === undefined) return null;
  const replicas = lab.nodeIds
    .map((other) => lab.nodes[other])
    .filter((r) => r !== undefined && r.masterId === id)
    .map((r) => r!.name);
  const keys = node.status === "down" ? 0 : node.keys;
  return keys === 0 && replicas.length === 0 ? null : { name: node.name, keys, replicas };
}

export interface PendingDelete {
  readonly risk: DeleteRisk;
  readonly remove: () => void;
}

export const deleteGuardStore = createStore<{ readonly pending: PendingDelete | null }>()(() => ({ pending: null }));

export function usePendingDelete(): PendingDelete | null {
  return useStore(deleteGuardStore, (s) => s.pending);
}

export function closeDeleteWarning(): void {
  deleteGuardStore.setState({ pending: null });
}

/** Deletes at once when nothing is lost; otherwise asks first. */
export function guardDelete(lab: LabData, id: string, remove: () => void): void {
  const risk = deleteRisk(lab, id);
  if (risk === null) remove();
  else deleteGuardStore.setState({ pending: { risk, remove } });
}
