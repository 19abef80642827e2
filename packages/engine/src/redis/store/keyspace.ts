/**
 * The keyspace: 16 databases of string values with optional expiry.
 *
 * Keys are byte strings (one char per byte). Expiry follows redis: a key has an absolute expire
 * time in unix ms kept in a second map, so keys without TTL cost nothing extra. Whether a
 * logically expired key is deleted, hidden or served depends on who asks (a replica keeps it until
 * its master's DEL arrives); that policy lives in the node, which calls the primitives here.
 */

import { SizedMap } from "./sized-map.ts";

export const DATABASE_COUNT = 16;

/** One logical database (`SELECT n`). */
export class Database {
  /** Keys and values; it counts the memory they take (`memoryBytes`). */
  readonly dict = new SizedMap<Uint8Array>();
  readonly expires = new Map<string, number>();

  constructor(readonly id: number) {}

  get size(): number {
    return this.dict.size;
  }

  /** Raw lookup, ignoring expiry. */
  get(key: string): Uint8Array | undefined {
    return this.dict.get(key);
  }

  /** Stores a value and drops any TTL unless `keepTtl` (SET semantics). */
  set(key: string, value: Uint8Array, keepTtl = false): void {
    this.dict.set(key, value);
    if (!keepTtl && this.expires.size > 0) this.expires.delete(key);
  }

  /** Removes a key and its TTL; true if it existed. */
  delete(key: string): boolean {
    if (!this.dict.delete(key)) return false;
    if (this.expires.size > 0) this.expires.delete(key);
    return true;
  }

  /** Absolute expire time in unix ms, or -1. */
  expireAt(key: string): number {
    if (this.expires.size === 0) return -1;
    return this.expires.get(key) ?? -1;
  }

  setExpire(key: string, atMs: number): void {
    this.expires.set(key, atMs);
  }

  /** Removes a TTL; true if there was one. */
  persist(key: string): boolean {
    return this.expires.delete(key);
  }

  /** True if the key exists and its TTL has passed at `nowMs`. */
  isLogicallyExpired(key: string, nowMs: number): boolean {
    if (this.expires.size === 0) return false;
    const at = this.expires.get(key);
    return at !== undefined && at <= nowMs;
  }

  clear(): void {
    this.dict.clear();
    this.expires.clear();
  }
}

/** All databases of a node. */
export class Keyspace {
  readonly dbs: readonly Database[];

  constructor() {
    const dbs: Database[] = [];
    for (let i = 0; i < DATABASE_COUNT; i++) dbs.push(new Database(i));
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
}
