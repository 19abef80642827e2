/**
 * What a key holds: a string (its bytes, kept bare so the SET path allocates nothing more) or one
 * of the aggregate types, each a class tagged by `type`. `instanceof Uint8Array` tells a string
 * apart; the rest switch on `type`.
 */
import { HashValue } from "./hash.ts";
import { ListValue } from "./list.ts";
import { SetValue } from "./set.ts";
import { ZsetValue } from "./zset.ts";

export { HashValue, ListValue, SetValue, ZsetValue };

export type AggregateValue = ListValue | HashValue | SetValue | ZsetValue;
export type RedisValue = Uint8Array | AggregateValue;

/** TYPE's answer for each kind of value. */
export type ValueType = "string" | AggregateValue["type"];

export function typeOf(value: RedisValue): ValueType {
  return value instanceof Uint8Array ? "string" : value.type;
}

/** The WRONGTYPE error every type-checked command gives. */
export const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

/** Redis's OBJ_* type numbers (DEBUG DIGEST mixes them in; RDB uses its own). */
export function objectTypeNumber(value: RedisValue): number {
  if (value instanceof Uint8Array) return 0;
  switch (value.type) {
    case "list":
      return 1;
    case "set":
      return 2;
    case "zset":
      return 3;
    case "hash":
      return 4;
    default:
      return assertNever(value);
  }
}

/** Values up to this many bytes are carved out of a shared slab (see {@link ownBytes}). */
const SMALL_VALUE_BYTES = 64;
/**
 * Slab size. Small: a live value keeps its whole slab alive, so a value that outlives the values
 * written around it holds at most this much, while one slab still serves dozens to thousands of
 * values.
 */
const SLAB_BYTES = 4096;
let slab = new Uint8Array(SLAB_BYTES);
let slabUsed = 0;

/**
 * A string value's own copy of `data[start, end)`, for the paths that store bytes read from an
 * input buffer (SET values, list elements, hash values). A small value is a view into a shared
 * slab, filled byte by byte: one object per value instead of a typed array plus its own storage,
 * which halves what allocating and collecting millions of short values costs (most of a distinct-key
 * SET's or an LPUSH's time went to the garbage collector). Views never overlap, so a value changed
 * in place (SETBIT) changes only its own bytes; the slab itself is never written again after.
 */
export function ownBytes(data: Uint8Array, start: number, end: number): Uint8Array {
  const length = end - start;
  if (length > SMALL_VALUE_BYTES) return data.slice(start, end);
  if (slabUsed + length > SLAB_BYTES) {
    slab = new Uint8Array(SLAB_BYTES);
    slabUsed = 0;
  }
  const at = slabUsed;
  const into = slab;
  for (let i = 0; i < length; i++) into[at + i] = data[start + i]!;
  slabUsed = at + length;
  return new Uint8Array(into.buffer, at, length);
}

/** {@link ownBytes} of a whole argument. */
export function ownCopy(bytes: Uint8Array): Uint8Array {
  return ownBytes(bytes, 0, bytes.length);
}

/**
 * Strings redis built without tryObjectEncoding: APPEND and SETRANGE leave a `raw` sds whatever its
 * length; INCRBYFLOAT makes an `embstr` (or `raw`), never an `int`. The bytes themselves are the
 * value, so the history is kept beside them, by identity (a value's bytes never change).
 */
const rawStrings = new WeakSet<Uint8Array>();
const nonIntStrings = new WeakSet<Uint8Array>();
/** Copies of shared integers (COPY's dupStringObject): their own object, refcount 1. */
const privateStrings = new WeakSet<Uint8Array>();

/** The string was grown in place (APPEND, SETRANGE): OBJECT ENCODING says `raw`. */
export function markRawString(value: Uint8Array): Uint8Array {
  rawStrings.add(value);
  return value;
}

/** The string was made by createStringObject (INCRBYFLOAT): never `int`. */
export function markNonIntString(value: Uint8Array): Uint8Array {
  nonIntStrings.add(value);
  return value;
}

/**
 * OBJECT ENCODING. A string's encoding follows from its bytes as tryObjectEncoding leaves it:
 * `int` for a canonical integer of at most 20 characters that fits a long, `embstr` up to 44
 * bytes, `raw` beyond; except for the strings marked above.
 */
export function encodingOf(value: RedisValue): string {
  if (value instanceof Uint8Array) return stringEncoding(value);
  switch (value.type) {
    case "list":
      return "quicklist";
    case "hash":
    case "set":
    case "zset":
      return value.encoding;
    default:
      return assertNever(value);
  }
}

function stringEncoding(value: Uint8Array): string {
  const length = value.length;
  if (rawStrings.has(value)) return "raw";
  if (length > 0 && length <= 20 && !nonIntStrings.has(value) && isCanonicalLong(value)) return "int";
  return length <= 44 ? "embstr" : "raw";
}

function isCanonicalLong(value: Uint8Array): boolean {
  let i = 0;
  if (value[0] === 0x2d) {
    if (value.length === 1) return false;
    i = 1;
  }
  if (value[i] === 0x30) return value.length === 1;
  for (let j = i; j < value.length; j++) if (value[j]! < 0x30 || value[j]! > 0x39) return false;
  if (value.length - i < 19) return true;
  let text = "";
  for (const byte of value) text += String.fromCharCode(byte);
  const n = BigInt(text);
  return n <= 9223372036854775807n && n >= -9223372036854775808n;
}

/** A value as text that changes whenever its contents or encoding do (tests compare keyspaces with it). */
export function valueFingerprint(value: RedisValue): string {
  if (value instanceof Uint8Array) return Array.from(value).join(",");
  const bytes = (b: Uint8Array): string => Array.from(b).join(",");
  switch (value.type) {
    case "list":
      return `list:${[...value].map(bytes).join("|")}`;
    case "hash":
      return `hash/${value.encoding}:${[...value.fields].map(([f, v]) => `${f}=${bytes(v)}`).join("|")}`;
    case "set":
      return `set/${value.encoding}:${value.ordered().join("|")}`;
    case "zset":
      return `zset/${value.encoding}:${[...value].map((n) => `${n.member}=${n.score}`).join("|")}`;
    default:
      return assertNever(value);
  }
}

/** A deep copy (COPY, and DEBUG RELOAD-like round trips). */
export function cloneValue(value: RedisValue): RedisValue {
  if (!(value instanceof Uint8Array)) return value.clone();
  const copy = value.slice();
  if (rawStrings.has(value)) rawStrings.add(copy);
  if (nonIntStrings.has(value)) nonIntStrings.add(copy);
  privateStrings.add(copy);
  return copy;
}

/**
 * OBJECT REFCOUNT: redis shares the integers 0..9999 among every key that holds one made by
 * tryObjectEncoding or INCR (OBJ_SHARED_REFCOUNT, INT_MAX); everything else is its key's own.
 */
export function refcountOf(value: RedisValue): number {
  if (!(value instanceof Uint8Array) || privateStrings.has(value) || encodingOf(value) !== "int") return 1;
  const n = Number(String.fromCharCode(...value));
  return n >= 0 && n < 10000 ? 2147483647 : 1;
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
