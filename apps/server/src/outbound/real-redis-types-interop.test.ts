/**
 * Full syncs of every data type and encoding between lab nodes and real redis-server 7.0.15, in
 * both directions, over real TCP (issue 17, "a real redis-server 7.0.15 replica of a lab master
 * holding every type and encoding loads it with the same DEBUG DIGEST, and a lab replica of a real
 * master does the same"). The strings-only syncs, partial resyncs and backlog cases are in
 * real-redis-interop.test.ts; this file is about the values.
 *
 * The same commands build the dataset on a real master R and on a lab master L. Then:
 * - a real replica of R, a lab replica of R and a real replica of L full-sync;
 * - every server must report the same `DEBUG DIGEST`, and per key the same `DEBUG DIGEST-VALUE`,
 *   TYPE and PEXPIRETIME;
 * - `OBJECT ENCODING` and DEBUG OBJECT's serializedlength (the value's size in an RDB) per key: L as R (built by commands), and the three replicas alike (built by
 *   loading an RDB, where 7.0.15 picks encodings again: a hash shrunk to three fields comes back
 *   as a listpack);
 * - again with replicas configured with small thresholds (conversions while loading);
 * - `DEBUG RELOAD` (a node saving and loading its own RDB) on L and on R leaves the same digests
 *   and encodings.
 *
 * Real servers run on free loopback ports and are stopped by PID. Without redis-server installed
 * these tests fail; they never skip.
 */
import type { FastifyInstance } from "fastify";
import type { Reply } from "@replica-lab/engine";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNode, createLab, haveRedisTools, RedisServerProcess, scratchDir, waitFor, startApp } from "../testing/helpers.ts";
import { RespClient, waitForSamePosition } from "../testing/resp-client.ts";

const REAL_CONFIG = { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600", "enable-debug-command": "yes" };
const LAB_CONFIG = { "repl-diskless-sync-delay": 0, "repl-ping-replica-period": 3600, "enable-debug-command": "yes" };
/** Thresholds far below the defaults, so that loading converts what the master kept compact. */
const SMALL_THRESHOLDS = {
  "hash-max-listpack-entries": "4",
  "hash-max-listpack-value": "8",
  "set-max-intset-entries": "4",
  "zset-max-listpack-entries": "4",
  "zset-max-listpack-value": "8",
  "list-max-listpack-size": "4",
};
const DBS = [0, 2];
/** An absolute expiry far ahead (2100-01-01 plus a little), so PEXPIRETIME is the same everywhere. */
const FAR_MS = 4102444800000;

type Arg = string | Uint8Array;

/** The dataset: every type in every encoding 7.0.15 keeps, shapes that convert, expiries, two dbs. */
function datasetCommands(): Arg[][] {
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
    c("ZADD", `${p}zset:big`, ...range(300, (i) => i).flatMap((i) => [String(i / 3), `member${i}`]));
    c("ZADD", `${p}zset:long`, "1", "m".repeat(100));
    c("ZADD", `${p}zset:shrunk`, ...range(200, (i) => i).flatMap((i) => [String(i), `m${i}`]));
    c("ZREMRANGEBYRANK", `${p}zset:shrunk`, "3", "-1");
    c("ZADD", `${p}zset:ties`, "0", "b", "0", "a", "0", "c", "1", "z");
    c("ZINCRBY", `${p}zset:ties`, "0.1", "a");
  }
  c("SELECT", "0");
  return out;
}

async function run(client: RespClient, commands: readonly Arg[][]): Promise<void> {
  const replies = await Promise.all(commands.map((argv) => client.call(...argv)));
  const failed = replies.findIndex((r) => r.kind === "error");
  if (failed >= 0) throw new Error(`${String(commands[failed]![0])} on ${client.port}: ${JSON.stringify(replies[failed])}`);
}

/** What a server says about one key. */
interface KeyFacts {
  type: string;
  encoding: string;
  digest: string;
  expireAtMs: number;
  /** DEBUG OBJECT's serializedlength (the bytes the value takes in an RDB) and, for lists, ql_nodes. */
  serialized: string;
}

function replyText(reply: Reply): string {
  if (reply.kind === "bulk") return reply.value === null ? "(nil)" : Buffer.from(reply.value).toString("latin1");
  if (reply.kind === "simple") return reply.value;
  if (reply.kind === "integer") return String(reply.value);
  return JSON.stringify(reply);
}

/** The dataset digest, and per key (`db:key`) its type, encoding, DIGEST-VALUE and PEXPIRETIME. */
async function facts(client: RespClient): Promise<{ digest: string; keys: Map<string, KeyFacts> }> {
  const keys = new Map<string, KeyFacts>();
  const digest = replyText(await client.call("DEBUG", "DIGEST"));
  for (const db of DBS) {
    await client.text("SELECT", db);
    const listed = await client.call("KEYS", "*");
    const names = listed.kind === "array" && listed.items ? listed.items.map((item) => (item.kind === "bulk" && item.value ? item.value : new Uint8Array(0))) : [];
    const replies = await Promise.all(
      names.flatMap((key) => [
        client.call("TYPE", key),
        client.call("OBJECT", "ENCODING", key),
        client.call("DEBUG", "DIGEST-VALUE", key),
        client.call("PEXPIRETIME", key),
        client.call("DEBUG", "OBJECT", key),
      ]),
    );
    names.forEach((key, i) => {
      const [type, encoding, value, expireAt, object] = replies.slice(i * 5, i * 5 + 5).map(replyText);
      const serialized = [/serializedlength:\d+/.exec(object!)?.[0], /ql_nodes:\d+/.exec(object!)?.[0]].filter((x) => x !== undefined).join(" ");
      keys.set(`${db}:${Buffer.from(key).toString("latin1")}`, { type: type!, encoding: encoding!, digest: value!, expireAtMs: Number(expireAt), serialized });
    });
  }
  await client.text("SELECT", 0);
  return { digest, keys };
}

/** Lines naming every key whose `field` differs between two servers (and keys only one has). */
function differences(a: Map<string, KeyFacts>, b: Map<string, KeyFacts>, fields: readonly (keyof KeyFacts)[]): string[] {
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

/** Every server holds the same data: same DEBUG DIGEST, and per key the same value digest, type and expiry. */
function expectSameData(named: Record<string, { digest: string; keys: Map<string, KeyFacts> }>): void {
  const [firstName, first] = Object.entries(named)[0]!;
  expect(first.keys.size).toBeGreaterThan(60);
  expect(first.digest).not.toBe("0000000000000000000000000000000000000000");
  for (const [name, other] of Object.entries(named)) {
    expect(differences(first.keys, other.keys, ["type", "digest", "expireAtMs"]), `${name} against ${firstName}`).toEqual([]);
    expect(other.digest, `DEBUG DIGEST of ${name}`).toBe(first.digest);
  }
}

function expectSameEncodings(named: Record<string, Map<string, KeyFacts>>): void {
  const [firstName, first] = Object.entries(named)[0]!;
  for (const [name, other] of Object.entries(named)) {
    expect(differences(first, other, ["encoding"]), `OBJECT ENCODING on ${name} against ${firstName}`).toEqual([]);
  }
}

async function linkUp(client: RespClient): Promise<boolean> {
  return (await client.info("replication")).master_link_status === "up";
}

describe("every data type and encoding, full-synced between lab nodes and real redis-server 7.0.15", () => {
  let app: FastifyInstance;
  let scratch: ReturnType<typeof scratchDir> | undefined;
  const reals: RedisServerProcess[] = [];
  const clients: RespClient[] = [];
  let labId = "";
  let realMaster: RespClient;
  let labMaster: RespClient;
  let labMasterPort = 0;
  let realMasterPort = 0;

  async function real(name: string, config: Record<string, string> = {}): Promise<RespClient> {
    const server = await RedisServerProcess.start(scratch!.dir, name, { ...REAL_CONFIG, ...config });
    reals.push(server);
    const client = await RespClient.connect(server.port);
    clients.push(client);
    return client;
  }

  async function lab(name: string, config: Record<string, string> = {}): Promise<RespClient> {
    const node = await addNode(app, labId, { name, config: { ...LAB_CONFIG, ...config } });
    const client = await RespClient.connect(node.respPort!);
    clients.push(client);
    return client;
  }

  async function replicate(replica: RespClient, masterPort: number, master: RespClient): Promise<void> {
    expect(await replica.text("REPLICAOF", "127.0.0.1", String(masterPort))).toBe("OK");
    await waitFor(() => linkUp(replica), 30_000, `the link of ${replica.port} to ${masterPort}`);
    await waitForSamePosition([master, replica], 30_000);
  }

  beforeAll(async () => {
    if (!haveRedisTools) throw new Error("redis-server and redis-cli 7.0 must be installed (Debian packages redis-server, redis-tools; .ci/run installs them)");
    scratch = scratchDir("replica-lab-types-interop-");
    ({ app } = await startApp());
    labId = (await createLab(app, { name: "types-interop" })).id;
    realMaster = await real("R");
    realMasterPort = realMaster.port;
    labMaster = await lab("L");
    labMasterPort = labMaster.port;
    const commands = datasetCommands();
    await run(realMaster, commands);
    await run(labMaster, commands);
  }, 60_000);

  afterAll(async () => {
    for (const client of clients) client.close();
    for (const server of reals) await server.kill();
    await app?.close();
    scratch?.remove();
  });

  it("the lab master built the same values in the same encodings as the real master", async () => {
    const [r, l] = await Promise.all([facts(realMaster), facts(labMaster)]);
    expectSameData({ R: r, L: l });
    expectSameEncodings({ R: r.keys, L: l.keys });
    // Same RDB sizes per value: the same listpacks, intset widths, quicklist nodes and LZF choices.
    expect(differences(r.keys, l.keys, ["serialized"])).toEqual([]);
    // The shapes the dataset meant to build are there.
    const encoding = (key: string): string | undefined => r.keys.get(`0:${key}`)?.encoding;
    expect([encoding("hash:small"), encoding("hash:big"), encoding("hash:shrunk")]).toEqual(["listpack", "hashtable", "hashtable"]);
    expect([encoding("set:int64"), encoding("set:strings"), encoding("set:shrunk"), encoding("set:was-mixed")]).toEqual(["intset", "hashtable", "hashtable", "hashtable"]);
    expect([encoding("zset:small"), encoding("zset:big"), encoding("zset:shrunk")]).toEqual(["listpack", "skiplist", "skiplist"]);
    expect([encoding("str:int"), encoding("str:embstr"), encoding("str:raw"), encoding("list:big")]).toEqual(["int", "embstr", "raw", "quicklist"]);
  });

  it("real and lab replicas of the real master, and a real replica of the lab master: same digests; the replicas' encodings alike", { timeout: 120_000 }, async () => {
    const realOfReal = await real("R-of-R");
    const labOfReal = await lab("L-of-R");
    const realOfLab = await real("R-of-L");
    await replicate(realOfReal, realMasterPort, realMaster);
    await replicate(labOfReal, realMasterPort, realMaster);
    await replicate(realOfLab, labMasterPort, labMaster);
    const [r, l, rr, lr, rl] = await Promise.all([realMaster, labMaster, realOfReal, labOfReal, realOfLab].map(facts));
    expectSameData({ R: r!, L: l!, "R-of-R": rr!, "L-of-R": lr!, "R-of-L": rl! });
    expectSameEncodings({ "R-of-R": rr!.keys, "L-of-R": lr!.keys, "R-of-L": rl!.keys });
    expect(differences(rr!.keys, lr!.keys, ["serialized"])).toEqual([]);
    expect(differences(rr!.keys, rl!.keys, ["serialized"])).toEqual([]);
    // Loading picked encodings again: the shrunk hash, set and sorted set came back compact.
    const encoding = (key: string): string | undefined => rr!.keys.get(`0:${key}`)?.encoding;
    expect([encoding("hash:shrunk"), encoding("set:shrunk"), encoding("set:was-mixed"), encoding("zset:shrunk")]).toEqual(["listpack", "intset", "intset", "listpack"]);
  });

  it("replicas with small thresholds convert while loading, the lab replica as the real ones", { timeout: 120_000 }, async () => {
    const realOfReal = await real("R-of-R-small", SMALL_THRESHOLDS);
    const labOfReal = await lab("L-of-R-small", SMALL_THRESHOLDS);
    const realOfLab = await real("R-of-L-small", SMALL_THRESHOLDS);
    await replicate(realOfReal, realMasterPort, realMaster);
    await replicate(labOfReal, realMasterPort, realMaster);
    await replicate(realOfLab, labMasterPort, labMaster);
    const [r, rr, lr, rl] = await Promise.all([realMaster, realOfReal, labOfReal, realOfLab].map(facts));
    expectSameData({ R: r!, "R-of-R": rr!, "L-of-R": lr!, "R-of-L": rl! });
    expectSameEncodings({ "R-of-R": rr!.keys, "L-of-R": lr!.keys, "R-of-L": rl!.keys });
    // The real master's RDB and the lab master's cut lists into the same quicklist nodes.
    expect(differences(rr!.keys, rl!.keys, ["serialized"])).toEqual([]);
    // A known difference: redis keeps a loaded list's nodes as the file cut them (8 KiB each here),
    // while a lab node cuts its lists by its own list-max-listpack-size (4 elements), so DEBUG
    // OBJECT's ql_nodes and serializedlength differ for lists; the elements do not.
    const notLists = (facts: Map<string, KeyFacts>): Map<string, KeyFacts> => new Map([...facts].filter(([, f]) => f.type !== "list"));
    expect(differences(notLists(rr!.keys), notLists(lr!.keys), ["serialized"])).toEqual([]);
    const encoding = (key: string): string | undefined => rr!.keys.get(`0:${key}`)?.encoding;
    expect([encoding("hash:small"), encoding("set:shrunk"), encoding("set:int16"), encoding("zset:small")]).toEqual(["hashtable", "hashtable", "intset", "skiplist"]);
  });

  it("DEBUG RELOAD (save and load its own RDB) leaves the lab master as it leaves the real one", { timeout: 60_000 }, async () => {
    expect(await realMaster.text("DEBUG", "RELOAD")).toBe("OK");
    expect(await labMaster.text("DEBUG", "RELOAD")).toBe("OK");
    const [r, l] = await Promise.all([facts(realMaster), facts(labMaster)]);
    expectSameData({ R: r, L: l });
    expectSameEncodings({ R: r.keys, L: l.keys });
    expect(differences(r.keys, l.keys, ["serialized"])).toEqual([]);
  });
});
