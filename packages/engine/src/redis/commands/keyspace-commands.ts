/**
 * Key commands that work on values of any type (db.c, expire.c, object.c, 7.0.15): RENAME,
 * RENAMENX, COPY, MOVE, RANDOMKEY, TOUCH, EXPIRETIME, PEXPIRETIME, OBJECT, and the SCAN family
 * (SCAN, HSCAN, SSCAN, ZSCAN). RENAME, COPY and MOVE reach replicas as the client sent them.
 *
 * SCAN cursors: redis walks its hash table in reverse-binary bucket order, which depends on a
 * per-process hash seed, so no two servers agree on cursors or on the order of a large scan.
 * Here a cursor is a position in the insertion order of the db (or of a hash-table-encoded
 * value); listpack and intset values answer in one call with cursor 0, as redis does.
 */
import { writeArrayHeader, writeBulkString, writeInteger, writeSimple } from "../resp/encode.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import { DATABASE_COUNT, type Database } from "../store/keyspace.ts";
import { cloneValue, encodingOf, refcountOf, typeOf } from "../store/value.ts";
import { globMatch } from "../glob.ts";
import { d2string, formatG17 } from "../numbers.ts";
import { longArg, lookupTyped, writeBinary } from "./args.ts";
import { ERR_SYNTAX, keyOf, parseInt64, word, replyNullBulk } from "./reply.ts";

const ERR_SAME_OBJECT = "ERR source and destination objects are the same";

function renameGeneric(nx: boolean) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const db = node.selectedDb(c);
    const src = keyOf(argv[1]!);
    const dst = keyOf(argv[2]!);
    const value = node.lookupWrite(db, src);
    if (value === undefined) {
      node.replyError(c, "ERR no such key");
      return;
    }
    if (src === dst) {
      if (nx) writeInteger(c.out, 0);
      else writeSimple(c.out, "OK");
      return;
    }
    const expire = db.expireAt(src);
    if (node.lookupWrite(db, dst) !== undefined) {
      if (nx) {
        writeInteger(c.out, 0);
        return;
      }
      db.delete(dst);
    }
    db.set(dst, value);
    if (expire !== -1) db.setExpire(dst, expire);
    db.delete(src);
    node.dirty++;
    if (nx) writeInteger(c.out, 1);
    else writeSimple(c.out, "OK");
  };
}

/** A db index argument as selectDb checks it; undefined after replying. */
function dbIndexArg(node: RedisNode, c: Client, arg: Uint8Array): number | undefined {
  const index = longArg(node, c, arg);
  if (index === undefined) return undefined;
  if (index < -2147483648 || index > 2147483647) {
    node.replyError(c, "ERR value is out of range, value must between -2147483648 and 2147483647");
    return undefined;
  }
  if (index < 0 || index >= DATABASE_COUNT) {
    node.replyError(c, "ERR DB index is out of range");
    return undefined;
  }
  return index;
}

/** SWAPDB (db.c swapdbCommand): propagated as sent. */
function swapdbCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const ids: number[] = [];
  for (const [i, which] of [
    [1, "first"],
    [2, "second"],
  ] as const) {
    const id = parseInt64(argv[i]!);
    if (id === undefined || id < -2147483648n || id > 2147483647n) {
      node.replyError(c, `ERR invalid ${which} DB index`);
      return;
    }
    ids.push(Number(id));
  }
  const [a, b] = ids as [number, number];
  if (a < 0 || a >= DATABASE_COUNT || b < 0 || b >= DATABASE_COUNT) {
    node.replyError(c, "ERR DB index is out of range");
    return;
  }
  node.keyspace.swap(a, b, node.unixMs());
  node.dirty++;
  writeSimple(c.out, "OK");
}

function moveCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const src = node.selectedDb(c);
  const index = dbIndexArg(node, c, argv[2]!);
  if (index === undefined) return;
  const dst = node.keyspace.db(index);
  if (src === dst) {
    node.replyError(c, ERR_SAME_OBJECT);
    return;
  }
  const key = keyOf(argv[1]!);
  const value = node.lookupWrite(src, key);
  if (value === undefined) {
    writeInteger(c.out, 0);
    return;
  }
  const expire = src.expireAt(key);
  if (node.lookupWrite(dst, key) !== undefined) {
    writeInteger(c.out, 0);
    return;
  }
  dst.set(key, value);
  if (expire !== -1) dst.setExpire(key, expire);
  src.delete(key);
  node.dirty++;
  writeInteger(c.out, 1);
}

function copyCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const src = node.selectedDb(c);
  let dst = src;
  let replace = false;
  for (let j = 3; j < argv.length; j++) {
    const additional = argv.length - j - 1;
    const opt = word(argv[j]!);
    if (opt === "replace") {
      replace = true;
    } else if (opt === "db" && additional >= 1) {
      const index = dbIndexArg(node, c, argv[j + 1]!);
      if (index === undefined) return;
      dst = node.keyspace.db(index);
      j++;
    } else {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
  }
  const key = keyOf(argv[1]!);
  const newKey = keyOf(argv[2]!);
  if (src === dst && key === newKey) {
    node.replyError(c, ERR_SAME_OBJECT);
    return;
  }
  const value = node.lookupRead(src, key);
  if (value === undefined) {
    writeInteger(c.out, 0);
    return;
  }
  const expire = src.expireAt(key);
  let remove = false;
  if (node.lookupWrite(dst, newKey) !== undefined) {
    if (!replace) {
      writeInteger(c.out, 0);
      return;
    }
    remove = true;
  }
  if (remove) dst.delete(newKey);
  dst.set(newKey, cloneValue(value));
  if (expire !== -1) dst.setExpire(newKey, expire);
  node.dirty++;
  writeInteger(c.out, 1);
}

/** dbRandomKey: a random live key; on a master an expired pick is deleted and another drawn. */
function randomkeyCommand(node: RedisNode, c: Client): void {
  const db = node.selectedDb(c);
  let tries = 100;
  const allVolatile = db.size === db.expires.size;
  for (;;) {
    if (db.size === 0) {
      replyNullBulk(c);
      return;
    }
    const key = randomKeyOf(node, db);
    if (db.expires.has(key)) {
      if (allVolatile && node.isReplica && --tries === 0) {
        writeBinary(c.out, key);
        return;
      }
      if (node.expireIfNeeded(db, key)) continue;
    }
    writeBinary(c.out, key);
    return;
  }
}

function randomKeyOf(node: RedisNode, db: Database): string {
  return db.dict.keyAt(node.random.int(db.size));
}

function touchCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  let count = 0;
  for (let i = 1; i < argv.length; i++) if (node.lookupRead(db, keyOf(argv[i]!)) !== undefined) count++;
  writeInteger(c.out, count);
}

/** EXPIRETIME / PEXPIRETIME (ttlGenericCommand with output_abs). */
function expiretimeCommand(ms: boolean) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const db = node.selectedDb(c);
    const key = keyOf(argv[1]!);
    if (node.lookupRead(db, key) === undefined) return void writeInteger(c.out, -2);
    const at = db.expireAt(key);
    if (at === -1) return void writeInteger(c.out, -1);
    const abs = Math.max(0, at);
    writeInteger(c.out, ms ? abs : Math.floor((abs + 500) / 1000));
  };
}

const OBJECT_HELP = [
  "OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "ENCODING <key>",
  "    Return the kind of internal representation used in order to store the value",
  "    associated with a <key>.",
  "FREQ <key>",
  "    Return the access frequency index of the <key>. The returned integer is",
  "    proportional to the logarithm of the recent access frequency of the key.",
  "IDLETIME <key>",
  "    Return the idle time of the <key>, that is the approximated number of",
  "    seconds elapsed since the last access to the key.",
  "REFCOUNT <key>",
  "    Return the number of references of the value associated with the specified",
  "    <key>.",
  "HELP",
  "    Prints this help.",
];

function objectCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sub = word(argv[1]!);
  if (argv.length === 2 && sub === "help") {
    writeArrayHeader(c.out, OBJECT_HELP.length);
    for (const line of OBJECT_HELP) writeSimple(c.out, line);
    return;
  }
  if ((sub === "refcount" || sub === "encoding" || sub === "idletime" || sub === "freq") && argv.length === 3) {
    const value = node.lookupRead(node.selectedDb(c), keyOf(argv[2]!));
    if (value === undefined) {
      replyNullBulk(c);
      return;
    }
    if (sub === "refcount") writeInteger(c.out, refcountOf(value));
    else if (sub === "encoding") writeBulkString(c.out, encodingOf(value));
    // Access times are not tracked: every key looks just used.
    else if (sub === "idletime") writeInteger(c.out, 0);
    else node.replyError(c, "ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note that when switching between policies at runtime LRU and LFU data will take some time to adjust.");
    return;
  }
  node.replyError(c, `ERR unknown subcommand or wrong number of arguments for '${bytesToBinary(argv[1]!, 0, Math.min(128, argv[1]!.length))}'. Try OBJECT HELP.`);
}

// ---------------------------------------------------------------------------------------------
// SCAN family

/** parseScanCursorOrReply: strtoul with nothing else around it. */
function parseCursor(node: RedisNode, c: Client, arg: Uint8Array): number | undefined {
  const text = bytesToBinary(arg);
  if (!/^[+-]?\d+$/.test(text)) {
    node.replyError(c, "ERR invalid cursor");
    return undefined;
  }
  let value = BigInt(text);
  // strtoul wraps a negative number around; beyond 2^64 it is a range error.
  if (value >= 1n << 64n || value <= -(1n << 64n)) {
    node.replyError(c, "ERR invalid cursor");
    return undefined;
  }
  if (value < 0n) value += 1n << 64n;
  return value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(value);
}

interface ScanOptions {
  count: number;
  pattern: string | null;
  type: string | null;
}

function parseScanOptions(node: RedisNode, c: Client, argv: Uint8Array[], first: number, allowType: boolean): ScanOptions | undefined {
  const options: ScanOptions = { count: 10, pattern: null, type: null };
  for (let i = first; i < argv.length; ) {
    const left = argv.length - i;
    const opt = word(argv[i]!);
    if (opt === "count" && left >= 2) {
      const count = longArg(node, c, argv[i + 1]!);
      if (count === undefined) return undefined;
      if (count < 1) {
        node.replyError(c, ERR_SYNTAX);
        return undefined;
      }
      options.count = count;
      i += 2;
    } else if (opt === "match" && left >= 2) {
      const pattern = bytesToBinary(argv[i + 1]!);
      options.pattern = pattern === "*" ? null : pattern;
      i += 2;
    } else if (opt === "type" && allowType && left >= 2) {
      options.type = bytesToBinary(argv[i + 1]!).toLowerCase();
      i += 2;
    } else {
      node.replyError(c, ERR_SYNTAX);
      return undefined;
    }
  }
  return options;
}

function writeScanReply(c: Client, cursor: number, items: readonly string[]): void {
  writeArrayHeader(c.out, 2);
  writeBulkString(c.out, String(cursor));
  writeArrayHeader(c.out, items.length);
  for (const item of items) writeBinary(c.out, item);
}

function scanCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const cursor = parseCursor(node, c, argv[1]!);
  if (cursor === undefined) return;
  const options = parseScanOptions(node, c, argv, 2, true);
  if (!options) return;
  const db = node.selectedDb(c);
  // The keys of this step first: the filters below may delete expired ones.
  const keys: string[] = [];
  const next = db.dict.scan(cursor, options.count, keys);
  const found: string[] = [];
  for (const key of keys) {
    if (!db.dict.has(key)) continue;
    if (options.pattern !== null && !globMatch(options.pattern, key)) continue;
    if (options.type !== null) {
      const value = node.lookupRead(db, key);
      const type = value === undefined ? "none" : typeOf(value);
      if (type !== options.type) continue;
    }
    if (node.expireIfNeeded(db, key)) continue;
    found.push(key);
  }
  writeScanReply(c, next, found);
}

/** HSCAN / SSCAN / ZSCAN: the value's elements (pairs for hashes and sorted sets). */
function scanValueCommand(type: "hash" | "set" | "zset") {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const cursor = parseCursor(node, c, argv[2]!);
    if (cursor === undefined) return;
    const value = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), type, false);
    if (value === null) return;
    if (value === undefined) {
      writeScanReply(c, 0, []);
      return;
    }
    const options = parseScanOptions(node, c, argv, 3, false);
    if (!options) return;
    const pairs: [string, string | null][] = [];
    let compact: boolean;
    if (value.type === "hash") {
      compact = value.encoding === "listpack";
      for (const [field, v] of value.fields) pairs.push([field, bytesToBinary(v)]);
    } else if (value.type === "set") {
      compact = value.encoding === "intset";
      for (const member of value.ordered()) pairs.push([member, null]);
    } else {
      compact = value.encoding === "listpack";
      for (const n of value) pairs.push([n.member, compact ? d2string(n.score) : formatG17(n.score)]);
    }
    let selected = pairs;
    let next = 0;
    if (!compact) {
      const start = Math.min(cursor, pairs.length);
      const end = Math.min(pairs.length, start + options.count);
      selected = pairs.slice(start, end);
      next = end >= pairs.length ? 0 : end;
    }
    const out: string[] = [];
    for (const [element, extra] of selected) {
      if (options.pattern !== null && !globMatch(options.pattern, element)) continue;
      out.push(element);
      if (extra !== null) out.push(extra);
    }
    writeScanReply(c, next, out);
  };
}

export const keyspaceCommands: readonly CommandSpec[] = [
  { name: "rename", arity: 3, flags: { write: true }, proc: renameGeneric(false), keys: [1, 2, 1] },
  { name: "renamenx", arity: 3, flags: { write: true }, proc: renameGeneric(true), keys: [1, 2, 1] },
  { name: "move", arity: 3, flags: { write: true }, proc: moveCommand, keys: [1, 1, 1] },
  { name: "swapdb", arity: 3, flags: { write: true }, proc: swapdbCommand },
  { name: "copy", arity: -3, flags: { write: true }, proc: copyCommand, keys: [1, 2, 1] },
  { name: "randomkey", arity: 1, flags: { touchesArbitraryKeys: true }, proc: randomkeyCommand },
  { name: "touch", arity: -2, flags: {}, proc: touchCommand, keys: [1, -1, 1] },
  { name: "expiretime", arity: 2, flags: {}, proc: expiretimeCommand(false), keys: [1, 1, 1] },
  { name: "pexpiretime", arity: 2, flags: {}, proc: expiretimeCommand(true), keys: [1, 1, 1] },
  { name: "object", arity: -2, flags: {}, proc: objectCommand },
  { name: "scan", arity: -2, flags: { touchesArbitraryKeys: true }, proc: scanCommand },
  { name: "hscan", arity: -3, flags: {}, proc: scanValueCommand("hash"), keys: [1, 1, 1] },
  { name: "sscan", arity: -3, flags: {}, proc: scanValueCommand("set"), keys: [1, 1, 1] },
  { name: "zscan", arity: -3, flags: {}, proc: scanValueCommand("zset"), keys: [1, 1, 1] },
];
