/**
 * Structural equality for plain JSON data (what the server sends). Used to keep the previous object
 * when a snapshot did not really change, so selectors keyed on it do not wake components up.
 */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  const keys = Object.keys(ra);
  if (keys.length !== Object.keys(rb).length) return false;
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(rb, key)) return false;
    if (!jsonEqual(ra[key], rb[key])) return false;
  }
  return true;
}

/** Returns `prev` when `next` is structurally equal to it, else `next`. */
export function keepIfEqual<T>(prev: T | undefined, next: T): T {
  return prev !== undefined && jsonEqual(prev, next) ? prev : next;
}
