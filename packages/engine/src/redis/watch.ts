/**
 * WATCH (multi.c): optimistic locking for MULTI/EXEC. A database maps each watched key to its
 * watchers; a client lists what it watches. Any change to a watched key marks its watchers'
 * transactions as doomed (CLIENT_DIRTY_CAS), and their EXEC answers a null array.
 *
 * A key that was already logically expired when WATCHed is flagged `expired`: its deletion (by
 * lazy or active expiry, or a flush) is no change, and, as in redis 7.0.15, a change to it while
 * it still exists stops the walk over that key's watchers without marking anyone.
 */
import type { Client } from "./client.ts";
import type { Database } from "./store/keyspace.ts";

export interface WatchedKey {
  readonly key: string;
  readonly db: Database;
  readonly client: Client;
  /** The key was logically expired when WATCH was called. */
  expired: boolean;
}

/** WATCH key: adds the key to the client's watch list unless it is already there. */
export function watchKey(c: Client, db: Database, key: string, nowMs: number): void {
  for (const wk of c.watchedKeys) if (wk.db === db && wk.key === key) return;
  const wk: WatchedKey = { key, db, client: c, expired: db.isLogicallyExpired(key, nowMs) };
  const list = db.watchedKeys.get(key);
  if (list) list.push(wk);
  else db.ownWatchedKeys().set(key, [wk]);
  c.watchedKeys.push(wk);
}

/** Forgets everything a client watches (UNWATCH, EXEC, DISCARD, a closed connection). */
export function unwatchAllKeys(c: Client): void {
  if (c.watchedKeys.length === 0) return;
  for (const wk of c.watchedKeys) {
    const list = wk.db.watchedKeys.get(wk.key);
    if (!list) continue;
    const at = list.indexOf(wk);
    if (at >= 0) list.splice(at, 1);
    if (list.length === 0) wk.db.watchedKeys.delete(wk.key);
  }
  c.watchedKeys.length = 0;
}

/** EXEC: a watched key (not expired when watched) has expired since (isWatchedKeyExpired). */
export function isWatchedKeyExpired(c: Client, nowMs: number): boolean {
  for (const wk of c.watchedKeys) {
    if (wk.expired) continue;
    if (wk.db.isLogicallyExpired(wk.key, nowMs)) return true;
  }
  return false;
}

/** A key changed (signalModifiedKey): its watchers' transactions are doomed. */
export function touchWatchedKey(db: Database, key: string): void {
  const list = db.watchedKeys.get(key);
  if (!list) return;
  for (const wk of [...list]) {
    if (wk.expired) {
      if (!db.dict.has(key)) {
        // The expired key is gone: logically nothing changed.
        wk.expired = false;
        continue;
      }
      break;
    }
    wk.client.dirtyCas = true;
    unwatchAllKeys(wk.client);
  }
}

/**
 * touchAllWatchedKeysInDb: `emptied` is about to lose its keys (a flush: `replacedWith` null) or to
 * get another db's (SWAPDB). A watched key that exists on either side dooms its watchers, except
 * that an expired key that goes away, or stays expired, changes nothing.
 */
export function touchAllWatchedKeysInDb(emptied: Database, replacedWith: Database | null, nowMs: number): void {
  for (const [key, list] of emptied.watchedKeys) {
    const existsInEmptied = emptied.dict.has(key);
    const existsInReplacement = replacedWith !== null && replacedWith.dict.has(key);
    if (!existsInEmptied && !existsInReplacement) continue;
    for (const wk of list) {
      if (wk.expired) {
        if (!existsInReplacement) {
          wk.expired = false;
          continue;
        }
        if (replacedWith!.isLogicallyExpired(key, nowMs)) continue;
      } else if (!existsInEmptied && replacedWith!.isLogicallyExpired(key, nowMs)) {
        wk.expired = true;
        continue;
      }
      wk.client.dirtyCas = true;
    }
  }
}

/** Leaves MULTI, forgetting queued commands and watched keys (discardTransaction). */
export function discardTransaction(c: Client): void {
  c.multi = null;
  c.multiDirty = false;
  c.dirtyCas = false;
  unwatchAllKeys(c);
}
