/**
 * Field-level differences between two snapshots of a node. A node's snapshot is about 1 KB and a
 * busy node changes a handful of figures per frame, so sending only those keeps a client's stream
 * small (the budget is 50 KB/s per client under 10,000 writes per second).
 */
import type { NodeSnapshot } from "@replica-lab/engine";

type Key = keyof NodeSnapshot;

/** Top-level fields of `next` that differ from `previous` (nested objects compared by value). */
export function diffNode(previous: NodeSnapshot, next: NodeSnapshot): Partial<NodeSnapshot> | null {
  const changes: Partial<Record<Key, unknown>> = {};
  let any = false;
  for (const key of Object.keys(next) as Key[]) {
    const a = previous[key];
    const b = next[key];
    if (a === b) continue;
    if (typeof a === "object" && typeof b === "object" && a !== null && b !== null && JSON.stringify(a) === JSON.stringify(b)) continue;
    changes[key] = b;
    any = true;
  }
  return any ? (changes as Partial<NodeSnapshot>) : null;
}
