/**
 * Field-level differences between two snapshots of a node. A node's snapshot is about 1.5 KB and a
 * busy node changes a handful of figures per frame, so sending only those keeps a client's stream
 * small (the budget is 50 KB/s per client under 10,000 writes per second).
 *
 * The feed diffs every node of every watched lab 20 times a second (100 labs: 6,000 diffs a
 * second), so nested values are compared in place rather than serialized: serializing both sides
 * of every nested object was most of a frame's cost.
 */
import type { NodeSnapshot } from "@replica-lab/engine";

type Key = keyof NodeSnapshot;

/**
 * True when two JSON-like values (what a snapshot holds: primitives, arrays, plain objects) would
 * serialize to the same text, key order aside. A key holding `undefined` counts as present, which
 * at worst sends a field that did not change.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    // NaN serializes as null, like every NaN; other distinct primitives differ.
    return typeof a === "number" && typeof b === "number" && Number.isNaN(a) && Number.isNaN(b);
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!sameJson(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let count = 0;
  for (const key in ra) {
    if (!Object.hasOwn(ra, key)) continue;
    count++;
    if (!Object.hasOwn(rb, key) || !sameJson(ra[key], rb[key])) return false;
  }
  for (const key in rb) if (Object.hasOwn(rb, key)) count--;
  return count === 0;
}

/** Top-level fields of `next` that differ from `previous` (nested values compared by value). */
export function diffNode(previous: NodeSnapshot, next: NodeSnapshot): Partial<NodeSnapshot> | null {
  let changes: Partial<Record<Key, unknown>> | null = null;
  const before = previous as unknown as Record<Key, unknown>;
  const after = next as unknown as Record<Key, unknown>;
  for (const key of Object.keys(next) as Key[]) {
    const b = after[key];
    if (sameJson(before[key], b)) continue;
    changes ??= {};
    changes[key] = b;
  }
  return changes as Partial<NodeSnapshot> | null;
}
