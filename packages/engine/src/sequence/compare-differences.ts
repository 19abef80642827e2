/**
 * Where the protocols' tellings of one story part ways: the k-th resync of each replica, lane by
 * lane. Where one lane resynced in full and another partially (or not at all), that resync is a
 * difference, called out at the moment the first lane resynced, with each lane's numbers (bytes
 * sent, keys in the dataset, writes the replica had missed) and in words for tools. The web says
 * the same in the reader's language from the numbers.
 */
import type { CompareSync } from "./compare-timeline.ts";
import type { CompareLane } from "./compare.ts";

/** One lane's part in a difference: its version and what its resync was (null: none by then). */
export interface CompareDifferencePart {
  readonly version: string;
  readonly sync: CompareSync | null;
}

/** The `index`-th resync (from 1) of `replica` did not go the same way in every lane. */
export interface CompareDifference {
  /** When the first lane's resync happened (virtual ms). */
  readonly atMs: number;
  readonly replica: string;
  readonly index: number;
  readonly parts: readonly CompareDifferencePart[];
  /** The difference in English, with the lanes' numbers. */
  readonly text: string;
}

/** Bytes as people read them (1 decimal from KB on). */
export function bytesText(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function partText(part: CompareDifferencePart): string {
  const s = part.sync;
  if (s === null) return `${part.version} does not resync`;
  if (s.kind === "full") {
    const keys = s.keys === null ? "" : `${s.keys} keys, `;
    return `${part.version} transfers the whole dataset again (${keys}${bytesText(s.bytes)})`;
  }
  const writes = s.writesMissed === null ? "" : ` (${s.writesMissed} writes missed)`;
  return `${part.version} sends ${bytesText(s.bytes)} from its backlog${writes}`;
}

/** The differences between the lanes told (refused lanes are left out), in time order. */
export function differencesOf(lanes: readonly CompareLane[], names: Readonly<Record<string, string>> = {}): CompareDifference[] {
  const told = lanes.filter((l): l is Extract<CompareLane, { ok: true }> => l.ok);
  const perLane = told.map((lane) => {
    const byReplica = new Map<string, CompareSync[]>();
    for (const sync of lane.syncs) byReplica.set(sync.replica, [...(byReplica.get(sync.replica) ?? []), sync]);
    return { version: lane.version, byReplica };
  });
  const replicas = new Set(told.flatMap((l) => l.syncs.map((s) => s.replica)));
  const out: CompareDifference[] = [];
  for (const replica of replicas) {
    const most = Math.max(...perLane.map((l) => l.byReplica.get(replica)?.length ?? 0));
    for (let i = 0; i < most; i++) {
      const parts = perLane.map((l) => ({ version: l.version, sync: l.byReplica.get(replica)?.[i] ?? null }));
      const kinds = new Set(parts.map((p) => p.sync?.kind ?? "none"));
      if (kinds.size < 2) continue;
      const atMs = Math.min(...parts.flatMap((p) => (p.sync === null ? [] : [p.sync.atMs])));
      const text = `${names[replica] ?? replica} resyncs: here ${parts.map(partText).join("; ")}`;
      out.push({ atMs, replica, index: i + 1, parts, text });
    }
  }
  return out.sort((a, b) => a.atMs - b.atMs);
}
