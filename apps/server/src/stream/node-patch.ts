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
 * Compares two JSON-like values (what a snapshot holds: primitives, arrays, plain objects), key
 * order aside. With `anyNumbers`, two numbers always count as alike, so the answer is whether the
 * values have the same shape and differ at most in numbers.
 */
function alike(a: unknown, b: unknown, anyNumbers: boolean): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) {
    if (typeof a !== "number" || typeof b !== "number") return false;
    // NaN serializes as null, like every NaN.
    return anyNumbers || (Number.isNaN(a) && Number.isNaN(b));
  }
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!alike(a[i], b[i], anyNumbers)) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  let count = 0;
  for (const key in ra) {
    if (!Object.hasOwn(ra, key)) continue;
    count++;
    if (!Object.hasOwn(rb, key) || !alike(ra[key], rb[key], anyNumbers)) return false;
  }
  for (const key in rb) if (Object.hasOwn(rb, key)) count--;
  return count === 0;
}

/**
 * True when two JSON-like values would serialize to the same text, key order aside. A key holding
 * `undefined` counts as present, which at worst sends a field that did not change.
 */
export function sameJson(a: unknown, b: unknown): boolean {
  return alike(a, b, false);
}

/**
 * True when `a` and `b` differ only in numbers: same shape (same keys, same array lengths, same
 * strings, booleans and nulls), numbers anywhere. Offsets, counters and byte counts move like this
 * under a write load; a role, a state, a link or a new replica does not.
 */
export function onlyNumbersDiffer(a: unknown, b: unknown): boolean {
  return alike(a, b, true);
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

/**
 * True when a node's patch only moves figures (see {@link onlyNumbersDiffer}). Settings are never
 * figures, numbers or not: a `CONFIG SET` is something a user did and waits to see.
 */
export function onlyFiguresMoved(previous: NodeSnapshot, changes: Partial<NodeSnapshot>): boolean {
  const before = previous as unknown as Record<string, unknown>;
  const after = changes as Record<string, unknown>;
  for (const key in after) {
    if (key === "config" || !onlyNumbersDiffer(before[key], after[key])) return false;
  }
  return true;
}
