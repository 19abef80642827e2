/**
 * List commands (t_list.c, 7.0.15): replies, errors and argument order as redis has them, and the
 * propagation rewrites: a BLPOP/BRPOP that finds data goes to replicas as LPOP/RPOP, BLMOVE as
 * LMOVE, BRPOPLPUSH as RPOPLPUSH, LMPOP/BLMPOP as LPOP/RPOP with the count popped. A blocking
 * command that has to wait is not propagated at all; when another client's push serves it, the
 * pop it became is (see blocking.ts).
 */
import { writeArrayHeader, writeBulk, writeInteger, writeSimple } from "../resp/encode.ts";
import { asciiBytes, bytesEqual, bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { Database } from "../store/keyspace.ts";
import type { CommandSpec } from "./command.ts";
import { ListValue } from "../store/list.ts";
import { blockForKeys, type BlockedOnKeys } from "../blocking.ts";
import { existingForWrite, listPositionArg, longArg, lookupTyped, positiveLongArg, rangeLongArg, replyLength, LONG_MAX } from "./args.ts";
import { keyOf, word, replyNullBulk, replyNullArray } from "./reply.ts";
import { parseLongDouble, timeoutMs } from "../long-double.ts";

const LPOP = asciiBytes("LPOP");
const RPOP = asciiBytes("RPOP");
const LMOVE = asciiBytes("LMOVE");
const RPOPLPUSH = asciiBytes("RPOPLPUSH");
const LEFT = asciiBytes("left");
const RIGHT = asciiBytes("right");

type Where = "left" | "right";

function popEnd(list: ListValue, where: Where): Uint8Array {
  return (where === "left" ? list.popHead() : list.popTail())!;
}

function pushEnd(list: ListValue, where: Where, value: Uint8Array): void {
  if (where === "left") list.pushHead(value);
  else list.pushTail(value);
}

/**
 * listElementsRemoved: deletes the key once the list is empty, signals the change and counts
 * `count` changes. Returns true if the key was deleted.
 */
function elementsRemoved(node: RedisNode, db: Database, key: string, list: ListValue, count: number): boolean {
  let deleted = false;
  if (list.length === 0) {
    db.delete(key);
    deleted = true;
  } else {
    db.touch(key);
  }
  node.dirty += count;
  return deleted;
}

function pushCommand(where: Where, onlyIfExists: boolean) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const db = node.selectedDb(c);
    const key = keyOf(argv[1]!);
    let list = lookupTyped(node, c, db, key, "list", true);
    if (list === null) return;
    const created = list === undefined;
    if (list === undefined) {
      if (onlyIfExists) {
        writeInteger(c.out, 0);
        return;
      }
      list = new ListValue();
    }
    for (let i = 2; i < argv.length; i++) pushEnd(list, where, argv[i]!);
    node.dirty += argv.length - 2;
    // dbAdd after the pushes: a new list wakes clients blocked on the key.
    if (created) db.set(key, list);
    else db.touch(key);
    writeInteger(c.out, list.length);
  };
}

/**
 * LPUSH/RPUSH `key element...` as a fast path runs it (see fast-writes.ts), from the request's
 * bytes: `b` holds (start, length) pairs of its `count` arguments in `data`. The same effect as
 * pushCommand once the caller made sure no rule of the full path applies (no TTL, watcher or
 * waiter in the db). Returns the list's new length, or -1 when the key holds another type (the
 * full path answers WRONGTYPE).
 */
export function pushFromBounds(node: RedisNode, db: Database, key: string, data: Uint8Array, b: Int32Array, count: number, left: boolean): number {
  const value = db.get(key);
  let list: ListValue;
  if (value === undefined) list = new ListValue();
  else if (value instanceof Uint8Array || value.type !== "list") return -1;
  else list = value;
  for (let i = 2; i < count; i++) {
    const start = b[2 * i]!;
    if (left) list.pushHeadBytes(data, start, start + b[2 * i + 1]!);
    else list.pushTailBytes(data, start, start + b[2 * i + 1]!);
  }
  node.dirty += count - 2;
  if (value === undefined) db.set(key, list);
  else db.touch(key);
  return list.length;
}

function linsertCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const position = word(argv[2]!);
  if (position !== "after" && position !== "before") {
    node.replyError(c, "ERR syntax error");
    return;
  }
  const found = existingForWrite(node, c, argv[1]!, "list");
  if (!found) return;
  const { db, key, value: list } = found;
  const pivot = argv[3]!;
  let index = -1;
  let i = 0;
  for (const item of list) {
    if (bytesEqual(item, pivot)) {
      index = i;
      break;
    }
    i++;
  }
  if (index < 0) {
    writeInteger(c.out, -1);
    return;
  }
  list.insertAt(position === "after" ? index + 1 : index, argv[4]!);
  db.touch(key);
  node.dirty++;
  writeInteger(c.out, list.length);
}

function llenCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  replyLength(node, c, argv[1]!, "list");
}

function lindexCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const list = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "list", false);
  if (list === null) return;
  if (list === undefined) {
    replyNullBulk(c);
    return;
  }
  const index = longArg(node, c, argv[2]!);
  if (index === undefined) return;
  const item = list.at(index < 0 ? list.length + index : index);
  if (item) writeBulk(c.out, item);
  else replyNullBulk(c);
}

function lsetCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const list = lookupTyped(node, c, db, key, "list", true);
  if (list === null) return;
  if (list === undefined) {
    node.replyError(c, "ERR no such key");
    return;
  }
  const index = longArg(node, c, argv[2]!);
  if (index === undefined) return;
  const at = index < 0 ? list.length + index : index;
  if (at < 0 || at >= list.length) {
    node.replyError(c, "ERR index out of range");
    return;
  }
  list.set(at, argv[3]!);
  writeSimple(c.out, "OK");
  db.touch(key);
  node.dirty++;
}

/** addListRangeReply: elements start..end (negative from the tail), reversed if asked. */
function writeListRange(c: Client, list: ListValue, start: number, end: number, reverse: boolean): void {
  const length = list.length;
  if (start < 0) start = length + start;
  if (end < 0) end = length + end;
  if (start < 0) start = 0;
  if (start > end || start >= length) {
    writeArrayHeader(c.out, 0);
    return;
  }
  if (end >= length) end = length - 1;
  writeArrayHeader(c.out, end - start + 1);
  if (reverse) for (let i = end; i >= start; i--) writeBulk(c.out, list.at(i)!);
  else for (let i = start; i <= end; i++) writeBulk(c.out, list.at(i)!);
}

/** Pops `count` elements from one end, replying with them in pop order. */
function popRange(c: Client, list: ListValue, where: Where, count: number): number {
  const popped = Math.min(count, list.length);
  writeArrayHeader(c.out, popped);
  for (let i = 0; i < popped; i++) writeBulk(c.out, popEnd(list, where));
  return popped;
}

function popCommand(where: Where) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    if (argv.length > 3) {
      node.replyError(c, `ERR wrong number of arguments for '${where === "left" ? "lpop" : "rpop"}' command`);
      return;
    }
    const hasCount = argv.length === 3;
    let count = 0;
    if (hasCount) {
      const parsed = positiveLongArg(node, c, argv[2]!);
      if (parsed === undefined) return;
      count = parsed;
    }
    const db = node.selectedDb(c);
    const key = keyOf(argv[1]!);
    const list = lookupTyped(node, c, db, key, "list", true);
    if (list === null) return;
    if (list === undefined) {
      if (hasCount) replyNullArray(c);
      else replyNullBulk(c);
      return;
    }
    if (hasCount && count === 0) {
      writeArrayHeader(c.out, 0);
      return;
    }
    if (!hasCount) {
      writeBulk(c.out, popEnd(list, where));
      elementsRemoved(node, db, key, list, 1);
      return;
    }
    const popped = popRange(c, list, where, count);
    elementsRemoved(node, db, key, list, popped);
  };
}

/** LMPOP/BLMPOP/BLPOP found a non-empty list at `key`: pop as the command says. */
function popFromFound(node: RedisNode, c: Client, db: Database, key: string, keyArg: Uint8Array, list: ListValue, where: Where, count: number): Uint8Array[] {
  if (count === -1) {
    writeArrayHeader(c.out, 2);
    writeBulk(c.out, keyArg);
    writeBulk(c.out, popEnd(list, where));
    elementsRemoved(node, db, key, list, 1);
    return [where === "left" ? LPOP : RPOP, keyArg];
  }
  writeArrayHeader(c.out, 2);
  writeBulk(c.out, keyArg);
  const popped = popRange(c, list, where, count);
  elementsRemoved(node, db, key, list, popped);
  return [where === "left" ? LPOP : RPOP, keyArg, asciiBytes(String(popped))];
}

/** getTimeoutFromObjectOrReply in seconds: the deadline in unix ms (0: none), or undefined. */
export function timeoutArg(node: RedisNode, c: Client, arg: Uint8Array): number | undefined {
  const parsed = parseLongDouble(bytesToBinary(arg));
  if (parsed === undefined) {
    node.replyError(c, "ERR timeout is not a float or out of range");
    return undefined;
  }
  const ms = timeoutMs(parsed);
  if (ms < 0) {
    node.replyError(c, "ERR timeout is negative");
    return undefined;
  }
  return ms > 0 ? ms + node.unixMs() : 0;
}

/** True when this client may not block (inside EXEC, or our master's link): it times out at once. */
export function denyBlocking(node: RedisNode, c: Client): boolean {
  return node.inExec || c.kind === "master";
}

/** blockingPopGenericCommand (BLPOP, BRPOP, BLMPOP). */
function blockingPop(node: RedisNode, c: Client, argv: Uint8Array[], keyArgs: Uint8Array[], where: Where, timeoutArgv: Uint8Array, count: number, command: string): void {
  const deadline = timeoutArg(node, c, timeoutArgv);
  if (deadline === undefined) return;
  const db = node.selectedDb(c);
  for (const keyArg of keyArgs) {
    const key = keyOf(keyArg);
    const list = lookupTyped(node, c, db, key, "list", true);
    if (list === null) return;
    if (list === undefined || list.length === 0) continue;
    const rewritten = popFromFound(node, c, db, key, keyArg, list, where, count);
    node.rewriteArgv(rewritten, `${command.toUpperCase()} found data at once: replicas get the ${bytesToBinary(rewritten[0]!)} it became`);
    return;
  }
  if (denyBlocking(node, c)) {
    replyNullArray(c);
    return;
  }
  const keys = [...new Set(keyArgs.map(keyOf))];
  blockForKeys(node, c, { type: "list", db, keys, deadlineMs: deadline, from: where, to: "left", target: null, count, command, argv: argv.map((a) => a.slice()) });
}

function blpopCommand(where: Where) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    blockingPop(node, c, argv, argv.slice(1, -1), where, argv[argv.length - 1]!, -1, where === "left" ? "blpop" : "brpop");
  };
}

/** LMPOP numkeys key... LEFT|RIGHT [COUNT n], and BLMPOP timeout numkeys ... */
function lmpopCommand(blocking: boolean) {
  return (node: RedisNode, c: Client, argv: Uint8Array[]): void => {
    const numkeysIndex = blocking ? 2 : 1;
    const numkeys = rangeLongArg(node, c, argv[numkeysIndex]!, 1n, LONG_MAX, "numkeys should be greater than 0");
    if (numkeys === undefined) return;
    const whereIndex = numkeysIndex + numkeys + 1;
    if (whereIndex >= argv.length) {
      node.replyError(c, "ERR syntax error");
      return;
    }
    const where = listPositionArg(node, c, argv[whereIndex]!);
    if (where === undefined) return;
    let count = -1;
    for (let j = whereIndex + 1; j < argv.length; j++) {
      const more = argv.length - 1 - j;
      if (count === -1 && word(argv[j]!) === "count" && more > 0) {
        j++;
        const parsed = rangeLongArg(node, c, argv[j]!, 1n, LONG_MAX, "count should be greater than 0");
        if (parsed === undefined) return;
        count = parsed;
      } else {
        node.replyError(c, "ERR syntax error");
        return;
      }
    }
    if (count === -1) count = 1;
    const keyArgs = argv.slice(numkeysIndex + 1, numkeysIndex + 1 + numkeys);
    if (blocking) {
      blockingPop(node, c, argv, keyArgs, where, argv[1]!, count, "blmpop");
      return;
    }
    const db = node.selectedDb(c);
    for (const keyArg of keyArgs) {
      const key = keyOf(keyArg);
      const list = lookupTyped(node, c, db, key, "list", true);
      if (list === null) return;
      if (list === undefined || list.length === 0) continue;
      const rewritten = popFromFound(node, c, db, key, keyArg, list, where, count);
      node.rewriteArgv(rewritten, `LMPOP goes to replicas as the ${bytesToBinary(rewritten[0]!)} of the one list it popped from`);
      return;
    }
    replyNullArray(c);
  };
}

function lrangeCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const start = longArg(node, c, argv[2]!);
  if (start === undefined) return;
  const end = longArg(node, c, argv[3]!);
  if (end === undefined) return;
  const list = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "list", false);
  if (list === null) return;
  if (list === undefined) {
    writeArrayHeader(c.out, 0);
    return;
  }
  writeListRange(c, list, start, end, false);
}

function ltrimCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  let start = longArg(node, c, argv[2]!);
  if (start === undefined) return;
  let end = longArg(node, c, argv[3]!);
  if (end === undefined) return;
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const list = lookupTyped(node, c, db, key, "list", true);
  if (list === null) return;
  if (list === undefined) {
    writeSimple(c.out, "OK");
    return;
  }
  const length = list.length;
  if (start < 0) start = length + start;
  if (end < 0) end = length + end;
  if (start < 0) start = 0;
  let ltrim: number;
  let rtrim: number;
  if (start > end || start >= length) {
    ltrim = length;
    rtrim = 0;
  } else {
    if (end >= length) end = length - 1;
    ltrim = start;
    rtrim = length - end - 1;
  }
  list.trimHead(ltrim);
  list.trimTail(rtrim);
  if (list.length === 0) db.delete(key);
  else db.touch(key);
  node.dirty += ltrim + rtrim;
  writeSimple(c.out, "OK");
}

function lposCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const element = argv[2]!;
  let rank = 1;
  let count = -1;
  let maxlen = 0;
  for (let j = 3; j < argv.length; j++) {
    const opt = word(argv[j]!);
    const more = argv.length - 1 - j;
    if (opt === "rank" && more > 0) {
      const parsed = longArg(node, c, argv[++j]!);
      if (parsed === undefined) return;
      if (parsed === 0) {
        node.replyError(c, "ERR RANK can't be zero: use 1 to start from the first match, 2 from the second ... or use negative to start from the end of the list");
        return;
      }
      rank = parsed;
    } else if (opt === "count" && more > 0) {
      const parsed = positiveLongArg(node, c, argv[++j]!, "COUNT can't be negative");
      if (parsed === undefined) return;
      count = parsed;
    } else if (opt === "maxlen" && more > 0) {
      const parsed = positiveLongArg(node, c, argv[++j]!, "MAXLEN can't be negative");
      if (parsed === undefined) return;
      maxlen = parsed;
    } else {
      node.replyError(c, "ERR syntax error");
      return;
    }
  }
  let fromTail = false;
  if (rank < 0) {
    // -LONG_MIN overflows in C and stays negative; the search then never reaches its rank.
    rank = -rank;
    fromTail = true;
  }
  const list = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "list", false);
  if (list === null) return;
  if (list === undefined) {
    if (count !== -1) writeArrayHeader(c.out, 0);
    else replyNullBulk(c);
    return;
  }
  const length = list.length;
  const found: number[] = [];
  let matches = 0;
  let single = -1;
  for (let index = 0; index < length && (maxlen === 0 || index < maxlen); index++) {
    const at = fromTail ? length - index - 1 : index;
    if (!bytesEqual(list.at(at)!, element)) continue;
    matches++;
    if (matches >= rank) {
      if (count !== -1) {
        found.push(at);
        if (count !== 0 && matches - rank + 1 >= count) break;
      } else {
        single = at;
        break;
      }
    }
  }
  if (count !== -1) {
    writeArrayHeader(c.out, found.length);
    for (const at of found) writeInteger(c.out, at);
  } else if (single !== -1) {
    writeInteger(c.out, single);
  } else {
    replyNullBulk(c);
  }
}

function lremCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  let toRemove = longArg(node, c, argv[2]!);
  if (toRemove === undefined) return;
  const found = existingForWrite(node, c, argv[1]!, "list");
  if (!found) return;
  const { db, key, value: list } = found;
  const element = argv[3]!;
  const fromTail = toRemove < 0;
  if (fromTail) toRemove = -toRemove;
  const items = list.toArray();
  if (fromTail) items.reverse();
  const kept: Uint8Array[] = [];
  let removed = 0;
  for (const item of items) {
    if ((toRemove === 0 || removed < toRemove) && bytesEqual(item, element)) removed++;
    else kept.push(item);
  }
  if (removed > 0) {
    if (fromTail) kept.reverse();
    list.replaceAll(kept);
    node.dirty += removed;
    db.touch(key);
  }
  if (list.length === 0) db.delete(key);
  writeInteger(c.out, removed);
}

/** lmoveHandlePush: pushes onto the destination (creating it) and replies with the value. */
function lmovePush(node: RedisNode, c: Client, db: Database, dstKey: string, dst: ListValue | undefined, value: Uint8Array, where: Where): void {
  if (dst === undefined) {
    dst = new ListValue();
    pushEnd(dst, where, value);
    db.set(dstKey, dst);
  } else {
    pushEnd(dst, where, value);
    db.touch(dstKey);
  }
  writeBulk(c.out, value);
}

function lmoveGeneric(node: RedisNode, c: Client, argv: Uint8Array[], from: Where, to: Where, command: string): void {
  const db = node.selectedDb(c);
  const srcKey = keyOf(argv[1]!);
  const src = lookupTyped(node, c, db, srcKey, "list", true);
  if (src === null) return;
  if (src === undefined || src.length === 0) {
    replyNullBulk(c);
    return;
  }
  const dstKey = keyOf(argv[2]!);
  const dst = lookupTyped(node, c, db, dstKey, "list", true);
  if (dst === null) return;
  const value = popEnd(src, from);
  lmovePush(node, c, db, dstKey, dst, value, to);
  if (src.length === 0) db.delete(srcKey);
  else db.touch(srcKey);
  node.dirty++;
  if (command === "blmove") node.rewriteArgv([LMOVE, argv[1]!, argv[2]!, argv[3]!, argv[4]!], "BLMOVE found data at once: replicas get the LMOVE it became");
  else if (command === "brpoplpush") node.rewriteArgv([RPOPLPUSH, argv[1]!, argv[2]!], "BRPOPLPUSH found data at once: replicas get the RPOPLPUSH it became");
}

function lmoveCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const from = listPositionArg(node, c, argv[3]!);
  if (from === undefined) return;
  const to = listPositionArg(node, c, argv[4]!);
  if (to === undefined) return;
  lmoveGeneric(node, c, argv, from, to, "lmove");
}

function rpoplpushCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  lmoveGeneric(node, c, argv, "right", "left", "rpoplpush");
}

function blmoveGeneric(node: RedisNode, c: Client, argv: Uint8Array[], from: Where, to: Where, deadline: number, command: string): void {
  const db = node.selectedDb(c);
  const src = lookupTyped(node, c, db, keyOf(argv[1]!), "list", true);
  if (src === null) return;
  if (src === undefined) {
    if (denyBlocking(node, c)) {
      replyNullBulk(c);
      return;
    }
    blockForKeys(node, c, { type: "list", db, keys: [keyOf(argv[1]!)], deadlineMs: deadline, from, to, target: argv[2]!.slice(), count: -1, command, argv: argv.map((a) => a.slice()) });
    return;
  }
  lmoveGeneric(node, c, argv, from, to, command);
}

function blmoveCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const from = listPositionArg(node, c, argv[3]!);
  if (from === undefined) return;
  const to = listPositionArg(node, c, argv[4]!);
  if (to === undefined) return;
  const deadline = timeoutArg(node, c, argv[5]!);
  if (deadline === undefined) return;
  blmoveGeneric(node, c, argv, from, to, deadline, "blmove");
}

function brpoplpushCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const deadline = timeoutArg(node, c, argv[3]!);
  if (deadline === undefined) return;
  blmoveGeneric(node, c, argv, "right", "left", deadline, "brpoplpush");
}

/**
 * serveClientBlockedOnList: a client blocked on `key` gets its pop now that the key holds a list.
 * Returns true when that emptied (and deleted) the list.
 */
export function serveClientBlockedOnList(node: RedisNode, receiver: Client, spec: BlockedOnKeys, list: ListValue, key: string): boolean {
  const db = spec.db;
  const keyArg = keyBytes(key);
  const original = spec.argv;
  if (spec.target === null) {
    let propagated: Uint8Array[];
    if (spec.command === "blmpop") {
      const popped = Math.min(spec.count, list.length);
      propagated = [spec.from === "left" ? LPOP : RPOP, keyArg, asciiBytes(String(popped))];
      writeArrayHeader(receiver.out, 2);
      writeBulk(receiver.out, keyArg);
      popRange(receiver, list, spec.from, spec.count);
      node.dirty += popped;
    } else {
      propagated = [spec.from === "left" ? LPOP : RPOP, keyArg];
      writeArrayHeader(receiver.out, 2);
      writeBulk(receiver.out, keyArg);
      writeBulk(receiver.out, popEnd(list, spec.from));
    }
    node.propagateServed(db.id, original, propagated);
  } else {
    const dstKey = keyOf(spec.target);
    const dst = lookupTyped(node, receiver, db, dstKey, "list", true);
    if (dst !== null) {
      const value = popEnd(list, spec.from);
      lmovePush(node, receiver, db, dstKey, dst, value, spec.to);
      const propagated =
        spec.command === "brpoplpush" ? [RPOPLPUSH, keyArg, spec.target] : [LMOVE, keyArg, spec.target, spec.from === "left" ? LEFT : RIGHT, spec.to === "left" ? LEFT : RIGHT];
      node.propagateServed(db.id, original, propagated);
    }
  }
  if (list.length === 0) {
    db.delete(key);
    return true;
  }
  return false;
}

function keyBytes(key: string): Uint8Array {
  const out = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) out[i] = key.charCodeAt(i);
  return out;
}

export const listCommands: readonly CommandSpec[] = [
  { name: "lpush", arity: -3, flags: { write: true }, proc: pushCommand("left", false), keys: [1, 1, 1] },
  { name: "rpush", arity: -3, flags: { write: true }, proc: pushCommand("right", false), keys: [1, 1, 1] },
  { name: "lpushx", arity: -3, flags: { write: true }, proc: pushCommand("left", true), keys: [1, 1, 1] },
  { name: "rpushx", arity: -3, flags: { write: true }, proc: pushCommand("right", true), keys: [1, 1, 1] },
  { name: "linsert", arity: 5, flags: { write: true }, proc: linsertCommand, keys: [1, 1, 1] },
  { name: "llen", arity: 2, flags: {}, proc: llenCommand, keys: [1, 1, 1] },
  { name: "lindex", arity: 3, flags: {}, proc: lindexCommand, keys: [1, 1, 1] },
  { name: "lset", arity: 4, flags: { write: true }, proc: lsetCommand, keys: [1, 1, 1] },
  { name: "lpop", arity: -2, flags: { write: true }, proc: popCommand("left"), keys: [1, 1, 1] },
  { name: "rpop", arity: -2, flags: { write: true }, proc: popCommand("right"), keys: [1, 1, 1] },
  { name: "lmpop", arity: -4, flags: { write: true }, proc: lmpopCommand(false) },
  { name: "blpop", arity: -3, flags: { write: true }, proc: blpopCommand("left"), keys: [1, -2, 1] },
  { name: "brpop", arity: -3, flags: { write: true }, proc: blpopCommand("right"), keys: [1, -2, 1] },
  { name: "blmpop", arity: -5, flags: { write: true }, proc: lmpopCommand(true) },
  { name: "lrange", arity: 4, flags: {}, proc: lrangeCommand, keys: [1, 1, 1] },
  { name: "ltrim", arity: 4, flags: { write: true }, proc: ltrimCommand, keys: [1, 1, 1] },
  { name: "lpos", arity: -3, flags: {}, proc: lposCommand, keys: [1, 1, 1] },
  { name: "lrem", arity: 4, flags: { write: true }, proc: lremCommand, keys: [1, 1, 1] },
  { name: "lmove", arity: 5, flags: { write: true }, proc: lmoveCommand, keys: [1, 2, 1] },
  { name: "rpoplpush", arity: 3, flags: { write: true }, proc: rpoplpushCommand, keys: [1, 2, 1] },
  { name: "blmove", arity: 6, flags: { write: true }, proc: blmoveCommand, keys: [1, 2, 1] },
  { name: "brpoplpush", arity: 4, flags: { write: true }, proc: brpoplpushCommand, keys: [1, 2, 1] },
];
