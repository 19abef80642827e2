/**
 * Whether restarting a node will make its replicas drop data, said before it happens. A master
 * that restarts with less than its replicas hold (unsaved writes lost by the crash a restart is,
 * writes lost by an earlier kill, or a wiped disk) hands them a full resync that deletes the
 * difference; the engine's `replicas-will-drop-keys` warning only says so afterwards. Pure.
 */
import type { NodeSnapshot } from "@replica-lab/protocol";
import type { LabData } from "../store/labData.ts";
import { downReasonOf } from "../store/downReason.ts";

export type RestartRisk = {
  readonly name: string;
  /** The replicas that will resync from it, by name, and the most keys one of them holds. */
  readonly replicas: readonly string[];
  readonly replicaKeys: number;
} & (
  | { readonly kind: "wiped" }
  /** Running, with `dirty` changes since its last save: the restart (a crash) loses them. */
  | { readonly kind: "unsaved"; readonly dirty: number }
  /** Down after a kill (or a shutdown that did not save) with changes that were not saved. */
  | { readonly kind: "lost" }
);

/** A `replicaof` line in the file: the node comes back a replica, not the master of anyone's data. */
const FILE_REPLICAOF = /^\s*(replicaof|slaveof)\s/im;

/**
 * The risk of restarting `id`, or null. `lastDirty` is the node's unsaved-change count as last seen
 * while it ran (a down node's snapshot cannot say).
 */
export function restartRisk(lab: LabData, id: string, wipe: boolean, lastDirty: number | undefined): RestartRisk | null {
  const node = lab.nodes[id];
  if (!node || FILE_REPLICAOF.test(node.configFile)) return null;
  const replicas = lab.nodeIds.map((other) => lab.nodes[other]).filter((r): r is NodeSnapshot => r !== undefined && r.masterId === id && r.status !== "down" && r.keys > 0);
  if (replicas.length === 0) return null;
  const base = { name: node.name, replicas: replicas.map((r) => r.name), replicaKeys: Math.max(...replicas.map((r) => r.keys)) };
  if (wipe) return { ...base, kind: "wiped" };
  if (node.status !== "down") {
    const dirty = "dirty" in node && typeof node.dirty === "number" ? node.dirty : 0;
    return dirty > 0 ? { ...base, kind: "unsaved", dirty } : null;
  }
  const reason = downReasonOf(lab.events, id);
  const unsavedExit = reason !== null && (reason.kind === "killed" || reason.savedKeys === null);
  return unsavedExit && (lastDirty ?? 0) > 0 ? { ...base, kind: "lost" } : null;
}
