/**
 * A set value (t_set.c). Redis 7.0 keeps a set of integers as an intset (sorted, so SMEMBERS
 * answers in numeric order) while it has at most `set-max-intset-entries` members, and as a hash
 * table otherwise, for good. Members are byte strings; an intset member is the canonical decimal
 * of a 64-bit integer (string2ll), so the two encodings hold the same strings.
 */

export type SetEncoding = "intset" | "hashtable";

export class SetValue {
  readonly type = "set" as const;
  readonly members = new Set<string>();

  constructor(public encoding: SetEncoding = "intset") {}

  get length(): number {
    return this.members.size;
  }

  /**
   * Members in the order the encoding iterates them: ascending for an intset, insertion order for
   * a hash table (whose real order is seeded per process).
   */
  ordered(): string[] {
    const all = [...this.members];
    if (this.encoding === "intset") all.sort(compareIntegerStrings);
    return all;
  }

  clone(): SetValue {
    const copy = new SetValue(this.encoding);
    for (const member of this.members) copy.members.add(member);
    return copy;
  }
}

/** Orders canonical decimal strings of 64-bit integers numerically. */
export function compareIntegerStrings(a: string, b: string): number {
  const x = BigInt(a);
  const y = BigInt(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * string2ll: the canonical decimal of a signed 64-bit integer (no sign on zero, no leading zeros,
 * no spaces, at most 20 characters), as intsets and listpacks take integers.
 */
export function isInt64String(text: string): boolean {
  const length = text.length;
  if (length === 0 || length > 20) return false;
  let i = 0;
  if (text.charCodeAt(0) === 0x2d) {
    if (length === 1) return false;
    i = 1;
  }
  const first = text.charCodeAt(i);
  if (first === 0x30) return length === 1;
  if (first < 0x31 || first > 0x39) return false;
  for (let j = i + 1; j < length; j++) {
    const c = text.charCodeAt(j);
    if (c < 0x30 || c > 0x39) return false;
  }
  if (length - i < 19) return true;
  const value = BigInt(text);
  return value <= 9223372036854775807n && value >= -9223372036854775808n;
}
