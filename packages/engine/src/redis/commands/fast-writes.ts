/**
 * Fast paths for the data types' busiest writes, as the server's tryPlainSet is for SET: an
 * `LPUSH`/`RPUSH key element...`, `HSET key field value...` or `ZADD key score member...` (no
 * options, integer scores, a change to make: zaddFromBounds) read straight from the input buffer
 * (canonical RESP; `b` holds (start, length) pairs of the request's `count` arguments in `data`)
 * is applied, counted, propagated from its own bytes and answered with the effect processCommand
 * and call() would have, without building argv. A fast path stands aside (returns false before
 * changing anything, and the full path runs) whenever a rule of the full path could apply: a
 * client not authenticated, in MULTI or not a normal one, a replica, min-replicas not met, out of
 * memory, a TTL, watcher or blocked client in the db (expiry, WATCH, waking BLPOP), a key of
 * another type (WRONGTYPE), a wrong number of arguments, or a command table whose command is not
 * the one these paths stand for.
 */
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import type { CommandTable } from "./table.ts";
import { writeInteger } from "../resp/encode.ts";
import { listCommands, pushFromBounds } from "./lists.ts";
import { hashCommands, hsetFromBounds } from "./hashes.ts";
import { zaddFromBounds, zsetCommands } from "./zsets.ts";
import { RecentString } from "./recent-string.ts";

interface FastSpecs {
  readonly lpush: CommandSpec | null;
  readonly rpush: CommandSpec | null;
  readonly hset: CommandSpec | null;
  readonly zadd: CommandSpec | null;
}

const shared = (family: readonly CommandSpec[], name: string): CommandSpec => family.find((spec) => spec.name === name)!;
const LPUSH = shared(listCommands, "lpush");
const RPUSH = shared(listCommands, "rpush");
const HSET = shared(hashCommands, "hset");
const ZADD = shared(zsetCommands, "zadd");

const specsByTable = new WeakMap<CommandTable, FastSpecs>();
/** The last table asked about (every node of a kind shares one). */
let lastTable: CommandTable | null = null;
let lastSpecs: FastSpecs | null = null;

/** The table's LPUSH, RPUSH and HSET where they run the shared procs (null where not). */
function fastSpecs(table: CommandTable): FastSpecs {
  if (table === lastTable) return lastSpecs!;
  let specs = specsByTable.get(table);
  if (specs === undefined) {
    const same = (shared: CommandSpec): CommandSpec | null => {
      const spec = table.lookup(shared.name);
      return spec !== undefined && spec.proc === shared.proc ? spec : null;
    };
    specs = { lpush: same(LPUSH), rpush: same(RPUSH), hset: same(HSET), zadd: same(ZADD) };
    specsByTable.set(table, specs);
  }
  lastTable = table;
  lastSpecs = specs;
  return specs;
}

const recentKey = new RecentString();

/** Which fast command the request names (by its first argument's bytes), or null. */
function fastSpecOf(node: RedisNode, data: Uint8Array, b: Int32Array, count: number): CommandSpec | null {
  const at = b[0]!;
  const length = b[1]!;
  if (length === 5 && count >= 3) {
    const first = data[at]! | 0x20;
    if ((first !== 0x6c && first !== 0x72) || (data[at + 1]! | 0x20) !== 0x70 || (data[at + 2]! | 0x20) !== 0x75 || (data[at + 3]! | 0x20) !== 0x73 || (data[at + 4]! | 0x20) !== 0x68) return null;
    const specs = fastSpecs(node.commands);
    return first === 0x6c ? specs.lpush : specs.rpush;
  }
  if (length === 4 && count >= 4 && (count & 1) === 0) {
    const first = data[at]! | 0x20;
    if (first === 0x7a) {
      if ((data[at + 1]! | 0x20) !== 0x61 || (data[at + 2]! | 0x20) !== 0x64 || (data[at + 3]! | 0x20) !== 0x64) return null;
      return fastSpecs(node.commands).zadd;
    }
    if (first !== 0x68 || (data[at + 1]! | 0x20) !== 0x73 || (data[at + 2]! | 0x20) !== 0x65 || (data[at + 3]! | 0x20) !== 0x74) return null;
    return fastSpecs(node.commands).hset;
  }
  return null;
}

/** Runs the write on the client's db; -1 when the key holds another type (nothing changed). */
function apply(node: RedisNode, client: Client, spec: CommandSpec, data: Uint8Array, b: Int32Array, count: number): number {
  const db = node.keyspace.dbs[client.db]!;
  const view = client.parser.dataView;
  const key = recentKey.of(data, view, b[2]!, b[2]! + b[3]!);
  if (spec.name === "zadd") return zaddFromBounds(node, db, key, data, b, count);
  return spec.name === "hset" ? hsetFromBounds(node, db, key, data, view, b, count) : pushFromBounds(node, db, key, data, b, count, spec.name === "lpush");
}

/** From a normal client (processInput): true when the request was run, answered and propagated here. */
export function tryFastWrite(node: RedisNode, client: Client, data: Uint8Array, b: Int32Array, count: number): boolean {
  const spec = fastSpecOf(node, data, b, count);
  if (spec === null) return false;
  if (!client.authenticated || client.multi !== null || client.kind !== "normal" || node.isReplica || node.replication.minReplicasNotMet()) return false;
  if (node.memory.limited && node.memory.outOfMemory()) return false;
  const db = node.keyspace.dbs[client.db]!;
  if (db.expires.size > 0 || db.watchedKeys.size > 0 || db.blockingKeys.size > 0) return false;
  const reply = apply(node, client, spec, data, b, count);
  if (reply < 0) return false;
  node.countFastCommand(client, spec);
  node.propagatePlainSet(client, data, b, count);
  writeInteger(client.out, reply);
  node.changeCount++;
  return true;
}

/**
 * From our master's stream on a 7.0 replica (which passes the bytes on itself): true when the
 * request was applied and counted. Not in MULTI, and with no TTL in the db (a replica's expiry
 * rules for its master's writes are left to the full path).
 */
export function applyFastWriteFromMaster(node: RedisNode, client: Client, data: Uint8Array, b: Int32Array, count: number): boolean {
  const spec = fastSpecOf(node, data, b, count);
  if (spec === null || client.multi !== null) return false;
  const db = node.keyspace.dbs[client.db]!;
  if (db.expires.size > 0 || db.watchedKeys.size > 0 || db.blockingKeys.size > 0) return false;
  if (apply(node, client, spec, data, b, count) < 0) return false;
  node.countFastCommand(client, spec);
  node.changeCount++;
  return true;
}
