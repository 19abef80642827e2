/**
 * Set commands (t_set.c, 7.0.15). A set of integers is an intset (members come out in numeric
 * order) until it holds more than `set-max-intset-entries` members or a non-integer arrives; then
 * it is a hash table for good. The random commands are where replication has to step in: SPOP
 * reaches replicas as the SREMs of what it popped (or as DEL when it emptied the set), since a
 * replica drawing its own random members would diverge; SRANDMEMBER changes nothing and is not
 * propagated at all.
 */
import { writeArrayHeader, writeInteger } from "../resp/encode.ts";
import { asciiBytes, bytesToBinary, binaryToBytes } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { Database } from "../store/keyspace.ts";
import type { CommandSpec } from "./command.ts";
import { isInt64String, SetValue } from "../store/set.ts";
import { existingForWrite, lookupTyped, positiveLongArg, rangeLongArg, removeEach, replyLength, storeResult, writeBinary, LONG_MAX } from "./args.ts";
import { ERR_SYNTAX, keyOf, word, replyNullBulk, replySetHeader } from "./reply.ts";
import { randomSample } from "./random.ts";

const SREM = asciiBytes("SREM");
const DEL = asciiBytes("DEL");

/** setTypeCreate: an intset if the first member is an integer, else a hash table. */
export function createSetFor(member: string): SetValue {
  return new SetValue(isInt64String(member) ? "intset" : "hashtable");
}

/** setTypeAdd: true if the member was new. Converts the intset as needed. */
export function setAdd(node: RedisNode, set: SetValue, member: string): boolean {
  if (set.members.has(member)) return false;
  if (set.encoding === "intset") {
    if (!isInt64String(member)) {
      set.encoding = "hashtable";
    } else {
      set.members.add(member);
      const max = Math.min(node.config["set-max-intset-entries"], 1 << 30);
      if (set.members.size > max) set.encoding = "hashtable";
      return true;
    }
  }
  set.members.add(member);
  return true;
}

function saddCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  let set = lookupTyped(node, c, db, key, "set", true);
  if (set === null) return;
  if (set === undefined) {
    set = createSetFor(bytesToBinary(argv[2]!));
    db.set(key, set);
  }
  let added = 0;
  for (let j = 2; j < argv.length; j++) if (setAdd(node, set, bytesToBinary(argv[j]!))) added++;
  if (added > 0) db.touch(key);
  node.dirty += added;
  writeInteger(c.out, added);
}

function sremCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const found = existingForWrite(node, c, argv[1]!, "set");
  if (!found) return;
  const set = found.value;
  removeEach(node, c, found.db, found.key, argv.slice(2), (member) => set.members.delete(member), () => set.length);
}

function smoveCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const db = node.selectedDb(c);
  const srcKey = keyOf(argv[1]!);
  const dstKey = keyOf(argv[2]!);
  const src = node.lookupWrite(db, srcKey);
  const dst = node.lookupWrite(db, dstKey);
  const member = bytesToBinary(argv[3]!);
  if (src === undefined) {
    writeInteger(c.out, 0);
    return;
  }
  if (src instanceof Uint8Array || src.type !== "set" || (dst !== undefined && (dst instanceof Uint8Array || dst.type !== "set"))) {
    node.replyError(c, "WRONGTYPE Operation against a key holding the wrong kind of value");
    return;
  }
  if (src === dst) {
    writeInteger(c.out, src.members.has(member) ? 1 : 0);
    return;
  }
  if (!src.members.delete(member)) {
    writeInteger(c.out, 0);
    return;
  }
  if (src.members.size === 0) db.delete(srcKey);
  let target = dst as SetValue | undefined;
  if (target === undefined) {
    target = createSetFor(member);
    db.set(dstKey, target);
  }
  db.touch(srcKey);
  node.dirty++;
  if (setAdd(node, target, member)) {
    node.dirty++;
    db.touch(dstKey);
  }
  writeInteger(c.out, 1);
}

function sismemberCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const set = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "set", false);
  if (set === null) return;
  writeInteger(c.out, set?.members.has(bytesToBinary(argv[2]!)) ? 1 : 0);
}

function smismemberCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const set = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "set", false);
  if (set === null) return;
  writeArrayHeader(c.out, argv.length - 2);
  for (let j = 2; j < argv.length; j++) writeInteger(c.out, set?.members.has(bytesToBinary(argv[j]!)) ? 1 : 0);
}

function scardCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  replyLength(node, c, argv[1]!, "set");
}

/** Members as a set reply (`~` in RESP3: SMEMBERS, SUNION, SPOP with a count) or a plain array (SRANDMEMBER). */
function writeMembers(c: Client, members: readonly string[], asSet = true): void {
  if (asSet) replySetHeader(c, members.length);
  else writeArrayHeader(c.out, members.length);
  for (const member of members) writeBinary(c.out, member);
}

/** The number of draws SPOP / SRANDMEMBER can still use (a set's random element). */
function randomMember(node: RedisNode, set: SetValue): string {
  const members = set.ordered();
  return members[node.random.int(members.length)]!;
}

function spopWithCount(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const count = positiveLongArg(node, c, argv[2]!);
  if (count === undefined) return;
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const set = lookupTyped(node, c, db, key, "set", true);
  if (set === null) return;
  if (set === undefined || count === 0) {
    replySetHeader(c, 0);
    return;
  }
  const size = set.length;
  node.dirty += count >= size ? size : count;
  if (count >= size) {
    // Answered as SUNION of the one set: a fresh set (an intset if it can be) in its own order.
    const copy = new SetValue("intset");
    for (const member of set.ordered()) setAdd(node, copy, member);
    writeMembers(c, copy.ordered());
    db.delete(key);
    node.rewriteArgv([DEL, argv[1]!], "SPOP took the whole set: replicas get DEL, whatever order it came out in");
    return;
  }
  replySetHeader(c, count);
  const remaining = size - count;
  const ops: Uint8Array[][] = [];
  if (remaining * 5 > count) {
    for (let i = 0; i < count; i++) {
      const member = randomMember(node, set);
      writeBinary(c.out, member);
      set.members.delete(member);
      ops.push([SREM, argv[1]!, binaryToBytes(member)]);
    }
  } else {
    // Draw the members that stay; they become a new set (whose encoding may change).
    let kept: SetValue | null = null;
    for (let i = 0; i < remaining; i++) {
      const member = randomMember(node, set);
      kept ??= createSetFor(member);
      setAdd(node, kept, member);
      set.members.delete(member);
    }
    for (const member of set.ordered()) {
      writeBinary(c.out, member);
      ops.push([SREM, argv[1]!, binaryToBytes(member)]);
    }
    db.set(key, kept!, true);
  }
  for (const op of ops) node.alsoPropagate(db.id, op);
  node.preventPropagation(`SPOP drew ${count} random members: replicas get an SREM for each, so they drop the same ones`);
  db.touch(key);
}

function spopCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length === 3) {
    spopWithCount(node, c, argv);
    return;
  }
  if (argv.length > 3) {
    node.replyError(c, ERR_SYNTAX);
    return;
  }
  const db = node.selectedDb(c);
  const key = keyOf(argv[1]!);
  const set = lookupTyped(node, c, db, key, "set", true);
  if (set === null) return;
  if (set === undefined) {
    replyNullBulk(c);
    return;
  }
  const member = randomMember(node, set);
  set.members.delete(member);
  const bytes = binaryToBytes(member);
  node.rewriteArgv([SREM, argv[1]!, bytes], "SPOP picked a random member: replicas get SREM of that member, not a draw of their own");
  writeBinary(c.out, member);
  if (set.members.size === 0) db.delete(key);
  else db.touch(key);
  node.dirty++;
}

function srandmemberCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length === 3) {
    const l = rangeLongArg(node, c, argv[2]!, -LONG_MAX, LONG_MAX);
    if (l === undefined) return;
    const set = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "set", false);
    if (set === null) return;
    if (set === undefined || l === 0) {
      writeArrayHeader(c.out, 0);
      return;
    }
    // An array even when the count covers the whole set (7.0.15 answers it with addReplyArrayLen).
    writeMembers(c, randomSample(node.random, set.ordered(), l, false), false);
    return;
  }
  if (argv.length > 3) {
    node.replyError(c, ERR_SYNTAX);
    return;
  }
  const set = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "set", false);
  if (set === null) return;
  if (set === undefined) {
    replyNullBulk(c);
    return;
  }
  writeBinary(c.out, randomMember(node, set));
}

function smembersCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const set = lookupTyped(node, c, node.selectedDb(c), keyOf(argv[1]!), "set", false);
  if (set === null) return;
  writeMembers(c, set ? set.ordered() : []);
}

/** Reads the sets named by `keyArgs` for SINTER/SUNION/SDIFF; null after WRONGTYPE. */
function readSets(node: RedisNode, c: Client, db: Database, keyArgs: readonly Uint8Array[]): (SetValue | undefined)[] | null {
  const sets: (SetValue | undefined)[] = [];
  for (const arg of keyArgs) {
    const set = lookupTyped(node, c, db, keyOf(arg), "set", false);
    if (set === null) return null;
    sets.push(set);
  }
  return sets;
}


function sinterGeneric(node: RedisNode, c: Client, keyArgs: readonly Uint8Array[], dstKey: string | null, cardinalityOnly: boolean, limit: number): void {
  const db = node.selectedDb(c);
  const sets = readSets(node, c, db, keyArgs);
  if (sets === null) return;
  if (sets.some((s) => s === undefined)) {
    if (dstKey !== null) {
      if (db.delete(dstKey)) node.dirty++;
      writeInteger(c.out, 0);
    } else if (cardinalityOnly) {
      writeInteger(c.out, 0);
    } else {
      replySetHeader(c, 0);
    }
    return;
  }
  const present = (sets as SetValue[]).slice().sort((a, b) => a.length - b.length);
  const first = present[0]!;
  const result: string[] = [];
  for (const member of first.ordered()) {
    let inAll = true;
    for (let j = 1; j < present.length; j++) {
      if (present[j] === first) continue;
      if (!present[j]!.members.has(member)) {
        inAll = false;
        break;
      }
    }
    if (!inAll) continue;
    result.push(member);
    if (cardinalityOnly && limit !== 0 && result.length >= limit) break;
  }
  if (cardinalityOnly) {
    writeInteger(c.out, result.length);
  } else if (dstKey !== null) {
    const stored = new SetValue("intset");
    for (const member of result) setAdd(node, stored, member);
    storeResult(node, c, db, dstKey, stored);
  } else {
    writeMembers(c, result);
  }
}

function sunionDiffGeneric(node: RedisNode, c: Client, keyArgs: readonly Uint8Array[], dstKey: string | null, op: "union" | "diff"): void {
  const db = node.selectedDb(c);
  const sets = readSets(node, c, db, keyArgs);
  if (sets === null) return;
  const result = new SetValue("intset");
  const first = sets[0];
  if (op === "union") {
    for (const set of sets) if (set) for (const member of set.ordered()) setAdd(node, result, member);
  } else if (first && !sets.slice(1).includes(first)) {
    // redis picks the cheaper of two algorithms; they can leave the result in different encodings.
    let oneWork = 0;
    let twoWork = 0;
    for (const set of sets) {
      if (!set) continue;
      oneWork += first.length;
      twoWork += set.length;
    }
    oneWork = Math.floor(oneWork / 2);
    if (oneWork <= twoWork) {
      for (const member of first.ordered()) {
        if (sets.slice(1).some((s) => s?.members.has(member))) continue;
        setAdd(node, result, member);
      }
    } else {
      for (let j = 0; j < sets.length; j++) {
        const set = sets[j];
        if (!set) continue;
        for (const member of set.ordered()) {
          if (j === 0) setAdd(node, result, member);
          else result.members.delete(member);
        }
        if (result.length === 0) break;
      }
    }
  }
  if (dstKey === null) writeMembers(c, result.ordered());
  else storeResult(node, c, db, dstKey, result);
}

function sintercardCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const numkeys = rangeLongArg(node, c, argv[1]!, 1n, LONG_MAX, "numkeys should be greater than 0");
  if (numkeys === undefined) return;
  if (numkeys > argv.length - 2) {
    node.replyError(c, "ERR Number of keys can't be greater than number of args");
    return;
  }
  let limit = 0;
  for (let j = 2 + numkeys; j < argv.length; j++) {
    const more = argv.length - 1 - j;
    if (word(argv[j]!) === "limit" && more > 0) {
      const parsed = positiveLongArg(node, c, argv[++j]!, "LIMIT can't be negative");
      if (parsed === undefined) return;
      limit = parsed;
    } else {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
  }
  sinterGeneric(node, c, argv.slice(2, 2 + numkeys), null, true, limit);
}

export const setCommands: readonly CommandSpec[] = [
  { name: "sadd", arity: -3, flags: { write: true }, proc: saddCommand, keys: [1, 1, 1] },
  { name: "srem", arity: -3, flags: { write: true }, proc: sremCommand, keys: [1, 1, 1] },
  { name: "smove", arity: 4, flags: { write: true }, proc: smoveCommand, keys: [1, 2, 1] },
  { name: "sismember", arity: 3, flags: {}, proc: sismemberCommand, keys: [1, 1, 1] },
  { name: "smismember", arity: -3, flags: {}, proc: smismemberCommand, keys: [1, 1, 1] },
  { name: "scard", arity: 2, flags: {}, proc: scardCommand, keys: [1, 1, 1] },
  { name: "spop", arity: -2, flags: { write: true }, proc: spopCommand, keys: [1, 1, 1] },
  { name: "srandmember", arity: -2, flags: {}, proc: srandmemberCommand, keys: [1, 1, 1] },
  { name: "smembers", arity: 2, flags: {}, proc: smembersCommand, keys: [1, 1, 1] },
  { name: "sinter", arity: -2, flags: {}, proc: (node, c, argv) => sinterGeneric(node, c, argv.slice(1), null, false, 0), keys: [1, -1, 1] },
  { name: "sintercard", arity: -3, flags: {}, proc: sintercardCommand },
  { name: "sinterstore", arity: -3, flags: { write: true }, proc: (node, c, argv) => sinterGeneric(node, c, argv.slice(2), keyOf(argv[1]!), false, 0), keys: [1, -1, 1] },
  { name: "sunion", arity: -2, flags: {}, proc: (node, c, argv) => sunionDiffGeneric(node, c, argv.slice(1), null, "union"), keys: [1, -1, 1] },
  { name: "sunionstore", arity: -3, flags: { write: true }, proc: (node, c, argv) => sunionDiffGeneric(node, c, argv.slice(2), keyOf(argv[1]!), "union"), keys: [1, -1, 1] },
  { name: "sdiff", arity: -2, flags: {}, proc: (node, c, argv) => sunionDiffGeneric(node, c, argv.slice(1), null, "diff"), keys: [1, -1, 1] },
  { name: "sdiffstore", arity: -3, flags: { write: true }, proc: (node, c, argv) => sunionDiffGeneric(node, c, argv.slice(2), keyOf(argv[1]!), "diff"), keys: [1, -1, 1] },
];
