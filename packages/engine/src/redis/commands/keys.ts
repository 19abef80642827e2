/**
 * Generic key commands (db.c, expire.c): DEL, EXISTS, KEYS, DBSIZE, TYPE, FLUSHDB,
 * FLUSHALL, and the expiry family with 7.0's PEXPIREAT rewrite.
 */
import { writeArrayHeader, writeBulk, writeInteger, writeSimple } from "../resp/encode.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import { globMatch } from "../config.ts";
import { binaryKeyBytes, type RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX, INT64_MAX, keyOf, parseInt64, word } from "./reply.ts";
import { typeOf } from "../store/value.ts";

const DEL = asciiBytes("DEL");
const PEXPIREAT = asciiBytes("PEXPIREAT");

function delCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  let deleted = 0;
  for (let i = 1; i < argv.length; i++) {
    const key = keyOf(argv[i]!);
    node.expireIfNeeded(db, key);
    if (db.delete(key)) deleted++;
  }
  node.dirty += deleted;
  writeInteger(c.out, deleted);
}

function existsCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  let count = 0;
  for (let i = 1; i < argv.length; i++) if (node.lookupRead(db, keyOf(argv[i]!)) !== undefined) count++;
  writeInteger(c.out, count);
}

function keysCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const pattern = bytesToBinary(argv[1]!);
  const all = pattern === "*";
  const found: string[] = [];
  const now = node.unixMs();
  for (const key of db.dict.keys()) {
    if (db.isLogicallyExpired(key, now) && (!node.isReplica || c.kind !== "master")) continue;
    if (all || globMatch(pattern, key)) found.push(key);
  }
  writeArrayHeader(c.out, found.length);
  for (const key of found) writeBulk(c.out, binaryKeyBytes(key));
}

function dbsizeCommand(node: RedisNode, c: Client): void {
  writeInteger(c.out, node.selectedDb(c).size);
}

function typeCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const value = node.lookupRead(node.selectedDb(c), keyOf(argv[1]!));
  writeSimple(c.out, value === undefined ? "none" : typeOf(value));
}

function flushOption(node: RedisNode, c: Client, argv: Uint8Array[]): boolean {
  if (argv.length === 1) return true;
  const opt = argv.length === 2 ? word(argv[1]!) : "";
  if (opt === "sync" || opt === "async") return true;
  node.replyError(c, ERR_SYNTAX);
  return false;
}

function flushdbCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (!flushOption(node, c, argv)) return;
  const db = node.selectedDb(c);
  node.dirty += db.size;
  db.clear();
  // FLUSHDB is propagated even when the db was already empty.
  node.dirty++;
  writeSimple(c.out, "OK");
}

function flushallCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (!flushOption(node, c, argv)) return;
  node.dirty += node.keyspace.totalKeys;
  node.keyspace.flushAll();
  // flushAllDataAndResetRDB: an RDB child's snapshot is of data that is gone.
  node.replication.killRdbChild?.();
  node.dirty++;
  writeSimple(c.out, "OK");
}

type ExpireBase = "rel-sec" | "rel-ms" | "abs-sec" | "abs-ms";

/** expireGenericCommand: EXPIRE, PEXPIRE, EXPIREAT, PEXPIREAT with NX/XX/GT/LT. */
function expireCommand(base: ExpireBase, name: string) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    let nx = false;
    let xx = false;
    let gt = false;
    let lt = false;
    for (let i = 3; i < argv.length; i++) {
      const opt = word(argv[i]!);
      if (opt === "nx") nx = true;
      else if (opt === "xx") xx = true;
      else if (opt === "gt") gt = true;
      else if (opt === "lt") lt = true;
      else {
        node.replyError(c, `ERR Unsupported option ${bytesToBinary(argv[i]!)}`);
        return;
      }
    }
    if (nx && (xx || gt || lt)) {
      node.replyError(c, "ERR NX and XX, GT or LT options at the same time are not compatible");
      return;
    }
    if (gt && lt) {
      node.replyError(c, "ERR GT and LT options at the same time are not compatible");
      return;
    }
    const raw = parseInt64(argv[2]!);
    if (raw === undefined) {
      node.replyError(c, ERR_NOT_INTEGER);
      return;
    }
    const invalid = node.dialect.invalidExpireTime(name);
    let when = raw;
    if (base === "rel-sec" || base === "abs-sec") {
      if (when > INT64_MAX / 1000n || when < -INT64_MAX / 1000n) {
        node.replyError(c, invalid);
        return;
      }
      when *= 1000n;
    }
    if (base === "rel-sec" || base === "rel-ms") {
      const now = BigInt(node.unixMs());
      if (when > INT64_MAX - now) {
        node.replyError(c, invalid);
        return;
      }
      when += now;
    }
    const at = Number(when);
    const db = node.selectedDb(c);
    const key = keyOf(argv[1]!);
    if (node.lookupWrite(db, key) === undefined) {
      writeInteger(c.out, 0);
      return;
    }
    const current = db.expireAt(key);
    if (nx && current !== -1) return void writeInteger(c.out, 0);
    if (xx && current === -1) return void writeInteger(c.out, 0);
    // A key without TTL counts as an infinite TTL for GT/LT.
    if (gt && (current === -1 || at <= current)) return void writeInteger(c.out, 0);
    if (lt && current !== -1 && at >= current) return void writeInteger(c.out, 0);
    if (at <= node.unixMs() && !node.isReplica && c.kind !== "master") {
      db.delete(key);
      node.dirty++;
      node.rewriteArgv([DEL, argv[1]!]);
      writeInteger(c.out, 1);
      return;
    }
    db.setExpire(key, at);
    node.dirty++;
    if (base !== "abs-ms" && node.dialect.streamRewrites) node.rewriteArgv([PEXPIREAT, argv[1]!, asciiBytes(String(at)), ...argv.slice(3)]);
    writeInteger(c.out, 1);
  };
}

function ttlCommand(ms: boolean) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const db = node.selectedDb(c);
    const key = keyOf(argv[1]!);
    if (node.lookupRead(db, key) === undefined) return void writeInteger(c.out, -2);
    const at = db.expireAt(key);
    if (at === -1) return void writeInteger(c.out, -1);
    const left = Math.max(0, at - node.unixMs());
    writeInteger(c.out, ms ? left : Math.floor((left + 500) / 1000));
  };
}

function persistCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  if (node.lookupWrite(db, key) === undefined || !db.persist(key)) return void writeInteger(c.out, 0);
  node.dirty++;
  writeInteger(c.out, 1);
}

export const keyCommands: readonly CommandSpec[] = [
  { name: "del", arity: -2, flags: { write: true }, proc: delCommand, keys: [1, -1, 1] },
  { name: "unlink", arity: -2, flags: { write: true }, proc: delCommand, keys: [1, -1, 1] },
  { name: "exists", arity: -2, flags: {}, proc: existsCommand, keys: [1, -1, 1] },
  { name: "keys", arity: 2, flags: {}, proc: keysCommand },
  { name: "dbsize", arity: 1, flags: {}, proc: dbsizeCommand },
  { name: "type", arity: 2, flags: {}, proc: typeCommand, keys: [1, 1, 1] },
  { name: "flushdb", arity: -1, flags: { write: true }, proc: flushdbCommand },
  { name: "flushall", arity: -1, flags: { write: true }, proc: flushallCommand },
  { name: "expire", arity: -3, flags: { write: true }, proc: expireCommand("rel-sec", "expire"), keys: [1, 1, 1] },
  { name: "pexpire", arity: -3, flags: { write: true }, proc: expireCommand("rel-ms", "pexpire"), keys: [1, 1, 1] },
  { name: "expireat", arity: -3, flags: { write: true }, proc: expireCommand("abs-sec", "expireat"), keys: [1, 1, 1] },
  { name: "pexpireat", arity: -3, flags: { write: true }, proc: expireCommand("abs-ms", "pexpireat"), keys: [1, 1, 1] },
  { name: "ttl", arity: 2, flags: {}, proc: ttlCommand(false), keys: [1, 1, 1] },
  { name: "pttl", arity: 2, flags: {}, proc: ttlCommand(true), keys: [1, 1, 1] },
  { name: "persist", arity: 2, flags: { write: true }, proc: persistCommand, keys: [1, 1, 1] },
];
