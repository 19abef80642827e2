/**
 * SORT and SORT_RO as redis 7.0.15 has them (sort.c sortCommandGeneric):
 *
 * - options ASC, DESC, ALPHA, LIMIT offset count, BY pattern, GET pattern (repeatable, `#` is the
 *   element), STORE destination (SORT only); the last of each wins; an unknown word or a missing
 *   argument is a syntax error.
 * - BY with no `*` means no sorting ("nosort"): lists and sorted sets keep their order (DESC
 *   walks them backwards, LIMIT picks the range directly); a set is sorted ALPHA anyway when the
 *   result is STOREd, so replicas get the same list.
 * - Patterns: the first `*` takes the element; `->field` after it reads a hash field; a key of the
 *   wrong type, or a missing one, gives no value (a null in the reply, "" in a STOREd list, and
 *   score 0 or "sorts first" when sorting).
 * - Numeric sorting reads each weight with strtod, refusing trailing bytes, NaN and overflow
 *   ("One or more scores can't be converted into double"); equal scores fall back to comparing the
 *   elements' bytes. ALPHA compares bytes (strcoll in the C locale).
 * - STORE writes a list (replacing the key and its TTL) and answers its length, or deletes the
 *   destination when the result is empty; it reaches replicas as the SORT command itself.
 * - SORT is a write command in 7.0 even without STORE (the READONLY refusal on a replica is why
 *   SORT_RO exists).
 */
import { writeArrayHeader, writeBulk, writeInteger } from "../resp/encode.ts";
import { binaryToBytes, bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { Database } from "../store/keyspace.ts";
import type { CommandSpec } from "./command.ts";
import { ListValue } from "../store/list.ts";
import type { SetValue } from "../store/set.ts";
import type { ZsetValue } from "../store/zset.ts";
import { WRONGTYPE } from "../store/value.ts";
import { longArg } from "./args.ts";
import { ERR_SYNTAX, replyNullBulk, word } from "./reply.ts";
import { strtod } from "../numbers.ts";

interface Entry {
  /** The element, as a byte string. */
  readonly element: string;
  score: number;
  /** ALPHA with BY: the weight's bytes, or null when the pattern found nothing. */
  weight: string | null;
}

/**
 * lookupKeyByPattern: `#` is the element itself; otherwise the first `*` is replaced by the
 * element and the key read (a string, or with `->field` a hash's field). Undefined when the
 * pattern has no `*` or finds nothing.
 */
function lookupByPattern(node: RedisNode, db: Database, pattern: string, element: string): string | undefined {
  if (pattern === "#") return element;
  const star = pattern.indexOf("*");
  if (star < 0) return undefined;
  const arrow = pattern.indexOf("->", star + 1);
  const hasField = arrow >= 0 && arrow + 2 < pattern.length;
  const key = pattern.slice(0, star) + element + pattern.slice(star + 1, hasField ? arrow : pattern.length);
  const value = node.lookupRead(db, key);
  if (value === undefined) return undefined;
  if (hasField) {
    if (value instanceof Uint8Array || value.type !== "hash") return undefined;
    const field = value.fields.get(pattern.slice(arrow + 2));
    return field === undefined ? undefined : bytesToBinary(field);
  }
  return value instanceof Uint8Array ? bytesToBinary(value) : undefined;
}

/** compareStringObjects / strcmp in the C locale: byte order, a prefix first. */
function compareBytes(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A weight as sortCommandGeneric reads it: strtod over the whole string; undefined if refused. */
function numericWeight(text: string): number | undefined {
  const nul = text.indexOf("\0");
  const s = nul >= 0 ? text.slice(0, nul) : text;
  const parsed = strtod(s);
  if (s.length > 0 && parsed.end !== s.length) return undefined;
  if (parsed.range || Number.isNaN(parsed.value)) return undefined;
  return parsed.value;
}

interface SortOptions {
  desc: boolean;
  alpha: boolean;
  limitStart: number;
  limitCount: number;
  sortBy: string | null;
  dontSort: boolean;
  store: Uint8Array | null;
  readonly gets: string[];
}

/** The options after the key, or null after replying an error. */
function parseOptions(node: RedisNode, c: Client, argv: Uint8Array[], readonly: boolean): SortOptions | null {
  const o: SortOptions = { desc: false, alpha: false, limitStart: 0, limitCount: -1, sortBy: null, dontSort: false, store: null, gets: [] };
  for (let j = 2; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const option = word(argv[j]!);
    if (option === "asc") o.desc = false;
    else if (option === "desc") o.desc = true;
    else if (option === "alpha") o.alpha = true;
    else if (option === "limit" && left >= 2) {
      const start = longArg(node, c, argv[j + 1]!);
      if (start === undefined) return null;
      const count = longArg(node, c, argv[j + 2]!);
      if (count === undefined) return null;
      o.limitStart = start;
      o.limitCount = count;
      j += 2;
    } else if (!readonly && option === "store" && left >= 1) {
      o.store = argv[++j]!;
    } else if (option === "by" && left >= 1) {
      o.sortBy = bytesToBinary(argv[++j]!);
      // strchr: a C string ends at its first NUL.
      const nul = o.sortBy.indexOf("\0");
      if (!(nul >= 0 ? o.sortBy.slice(0, nul) : o.sortBy).includes("*")) o.dontSort = true;
    } else if (option === "get" && left >= 1) {
      o.gets.push(bytesToBinary(argv[++j]!));
    } else {
      node.replyError(c, ERR_SYNTAX);
      return null;
    }
  }
  return o;
}

/** The elements to sort, as sortCommandGeneric loads its vector (a range only for nosort lists and sorted sets). */
function loadVector(value: ListValue | SetValue | ZsetValue | null, o: SortOptions, start: number, end: number): string[] {
  if (value === null) return [];
  if (value.type === "set") return value.ordered();
  const all = value.type === "list" ? value.toArray().map((e) => bytesToBinary(e)) : [...value].map((node) => node.member);
  if (!o.dontSort) return all;
  if (end < start) return [];
  // Walked from the tail with DESC: element `start` of the reversed order first.
  const ordered = o.desc ? all.reverse() : all;
  return ordered.slice(start, end + 1);
}

function sortGeneric(node: RedisNode, c: Client, argv: Uint8Array[], readonly: boolean): void {
  const o = parseOptions(node, c, argv, readonly);
  if (o === null) return;
  const db = node.selectedDb(c);
  const found = node.lookupRead(db, bytesToBinary(argv[1]!));
  if (found !== undefined && (found instanceof Uint8Array || found.type === "hash")) {
    node.replyError(c, WRONGTYPE);
    return;
  }
  const value = found ?? null;
  // A set has no order of its own: sorted ALPHA when the result is stored (or in a script).
  if (o.dontSort && value !== null && value.type === "set" && (o.store !== null || c.conn === SCRIPT_CONN)) {
    o.dontSort = false;
    o.alpha = true;
    o.sortBy = null;
  }
  const vectorLength = value?.length ?? 0;
  let start = Math.min(Math.max(o.limitStart, 0), vectorLength);
  const limitCount = Math.min(Math.max(o.limitCount, -1), vectorLength);
  let end = limitCount < 0 ? vectorLength - 1 : start + limitCount - 1;
  if (start >= vectorLength) {
    start = vectorLength - 1;
    end = vectorLength - 2;
  }
  if (end >= vectorLength) end = vectorLength - 1;
  // Lists and sorted sets that are not sorted load only the range asked for.
  const direct = value !== null && value.type !== "set" && o.dontSort;
  const elements = loadVector(value, o, start, end);
  if (direct && end >= start) {
    end -= start;
    start = 0;
  }
  const vector: Entry[] = elements.map((element) => ({ element, score: 0, weight: null }));
  let conversionError = false;
  if (!o.dontSort) {
    for (const entry of vector) {
      const by = o.sortBy === null ? entry.element : lookupByPattern(node, db, o.sortBy, entry.element);
      if (by === undefined) continue;
      if (o.alpha) {
        if (o.sortBy !== null) entry.weight = by;
      } else {
        const score = numericWeight(by);
        if (score === undefined) conversionError = true;
        else entry.score = score;
      }
    }
    const byPattern = o.sortBy !== null;
    const sign = o.desc ? -1 : 1;
    const compare = (a: Entry, b: Entry): number => {
      let cmp: number;
      if (!o.alpha) cmp = a.score > b.score ? 1 : a.score < b.score ? -1 : compareBytes(a.element, b.element);
      else if (byPattern) cmp = a.weight === null || b.weight === null ? (a.weight === b.weight ? 0 : a.weight === null ? -1 : 1) : compareBytes(a.weight, b.weight);
      else cmp = compareBytes(a.element, b.element);
      return sign * cmp;
    };
    // BY with a LIMIT sorts only what the range needs (pqsort, not stable: ALPHA ties come out in
    // its order); otherwise glibc's qsort, a stable merge sort, as Array.prototype.sort is.
    if (byPattern && (start !== 0 || end !== vector.length - 1)) pqsort(vector, compare, start, end);
    else vector.sort(compare);
  }
  const rows = Math.max(end - start + 1, 0);
  const outputLength = o.gets.length > 0 ? o.gets.length * rows : rows;
  if (conversionError) {
    node.replyError(c, "ERR One or more scores can't be converted into double");
    return;
  }
  const results: (string | undefined)[] = [];
  for (let j = start; j <= end; j++) {
    const element = vector[j]!.element;
    if (o.gets.length === 0) results.push(element);
    for (const pattern of o.gets) results.push(lookupByPattern(node, db, pattern, element));
  }
  if (o.store === null) {
    writeArrayHeader(c.out, outputLength);
    for (const result of results) {
      if (result === undefined) replyNullBulk(c);
      else writeBulk(c.out, binaryToBytes(result));
    }
    return;
  }
  const dst = bytesToBinary(o.store);
  if (outputLength > 0) {
    const list = new ListValue(results.map((r) => binaryToBytes(r ?? "")));
    node.lookupWrite(db, dst);
    db.set(dst, list);
    node.dirty += outputLength;
  } else if (db.delete(dst)) {
    node.dirty++;
  }
  writeInteger(c.out, outputLength);
}

/**
 * redis's pqsort.c (NetBSD's qsort, pruned): sorts `v` enough that positions `lrange`..`rrange`
 * hold what a full sort puts there, with its exact swaps, so ties come out where redis puts them.
 */
export function pqsort<T>(v: T[], cmp: (a: T, b: T) => number, lrange: number, rrange: number): void {
  const swap = (i: number, j: number): void => {
    const t = v[i]!;
    v[i] = v[j]!;
    v[j] = t;
  };
  const vecswap = (i: number, j: number, n: number): void => {
    for (let k = 0; k < n; k++) swap(i + k, j + k);
  };
  const med3 = (a: number, b: number, c: number): number =>
    cmp(v[a]!, v[b]!) < 0 ? (cmp(v[b]!, v[c]!) < 0 ? b : cmp(v[a]!, v[c]!) < 0 ? c : a) : cmp(v[b]!, v[c]!) > 0 ? b : cmp(v[a]!, v[c]!) < 0 ? a : c;
  /** The range [at, at + n) holds none of lrange..rrange. */
  const outside = (at: number, n: number): boolean => (lrange < at && rrange < at) || (lrange >= at + n && rrange >= at + n);
  const sortPart = (start: number, count: number): void => {
    let a = start;
    let n = count;
    for (;;) {
      if (n < 7) {
        for (let pm = a + 1; pm < a + n; pm++) for (let pl = pm; pl > a && cmp(v[pl - 1]!, v[pl]!) > 0; pl--) swap(pl, pl - 1);
        return;
      }
      let pm = a + Math.floor(n / 2);
      if (n > 7) {
        let pl = a;
        let pn = a + n - 1;
        if (n > 40) {
          const d = Math.floor(n / 8);
          pl = med3(pl, pl + d, pl + 2 * d);
          pm = med3(pm - d, pm, pm + d);
          pn = med3(pn - 2 * d, pn - d, pn);
        }
        pm = med3(pl, pm, pn);
      }
      swap(a, pm);
      let pa = a + 1;
      let pb = pa;
      let pc = a + n - 1;
      let pd = pc;
      for (;;) {
        let r: number;
        while (pb <= pc && (r = cmp(v[pb]!, v[a]!)) <= 0) {
          if (r === 0) swap(pa++, pb);
          pb++;
        }
        while (pb <= pc && (r = cmp(v[pc]!, v[a]!)) >= 0) {
          if (r === 0) swap(pc, pd--);
          pc--;
        }
        if (pb > pc) break;
        swap(pb++, pc--);
      }
      const pn = a + n;
      let r = Math.min(pa - a, pb - pa);
      vecswap(a, pb - r, r);
      r = Math.min(pd - pc, pn - pd - 1);
      vecswap(pb, pn - r, r);
      if ((r = pb - pa) > 1 && !outside(a, r)) sortPart(a, r);
      if ((r = pd - pc) > 1) {
        a = pn - r;
        n = r;
        if (!outside(a, n)) continue;
      }
      return;
    }
  };
  sortPart(0, v.length);
}

/** The scripting runner's client has no connection (scripting/runner.ts). */
const SCRIPT_CONN = -1;

export const sortCommands: readonly CommandSpec[] = [
  { name: "sort", arity: -2, flags: { write: true }, proc: (node, c, argv) => sortGeneric(node, c, argv, false), keys: [1, 1, 1] },
  { name: "sort_ro", arity: -2, flags: {}, proc: (node, c, argv) => sortGeneric(node, c, argv, true), keys: [1, 1, 1] },
];
