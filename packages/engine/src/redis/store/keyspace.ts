/**
 * The keyspace: 16 databases of values (strings and the aggregate types, see value.ts) with
 * optional expiry.
 *
 * Keys are byte strings (one char per byte). Expiry follows redis: a key has an absolute expire
 * time in unix ms kept in a second map, so keys without TTL cost nothing extra. Whether a
 * logically expired key is deleted, hidden or served depends on who asks (a replica keeps it until
 * its master's DEL arrives); that policy lives in the node, which calls the primitives here.
 *
 * Every change to a key goes through `set`, `delete`, `setExpire`, `persist`, `clear` or, for an
 * aggregate changed in place, `touch`: that is where WATCH learns about it (redis
 * signalModifiedKey / touchWatchedKey), so no command can forget to tell it.
 */
import { ownBytes, type RedisValue } from "./value.ts";
import { SizedMap } from "./sized-map.ts";
import { touchAllWatchedKeysInDb, touchWatchedKey, type WatchedKey } from "../watch.ts";
import type { Client } from "../client.ts";
import { bytesToBinary } from "../../util/bytes.ts";

/** A key that became a list or sorted set while clients wait on it (redis readyList). */
export interface ReadyKey {
  readonly db: Database;
  readonly key: string;
}

export const DATABASE_COUNT = 16;

/*
 * The tables a db holds before its first TTL, WATCH, blocked client or ready key: one empty table
 * of each kind shared by every such db (a node has 16 dbs and an idle one uses none of them). They
 * are never written: every write goes through a method below that gives the db its own table first.
 * Lab forks keep them shared (fork.ts).
 */
const NO_EXPIRES = new Map<string, number>();
const NO_WATCHERS = new Map<string, WatchedKey[]>();
const NO_WAITERS = new Map<string, Client[]>();
const NO_READY = new Set<string>();
export const SHARED_EMPTY_TABLES: readonly object[] = [NO_EXPIRES, NO_WATCHERS, NO_WAITERS, NO_READY];

/** One logical database (`SELECT n`). */
export class Database {
  /** Keys and values; it counts the memory they take (`memoryBytes`). */
  // Not readonly: SWAPDB exchanges two dbs' contents, while their watchers and waiters stay.
  dict = new SizedMap<RedisValue>();
  /** Expire times of the keys that have one (written through `setExpire` and `loadExpire` only). */
  expires: ReadonlyMap<string, number> & Pick<Map<string, number>, "delete" | "clear"> = NO_EXPIRES;
  /** WATCHed keys of this db and who watches them (redis db->watched_keys; added to through `ownWatchedKeys`). */
  watchedKeys: ReadonlyMap<string, WatchedKey[]> & Pick<Map<string, WatchedKey[]>, "delete"> = NO_WATCHERS;
  /** Keys blocked clients wait on, each with its waiters in blocking order (db->blocking_keys; added to through `ownBlockingKeys`). */
  blockingKeys: ReadonlyMap<string, Client[]> & Pick<Map<string, Client[]>, "delete"> = NO_WAITERS;
  /** Keys of this db already queued as ready (db->ready_keys). */
  private readyKeys: Set<string> = NO_READY;

  /** `readyQueue` is the keyspace-wide queue of ready keys (server.ready_keys). */
  constructor(
    readonly id: number,
    private readonly readyQueue: ReadyKey[] = [],
  ) {}

  get size(): number {
    return this.dict.size;
  }

  /** Raw lookup, ignoring expiry. */
  get(key: string): RedisValue | undefined {
    return this.dict.get(key);
  }

  /** Stores a value and drops any TTL unless `keepTtl` (SET semantics). */
  set(key: string, value: RedisValue, keepTtl = false): void {
    this.dict.set(key, value);
    if (!keepTtl && this.expires.size > 0) this.expires.delete(key);
    if (this.watchedKeys.size > 0) touchWatchedKey(this, key);
    if (this.blockingKeys.size > 0) this.signalReady(key, value);
  }

  /**
   * `set` (dropping any TTL) of the key `data[keyStart, keyEnd)` to the value `data[valueStart,
   * valueEnd)`, read from an input buffer: with no TTL, watcher or waiter in the db, the dict finds
   * the key from its bytes (`SizedMap.setRange`).
   */
  setRange(data: Uint8Array, keyStart: number, keyEnd: number, valueStart: number, valueEnd: number): void {
    if (this.expires.size === 0 && this.watchedKeys.size === 0 && this.blockingKeys.size === 0) this.dict.setRange(data, keyStart, keyEnd, valueStart, valueEnd);
    else this.set(bytesToBinary(data, keyStart, keyEnd), ownBytes(data, valueStart, valueEnd));
  }

  /** The db's own table of watched keys, to add one (see `watchedKeys`). */
  ownWatchedKeys(): Map<string, WatchedKey[]> {
    if (this.watchedKeys === NO_WATCHERS) this.watchedKeys = new Map();
    return this.watchedKeys as Map<string, WatchedKey[]>;
  }

  /** The db's own table of waited-on keys, to add one (see `blockingKeys`). */
  ownBlockingKeys(): Map<string, Client[]> {
    if (this.blockingKeys === NO_WAITERS) this.blockingKeys = new Map();
    return this.blockingKeys as Map<string, Client[]>;
  }

  /** A key served to its waiters is no longer queued as ready. */
  unreadyKey(key: string): void {
    this.readyKeys.delete(key);
  }

  /** signalKeyAsReady: a list or sorted set now under a key clients wait on. */
  private signalReady(key: string, value: RedisValue): void {
    if (value instanceof Uint8Array || (value.type !== "list" && value.type !== "zset")) return;
    if (!this.blockingKeys.has(key) || this.readyKeys.has(key)) return;
    if (this.readyKeys === NO_READY) this.readyKeys = new Set();
    this.readyKeys.add(key);
    this.readyQueue.push({ db: this, key });
  }

  /** Removes a key and its TTL; true if it existed. */
  delete(key: string): boolean {
    if (!this.dict.delete(key)) return false;
    if (this.expires.size > 0) this.expires.delete(key);
    if (this.watchedKeys.size > 0) touchWatchedKey(this, key);
    return true;
  }

  /** An aggregate stored under `key` was changed in place (LPUSH on an existing list...). */
  touch(key: string): void {
    this.dict.resize(key);
    if (this.watchedKeys.size > 0) touchWatchedKey(this, key);
  }

  /** Absolute expire time in unix ms, or -1. */
  expireAt(key: string): number {
    if (this.expires.size === 0) return -1;
    return this.expires.get(key) ?? -1;
  }

  setExpire(key: string, atMs: number): void {
    this.ownExpires().set(key, atMs);
    if (this.watchedKeys.size > 0) touchWatchedKey(this, key);
  }

  /** An expire time read from an RDB into this db while it loads (no watcher to tell). */
  loadExpire(key: string, atMs: number): void {
    this.ownExpires().set(key, atMs);
  }

  private ownExpires(): Map<string, number> {
    if (this.expires === NO_EXPIRES) this.expires = new Map();
    return this.expires as Map<string, number>;
  }

  /** Removes a TTL; true if there was one. */
  persist(key: string): boolean {
    if (!this.expires.delete(key)) return false;
    if (this.watchedKeys.size > 0) touchWatchedKey(this, key);
    return true;
  }

  /** True if the key exists and its TTL has passed at `nowMs` (keyIsExpired: now > when). */
  isLogicallyExpired(key: string, nowMs: number): boolean {
    if (this.expires.size === 0) return false;
    const at = this.expires.get(key);
    return at !== undefined && at < nowMs;
  }

  /** scanDatabaseForReadyKeys: every waited-on key that now holds a list or sorted set is ready. */
  signalReadyKeys(): void {
    for (const key of this.blockingKeys.keys()) {
      const value = this.dict.get(key);
      if (value !== undefined) this.signalReady(key, value);
    }
  }

  /** Empties the db (FLUSHDB, FLUSHALL, a full sync); WATCHers of keys that existed are told. */
  clear(): void {
    if (this.watchedKeys.size > 0) touchAllWatchedKeysInDb(this, null, 0);
    this.dict.clear();
    this.expires.clear();
  }
}

/** All databases of a node. */
export class Keyspace {
  readonly dbs: readonly Database[];
  /** Keys made ready for blocked clients by the running command, in order (server.ready_keys). */
  readonly readyKeys: ReadyKey[] = [];

  constructor() {
    const dbs: Database[] = [];
    for (let i = 0; i < DATABASE_COUNT; i++) dbs.push(new Database(i, this.readyKeys));
    this.dbs = dbs;
  }

  db(index: number): Database {
    const db = this.dbs[index];
    if (!db) throw new RangeError(`no database ${index}`);
    return db;
  }

  /** Memory the keys and values of every database take (used_memory_dataset, roughly). */
  get memoryBytes(): number {
    let total = 0;
    // An expire is one more dict entry (40 bytes) pointing at the key.
    for (const db of this.dbs) total += db.dict.memoryBytes + db.expires.size * 40;
    return total;
  }

  /** Keys across every database. */
  get totalKeys(): number {
    let total = 0;
    for (const db of this.dbs) total += db.dict.size;
    return total;
  }

  /** Number of keys that carry a TTL, across every database. */
  get totalExpires(): number {
    let total = 0;
    for (const db of this.dbs) total += db.expires.size;
    return total;
  }

  flushAll(): void {
    for (const db of this.dbs) db.clear();
  }

  /**
   * SWAPDB (dbSwapDatabases): two dbs exchange their keys and expires; clients keep their db, so
   * WATCHers of keys on either side are told and clients waiting for a key now there are served.
   */
  swap(id1: number, id2: number, nowMs: number): void {
    if (id1 === id2) return;
    const a = this.db(id1);
    const b = this.db(id2);
    touchAllWatchedKeysInDb(a, b, nowMs);
    touchAllWatchedKeysInDb(b, a, nowMs);
    [a.dict, b.dict] = [b.dict, a.dict];
    [a.expires, b.expires] = [b.expires, a.expires];
    a.signalReadyKeys();
    b.signalReadyKeys();
  }
}
