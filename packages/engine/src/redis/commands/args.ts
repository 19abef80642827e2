/**
 * What the data-type commands share: typed key lookups (WRONGTYPE), argument parsers with redis's
 * error texts (object.c get*FromObjectOrReply), and reply helpers for doubles and byte strings.
 */
import { writeBulk, writeBulkString, writeInteger } from "../resp/encode.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import type { ByteWriter } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { Database } from "../store/keyspace.ts";
import { WRONGTYPE, type HashValue, type ListValue, type SetValue, type ZsetValue } from "../store/value.ts";
import { formatG17, parseStrictDouble } from "../numbers.ts";
import { parseInt64 } from "./reply.ts";

interface TypeMap {
  string: Uint8Array;
  list: ListValue;
  hash: HashValue;
  set: SetValue;
  zset: ZsetValue;
}

/**
 * lookupKeyRead/Write + checkType: the value under `key` if it has `type`, undefined if there is
 * none, null after replying WRONGTYPE.
 */
export function lookupTyped<K extends keyof TypeMap>(node: RedisNode, c: Client, db: Database, key: string, type: K, write: boolean): TypeMap[K] | undefined | null {
  const value = write ? node.lookupWrite(db, key) : node.lookupRead(db, key);
  if (value === undefined) return undefined;
  const actual = value instanceof Uint8Array ? "string" : value.type;
  if (actual !== type) {
    node.replyError(c, WRONGTYPE);
    return null;
  }
  return value as TypeMap[K];
}

/**
 * lookupKeyWriteOrReply + checkType for the key at `keyArg`: the db, key and value, or null after
 * replying WRONGTYPE or, when there is no such key, `:0` (what most removals answer then).
 */
export function existingForWrite<K extends keyof TypeMap>(node: RedisNode, c: Client, keyArg: Uint8Array, type: K): { db: Database; key: string; value: TypeMap[K] } | null {
  const db = node.selectedDb(c);
  const key = bytesToBinary(keyArg);
  const value = lookupTyped(node, c, db, key, type, true);
  if (value === null) return null;
  if (value === undefined) {
    writeInteger(c.out, 0);
    return null;
  }
  return { db, key, value };
}

/**
 * HDEL, SREM, ZREM: removes each argument with `remove`, deletes the key once `size` says it is
 * empty, signals the change and counts it; replies with how many were removed.
 */
export function removeEach(node: RedisNode, c: Client, db: Database, key: string, args: readonly Uint8Array[], remove: (member: string) => boolean, size: () => number): void {
  let deleted = 0;
  let removed = false;
  for (const arg of args) {
    if (remove(bytesToBinary(arg))) deleted++;
    if (size() === 0) {
      db.delete(key);
      removed = true;
      break;
    }
  }
  if (deleted > 0) {
    if (!removed) db.touch(key);
    node.dirty += deleted;
  }
  writeInteger(c.out, deleted);
}

/** LLEN, HLEN, SCARD, ZCARD: the size of the value at `keyArg`, 0 when there is none. */
export function replyLength(node: RedisNode, c: Client, keyArg: Uint8Array, type: "list" | "hash" | "set" | "zset"): void {
  const value = lookupTyped(node, c, node.selectedDb(c), bytesToBinary(keyArg), type, false);
  if (value === null) return;
  writeInteger(c.out, value?.length ?? 0);
}

/**
 * The STORE commands (SINTERSTORE, ZUNIONSTORE, ZRANGESTORE...): setKey of a non-empty result
 * (replacing whatever was there, TTL included), or the destination deleted; replies its size.
 */
export function storeResult(node: RedisNode, c: Client, db: Database, dstKey: string, result: SetValue | ZsetValue): void {
  if (result.length > 0) {
    node.lookupWrite(db, dstKey);
    db.set(dstKey, result);
    writeInteger(c.out, result.length);
    node.dirty++;
  } else {
    writeInteger(c.out, 0);
    if (db.delete(dstKey)) node.dirty++;
  }
}

const NOT_INTEGER = "value is not an integer or out of range";

/** getLongFromObjectOrReply: a 64-bit integer, or undefined after replying `ERR <msg>`. */
export function longArg(node: RedisNode, c: Client, arg: Uint8Array, msg?: string): number | undefined {
  const value = parseInt64(arg);
  if (value === undefined) {
    node.replyError(c, `ERR ${msg ?? NOT_INTEGER}`);
    return undefined;
  }
  return Number(value);
}

/** getRangeLongFromObjectOrReply (bounds as bigints, so that ±LONG_MAX print exactly). */
export function rangeLongArg(node: RedisNode, c: Client, arg: Uint8Array, min: bigint, max: bigint, msg?: string): number | undefined {
  const value = parseInt64(arg);
  if (value === undefined) {
    node.replyError(c, `ERR ${msg ?? NOT_INTEGER}`);
    return undefined;
  }
  if (value < min || value > max) {
    node.replyError(c, `ERR ${msg ?? `value is out of range, value must between ${min} and ${max}`}`);
    return undefined;
  }
  return Number(value);
}

/** LONG_MAX. */
export const LONG_MAX = 9223372036854775807n;

/** getPositiveLongFromObjectOrReply: 0..LONG_MAX. */
export function positiveLongArg(node: RedisNode, c: Client, arg: Uint8Array, msg?: string): number | undefined {
  const value = parseInt64(arg);
  const text = msg ?? "value is out of range, must be positive";
  if (value === undefined || value < 0n) {
    node.replyError(c, `ERR ${text}`);
    return undefined;
  }
  return Number(value);
}

/** getDoubleFromObjectOrReply. */
export function doubleArg(node: RedisNode, c: Client, arg: Uint8Array, msg?: string): number | undefined {
  const value = parseStrictDouble(bytesToBinary(arg));
  if (value === undefined) node.replyError(c, `ERR ${msg ?? "value is not a valid float"}`);
  return value;
}

/** addReplyDouble in RESP2: a bulk string in `%.17g`, `inf` or `-inf`. */
export function writeDouble(out: ByteWriter, value: number): void {
  writeBulkString(out, formatG17(value));
}

/** addReplyDouble: a bulk string in RESP2, `,<%.17g>` (`,inf`, `,-inf`) in RESP3. */
export function replyDouble(c: Client, value: number): void {
  if (c.resp !== 3) {
    writeDouble(c.out, value);
    return;
  }
  c.out.byte(0x2c);
  c.out.ascii(formatG17(value));
  c.out.byte(0x0d);
  c.out.byte(0x0a);
}

/** A byte-string key or member as a bulk reply. */
export function writeBinary(out: ByteWriter, text: string): void {
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  writeBulk(out, bytes);
}

/** LEFT / RIGHT (getListPositionFromObjectOrReply), or undefined after a syntax error. */
export function listPositionArg(node: RedisNode, c: Client, arg: Uint8Array): "left" | "right" | undefined {
  const text = bytesToBinary(arg).toLowerCase();
  if (text === "left" || text === "right") return text;
  node.replyError(c, "ERR syntax error");
  return undefined;
}
