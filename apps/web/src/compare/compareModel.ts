/**
 * Where the protocols' tellings of one story differ, without React: the k-th resync of each
 * replica, lane by lane. Where one lane resynced in full and another partially (or not at all),
 * that resync is a difference the comparison calls out in words.
 */
import type { CompareLaneView, CompareSyncView } from "@replica-lab/protocol";

/** One lane's part in a difference: its version and what its resync was (null: none). */
export interface DifferencePart {
  readonly version: string;
  readonly sync: CompareSyncView | null;
}

/** The `index`-th resync (from 1) of `replica` did not go the same way in every lane. */
export interface Difference {
  readonly replica: string;
  readonly index: number;
  /** When the first lane's resync happened (virtual ms), to order differences. */
  readonly atMs: number;
  readonly parts: readonly DifferencePart[];
}

export function differencesOf(lanes: readonly CompareLaneView[]): Difference[] {
  const told = lanes.filter((l): l is Extract<CompareLaneView, { ok: true }> => l.ok);
  const perLane = told.map((lane) => {
    const byReplica = new Map<string, CompareSyncView[]>();
    for (const sync of lane.syncs) byReplica.set(sync.replica, [...(byReplica.get(sync.replica) ?? []), sync]);
    return { version: lane.version, byReplica };
  });
  const replicas = new Set(told.flatMap((l) => l.syncs.map((s) => s.replica)));
  const out: Difference[] = [];
  for (const replica of replicas) {
    const most = Math.max(...perLane.map((l) => l.byReplica.get(replica)?.length ?? 0));
    for (let i = 0; i < most; i++) {
      const parts = perLane.map((l) => ({ version: l.version, sync: l.byReplica.get(replica)?.[i] ?? null }));
      const kinds = new Set(parts.map((p) => p.sync?.kind ?? "none"));
      if (kinds.size < 2) continue;
      const atMs = Math.min(...parts.flatMap((p) => (p.sync === null ? [] : [p.sync.atMs])));
      out.push({ replica, index: i + 1, atMs, parts });
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}
