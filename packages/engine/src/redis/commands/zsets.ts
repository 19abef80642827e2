/**
 * Sorted set commands (t_zset.c, 7.0.15): ZADD with every flag, the ZRANGE family in all its
 * forms (rank, score, lex, REV, LIMIT, ZRANGESTORE), the set algebra (ZUNION/ZINTER/ZDIFF and
 * their STORE forms, which also take plain sets), pops and blocking pops, ZRANDMEMBER. Scores
 * print as `%.17g`. A blocking pop that finds data reaches replicas as ZPOPMIN/ZPOPMAX, ZMPOP as
 * ZPOPMIN/ZPOPMAX with the count popped.
 */
import { writeArrayHeader, writeBulk, writeInteger } from "../resp/encode.ts";
import { asciiBytes, binaryToBytes, bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import { ZsetValue, lexGteMin, lexLteMax, scoreGteMin, scoreLteMax, type LexRange, type ScoreRange, type ZNode } from "../store/zset.ts";
import type { SetValue } from "../store/set.ts";
import type { Database } from "../store/keyspace.ts";
import { doubleArg, existingForWrite, longArg, lookupTyped, positiveLongArg, rangeLongArg, removeEach, replyLength, storeResult, writeBinary, replyDouble, LONG_MAX } from "./args.ts";
import { ERR_SYNTAX, keyOf, word, replyNullBulk, replyNullArray } from "./reply.ts";
import { strtod } from "../numbers.ts";
import { parseRandomCount, randomSample } from "./random.ts";
import { blockForKeys, type BlockedOnKeys } from "../blocking.ts";
import { denyBlocking, timeoutArg } from "./lists.ts";

const ZPOPMIN = asciiBytes("ZPOPMIN");
const ZPOPMAX = asciiBytes("ZPOPMAX");
const WRONGTYPE = "WRONGTYPE Operation against a key holding the wrong kind of value";

type Where = "min" | "max";

// ---------------------------------------------------------------------------------------------
// Encoding rules (zsetAdd, zsetConvertToListpackIfNeeded)

/** A new sorted set for a first member: a listpack unless the limits say otherwise. */
function createZsetFor(node: RedisNode, firstMember: Uint8Array | string): ZsetValue {
  const entries = node.config["zset-max-listpack-entries"];
  const value = node.config["zset-max-listpack-value"];
  return new ZsetValue(entries === 0 || value < firstMember.length ? "skiplist" : "listpack");
}

interface AddFlags {
  readonly nx: boolean;
  readonly xx: boolean;
  readonly gt: boolean;
  readonly lt: boolean;
  readonly incr: boolean;
}

const PLAIN_ADD: AddFlags = { nx: false, xx: false, gt: false, lt: false, incr: false };

type AddOutcome = { readonly kind: "nan" } | { readonly kind: "added" | "updated" | "nop" | "same"; readonly score: number };

/** zsetAdd: adds or updates one member under the ZADD flags; converts the listpack when needed. */
export function zsetAdd(node: RedisNode, zset: ZsetValue, score: number, member: string, flags: AddFlags): AddOutcome {
  if (Number.isNaN(score)) return { kind: "nan" };
  const current = zset.score(member);
  if (current !== undefined) {
    if (flags.nx) return { kind: "nop", score: current };
    if (flags.incr) {
      score += current;
      if (Number.isNaN(score)) return { kind: "nan" };
    }
    if ((flags.lt && score >= current) || (flags.gt && score <= current)) return { kind: "nop", score: current };
    if (score !== current) {
      zset.set(member, stored(zset, score));
      return { kind: "updated", score };
    }
    return { kind: "same", score };
  }
  if (flags.xx) return { kind: "nop", score };
  if (zset.encoding === "listpack" && (zset.length + 1 > node.config["zset-max-listpack-entries"] || member.length > node.config["zset-max-listpack-value"])) {
    zset.encoding = "skiplist";
  }
  zset.set(member, stored(zset, score));
  return { kind: "added", score };
}

/** The score as the encoding keeps it: a listpack stores -0 as the integer 0 (the reply still says -0). */
function stored(zset: ZsetValue, score: number): number {
  return zset.encoding === "listpack" && score === 0 ? 0 : score;
}

/** zsetConvertToListpackIfNeeded, for results built as skiplists (ZUNIONSTORE and friends). */
function convertToListpackIfNeeded(node: RedisNode, zset: ZsetValue): void {
  if (zset.encoding === "listpack") return;
  let maxLength = 0;
  for (const member of zset.dict.keys()) if (member.length > maxLength) maxLength = member.length;
  if (zset.length <= node.config["zset-max-listpack-entries"] && maxLength <= node.config["zset-max-listpack-value"]) {
    zset.encoding = "listpack";
    zset.zerosToPositive();
  }
}


// ---------------------------------------------------------------------------------------------
// Range parsing (zslParseRange, zslParseLexRange)

/** One end of a score range as strtod reads it after an optional `(`; undefined if invalid. */
function parseScoreBound(arg: Uint8Array): { value: number; exclusive: boolean } | undefined {
  let text = bytesToBinary(arg);
  const nul = text.indexOf("\0");
  if (nul >= 0) text = text.slice(0, nul);
  let exclusive = false;
  if (text.startsWith("(")) {
    exclusive = true;
    text = text.slice(1);
  }
  const parsed = strtod(text);
  if (parsed.end !== text.length || Number.isNaN(parsed.value)) return undefined;
  return { value: parsed.value, exclusive };
}

export function parseScoreRange(minArg: Uint8Array, maxArg: Uint8Array): ScoreRange | undefined {
  const min = parseScoreBound(minArg);
  const max = parseScoreBound(maxArg);
  if (!min || !max) return undefined;
  return { min: min.value, max: max.value, minex: min.exclusive, maxex: max.exclusive };
}

type LexBound = { readonly kind: "min" | "max" } | { readonly kind: "value"; readonly value: string; readonly exclusive: boolean };

function parseLexBound(arg: Uint8Array): LexBound | undefined {
  const first = arg[0];
  if (first === 0x2b /* + */) return arg.length === 1 || arg[1] === 0 ? { kind: "max" } : undefined;
  if (first === 0x2d /* - */) return arg.length === 1 || arg[1] === 0 ? { kind: "min" } : undefined;
  if (first === 0x28 /* ( */) return { kind: "value", value: bytesToBinary(arg, 1), exclusive: true };
  if (first === 0x5b /* [ */) return { kind: "value", value: bytesToBinary(arg, 1), exclusive: false };
  return undefined;
}

export function parseLexRange(minArg: Uint8Array, maxArg: Uint8Array): LexRange | undefined {
  const min = parseLexBound(minArg);
  const max = parseLexBound(maxArg);
  if (!min || !max) return undefined;
  // `+` as the minimum or `-` as the maximum: nothing can be in range.
  const empty = min.kind === "max" || max.kind === "min";
  return {
    min: min.kind === "value" ? min.value : null,
    max: max.kind === "value" ? max.value : null,
    minex: min.kind === "value" ? min.exclusive : true,
    maxex: max.kind === "value" ? max.exclusive : true,
    empty,
  };
}

// ---------------------------------------------------------------------------------------------
// ZADD, ZINCRBY, ZREM, ZREMRANGEBY*

function zaddProc(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  zaddGeneric(node, c, argv, false);
}

function zaddGeneric(node: RedisNode, c: Client, argv: Uint8Array[], incrCommand: boolean): void {
  let nx = false;
  let xx = false;
  let gt = false;
  let lt = false;
  let ch = false;
  let incr = incrCommand;
  let scoreIndex = 2;
  for (; scoreIndex < argv.length; scoreIndex++) {
    const opt = word(argv[scoreIndex]!);
    if (opt === "nx") nx = true;
    else if (opt === "xx") xx = true;
    else if (opt === "ch") ch = true;
    else if (opt === "incr") incr = true;
    else if (opt === "gt") gt = true;
    else if (opt === "lt") lt = true;
    else break;
  }
  const elementArgs = argv.length - scoreIndex;
  if (elementArgs % 2 !== 0 || elementArgs === 0) {
    node.replyError(c, ERR_SYNTAX);
    return;
  }
  const elements = elementArgs / 2;
  if (nx && xx) {
    node.replyError(c, "ERR XX and NX options at the same time are not compatible");
    return;
  }
  if ((gt && nx) || (lt && nx) || (gt && lt)) {
    node.replyError(c, "ERR GT, LT, and/or NX options at the same time are not compatible");
    return;
  }
  if (incr && elements > 1) {
    node.replyError(c, "ERR INCR option supports a single increment-element pair");
    return;
  }
  const scores: number[] = [];
  for (let j = 0; j < elements; j++) {
    const score = doubleArg(node, c, argv[scoreIndex + j * 2]!);
    if (score === undefined) return;
    scores.push(score);
  }
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  let zset = lookupTyped(node, c, db, key, "zset", true);
  if (zset === null) return;
  let added = 0;
  let updated = 0;
  let processed = 0;
  let lastScore = 0;
  if (zset === undefined && xx) {
    // No key and XX: nothing to do.
  } else {
    if (zset === undefined) {
      zset = createZsetFor(node, argv[scoreIndex + 1]!);
      db.set(key, zset);
    }
    const flags: AddFlags = { nx, xx, gt, lt, incr };
    for (let j = 0; j < elements; j++) {
      const outcome = zsetAdd(node, zset, scores[j]!, bytesToBinary(argv[scoreIndex + 1 + j * 2]!), flags);
      if (outcome.kind === "nan") {
        node.replyError(c, "ERR resulting score is not a number (NaN)");
        if (added || updated) db.touch(key);
        return;
      }
      if (outcome.kind === "added") added++;
      if (outcome.kind === "updated") updated++;
      if (outcome.kind !== "nop") processed++;
      lastScore = outcome.score;
    }
    node.dirty += added + updated;
  }
  if (incr) {
    if (processed) replyDouble(c, lastScore);
    else replyNullBulk(c);
  } else {
    writeInteger(c.out, ch ? added + updated : added);
  }
  if (added || updated) db.touch(key);
}

/**
 * A score argument that is a plain decimal integer (an optional `-`, then 1 to 15 digits): its value
 * as strtod reads it, exactly (below 2^53). Undefined for anything else, which goes the full way.
 */
function plainIntegerScore(data: Uint8Array, start: number, length: number): number | undefined {
  const negative = data[start] === 0x2d;
  const first = negative ? start + 1 : start;
  const end = start + length;
  if (end - first < 1 || end - first > 15) return undefined;
  let value = 0;
  for (let i = first; i < end; i++) {
    const digit = data[i]! - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return negative ? -value : value;
}

/**
 * True when `ZADD key score member` (a whole canonical request; `b` holds the (start, length) pairs
 * of its four arguments in `data`) would change nothing in `db`: the key, without a TTL (so no lazy
 * expiry can apply), holds a sorted set with the member at that very score. ZADD without options
 * then only answers `:0`: nothing is added or updated, so no dirty count, no propagation, no
 * keyspace event (redis-benchmark's ZADD after its first). False for anything else.
 */
export function zaddChangesNothing(db: Database, data: Uint8Array, b: Int32Array): boolean {
  // A digit string is never one of ZADD's option words, so the score is at argv[2].
  const score = plainIntegerScore(data, b[4]!, b[5]!);
  if (score === undefined) return false;
  const key = bytesToBinary(data, b[2]!, b[2]! + b[3]!);
  if (db.expires.size > 0 && db.expires.has(key)) return false;
  const zset = db.get(key);
  if (!(zset instanceof ZsetValue)) return false;
  // zsetAdd's "same": the score compares equal (0 and -0 alike).
  return zset.score(bytesToBinary(data, b[6]!, b[6]! + b[7]!)) === score;
}

/**
 * `ZADD key score member [score member ...]` without options, read from an input buffer (`b` holds
 * the (start, length) pairs of its `count` arguments in `data`), applied as zaddGeneric applies it
 * (zsetAdd's encodings and conversions, the dirty count, the key created or touched); returns the
 * reply (members added). -1, before changing anything, where the full path must run: a key of
 * another type, a score that is not a plain decimal integer (an option word among them), or a
 * request that would change nothing (nothing to propagate then; see zaddChangesNothing).
 */
export function zaddFromBounds(node: RedisNode, db: Database, key: string, data: Uint8Array, b: Int32Array, count: number): number {
  const value = db.get(key);
  if (value !== undefined && !(value instanceof ZsetValue)) return -1;
  const scores: number[] = [];
  const members: string[] = [];
  let changes = value === undefined;
  for (let i = 2; i < count; i += 2) {
    const score = plainIntegerScore(data, b[2 * i]!, b[2 * i + 1]!);
    if (score === undefined) return -1;
    const member = bytesToBinary(data, b[2 * i + 2]!, b[2 * i + 2]! + b[2 * i + 3]!);
    // On the state before it, the first pair that changes anything is seen as changing.
    if (!changes && value!.score(member) !== score) changes = true;
    scores.push(score);
    members.push(member);
  }
  if (!changes) return -1;
  let zset = value;
  if (zset === undefined) {
    zset = createZsetFor(node, members[0]!);
    db.set(key, zset);
  }
  let added = 0;
  let updated = 0;
  for (let j = 0; j < scores.length; j++) {
    const outcome = zsetAdd(node, zset, scores[j]!, members[j]!, PLAIN_ADD);
    if (outcome.kind === "added") added++;
    else if (outcome.kind === "updated") updated++;
  }
  node.dirty += added + updated;
  if (added || updated) db.touch(key);
  return added;
}

/** The command table's ZADD is this file's (a kind's table may stand another in its place). */
export function isSharedZadd(spec: CommandSpec): boolean {
  return spec.proc === zaddProc;
}

function zremCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const found = existingForWrite(node, c, argv[1]!, "zset");
  if (!found) return;
  const zset = found.value;
  removeEach(node, c, found.db, found.key, argv.slice(2), (member) => zset.delete(member), () => zset.length);
}

type RangeKind = "rank" | "score" | "lex";

/** The nodes a range selects, ascending; `reverse` walks from the top. */
function collectRange(zset: ZsetValue, kind: "score" | "lex", score: ScoreRange | undefined, lex: LexRange | undefined, reverse: boolean, offset: number, limit: number): ZNode[] {
  const out: ZNode[] = [];
  if (offset > 0 && offset >= zset.length) return out;
  let node: ZNode | null;
  if (kind === "score") node = reverse ? zset.lastInScoreRange(score!) : zset.firstInScoreRange(score!);
  else node = reverse ? zset.lastInLexRange(lex!) : zset.firstInLexRange(lex!);
  // A negative offset walks off the end (C's `offset--` never reaches zero).
  if (offset < 0) return out;
  for (; node && offset > 0; offset--) node = reverse ? node.backward : node.forward[0]!;
  for (; node && limit !== 0; limit--) {
    if (kind === "score") {
      if (reverse ? !scoreGteMin(node.score, score!) : !scoreLteMax(node.score, score!)) break;
    } else if (reverse ? !lexGteMin(node.member, lex!) : !lexLteMax(node.member, lex!)) {
      break;
    }
    out.push(node);
    node = reverse ? node.backward : node.forward[0]!;
  }
  return out;
}

function zremrangeGeneric(kind: RangeKind) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    let start = 0;
    let end = 0;
    let score: ScoreRange | undefined;
    let lex: LexRange | undefined;
    if (kind === "rank") {
      const s = longArg(node, c, argv[2]!);
      if (s === undefined) return;
      const e = longArg(node, c, argv[3]!);
      if (e === undefined) return;
      start = s;
      end = e;
    } else if (kind === "score") {
      score = parseScoreRange(argv[2]!, argv[3]!);
      if (!score) {
        node.replyError(c, "ERR min or max is not a float");
        return;
      }
    } else {
      lex = parseLexRange(argv[2]!, argv[3]!);
      if (!lex) {
        node.replyError(c, "ERR min or max not valid string range item");
        return;
      }
    }
    const found = existingForWrite(node, c, argv[1]!, "zset");
    if (!found) return;
    const { db, key, value: zset } = found;
    let victims: ZNode[];
    if (kind === "rank") {
      const length = zset.length;
      if (start < 0) start = length + start;
      if (end < 0) end = length + end;
      if (start < 0) start = 0;
      if (start > end || start >= length) {
        writeInteger(c.out, 0);
        return;
      }
      if (end >= length) end = length - 1;
      victims = [];
      for (let n = zset.byRank(start); n && victims.length < end - start + 1; n = n.forward[0]!) victims.push(n);
    } else if (kind === "lex") {
      victims = [];
      for (let n = zset.lexDeletionStart(lex!); n && lexLteMax(n.member, lex!); n = n.forward[0] ?? null) victims.push(n);
    } else {
      victims = collectRange(zset, kind, score, lex, false, 0, -1);
    }
    for (const victim of victims) zset.delete(victim.member);
    const deleted = victims.length;
    if (zset.length === 0) db.delete(key);
    else if (deleted > 0) db.touch(key);
    node.dirty += deleted;
    writeInteger(c.out, deleted);
  };
}

// ---------------------------------------------------------------------------------------------
// ZUNION, ZINTER, ZDIFF (+STORE), ZINTERCARD

interface OpSource {
  readonly value: ZsetValue | SetValue | undefined;
  weight: number;
}

function sourceLength(src: OpSource): number {
  return src.value?.length ?? 0;
}

/** Members with scores, in the source's iteration order (a plain set's members score 1). */
function sourceEntries(src: OpSource): [string, number][] {
  const value = src.value;
  if (!value) return [];
  if (value.type === "set") return value.ordered().map((m) => [m, 1]);
  const out: [string, number][] = [];
  for (const n of value) out.push([n.member, n.score]);
  return out;
}

function sourceScore(src: OpSource, member: string): number | undefined {
  const value = src.value;
  if (!value) return undefined;
  if (value.type === "set") return value.members.has(member) ? 1 : undefined;
  return value.score(member);
}

function aggregate(target: number, value: number, how: "sum" | "min" | "max"): number {
  if (how === "sum") {
    const sum = target + value;
    // inf + -inf: redis keeps 0 rather than NaN.
    return Number.isNaN(sum) ? 0 : sum;
  }
  if (how === "min") return value < target ? value : target;
  return value > target ? value : target;
}

function zsetOperation(op: "union" | "inter" | "diff", numkeysIndex: number, store: boolean, cardinalityOnly: boolean) {
  const name = `z${op}${store ? "store" : cardinalityOnly ? "card" : ""}`;
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const setnum = longArg(node, c, argv[numkeysIndex]!);
    if (setnum === undefined) return;
    if (setnum < 1) {
      node.replyError(c, `ERR at least 1 input key is needed for '${name}' command`);
      return;
    }
    if (setnum > argv.length - (numkeysIndex + 1)) {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
    const db = node.selectedDb(c);
    const sources: OpSource[] = [];
    let j = numkeysIndex + 1;
    for (let i = 0; i < setnum; i++, j++) {
      const value = node.lookupRead(db, keyOf(argv[j]!));
      if (value !== undefined && (value instanceof Uint8Array || (value.type !== "zset" && value.type !== "set"))) {
        node.replyError(c, WRONGTYPE);
        return;
      }
      sources.push({ value, weight: 1 });
    }
    let how: "sum" | "min" | "max" = "sum";
    let withScores = false;
    let limit = 0;
    let remaining = argv.length - j;
    while (remaining > 0) {
      const opt = word(argv[j]!);
      if (op !== "diff" && !cardinalityOnly && remaining >= setnum + 1 && opt === "weights") {
        j++;
        remaining--;
        for (let i = 0; i < setnum; i++, j++, remaining--) {
          const weight = doubleArg(node, c, argv[j]!, "weight value is not a float");
          if (weight === undefined) return;
          sources[i]!.weight = weight;
        }
      } else if (op !== "diff" && !cardinalityOnly && remaining >= 2 && opt === "aggregate") {
        j++;
        remaining--;
        const which = word(argv[j]!);
        if (which !== "sum" && which !== "min" && which !== "max") {
          node.replyError(c, ERR_SYNTAX);
          return;
        }
        how = which;
        j++;
        remaining--;
      } else if (remaining >= 1 && !store && !cardinalityOnly && opt === "withscores") {
        j++;
        remaining--;
        withScores = true;
      } else if (cardinalityOnly && remaining >= 2 && opt === "limit") {
        j++;
        remaining--;
        const parsed = positiveLongArg(node, c, argv[j]!, "LIMIT can't be negative");
        if (parsed === undefined) return;
        limit = parsed;
        j++;
        remaining--;
      } else {
        node.replyError(c, ERR_SYNTAX);
        return;
      }
    }
    // Stable, as glibc's merge-sorting qsort is for these sizes: ties keep their argument order.
    if (op !== "diff") sources.sort((a, b) => sourceLength(a) - sourceLength(b));
    const result = new ZsetValue("skiplist");
    let cardinality = 0;
    if (op === "inter") {
      const first = sources[0]!;
      if (sourceLength(first) > 0) {
        for (const [member, memberScore] of sourceEntries(first)) {
          let score = first.weight * memberScore;
          if (Number.isNaN(score)) score = 0;
          let inAll = true;
          for (let k = 1; k < sources.length; k++) {
            const src = sources[k]!;
            const value = src.value === first.value ? memberScore : sourceScore(src, member);
            if (value === undefined) {
              inAll = false;
              break;
            }
            score = aggregate(score, value * src.weight, how);
          }
          if (!inAll) continue;
          if (cardinalityOnly) {
            cardinality++;
            if (limit && cardinality >= limit) break;
          } else {
            result.set(member, score);
          }
        }
      }
    } else if (op === "union") {
      const accumulator = new Map<string, number>();
      for (const src of sources) {
        for (const [member, memberScore] of sourceEntries(src)) {
          let score = src.weight * memberScore;
          if (Number.isNaN(score)) score = 0;
          const existing = accumulator.get(member);
          accumulator.set(member, existing === undefined ? score : aggregate(existing, score, how));
        }
      }
      for (const [member, score] of accumulator) result.set(member, score);
    } else {
      zdiff(sources, result);
    }
    if (store) {
      convertToListpackIfNeeded(node, result);
      storeResult(node, c, db, keyOf(argv[1]!), result);
    } else if (cardinalityOnly) {
      writeInteger(c.out, cardinality);
    } else {
      writeScoredHeader(c, result.length, withScores);
      for (const n of result) writeScored(c, n, withScores);
    }
  };
}

function zdiff(sources: OpSource[], result: ZsetValue): void {
  const first = sources[0]!;
  if (sourceLength(first) === 0) return;
  let oneWork = 0;
  let twoWork = 0;
  for (let j = 0; j < sources.length; j++) {
    if (j > 0 && sources[j]!.value === first.value) return;
    oneWork += sourceLength(first);
    twoWork += sourceLength(sources[j]!);
  }
  oneWork = Math.floor(oneWork / 2);
  if (oneWork <= twoWork) {
    const others = sources.slice(1);
    for (const [member, score] of sourceEntries(first)) {
      if (others.some((src) => src.value === first.value || sourceScore(src, member) !== undefined)) continue;
      result.set(member, score);
    }
    return;
  }
  let cardinality = 0;
  for (let j = 0; j < sources.length; j++) {
    const src = sources[j]!;
    if (sourceLength(src) === 0) continue;
    for (const [member, score] of sourceEntries(src)) {
      if (j === 0) {
        result.set(member, score);
        cardinality++;
      } else if (result.delete(member)) {
        cardinality--;
      }
      if (cardinality === 0) break;
    }
    if (cardinality === 0) break;
  }
}

// ---------------------------------------------------------------------------------------------
// ZRANGE and friends

type Direction = "forward" | "reverse";

/** zrangeGenericCommand: every ZRANGE form, for a client (`dstArg` null) or ZRANGESTORE. */
function zrangeGeneric(node: RedisNode, c: Client, argv: Uint8Array[], argcStart: number, dstArg: Uint8Array | null, fixedKind: RangeKind | null, fixedDirection: Direction | null): void {
  const store = dstArg !== null;
  const keyArg = argv[argcStart]!;
  let minIndex = argcStart + 1;
  let maxIndex = argcStart + 2;
  let withScores = false;
  let offset = 0;
  let limit = -1;
  let direction = fixedDirection;
  let kind = fixedKind;
  for (let j = argcStart + 3; j < argv.length; j++) {
    const left = argv.length - j - 1;
    const opt = word(argv[j]!);
    if (!store && opt === "withscores") {
      withScores = true;
    } else if (opt === "limit" && left >= 2) {
      const o = longArg(node, c, argv[j + 1]!);
      if (o === undefined) return;
      const l = longArg(node, c, argv[j + 2]!);
      if (l === undefined) return;
      offset = o;
      limit = l;
      j += 2;
    } else if (fixedDirection === null && direction === null && opt === "rev") {
      direction = "reverse";
    } else if (fixedKind === null && kind === null && opt === "bylex") {
      kind = "lex";
    } else if (fixedKind === null && kind === null && opt === "byscore") {
      kind = "score";
    } else {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
  }
  direction ??= "forward";
  kind ??= "rank";
  if (limit !== -1 && kind === "rank") {
    node.replyError(c, "ERR syntax error, LIMIT is only supported in combination with either BYSCORE or BYLEX");
    return;
  }
  if (withScores && kind === "lex") {
    node.replyError(c, "ERR syntax error, WITHSCORES not supported in combination with BYLEX");
    return;
  }
  if (direction === "reverse" && kind !== "rank") [minIndex, maxIndex] = [maxIndex, minIndex];
  let start = 0;
  let end = 0;
  let score: ScoreRange | undefined;
  let lex: LexRange | undefined;
  if (kind === "rank") {
    const s = longArg(node, c, argv[minIndex]!);
    if (s === undefined) return;
    const e = longArg(node, c, argv[maxIndex]!);
    if (e === undefined) return;
    start = s;
    end = e;
  } else if (kind === "score") {
    score = parseScoreRange(argv[minIndex]!, argv[maxIndex]!);
    if (!score) {
      node.replyError(c, "ERR min or max is not a float");
      return;
    }
  } else {
    lex = parseLexRange(argv[minIndex]!, argv[maxIndex]!);
    if (!lex) {
      node.replyError(c, "ERR min or max not valid string range item");
      return;
    }
  }
  const db = node.selectedDb(c);
  const zset = lookupTyped(node, c, db, keyOf(keyArg), "zset", false);
  if (zset === null) return;
  const reverse = direction === "reverse";
  let nodes: ZNode[] = [];
  let lengthHint = -1;
  if (zset !== undefined) {
    if (kind === "rank") {
      const length = zset.length;
      if (start < 0) start = length + start;
      if (end < 0) end = length + end;
      if (start < 0) start = 0;
      if (!(start > end || start >= length)) {
        if (end >= length) end = length - 1;
        lengthHint = end - start + 1;
        let n = reverse ? zset.byRank(length - 1 - start) : zset.byRank(start);
        for (let i = 0; i < lengthHint && n; i++) {
          nodes.push(n);
          n = reverse ? n.backward : n.forward[0]!;
        }
      } else {
        lengthHint = 0;
      }
    } else {
      nodes = collectRange(zset, kind, score, lex, reverse, offset, limit);
    }
  }
  if (store) {
    const dstKey = keyOf(dstArg);
    const result = new ZsetValue(lengthHint > node.config["zset-max-listpack-entries"] ? "skiplist" : "listpack");
    for (const n of nodes) zsetAdd(node, result, n.score, n.member, PLAIN_ADD);
    storeResult(node, c, db, dstKey, result);
    return;
  }
  if (zset === undefined) {
    writeArrayHeader(c.out, 0);
    return;
  }
  const scores = withScores;
  writeScoredHeader(c, nodes.length, scores);
  for (const n of nodes) writeScored(c, n, scores);
}

/**
 * ZCOUNT / ZLEXCOUNT. A listpack counts from the first member in range while members stay below
 * the maximum; a skiplist subtracts ranks (which, for a lex range over mixed scores, can even come
 * out negative, as in redis).
 */
function countInRange(node: RedisNode, c: Client, keyArg: Uint8Array, first: (z: ZsetValue) => ZNode | null, last: (z: ZsetValue) => ZNode | null, below: (n: ZNode) => boolean): void {
  const zset = lookupTyped(node, c, node.selectedDb(c), keyOf(keyArg), "zset", false);
  if (zset === null) return;
  let count = 0;
  const from = zset ? first(zset) : null;
  if (zset && from) {
    if (zset.encoding === "listpack") {
      for (let n: ZNode | null = from; n && below(n); n = n.forward[0] ?? null) count++;
    } else {
      count = zset.length - zset.rank(from.member);
      const to = last(zset);
      if (to) count -= zset.length - (zset.rank(to.member) + 1);
    }
  }
  writeInteger(c.out, count);
}

function zcountCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const range = parseScoreRange(argv[2]!, argv[3]!);
  if (!range) {
    node.replyError(c, "ERR min or max is not a float");
    return;
  }
  countInRange(node, c, argv[1]!, (z) => z.firstInScoreRange(range), (z) => z.lastInScoreRange(range), (n) => scoreLteMax(n.score, range));
}

function zlexcountCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const range = parseLexRange(argv[2]!, argv[3]!);
  if (!range) {
    node.replyError(c, "ERR min or max not valid string range item");
    return;
  }
  countInRange(node, c, argv[1]!, (z) => z.firstInLexRange(range), (z) => z.lastInLexRange(range), (n) => lexLteMax(n.member, range));
}

function zcardCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  replyLength(node, c, argv[1]!, "zset");
}

function zscoreCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const zset = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "zset", false);
  if (zset === null) return;
  const score = zset?.score(bytesToBinary(argv[2]!));
  if (score === undefined) replyNullBulk(c);
  else replyDouble(c, score);
}

function zmscoreCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const zset = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "zset", false);
  if (zset === null) return;
  writeArrayHeader(c.out, argv.length - 2);
  for (let j = 2; j < argv.length; j++) {
    const score = zset?.score(bytesToBinary(argv[j]!));
    if (score === undefined) replyNullBulk(c);
    else replyDouble(c, score);
  }
}

function zincrbyCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  zaddGeneric(node, c, argv, true);
}

function zrankCommand(reverse: boolean) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const zset = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "zset", false);
    if (zset === null) return;
    if (zset === undefined) {
      replyNullBulk(c);
      return;
    }
    const rank = zset.rank(bytesToBinary(argv[2]!));
    if (rank < 0) replyNullBulk(c);
    else writeInteger(c.out, reverse ? zset.length - 1 - rank : rank);
  };
}

// ---------------------------------------------------------------------------------------------
// Pops

interface PopShape {
  /** Reply with the key first (BZPOP*, ZMPOP, BZMPOP). */
  readonly emitKey: boolean;
  /** ZMPOP / BZMPOP: [key, [[member, score]...]]. */
  readonly nested: boolean;
  /** A null array (not an empty one) when no key holds a sorted set. */
  readonly nilWhenEmpty: boolean;
}

/**
 * A WITHSCORES reply's array (zrangeResultBeginClient): members and scores flat in RESP2, one
 * [member, score] pair per member in RESP3.
 */
function writeScoredHeader(c: Client, count: number, withScores: boolean): void {
  writeArrayHeader(c.out, withScores && c.resp === 2 ? count * 2 : count);
}

/** One member of a reply that {@link writeScoredHeader} began. */
function writeScored(c: Client, n: { readonly member: string; readonly score: number }, withScores: boolean): void {
  if (withScores && c.resp === 3) writeArrayHeader(c.out, 2);
  writeBinary(c.out, n.member);
  if (withScores) replyDouble(c, n.score);
}

/**
 * genericZpopCommand: pops from the first of `keyArgs` that exists. Returns the key popped from
 * and how many, or null when it replied otherwise (nothing there, WRONGTYPE, count 0).
 */
function genericZpop(node: RedisNode, c: Client, keyArgs: readonly Uint8Array[], where: Where, count: number, shape: PopShape): { keyArg: Uint8Array; popped: number; length: number } | null {
  const db = node.selectedDb(c);
  let found: ZsetValue | undefined;
  let keyArg: Uint8Array | undefined;
  for (const arg of keyArgs) {
    const zset = lookupTyped(node, c, db, keyOf(arg), "zset", true);
    if (zset === null) return null;
    if (zset === undefined) continue;
    found = zset;
    keyArg = arg;
    break;
  }
  if (!found || !keyArg) {
    if (shape.nilWhenEmpty) replyNullArray(c);
    else writeArrayHeader(c.out, 0);
    return null;
  }
  if (count === 0) {
    writeArrayHeader(c.out, 0);
    return null;
  }
  const wanted = count === -1 ? 1 : count;
  const length = found.length;
  const popped = Math.min(wanted, length);
  if (!shape.nested && !shape.emitKey) {
    writeArrayHeader(c.out, popped * 2);
  } else if (!shape.emitKey) {
    writeArrayHeader(c.out, popped);
  } else if (!shape.nested) {
    writeArrayHeader(c.out, popped * 2 + 1);
    writeBulk(c.out, keyArg);
  } else {
    writeArrayHeader(c.out, 2);
    writeBulk(c.out, keyArg);
    writeArrayHeader(c.out, popped);
  }
  for (let i = 0; i < popped; i++) {
    const n = where === "max" ? found.last()! : found.first()!;
    const { member, score } = n;
    found.delete(member);
    node.dirty++;
    if (shape.nested) writeArrayHeader(c.out, 2);
    writeBinary(c.out, member);
    replyDouble(c, score);
  }
  const key = keyOf(keyArg);
  if (found.length === 0) db.delete(key);
  else db.touch(key);
  return { keyArg, popped, length };
}

function zpopCommand(where: Where) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    if (argv.length > 3) {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
    let count = -1;
    if (argv.length === 3) {
      const parsed = positiveLongArg(node, c, argv[2]!);
      if (parsed === undefined) return;
      count = parsed;
    }
    // RESP3 pairs each member with its score, except for a plain ZPOPMIN without a count.
    genericZpop(node, c, [argv[1]!], where, count, { emitKey: false, nested: c.resp === 3 && count !== -1, nilWhenEmpty: false });
  };
}

/** What a ZPOPMIN/ZPOPMAX replica sees for a pop of `count` (-1: single) from `length` members. */
function popArgv(where: Where, keyArg: Uint8Array, count: number, length: number): Uint8Array[] {
  const name = where === "max" ? ZPOPMAX : ZPOPMIN;
  return count === -1 ? [name, keyArg] : [name, keyArg, asciiBytes(String(Math.min(count, length)))];
}

/** blockingGenericZpopCommand (BZPOPMIN, BZPOPMAX, BZMPOP). */
function blockingZpop(node: RedisNode, c: Client, argv: Uint8Array[], keyArgs: readonly Uint8Array[], where: Where, timeoutArgv: Uint8Array, count: number, nested: boolean, command: string): void {
  const deadline = timeoutArg(node, c, timeoutArgv);
  if (deadline === undefined) return;
  const db = node.selectedDb(c);
  for (const arg of keyArgs) {
    const zset = lookupTyped(node, c, db, keyOf(arg), "zset", true);
    if (zset === null) return;
    if (zset === undefined || zset.length === 0) continue;
    const done = genericZpop(node, c, [arg], where, count, { emitKey: true, nested, nilWhenEmpty: nested });
    if (done) node.rewriteArgv(popArgv(where, arg, count, done.length), `${command.toUpperCase()} found data at once: replicas get the ${where === "max" ? "ZPOPMAX" : "ZPOPMIN"} it became`);
    return;
  }
  if (denyBlocking(node, c)) {
    replyNullArray(c);
    return;
  }
  const keys = [...new Set(keyArgs.map(keyOf))];
  blockForKeys(node, c, { type: "zset", db, keys, deadlineMs: deadline, from: where === "min" ? "left" : "right", to: "left", target: null, count, command, argv: argv.map((a) => a.slice()) });
}

function bzpopCommand(where: Where) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    blockingZpop(node, c, argv, argv.slice(1, -1), where, argv[argv.length - 1]!, -1, false, where === "min" ? "bzpopmin" : "bzpopmax");
  };
}

function zmpopCommand(blocking: boolean) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const numkeysIndex = blocking ? 2 : 1;
    const numkeys = rangeLongArg(node, c, argv[numkeysIndex]!, 1n, LONG_MAX, "numkeys should be greater than 0");
    if (numkeys === undefined) return;
    const whereIndex = numkeysIndex + numkeys + 1;
    if (whereIndex >= argv.length) {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
    const whereWord = word(argv[whereIndex]!);
    if (whereWord !== "min" && whereWord !== "max") {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
    const where: Where = whereWord;
    let count = -1;
    for (let j = whereIndex + 1; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      if (count === -1 && word(argv[j]!) === "count" && more > 0) {
        j++;
        const parsed = rangeLongArg(node, c, argv[j]!, 1n, LONG_MAX, "count should be greater than 0");
        if (parsed === undefined) return;
        count = parsed;
      } else {
        node.replyError(c, ERR_SYNTAX);
        return;
      }
    }
    if (count === -1) count = 1;
    const keyArgs = argv.slice(numkeysIndex + 1, numkeysIndex + 1 + numkeys);
    if (blocking) {
      blockingZpop(node, c, argv, keyArgs, where, argv[1]!, count, true, "bzmpop");
      return;
    }
    const done = genericZpop(node, c, keyArgs, where, count, { emitKey: true, nested: true, nilWhenEmpty: true });
    if (done) node.rewriteArgv(popArgv(where, done.keyArg, count, done.length), "ZMPOP goes to replicas as the ZPOPMIN/ZPOPMAX of the one key it popped from");
  };
}

/** serveClientsBlockedOnSortedSetKey for one waiter; true when the sorted set was emptied. */
export function serveClientBlockedOnZset(node: RedisNode, receiver: Client, spec: BlockedOnKeys, zset: ZsetValue, key: string): boolean {
  const where: Where = spec.from === "left" ? "min" : "max";
  const length = zset.length;
  const keyArg = binaryToBytes(key);
  const nested = spec.command === "bzmpop";
  genericZpop(node, receiver, [keyArg], where, spec.count, { emitKey: true, nested, nilWhenEmpty: nested });
  node.propagateServed(spec.db.id, spec.argv, popArgv(where, keyArg, spec.count, length));
  return !spec.db.dict.has(key);
}

// ---------------------------------------------------------------------------------------------
// ZRANDMEMBER

function zrandmemberCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length >= 3) {
    const parsed = parseRandomCount(node, c, argv, "withscores");
    if (!parsed) return;
    const { count: l, withExtra: withScores } = parsed;
    const zset = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "zset", false);
    if (zset === null) return;
    if (zset === undefined || l === 0) {
      writeArrayHeader(c.out, 0);
      return;
    }
    const all = [...zset];
    const picked = randomSample(node.random, all, l, zset.encoding === "listpack");
    writeScoredHeader(c, picked.length, withScores);
    for (const n of picked) writeScored(c, n, withScores);
    return;
  }
  const zset = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "zset", false);
  if (zset === null) return;
  if (zset === undefined) {
    replyNullBulk(c);
    return;
  }
  writeBinary(c.out, zset.byRank(node.random.int(zset.length))!.member);
}

export const zsetCommands: readonly CommandSpec[] = [
  { name: "zadd", arity: -4, flags: { write: true }, proc: zaddProc, keys: [1, 1, 1] },
  { name: "zincrby", arity: 4, flags: { write: true }, proc: zincrbyCommand, keys: [1, 1, 1] },
  { name: "zrem", arity: -3, flags: { write: true }, proc: zremCommand, keys: [1, 1, 1] },
  { name: "zremrangebyrank", arity: 4, flags: { write: true }, proc: zremrangeGeneric("rank"), keys: [1, 1, 1] },
  { name: "zremrangebyscore", arity: 4, flags: { write: true }, proc: zremrangeGeneric("score"), keys: [1, 1, 1] },
  { name: "zremrangebylex", arity: 4, flags: { write: true }, proc: zremrangeGeneric("lex"), keys: [1, 1, 1] },
  { name: "zunionstore", arity: -4, flags: { write: true }, proc: zsetOperation("union", 2, true, false), keys: [1, 1, 1] },
  { name: "zinterstore", arity: -4, flags: { write: true }, proc: zsetOperation("inter", 2, true, false), keys: [1, 1, 1] },
  { name: "zdiffstore", arity: -4, flags: { write: true }, proc: zsetOperation("diff", 2, true, false), keys: [1, 1, 1] },
  { name: "zunion", arity: -3, flags: {}, proc: zsetOperation("union", 1, false, false) },
  { name: "zinter", arity: -3, flags: {}, proc: zsetOperation("inter", 1, false, false) },
  { name: "zintercard", arity: -3, flags: {}, proc: zsetOperation("inter", 1, false, true) },
  { name: "zdiff", arity: -3, flags: {}, proc: zsetOperation("diff", 1, false, false) },
  { name: "zrange", arity: -4, flags: {}, proc: (node, c, argv) => zrangeGeneric(node, c, argv, 1, null, null, null), keys: [1, 1, 1] },
  { name: "zrangestore", arity: -5, flags: { write: true }, proc: (node, c, argv) => zrangeGeneric(node, c, argv, 2, argv[1]!, null, null), keys: [1, 2, 1] },
  { name: "zrangebyscore", arity: -4, flags: {}, proc: (node, c, argv) => zrangeGeneric(node, c, argv, 1, null, "score", "forward"), keys: [1, 1, 1] },
  { name: "zrevrangebyscore", arity: -4, flags: {}, proc: (node, c, argv) => zrangeGeneric(node, c, argv, 1, null, "score", "reverse"), keys: [1, 1, 1] },
  { name: "zrangebylex", arity: -4, flags: {}, proc: (node, c, argv) => zrangeGeneric(node, c, argv, 1, null, "lex", "forward"), keys: [1, 1, 1] },
  { name: "zrevrangebylex", arity: -4, flags: {}, proc: (node, c, argv) => zrangeGeneric(node, c, argv, 1, null, "lex", "reverse"), keys: [1, 1, 1] },
  { name: "zrevrange", arity: -4, flags: {}, proc: (node, c, argv) => zrangeGeneric(node, c, argv, 1, null, "rank", "reverse"), keys: [1, 1, 1] },
  { name: "zcount", arity: 4, flags: {}, proc: zcountCommand, keys: [1, 1, 1] },
  { name: "zlexcount", arity: 4, flags: {}, proc: zlexcountCommand, keys: [1, 1, 1] },
  { name: "zcard", arity: 2, flags: {}, proc: zcardCommand, keys: [1, 1, 1] },
  { name: "zscore", arity: 3, flags: {}, proc: zscoreCommand, keys: [1, 1, 1] },
  { name: "zmscore", arity: -3, flags: {}, proc: zmscoreCommand, keys: [1, 1, 1] },
  { name: "zrank", arity: 3, flags: {}, proc: zrankCommand(false), keys: [1, 1, 1] },
  { name: "zrevrank", arity: 3, flags: {}, proc: zrankCommand(true), keys: [1, 1, 1] },
  { name: "zpopmin", arity: -2, flags: { write: true }, proc: zpopCommand("min"), keys: [1, 1, 1] },
  { name: "zpopmax", arity: -2, flags: { write: true }, proc: zpopCommand("max"), keys: [1, 1, 1] },
  { name: "bzpopmin", arity: -3, flags: { write: true }, proc: bzpopCommand("min"), keys: [1, -2, 1] },
  { name: "bzpopmax", arity: -3, flags: { write: true }, proc: bzpopCommand("max"), keys: [1, -2, 1] },
  { name: "zmpop", arity: -4, flags: { write: true }, proc: zmpopCommand(false) },
  { name: "bzmpop", arity: -5, flags: { write: true }, proc: zmpopCommand(true) },
  { name: "zrandmember", arity: -2, flags: {}, proc: zrandmemberCommand, keys: [1, 1, 1] },
];
