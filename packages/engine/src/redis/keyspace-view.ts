/**
 * What the web inspector's keyspace browser and the cards' digests read from a redis node, without
 * running a command: reading must not count as a client's command (no keyspace hits, no LRU
 * touch, no lazy expiry, nothing in the input log), so that looking never changes what is seen.
 */
import type { RedisNode } from "./server.ts";
import { datasetDigest } from "./digest.ts";
import { encodingOf, type RedisValue } from "./store/value.ts";
import { fromUtf8 } from "../util/bytes.ts";

// The shapes returned here are the protocol package's KeyView and KeyspacePage (the engine does
// not depend on it; the server checks them against those types).

/** Characters of one previewed element at most. */
export const PREVIEW_CHARS = 80;
/** Above this many keys in a db, keys are listed in insertion order rather than sorted. */
const SORT_LIMIT = 10_000;

function text(bytes: Uint8Array): string {
  const shown = fromUtf8(bytes.length > PREVIEW_CHARS * 4 ? bytes.subarray(0, PREVIEW_CHARS * 4) : bytes);
  return shown.length > PREVIEW_CHARS ? `${shown.slice(0, PREVIEW_CHARS)}…` : shown;
}

/** Keys are byte strings (char codes 0..255); shown as the UTF-8 they usually are. */
function keyText(key: string): string {
  const bytes = new Uint8Array(key.length);
  for (let i = 0; i < key.length; i++) bytes[i] = key.charCodeAt(i);
  return fromUtf8(bytes);
}

function score(value: number): string {
  return Number.isFinite(value) ? String(value) : value > 0 ? "inf" : "-inf";
}

function describe(value: RedisValue, items: number) {
  if (value instanceof Uint8Array) return { type: "string" as const, length: value.length, preview: [text(value)] };
  const preview: string[] = [];
  switch (value.type) {
    case "list":
      for (const item of value) {
        if (preview.length >= items) break;
        preview.push(text(item));
      }
      return { type: "list" as const, length: value.length, preview };
    case "hash":
      for (const [field, v] of value.fields) {
        if (preview.length >= items) break;
        preview.push(`${keyText(field)}=${text(v)}`);
      }
      return { type: "hash" as const, length: value.length, preview };
    case "set": {
      // An intset answers in numeric order, as SMEMBERS does.
      const members = value.encoding === "intset" ? value.ordered() : value.members;
      for (const member of members) {
        if (preview.length >= items) break;
        preview.push(keyText(member));
      }
      return { type: "set" as const, length: value.length, preview };
    }
    case "zset":
      for (const node of value) {
        if (preview.length >= items) break;
        preview.push(`${keyText(node.member)} (${score(node.score)})`);
      }
      return { type: "zset" as const, length: value.length, preview };
  }
}

/**
 * A page of db `db`'s live keys (sorted by key up to 10,000 keys, else in insertion order), each with `items` preview
 * elements. Keys whose TTL has passed are left out, as KEYS leaves them out.
 */
export function keyspacePage(node: RedisNode, options: { readonly db: number; readonly offset: number; readonly count: number; readonly items: number }) {
  const dbs = node.keyspace.dbs.filter((d) => d.size > 0).map((d) => ({ db: d.id, keys: d.size }));
  const database = node.keyspace.dbs[options.db];
  if (database === undefined) return { db: options.db, dbs, total: 0, offset: 0, keys: [] };
  const now = node.unixMs();
  const isLive = (key: string): boolean => {
    const expireAt = database.expires.get(key);
    return expireAt === undefined || expireAt > now;
  };
  let total: number;
  let shown: string[];
  if (database.size <= SORT_LIMIT) {
    const live = [...database.dict.keys()].filter(isLive).sort();
    total = live.length;
    shown = live.slice(options.offset, options.offset + options.count);
  } else {
    // A large db is paged in insertion order, walking only up to the page (a second's refresh of
    // an open browser must not sort a million keys).
    let expired = 0;
    for (const expireAt of database.expires.values()) if (expireAt <= now) expired++;
    total = database.size - expired;
    shown = [];
    let skipped = 0;
    for (const key of database.dict.keys()) {
      if (shown.length >= options.count) break;
      if (!isLive(key)) continue;
      if (skipped < options.offset) skipped++;
      else shown.push(key);
    }
  }
  const keys = shown.map((key) => {
    const value = database.dict.get(key)!;
    const expireAt = database.expires.get(key);
    return { key: keyText(key), encoding: encodingOf(value), ttlMs: expireAt === undefined ? null : expireAt - now, ...describe(value, options.items) };
  });
  return { db: options.db, dbs, total, offset: options.offset, keys };
}

/**
 * DEBUG DIGEST of the node's dataset as hex, or null when it holds more than `maxKeys` keys (a
 * SHA1 of every key and value: a caller polling it bounds what one look may cost).
 */
export function datasetDigestHex(node: RedisNode, maxKeys: number): string | null {
  let keys = 0;
  for (const db of node.keyspace.dbs) keys += db.size;
  if (keys > maxKeys) return null;
  let hex = "";
  for (const byte of datasetDigest(node.keyspace)) hex += byte.toString(16).padStart(2, "0");
  return hex;
}
