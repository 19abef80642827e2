/**
 * One dataset of every data type in every encoding redis 7.0.15 keeps, built by commands, and how
 * to ask a server (real or lab) what it holds: the dataset's DEBUG DIGEST and, per key, TYPE,
 * OBJECT ENCODING, DEBUG DIGEST-VALUE, PEXPIRETIME and DEBUG OBJECT's serializedlength.
 *
 * Used by the RDB fixture test here (rdb-types-fixture.test.ts, its recorder record-rdb-types.ts)
 * and by the server's live full-sync test (apps/server/src/outbound/real-redis-types-interop.test.ts).
 */
import type { Reply } from "../src/index.ts";

/** Thresholds far below the defaults, so that loading converts what the master kept compact. */
export const SMALL_THRESHOLDS = {
  "hash-max-listpack-entries": "4",
  "hash-max-listpack-value": "8",
  "set-max-intset-entries": "4",
  "zset-max-listpack-entries": "4",
  "zset-max-listpack-value": "8",
  "list-max-listpack-size": "4",
};
export const DBS = [0, 2];
/** An absolute expiry far ahead (2100-01-01 plus a little), so PEXPIRETIME is the same everywhere. */
export const FAR_MS = 4102444800000;

/** A command argument: text, or bytes sent as they are. */
export type Arg = string | Uint8Array;

/** The dataset: every type in every encoding 7.0.15 keeps, shapes that convert, expiries, two dbs. */
export function datasetCommands(): Arg[][] {
  const out: Arg[][] = [];
  const c = (...args: Arg[]): void => {
    out.push(args);
  };
  const range = (n: number, f: (i: number) => string): string[] => Array.from({ length: n }, (_, i) => f(i));
  for (const db of DBS) {
    c("SELECT", String(db));
    const p = db === 0 ? "" : `db${db}:`;
    // Strings: embstr, raw, int (small, negative, 64-bit), not-canonical ints, LZF-able, binary, empty.
    c("SET", `${p}str:embstr`, "hello");
    c("SET", `${p}str:raw`, "r".repeat(45));
    c("SET", `${p}str:int`, "12345");
    c("SET", `${p}str:neg`, "-7");
    c("SET", `${p}str:int64`, "9223372036854775807");
    c("SET", `${p}str:lead0`, "007");
    c("SET", `${p}str:lzf`, "abc".repeat(200));
    c("SET", `${p}str:bin`, Uint8Array.from({ length: 256 }, (_, i) => i));
    c("SET", `${p}str:empty`, "");
    c("SET", `${p}str:ttl`, "42");
    c("PEXPIREAT", `${p}str:ttl`, String(FAR_MS + 1));
    c("INCRBYFLOAT", `${p}str:float`, "3.25");
    c("APPEND", `${p}str:appended`, "abc");
    c("APPEND", `${p}str:appended`, "def");
    // Lists (7.0.15 lists are quicklists of listpack nodes): pushed at either end, ints, elements
    // larger than a node's 8 KiB, edited in the middle, popped down.
    c("RPUSH", `${p}list:small`, "a", "b", "123", "-5", "c".repeat(40), "4294967296");
    c("PEXPIREAT", `${p}list:small`, String(FAR_MS + 2));
    c("RPUSH", `${p}list:big`, ...range(3000, (i) => `element-${i}-${"x".repeat(i % 50)}`));
    c("LPUSH", `${p}list:lpushed`, ...range(1500, (i) => `head-${i}`));
    c("RPUSH", `${p}list:ints`, ...range(700, (i) => String(i * 977 - 300000)));
    c("RPUSH", `${p}list:huge-elements`, "s", "h".repeat(9000), "t", "u".repeat(20000));
    c("RPUSH", `${p}list:edited`, ...range(1000, (i) => `e${i}`));
    c("LINSERT", `${p}list:edited`, "BEFORE", "e500", "inserted");
    c("LSET", `${p}list:edited`, "10", "y".repeat(300));
    c("LREM", `${p}list:edited`, "0", "e700");
    c("LTRIM", `${p}list:edited`, "3", "-4");
    c("RPUSH", `${p}list:popped`, ...range(2000, (i) => `p${i}`));
    c("LPOP", `${p}list:popped`, "1990");
    // Hashes: listpack, hashtable by count, by value length, and shrunk back to a few fields.
    c("HSET", `${p}hash:small`, "f1", "v1", "f2", "2", "n", "-70000", "big", "9223372036854775807");
    c("PEXPIREAT", `${p}hash:small`, String(FAR_MS + 3));
    c("HSET", `${p}hash:big`, ...range(600, (i) => `field${i}`).flatMap((f, i) => [f, `value${i}`]));
    c("HSET", `${p}hash:longvalue`, "f", "v".repeat(100));
    c("HSET", `${p}hash:longfield`, "f".repeat(70), "v");
    c("HSET", `${p}hash:shrunk`, ...range(600, (i) => `field${i}`).flatMap((f, i) => [f, String(i)]));
    c("HDEL", `${p}hash:shrunk`, ...range(597, (i) => `field${i + 3}`));
    c("HINCRBYFLOAT", `${p}hash:small`, "fl", "1.5");
    // Sets: intsets of 16, 32 and 64-bit members, hashtables of strings and of many ints, shrunk ones.
    c("SADD", `${p}set:int16`, "1", "2", "3", "-70");
    c("PEXPIREAT", `${p}set:int16`, String(FAR_MS + 4));
    c("SADD", `${p}set:int32`, "1", "-70000", "5000");
    c("SADD", `${p}set:int64`, "1", "5000000000", "-9223372036854775808");
    c("SADD", `${p}set:strings`, "a", "b", "c");
    c("SADD", `${p}set:big`, ...range(1000, (i) => String(i * 7)));
    c("SADD", `${p}set:shrunk`, ...range(600, (i) => String(i)));
    c("SREM", `${p}set:shrunk`, ...range(595, (i) => String(i + 5)));
    c("SADD", `${p}set:was-mixed`, "1", "2", "word");
    c("SREM", `${p}set:was-mixed`, "word");
    // Sorted sets: listpack (odd scores included), skiplist by count and by member length, shrunk.
    c("ZADD", `${p}zset:small`, "1", "a", "2.5", "b", "-3", "c", "1e20", "d", "inf", "e", "-inf", "f", "0.1", "g");
    c("PEXPIREAT", `${p}zset:small`, String(FAR_MS + 5));
    c("ZADD", `${p}zset:big`, ...range(300, String).flatMap((i) => [String(Number(i) / 3), `member${i}`]));
    c("ZADD", `${p}zset:long`, "1", "m".repeat(100));
    c("ZADD", `${p}zset:shrunk`, ...range(200, String).flatMap((i) => [i, `m${i}`]));
    c("ZREMRANGEBYRANK", `${p}zset:shrunk`, "3", "-1");
    c("ZADD", `${p}zset:ties`, "0", "b", "0", "a", "0", "c", "1", "z");
    c("ZINCRBY", `${p}zset:ties`, "0.1", "a");
  }
  c("SELECT", "0");
  return out;
}

/** What a server says about one key. */
export interface KeyFacts {
  type: string;
  encoding: string;
  /** DEBUG DIGEST-VALUE. */
  digest: string;
  /** PEXPIRETIME: an absolute ms time, or -1. */
  expireAtMs: number;
  /** DEBUG OBJECT's serializedlength (the bytes the value takes in an RDB) and, for lists, ql_nodes. */
  serialized: string;
}

/** A server's dataset digest and its keys' facts, by `db:key`. */
export interface DatasetFacts {
  digest: string;
  keys: Map<string, KeyFacts>;
}

/** Sends one command and resolves with its reply (pipelining allowed). */
export type Call = (...args: string[]) => Promise<Reply>;

function latin1(bytes: Uint8Array): string {
  let out = "";
  for (const b of bytes) out += String.fromCharCode(b);
  return out;
}

/** A reply as one line of text. */
export function replyText(reply: Reply): string {
  if (reply.kind === "bulk") return reply.value === null ? "(nil)" : latin1(reply.value);
  if (reply.kind === "simple") return reply.value;
  if (reply.kind === "integer") return String(reply.value);
  // DEBUG DIGEST-VALUE answers an array of one status per key.
  if (reply.kind === "array" && reply.items !== null) return reply.items.map(replyText).join(" ");
  return JSON.stringify(reply);
}

/** The dataset digest, and per key (`db:key`) what KeyFacts lists. Keys must be ASCII. */
export async function collectFacts(call: Call): Promise<DatasetFacts> {
  const keys = new Map<string, KeyFacts>();
  const digest = replyText(await call("DEBUG", "DIGEST"));
  for (const db of DBS) {
    await call("SELECT", String(db));
    const listed = await call("KEYS", "*");
    const names = listed.kind === "array" && listed.items ? listed.items.map(replyText) : [];
    const replies = await Promise.all(
      names.flatMap((key) => [call("TYPE", key), call("OBJECT", "ENCODING", key), call("DEBUG", "DIGEST-VALUE", key), call("PEXPIRETIME", key), call("DEBUG", "OBJECT", key)]),
    );
    names.forEach((key, i) => {
      const [type, encoding, value, expireAt, object] = replies.slice(i * 5, i * 5 + 5).map(replyText);
      const serialized = [/serializedlength:\d+/.exec(object!)?.[0], /ql_nodes:\d+/.exec(object!)?.[0]].filter((x) => x !== undefined).join(" ");
      keys.set(`${db}:${key}`, { type: type!, encoding: encoding!, digest: value!, expireAtMs: Number(expireAt), serialized });
    });
  }
  await call("SELECT", "0");
  return { digest, keys };
}

/** Lines naming every key whose `fields` differ between two servers (and keys only one has). */
export function factDifferences(a: ReadonlyMap<string, KeyFacts>, b: ReadonlyMap<string, KeyFacts>, fields: readonly (keyof KeyFacts)[]): string[] {
  const out: string[] = [];
  for (const [key, left] of a) {
    const right = b.get(key);
    if (!right) {
      out.push(`${key}: missing on the second`);
      continue;
    }
    for (const field of fields) if (left[field] !== right[field]) out.push(`${key}: ${field} ${left[field]} vs ${right[field]}`);
  }
  for (const key of b.keys()) if (!a.has(key)) out.push(`${key}: missing on the first`);
  return out;
}

/** The same facts without the lists (whose quicklist node layout may differ after a load). */
export function withoutLists(keys: ReadonlyMap<string, KeyFacts>): Map<string, KeyFacts> {
  return new Map([...keys].filter(([, f]) => f.type !== "list"));
}

/** fixtures/rdb-types-7.0.15.json, as record-rdb-types.ts writes it. */
export interface RdbTypesFixture {
  /** `redis-server --version` of the recording server. */
  recordedWith: string;
  /** The RDB the real server's SAVE wrote after the dataset's commands. */
  rdbBase64: string;
  /** What that server reported before saving. */
  saved: { digest: string; keys: Record<string, KeyFacts> };
  /** What a real server with default settings reported after loading the file. */
  loaded: { digest: string; keys: Record<string, KeyFacts> };
  /** The same with `smallThresholds`. */
  loadedSmall: { digest: string; keys: Record<string, KeyFacts> };
  smallThresholds: Record<string, string>;
}
