/**
 * Persistence (rdb.c, and serverCron's save points): the dataset as RDB on the node's disk, loaded
 * at start-up, written by SAVE, BGSAVE, SHUTDOWN and the save points. The simulated fork finishes
 * at once, so BGSAVE is a SAVE.
 */
import { isWrittenRdb, writeRdb } from "./rdb/writer.ts";
import { readRdb } from "./rdb/reader.ts";
import { RdbError } from "./rdb/errors.ts";
import { asciiBytes } from "../util/bytes.ts";
import { binaryKeyBytes, type RedisNode } from "./server.ts";
import { valueFromRdb } from "./store/from-rdb.ts";
import type { RedisValue } from "./store/value.ts";
import { libraryCodes, loadLibrariesFromRdb } from "./scripting/functions.ts";

const DEL_WORD = asciiBytes("DEL");

/** What loading an RDB did, and the replication position it carried. */
export interface LoadedRdb {
  readonly keys: number;
  readonly unsupported: number;
  readonly replication: { replid: string; offset: number; streamDb: number } | null;
}

const SAVE_POINTS_CACHE = new Map<string, readonly { seconds: number; changes: number }[]>();

/** `save` as pairs of seconds and changes (malformed pairs are ignored, as CONFIG SET refuses them). */
function parseSavePoints(text: string): readonly { seconds: number; changes: number }[] {
  let points = SAVE_POINTS_CACHE.get(text);
  if (!points) {
    const words = text.trim().split(/\s+/);
    const parsed: { seconds: number; changes: number }[] = [];
    for (let i = 0; i + 1 < words.length; i += 2) {
      const seconds = Number(words[i]);
      const changes = Number(words[i + 1]);
      if (Number.isInteger(seconds) && Number.isInteger(changes)) parsed.push({ seconds, changes });
    }
    points = parsed;
    SAVE_POINTS_CACHE.set(text, points);
  }
  return points;
}

/**
 * serverCron's save points: with `save 3600 1 300 100 60 10000`, a BGSAVE starts once 1 change
 * is an hour old, 100 changes five minutes, or 10000 changes a minute (strictly more seconds than
 * the point says). The simulated fork finishes at once.
 */
export function checkSavePoints(node: RedisNode): void {
  if (node.dirty === 0 || node.config.save === "") return;
  const elapsedSec = node.unixSec() - node.lastSaveUnixSec;
  for (const point of parseSavePoints(node.config.save)) {
    if (node.dirty >= point.changes && elapsedSec > point.seconds) {
      node.trace({ kind: "persistence", action: "save-point", keys: node.keyspace.totalKeys, file: node.config.dbfilename, message: `${node.dirty} changes in ${point.seconds} seconds. Saving... (save ${point.seconds} ${point.changes})` });
      node.save();
      return;
    }
  }
}


/** Serializes the dataset as the node's version writes it (RDB 10 for 7.0, 8 for 4.0, 6 for 2.6 and 2.8). */
export function buildRdb(node: RedisNode): Uint8Array {
  return writeRdb({
    version: node.dialect.rdbVersion,
    aux: {
      redisVer: node.versionString,
      ctimeSec: node.unixSec(),
      usedMemBytes: node.usedMemoryBytes(),
      replication: node.replication.saveInfo(),
      aofBase: 0,
    },
    databases: node.keyspace.dbs
      .filter((db) => db.size > 0)
      .map((db) => ({
        db: db.id,
        size: db.size,
        expires: db.expires.size,
        forEach(visit: (key: string, value: RedisValue, expireAtMs: number) => void): void {
          const hasExpires = db.expires.size > 0;
          db.dict.forEach((value, key) => visit(key, value, hasExpires ? (db.expires.get(key) ?? -1) : -1));
        },
      })),
    compression: node.config.rdbcompression,
    checksum: node.config.rdbchecksum,
    lists: { fill: node.config["list-max-listpack-size"], packedThreshold: node.quicklistPackedThreshold },
    functions: libraryCodes(node),
  });
}

/** SAVE: writes dump.rdb to this node's disk. */
export function saveRdb(node: RedisNode): number {
  const rdb = buildRdb(node);
  node.disk.write(node.config.dbfilename, rdb);
  node.dirty = 0;
  node.lastSaveUnixSec = node.unixSec();
  node.trace({ kind: "persistence", action: "save", keys: node.keyspace.totalKeys, file: node.config.dbfilename, message: `DB saved on disk (${rdb.length} bytes, ${node.keyspace.totalKeys} keys)` });
  return rdb.length;
}

/**
 * Loads an RDB into the (emptied) keyspace. A master at start-up drops keys whose TTL passed
 * while it was down and, when `feedExpiredDels`, feeds a `DEL` for each into its backlog (redis:
 * RDBFLAGS_FEED_REPL) so that replicas continuing from the old history drop them too. Replicas
 * keep such keys until their master deletes them.
 */
export function loadRdbInto(node: RedisNode, rdb: Uint8Array, dropExpired: boolean, feedExpiredDels = false): LoadedRdb {
  node.keyspace.flushAll();
  const now = node.unixMs();
  let keys = 0;
  let expired = 0;
  const unsupported: string[] = [];
  const functions: Uint8Array[] = [];
  let selected = 0;
  // Short strings stay in the file (SizedMap.loadRange): one nothing writes again, a copy unless it
  // is a file our writer made (a master's RDB, as the network cut it, or a dump.rdb).
  const file = isWrittenRdb(rdb) ? rdb : rdb.slice();
  const store = (dbIndex: number, key: string, value: RedisValue, expireAtMs: number): void => {
    const db = node.keyspace.dbs[dbIndex];
    if (!db) return;
    if (dropExpired && expireAtMs !== -1 && expireAtMs < now) {
      expired++;
      if (feedExpiredDels) node.replication.feedCommand(dbIndex, [DEL_WORD, binaryKeyBytes(key)]);
      return;
    }
    db.dict.load(key, value);
    if (expireAtMs !== -1) db.loadExpire(key, expireAtMs);
    keys++;
  };
  const summary = readRdb(
    file,
    {
      onSelectDb: (dbIndex) => {
        selected = dbIndex;
      },
      // The file says how many keys the db holds: its dict is sized once instead of growing.
      onResizeDb: (size) => node.keyspace.dbs[selected]?.dict.reserve(Math.min(size, rdb.length)),
      onString: store,
      onShortString: (dbIndex, bytes, keyStart, keyEnd, valueStart, valueEnd) => {
        const db = node.keyspace.dbs[dbIndex];
        if (!db) return;
        db.dict.loadRange(bytes, keyStart, keyEnd, valueStart, valueEnd);
        keys++;
      },
      onAggregate: (dbIndex, key, value, expireAtMs) => store(dbIndex, key, valueFromRdb(node.config, value), expireAtMs),
      onUnsupported: (_db, key, typeName) => {
        unsupported.push(`${typeName}:${key}`);
      },
      onFunction: (code) => functions.push(code),
    },
    { verifyChecksum: node.config.rdbchecksum, maxVersion: node.dialect.rdbVersion },
  );
  // Function libraries are part of the dataset: the file's replace the node's (none: none left).
  loadLibrariesFromRdb(node, functions);
  node.lastLoad = { keysLoaded: keys, keysExpired: expired, keysUnsupported: unsupported.length };
  if (unsupported.length > 0) {
    node.trace({
      kind: "warning",
      code: "rdb-unsupported-types",
      message: `RDB held ${unsupported.length} keys of types the lab does not model yet (${unsupported.slice(0, 5).join(", ")}${unsupported.length > 5 ? ", ..." : ""}); they were skipped`,
    });
  }
  const r = summary.replication;
  const replication = r.replId !== null && r.replOffset !== null && r.replStreamDb !== null && r.replStreamDb !== -1 ? { replid: r.replId, offset: r.replOffset, streamDb: r.replStreamDb } : null;
  return { keys, unsupported: unsupported.length, replication };
}

/** loadDataFromDisk at process start. */
export function loadDataFromDisk(node: RedisNode, replicaOf: { host: string; port: number } | null): void {
  const rdb = node.disk.read(node.config.dbfilename);
  if (!rdb) return;
  const feedExpiredDels = node.replication.beginStartupLoad(replicaOf === null);
  let loaded;
  try {
    loaded = loadRdbInto(node, rdb, replicaOf === null, feedExpiredDels);
  } catch (error) {
    if (!(error instanceof RdbError)) throw error;
    node.keyspace.flushAll();
    node.replication.endStartupLoad(false, null, replicaOf);
    node.trace({ kind: "warning", code: "rdb-load-failed", message: `could not load ${node.config.dbfilename} at start-up: ${error.message}; starting empty` });
    return;
  }
  node.trace({ kind: "persistence", action: "load", keys: loaded.keys, file: node.config.dbfilename, message: `DB loaded from disk: ${loaded.keys} keys` });
  node.replication.endStartupLoad(true, loaded.replication, replicaOf);
}

/** The keys an RDB holds, read without loading it (throws `RdbError` where loading it would fail). */
export function countRdbKeys(rdb: Uint8Array, node: RedisNode): number {
  return readRdb(rdb, {}, { verifyChecksum: node.config.rdbchecksum, maxVersion: node.dialect.rdbVersion }).keys;
}
