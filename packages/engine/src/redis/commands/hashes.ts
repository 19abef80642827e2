/**
 * Hash commands (t_hash.c, 7.0.15). A hash starts as a listpack and becomes a hash table once a
 * field or value is longer than `hash-max-listpack-value` or it has more than
 * `hash-max-listpack-entries` fields. HINCRBYFLOAT goes to replicas as HSET with the value it
 * computed, so that float formatting can never make a replica differ.
 */
import { writeArrayHeader, writeBulk, writeInteger, writeSimple } from "../resp/encode.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { Database } from "../store/keyspace.ts";
import type { CommandSpec } from "./command.ts";
import { HashValue } from "../store/hash.ts";
import { ownBytes, ownCopy } from "../store/value.ts";
import { RecentString } from "./recent-string.ts";
import { existingForWrite, lookupTyped, removeEach, replyLength, writeBinary } from "./args.ts";
import { INT64_MAX, INT64_MIN, keyOf, parseInt64, replyMapHeader, replyNullBulk } from "./reply.ts";
import { add, formatHuman, fromInteger, isInfinite, parseLongDouble } from "../long-double.ts";
import { parseRandomCount, randomSample } from "./random.ts";

const HSET = asciiBytes("HSET");

/** hashTypeLookupWriteOrCreate: the hash (created and added when missing), or null after WRONGTYPE. */
function hashForWrite(node: RedisNode, c: Client, db: Database, key: string): HashValue | null {
  const hash = lookupTyped(node, c, db, key, "hash", true);
  if (hash === null) return null;
  if (hash !== undefined) return hash;
  const created = new HashValue();
  db.set(key, created);
  return created;
}

/** hashTypeTryConversion: any argument too long for a listpack converts the hash first. */
function tryConversion(node: RedisNode, hash: HashValue, argv: readonly Uint8Array[], start: number, end: number): void {
  if (hash.encoding !== "listpack") return;
  const limit = node.config["hash-max-listpack-value"];
  for (let i = start; i <= end; i++) {
    if (argv[i]!.length > limit) {
      hash.encoding = "hashtable";
      return;
    }
  }
}

/** hashTypeSet: true if the field existed (an update). Converts as the set makes necessary. */
export function hashSet(node: RedisNode, hash: HashValue, field: string, value: Uint8Array): boolean {
  const limit = node.config["hash-max-listpack-value"];
  if (hash.encoding === "listpack" && (field.length > limit || value.length > limit)) hash.encoding = "hashtable";
  const update = hash.fields.has(field);
  hash.fields.set(field, value);
  if (hash.encoding === "listpack" && hash.fields.size > node.config["hash-max-listpack-entries"]) hash.encoding = "hashtable";
  return update;
}

const recentField = new RecentString();

/**
 * HSET `key field value...` as a fast path runs it (see fast-writes.ts), from the request's bytes:
 * `b` holds (start, length) pairs of its `count` arguments in `data` (an even count), `view` is
 * the parser's DataView of `data`. The same effect as hsetCommand once the caller made sure no
 * rule of the full path applies (no TTL or watcher in the db). Returns how many fields were new,
 * or -1 when the key holds another type.
 */
export function hsetFromBounds(node: RedisNode, db: Database, key: string, data: Uint8Array, view: DataView, b: Int32Array, count: number): number {
  const value = db.get(key);
  let hash: HashValue;
  if (value instanceof HashValue) hash = value;
  else if (value === undefined) hash = new HashValue();
  else return -1;
  let created = 0;
  let changed = value === undefined;
  for (let i = 2; i < count; i += 2) {
    const field = recentField.of(data, view, b[2 * i]!, b[2 * i]! + b[2 * i + 1]!);
    const start = b[2 * i + 2]!;
    const end = start + b[2 * i + 3]!;
    // The same bytes again, with no conversion due: the stored value stays (values are never
    // changed in place).
    const old = hash.fields.get(field);
    if (old !== undefined && sameBytes(old, data, start, end) && !conversionDue(node, hash, field.length, end - start)) continue;
    if (!hashSet(node, hash, field, ownBytes(data, start, end))) created++;
    changed = true;
  }
  node.dirty += (count - 2) / 2;
  if (value === undefined) db.set(key, hash);
  // Unchanged (every value the same): nothing for the dict to count again, and no watcher (the
  // caller checked) to tell.
  else if (changed) db.touch(key);
  return created;
}

/** hashTypeSet on a listpack converts it for a long field or value, or when it holds too many fields. */
function conversionDue(node: RedisNode, hash: HashValue, fieldLength: number, valueLength: number): boolean {
  if (hash.encoding !== "listpack") return false;
  const limit = node.config["hash-max-listpack-value"];
  return fieldLength > limit || valueLength > limit || hash.fields.size > node.config["hash-max-listpack-entries"];
}

function sameBytes(value: Uint8Array, data: Uint8Array, start: number, end: number): boolean {
  if (value.length !== end - start) return false;
  for (let i = 0; i < value.length; i++) if (value[i] !== data[start + i]) return false;
  return true;
}

function hsetCommand(reply: "count" | "ok") {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    if (argv.length % 2 === 1) {
      node.replyError(c, `ERR wrong number of arguments for '${reply === "count" ? "hset" : "hmset"}' command`);
      return;
    }
    const db = node.selectedDb(c);
    const key = keyOf(argv[1]!);
    const hash = hashForWrite(node, c, db, key);
    if (hash === null) return;
    tryConversion(node, hash, argv, 2, argv.length - 1);
    let created = 0;
    for (let i = 2; i < argv.length; i += 2) if (!hashSet(node, hash, bytesToBinary(argv[i]!), ownCopy(argv[i + 1]!))) created++;
    if (reply === "count") writeInteger(c.out, created);
    else writeSimple(c.out, "OK");
    db.touch(key);
    node.dirty += (argv.length - 2) / 2;
  };
}

function hsetnxCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const hash = hashForWrite(node, c, db, key);
  if (hash === null) return;
  const field = bytesToBinary(argv[2]!);
  if (hash.fields.has(field)) {
    writeInteger(c.out, 0);
    return;
  }
  tryConversion(node, hash, argv, 2, 3);
  hashSet(node, hash, field, ownCopy(argv[3]!));
  writeInteger(c.out, 1);
  db.touch(key);
  node.dirty++;
}

function hincrbyCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const incr = parseInt64(argv[3]!);
  if (incr === undefined) {
    node.replyError(c, "ERR value is not an integer or out of range");
    return;
  }
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const hash = hashForWrite(node, c, db, key);
  if (hash === null) return;
  const field = bytesToBinary(argv[2]!);
  const current = hash.fields.get(field);
  let value = 0n;
  if (current !== undefined) {
    const parsed = parseInt64(current);
    if (parsed === undefined) {
      node.replyError(c, "ERR hash value is not an integer");
      return;
    }
    value = parsed;
  }
  if ((incr < 0n && value < 0n && incr < INT64_MIN - value) || (incr > 0n && value > 0n && incr > INT64_MAX - value)) {
    node.replyError(c, "ERR increment or decrement would overflow");
    return;
  }
  value += incr;
  hashSet(node, hash, field, asciiBytes(value.toString()));
  writeInteger(c.out, value);
  db.touch(key);
  node.dirty++;
}

function hincrbyfloatCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const incr = parseLongDouble(bytesToBinary(argv[3]!));
  if (incr === undefined) {
    node.replyError(c, "ERR value is not a valid float");
    return;
  }
  if (isInfinite(incr)) {
    node.replyError(c, "ERR value is NaN or Infinity");
    return;
  }
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const hash = hashForWrite(node, c, db, key);
  if (hash === null) return;
  const field = bytesToBinary(argv[2]!);
  const current = hash.fields.get(field);
  let value = fromInteger(0n);
  if (current !== undefined) {
    const parsed = parseLongDouble(bytesToBinary(current));
    if (parsed === undefined) {
      node.replyError(c, "ERR hash value is not a float");
      return;
    }
    value = parsed;
  }
  const sum = add(value, incr);
  if (isInfinite(sum)) {
    node.replyError(c, "ERR increment would produce NaN or Infinity");
    return;
  }
  const text = asciiBytes(formatHuman(sum));
  hashSet(node, hash, field, text);
  writeBulk(c.out, text);
  db.touch(key);
  node.dirty++;
  node.rewriteArgv([HSET, argv[1]!, argv[2]!, text], "HINCRBYFLOAT goes to replicas as HSET with the value computed here, so float rounding cannot differ");
}

function hgetCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const hash = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "hash", false);
  if (hash === null) return;
  const value = hash?.fields.get(bytesToBinary(argv[2]!));
  if (value) writeBulk(c.out, value);
  else replyNullBulk(c);
}

function hmgetCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const hash = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "hash", false);
  if (hash === null) return;
  writeArrayHeader(c.out, argv.length - 2);
  for (let i = 2; i < argv.length; i++) {
    const value = hash?.fields.get(bytesToBinary(argv[i]!));
    if (value) writeBulk(c.out, value);
    else replyNullBulk(c);
  }
}

function hdelCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const found = existingForWrite(node, c, argv[1]!, "hash");
  if (!found) return;
  const hash = found.value;
  removeEach(node, c, found.db, found.key, argv.slice(2), (field) => hash.fields.delete(field), () => hash.length);
}

function hlenCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  replyLength(node, c, argv[1]!, "hash");
}

function hstrlenCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const hash = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "hash", false);
  if (hash === null) return;
  writeInteger(c.out, hash?.fields.get(bytesToBinary(argv[2]!))?.length ?? 0);
}

function hexistsCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const hash = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "hash", false);
  if (hash === null) return;
  writeInteger(c.out, hash?.fields.has(bytesToBinary(argv[2]!)) ? 1 : 0);
}

function hgetallCommand(what: "keys" | "values" | "both") {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const hash = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "hash", false);
    if (hash === null) return;
    // HGETALL is a map in RESP3 (an empty one for a missing key); HKEYS and HVALS stay arrays.
    const length = hash === undefined ? 0 : hash.length;
    if (what === "both") replyMapHeader(c, length);
    else writeArrayHeader(c.out, length);
    if (hash === undefined) return;
    for (const [field, value] of hash.fields) {
      if (what !== "values") writeBinary(c.out, field);
      if (what !== "keys") writeBulk(c.out, value);
    }
  };
}

function hrandfieldCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length >= 3) {
    const parsed = parseRandomCount(node, c, argv, "withvalues");
    if (!parsed) return;
    const { count: l, withExtra: withValues } = parsed;
    const hash = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "hash", false);
    if (hash === null) return;
    if (hash === undefined || l === 0) {
      writeArrayHeader(c.out, 0);
      return;
    }
    const fields = [...hash.fields.keys()];
    const picked = randomSample(node.random, fields, l, hash.encoding === "listpack");
    // WITHVALUES: flat in RESP2, one [field, value] pair per field in RESP3.
    writeArrayHeader(c.out, withValues && c.resp === 2 ? picked.length * 2 : picked.length);
    for (const field of picked) {
      if (withValues && c.resp === 3) writeArrayHeader(c.out, 2);
      writeBinary(c.out, field);
      if (withValues) writeBulk(c.out, hash.fields.get(field)!);
    }
    return;
  }
  const hash = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "hash", false);
  if (hash === null) return;
  if (hash === undefined) {
    replyNullBulk(c);
    return;
  }
  const fields = [...hash.fields.keys()];
  writeBinary(c.out, fields[node.random.int(fields.length)]!);
}

export const hashCommands: readonly CommandSpec[] = [
  { name: "hset", arity: -4, flags: { write: true }, proc: hsetCommand("count"), keys: [1, 1, 1] },
  { name: "hmset", arity: -4, flags: { write: true }, proc: hsetCommand("ok"), keys: [1, 1, 1] },
  { name: "hsetnx", arity: 4, flags: { write: true }, proc: hsetnxCommand, keys: [1, 1, 1] },
  { name: "hincrby", arity: 4, flags: { write: true }, proc: hincrbyCommand, keys: [1, 1, 1] },
  { name: "hincrbyfloat", arity: 4, flags: { write: true }, proc: hincrbyfloatCommand, keys: [1, 1, 1] },
  { name: "hget", arity: 3, flags: {}, proc: hgetCommand, keys: [1, 1, 1] },
  { name: "hmget", arity: -3, flags: {}, proc: hmgetCommand, keys: [1, 1, 1] },
  { name: "hdel", arity: -3, flags: { write: true }, proc: hdelCommand, keys: [1, 1, 1] },
  { name: "hlen", arity: 2, flags: {}, proc: hlenCommand, keys: [1, 1, 1] },
  { name: "hstrlen", arity: 3, flags: {}, proc: hstrlenCommand, keys: [1, 1, 1] },
  { name: "hexists", arity: 3, flags: {}, proc: hexistsCommand, keys: [1, 1, 1] },
  { name: "hkeys", arity: 2, flags: {}, proc: hgetallCommand("keys"), keys: [1, 1, 1] },
  { name: "hvals", arity: 2, flags: {}, proc: hgetallCommand("values"), keys: [1, 1, 1] },
  { name: "hgetall", arity: 2, flags: {}, proc: hgetallCommand("both"), keys: [1, 1, 1] },
  { name: "hrandfield", arity: -2, flags: {}, proc: hrandfieldCommand, keys: [1, 1, 1] },
];
