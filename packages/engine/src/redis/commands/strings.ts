/**
 * String commands (t_string.c), with 7.0's replies, errors and propagation rewrites:
 * SET with an expiry becomes `SET k v PXAT <ms>`, GETSET becomes SET, GETDEL becomes DEL,
 * GETEX becomes PEXPIREAT / PERSIST / DEL. Older versions (the node's `RedisDialect`) word the
 * expire error their way, know fewer SET options and send expiring writes as the client did.
 */
import { writeBulk, writeInteger, writeSimple, writeArrayHeader } from "../resp/encode.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import type { CommandSpec } from "./command.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import { ERR_NOT_INTEGER, ERR_OVERFLOW, ERR_SYNTAX, INT64_MAX, INT64_MIN, keyOf, parseInt64, word, replyNullBulk } from "./reply.ts";
import { lookupTyped } from "./args.ts";
import { lcsCommands } from "./lcs.ts";
import { markNonIntString, markRawString, ownCopy, WRONGTYPE } from "../store/value.ts";
import { add, formatHuman, isInfinite, parseLongDouble } from "../long-double.ts";

const SET = asciiBytes("SET");
const PXAT = asciiBytes("PXAT");
const DEL = asciiBytes("DEL");
const PEXPIREAT = asciiBytes("PEXPIREAT");
const PERSIST = asciiBytes("PERSIST");

type ExpireUnit = "ex" | "px" | "exat" | "pxat";

/**
 * Turns an expire argument into absolute unix ms, or an error text. `commandName` is what
 * redis puts in "invalid expire time in '<name>' command".
 */
function absoluteExpireMs(node: RedisNode, unit: ExpireUnit, arg: Uint8Array, commandName: string): number | string {
  const value = parseInt64(arg);
  if (value === undefined) return ERR_NOT_INTEGER;
  const invalid = node.dialect.invalidExpireTime(commandName);
  if (value <= 0n) return invalid;
  let ms = value;
  if (unit === "ex" || unit === "exat") {
    if (ms > INT64_MAX / 1000n) return invalid;
    ms *= 1000n;
  }
  if (unit === "ex" || unit === "px") {
    const now = BigInt(node.unixMs());
    if (ms > INT64_MAX - now) return invalid;
    ms += now;
  }
  return Number(ms);
}

function setCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  let nx = false;
  let xx = false;
  let get = false;
  let keepTtl = false;
  let unit: ExpireUnit | null = null;
  let expireArg: Uint8Array | null = null;
  const { modernOptions, nxWithXxIsError } = node.dialect.set;
  for (let i = 3; i < argv.length; i++) {
    const opt = word(argv[i]!);
    const next = argv[i + 1];
    if (opt === "nx" && !(xx && nxWithXxIsError)) nx = true;
    else if (opt === "xx" && !(nx && nxWithXxIsError)) xx = true;
    else if (opt === "get" && modernOptions) get = true;
    else if (opt === "keepttl" && unit === null && modernOptions) keepTtl = true;
    else if ((opt === "ex" || opt === "px" || ((opt === "exat" || opt === "pxat") && modernOptions)) && unit === null && !keepTtl && next) {
      unit = opt;
      expireArg = next;
      i++;
    } else {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
  }
  let expireAtMs = -1;
  if (unit !== null) {
    const at = absoluteExpireMs(node, unit, expireArg!, "set");
    if (typeof at === "string") {
      node.replyError(c, at);
      return;
    }
    expireAtMs = at;
  }
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  // SET ... GET answers the old value, so it must be a string (WRONGTYPE otherwise, nothing set).
  const found = get || nx || xx ? node.lookupWrite(db, key) : undefined;
  if (get && found !== undefined && !(found instanceof Uint8Array)) {
    node.replyError(c, WRONGTYPE);
    return;
  }
  const old = found as Uint8Array | undefined;
  const exists = get || nx || xx ? found !== undefined : false;
  if ((nx && exists) || (xx && !exists)) {
    if (get && old) writeBulk(c.out, old);
    else replyNullBulk(c);
    return;
  }
  // lookupKeyWrite's side effect: a logically expired key is deleted (and the DEL propagated) first.
  if (!nx && !xx && !get) node.expireIfNeeded(db, key);
  db.set(key, ownCopy(argv[2]!), keepTtl);
  if (expireAtMs !== -1) db.setExpire(key, expireAtMs);
  node.dirty++;
  if (expireAtMs !== -1 && node.dialect.streamRewrites) {
    node.rewriteArgv([SET, argv[1]!, argv[2]!, PXAT, asciiBytes(String(expireAtMs))]);
  } else if (get) {
    node.rewriteArgv(argv.filter((arg, i) => i < 3 || word(arg) !== "get"));
  }
  if (get) {
    if (old) writeBulk(c.out, old);
    else replyNullBulk(c);
  } else {
    c.out.bytes(OK_REPLY);
  }
}

const OK_REPLY = asciiBytes("+OK\r\n");

/**
 * `SET key value` with no options, as a replica applies it from its master's stream: no reply, no
 * propagation, no expiry check (the master link sees every key). Same effect as the full command,
 * without the dispatch; the replica's hottest path. `b` holds the (start, length) pairs of the
 * three arguments in `data`.
 */
export function applyPlainSetFromMaster(node: RedisNode, c: Client, data: Uint8Array, b: Int32Array): void {
  node.selectedDb(c).setRange(data, b[2]!, b[2]! + b[3]!, b[4]!, b[4]! + b[5]!);
  node.dirty++;
  // call() counts a replicated command like any other (cmdstat_set on a replica).
  node.countPlainSet(c);
}

function setexCommand(unit: "ex" | "px", name: string) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const at = absoluteExpireMs(node, unit, argv[2]!, name);
    if (typeof at === "string") {
      node.replyError(c, at);
      return;
    }
    const db = node.selectedDb(c);
    const key = keyOf(argv[1]!);
    node.lookupWrite(db, key);
    db.set(key, ownCopy(argv[3]!));
    db.setExpire(key, at);
    node.dirty++;
    if (node.dialect.streamRewrites) node.rewriteArgv([SET, argv[1]!, argv[3]!, PXAT, asciiBytes(String(at))]);
    writeSimple(c.out, "OK");
  };
}

function setnxCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  if (node.lookupWrite(db, key) !== undefined) {
    writeInteger(c.out, 0);
    return;
  }
  db.set(key, ownCopy(argv[2]!));
  node.dirty++;
  writeInteger(c.out, 1);
}

function getCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const value = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "string", false);
  if (value === null) return;
  if (value) writeBulk(c.out, value);
  else replyNullBulk(c);
}

function getdelCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const value = lookupTyped(node, c, db, key, "string", true);
  if (value === null) return;
  if (!value) {
    replyNullBulk(c);
    return;
  }
  db.delete(key);
  node.dirty++;
  node.rewriteArgv([DEL, argv[1]!]);
  writeBulk(c.out, value);
}

function getsetCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const old = lookupTyped(node, c, db, key, "string", true);
  if (old === null) return;
  db.set(key, ownCopy(argv[2]!));
  node.dirty++;
  if (node.dialect.streamRewrites) node.rewriteArgv([SET, argv[1]!, argv[2]!]);
  if (old) writeBulk(c.out, old);
  else replyNullBulk(c);
}

function getexCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  let unit: ExpireUnit | null = null;
  let persist = false;
  if (argv.length > 2) {
    const opt = word(argv[2]!);
    if ((opt === "ex" || opt === "px" || opt === "exat" || opt === "pxat") && argv.length === 4) unit = opt;
    else if (opt === "persist" && argv.length === 3) persist = true;
    else {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
  }
  let at = -1;
  if (unit) {
    const parsed = absoluteExpireMs(node, unit, argv[3]!, "getex");
    if (typeof parsed === "string") {
      node.replyError(c, parsed);
      return;
    }
    at = parsed;
  }
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const value = lookupTyped(node, c, db, key, "string", false);
  if (value === null) return;
  if (!value) {
    replyNullBulk(c);
    return;
  }
  if (unit && at <= node.unixMs() && !node.isReplica) {
    db.delete(key);
    node.dirty++;
    node.rewriteArgv([DEL, argv[1]!]);
  } else if (unit) {
    db.setExpire(key, at);
    node.dirty++;
    node.rewriteArgv([PEXPIREAT, argv[1]!, asciiBytes(String(at))]);
  } else if (persist && db.persist(key)) {
    node.dirty++;
    node.rewriteArgv([PERSIST, argv[1]!]);
  }
  writeBulk(c.out, value);
}

function msetCommand(nx: boolean) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    if (argv.length % 2 === 0) {
      node.replyError(c, `ERR wrong number of arguments for '${nx ? "msetnx" : "mset"}' command`);
      return;
    }
    const db = node.selectedDb(c);
    if (nx) {
      for (let i = 1; i < argv.length; i += 2) {
        if (node.lookupWrite(db, keyOf(argv[i]!)) !== undefined) {
          writeInteger(c.out, 0);
          return;
        }
      }
    }
    for (let i = 1; i < argv.length; i += 2) {
      const key = keyOf(argv[i]!);
      if (!nx) node.lookupWrite(db, key);
      db.set(key, ownCopy(argv[i + 1]!));
    }
    node.dirty += (argv.length - 1) / 2;
    if (nx) writeInteger(c.out, 1);
    else writeSimple(c.out, "OK");
  };
}

function mgetCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  writeArrayHeader(c.out, argv.length - 1);
  for (let i = 1; i < argv.length; i++) {
    const value = node.lookupRead(db, keyOf(argv[i]!));
    if (value instanceof Uint8Array) writeBulk(c.out, value);
    else replyNullBulk(c);
  }
}

function appendCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const old = lookupTyped(node, c, db, key, "string", true);
  if (old === null) return;
  const extra = argv[2]!;
  let value: Uint8Array;
  if (!old) {
    value = extra.slice();
  } else {
    if (old.length + extra.length > node.config["proto-max-bulk-len"]) {
      node.replyError(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
      return;
    }
    value = markRawString(new Uint8Array(old.length + extra.length));
    value.set(old, 0);
    value.set(extra, old.length);
  }
  db.set(key, value, true);
  node.dirty++;
  writeInteger(c.out, value.length);
}

function strlenCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const value = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "string", false);
  if (value === null) return;
  writeInteger(c.out, value?.length ?? 0);
}

function incrBy(node: RedisNode, c: Client, keyArg: Uint8Array, delta: bigint): void {
  const db = node.selectedDb(c);
  const key = keyOf(keyArg);
  const old = lookupTyped(node, c, db, key, "string", true);
  if (old === null) return;
  let current = 0n;
  if (old) {
    const parsed = parseInt64(old);
    if (parsed === undefined) {
      node.replyError(c, ERR_NOT_INTEGER);
      return;
    }
    current = parsed;
  }
  const next = current + delta;
  if (next > INT64_MAX || next < INT64_MIN) {
    node.replyError(c, ERR_OVERFLOW);
    return;
  }
  db.set(key, asciiBytes(next.toString()), true);
  node.dirty++;
  writeInteger(c.out, next);
}

function incrCommand(delta: bigint) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => incrBy(node, c, argv[1]!, delta);
}

function incrbyCommand(sign: 1n | -1n) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const delta = parseInt64(argv[2]!);
    if (delta === undefined) {
      node.replyError(c, ERR_NOT_INTEGER);
      return;
    }
    if (sign === -1n && delta === INT64_MIN) {
      node.replyError(c, "ERR decrement would overflow");
      return;
    }
    incrBy(node, c, argv[1]!, delta * sign);
  };
}

function getrangeCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const start0 = parseInt64(argv[2]!);
  const end0 = parseInt64(argv[3]!);
  if (start0 === undefined || end0 === undefined) {
    node.replyError(c, ERR_NOT_INTEGER);
    return;
  }
  const found = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "string", false);
  if (found === null) return;
  const value = found ?? new Uint8Array(0);
  let start = Number(start0);
  let end = Number(end0);
  const len = value.length;
  if (start < 0 && end < 0 && start > end) {
    writeBulk(c.out, new Uint8Array(0));
    return;
  }
  if (start < 0) start = len + start;
  if (end < 0) end = len + end;
  if (start < 0) start = 0;
  if (end < 0) end = 0;
  if (end >= len) end = len - 1;
  if (len === 0 || start > end) writeBulk(c.out, new Uint8Array(0));
  else writeBulk(c.out, value.subarray(start, end + 1));
}

const KEEPTTL = asciiBytes("KEEPTTL");

/**
 * INCRBYFLOAT: in long double, as redis computes it (see long-double.ts); replicas get
 * `SET key <result> KEEPTTL`, so float formatting can never make them differ.
 */
function incrbyfloatCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const old = lookupTyped(node, c, db, key, "string", true);
  if (old === null) return;
  const value = old === undefined ? parseLongDouble("0") : parseLongDouble(bytesToBinary(old));
  const incr = value === undefined ? undefined : parseLongDouble(bytesToBinary(argv[2]!));
  if (value === undefined || incr === undefined) {
    node.replyError(c, "ERR value is not a valid float");
    return;
  }
  const sum = add(value, incr);
  if (isInfinite(sum)) {
    node.replyError(c, "ERR increment would produce NaN or Infinity");
    return;
  }
  const text = markNonIntString(asciiBytes(formatHuman(sum)));
  db.set(key, text, true);
  node.dirty++;
  writeBulk(c.out, text);
  node.rewriteArgv([SET, argv[1]!, text, KEEPTTL], "INCRBYFLOAT goes to replicas as SET with the value computed here (KEEPTTL), so float rounding cannot differ");
}

/** SETRANGE: overwrites part of a string, padding with zero bytes. */
function setrangeCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const offset = parseInt64(argv[2]!);
  if (offset === undefined) {
    node.replyError(c, ERR_NOT_INTEGER);
    return;
  }
  if (offset < 0n) {
    node.replyError(c, "ERR offset is out of range");
    return;
  }
  const patch = argv[3]!;
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const found = node.lookupWrite(db, key);
  if (found !== undefined && !(found instanceof Uint8Array)) {
    node.replyError(c, WRONGTYPE);
    return;
  }
  const current = found ?? new Uint8Array(0);
  if (patch.length === 0) {
    writeInteger(c.out, current.length);
    return;
  }
  const start = Number(offset);
  if (c.kind !== "master" && start + patch.length > node.config["proto-max-bulk-len"]) {
    node.replyError(c, "ERR string exceeds maximum allowed size (proto-max-bulk-len)");
    return;
  }
  const value = markRawString(new Uint8Array(Math.max(current.length, start + patch.length)));
  value.set(current, 0);
  value.set(patch, start);
  db.set(key, value, true);
  node.dirty++;
  writeInteger(c.out, value.length);
}

/** A key's string value shown in error messages and logs. */
export function describeValue(value: Uint8Array): string {
  return bytesToBinary(value, 0, Math.min(value.length, 64));
}

export const stringCommands: readonly CommandSpec[] = [
  { name: "set", arity: -3, flags: { write: true }, proc: setCommand, keys: [1, 1, 1] },
  { name: "setex", arity: 4, flags: { write: true }, proc: setexCommand("ex", "setex"), keys: [1, 1, 1] },
  { name: "psetex", arity: 4, flags: { write: true }, proc: setexCommand("px", "psetex"), keys: [1, 1, 1] },
  { name: "setnx", arity: 3, flags: { write: true }, proc: setnxCommand, keys: [1, 1, 1] },
  { name: "get", arity: 2, flags: {}, proc: getCommand, keys: [1, 1, 1] },
  { name: "getdel", arity: 2, flags: { write: true }, proc: getdelCommand, keys: [1, 1, 1] },
  { name: "getset", arity: 3, flags: { write: true }, proc: getsetCommand, keys: [1, 1, 1] },
  { name: "getex", arity: -2, flags: { write: true }, proc: getexCommand, keys: [1, 1, 1] },
  { name: "mset", arity: -3, flags: { write: true }, proc: msetCommand(false), keys: [1, -1, 2] },
  { name: "msetnx", arity: -3, flags: { write: true }, proc: msetCommand(true), keys: [1, -1, 2] },
  { name: "mget", arity: -2, flags: {}, proc: mgetCommand, keys: [1, -1, 1] },
  { name: "append", arity: 3, flags: { write: true }, proc: appendCommand, keys: [1, 1, 1] },
  { name: "strlen", arity: 2, flags: {}, proc: strlenCommand, keys: [1, 1, 1] },
  { name: "incr", arity: 2, flags: { write: true }, proc: incrCommand(1n), keys: [1, 1, 1] },
  { name: "decr", arity: 2, flags: { write: true }, proc: incrCommand(-1n), keys: [1, 1, 1] },
  { name: "incrby", arity: 3, flags: { write: true }, proc: incrbyCommand(1n), keys: [1, 1, 1] },
  { name: "decrby", arity: 3, flags: { write: true }, proc: incrbyCommand(-1n), keys: [1, 1, 1] },
  { name: "getrange", arity: 4, flags: {}, proc: getrangeCommand, keys: [1, 1, 1] },
  { name: "substr", arity: 4, flags: {}, proc: getrangeCommand, keys: [1, 1, 1] },
  { name: "setrange", arity: 4, flags: { write: true }, proc: setrangeCommand, keys: [1, 1, 1] },
  { name: "incrbyfloat", arity: 3, flags: { write: true }, proc: incrbyfloatCommand, keys: [1, 1, 1] },
  ...lcsCommands,
];
