/**
 * The keyspace browser's and the cards' reads of a redis node's data (issue 17):
 * `GET /api/labs/:lab/nodes/:node/keyspace` and `GET /api/labs/:lab/digests`.
 */

/** One key as the browser lists it. */
export interface KeyView {
  /** The key, its bytes read as UTF-8. */
  readonly key: string;
  readonly type: "string" | "list" | "hash" | "set" | "zset";
  /** OBJECT ENCODING (int, embstr, raw, quicklist, listpack, hashtable, intset, skiplist). */
  readonly encoding: string;
  /** Milliseconds left to live, or null without an expiry. */
  readonly ttlMs: number | null;
  /** STRLEN, LLEN, HLEN, SCARD or ZCARD. */
  readonly length: number;
  /** The first elements: a string's text, list elements, `field=value`, set members, `member (score)`. */
  readonly preview: readonly string[];
}

/** A page of one db's keys. */
export interface KeyspacePage {
  readonly db: number;
  /** Keys per non-empty db. */
  readonly dbs: readonly { readonly db: number; readonly keys: number }[];
  /** Live keys of `db`. */
  readonly total: number;
  readonly offset: number;
  readonly keys: readonly KeyView[];
}

/** What `GET …/nodes/:node/keyspace` answers: a page, or why the node has none to show. */
export type KeyspaceAnswer =
  | { readonly kind: "keys"; readonly page: KeyspacePage }
  | { readonly kind: "unavailable"; readonly reason: "down" | "not-redis" };

/** What `GET …/digests` answers: each node's DEBUG DIGEST (hex), or null (down, not redis, too many keys). */
export interface DigestsAnswer {
  readonly digests: Readonly<Record<string, string | null>>;
}
