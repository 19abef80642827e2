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
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNode, createLab, haveRedisTools, RedisServerProcess, scratchDir, waitFor, startApp } from "../testing/helpers.ts";
import { RespClient, waitForSamePosition } from "../testing/resp-client.ts";
import { collectFacts, datasetCommands, factDifferences as differences, SMALL_THRESHOLDS, withoutLists, type Arg, type DatasetFacts, type KeyFacts } from "../../../../packages/engine/test/type-dataset.ts";

const REAL_CONFIG = { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600", "enable-debug-command": "yes" };
const LAB_CONFIG = { "repl-diskless-sync-delay": 0, "repl-ping-replica-period": 3600, "enable-debug-command": "yes" };
const facts = (client: RespClient): Promise<DatasetFacts> => collectFacts((...args) => client.call(...args));

async function run(client: RespClient, commands: readonly Arg[][]): Promise<void> {
  const replies = await Promise.all(commands.map((argv) => client.call(...argv)));
  const failed = replies.findIndex((r) => r.kind === "error");
  if (failed >= 0) throw new Error(`${String(commands[failed]![0])} on ${client.port}: ${JSON.stringify(replies[failed])}`);
}

/** Every server holds the same data: same DEBUG DIGEST, and per key the same value digest, type and expiry. */
function expectSameData(named: Record<string, DatasetFacts>): void {
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

  /** A real and a lab replica of the real master, and a real replica of the lab master, synced. */
  async function threeReplicas(tag: string, config: Record<string, string> = {}): Promise<[RespClient, RespClient, RespClient]> {
    const realOfReal = await real(`R-of-R${tag}`, config);
    const labOfReal = await lab(`L-of-R${tag}`, config);
    const realOfLab = await real(`R-of-L${tag}`, config);
    await replicate(realOfReal, realMasterPort, realMaster);
    await replicate(labOfReal, realMasterPort, realMaster);
    await replicate(realOfLab, labMasterPort, labMaster);
    return [realOfReal, labOfReal, realOfLab];
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
    const [realOfReal, labOfReal, realOfLab] = await threeReplicas("");
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
    const [realOfReal, labOfReal, realOfLab] = await threeReplicas("-small", SMALL_THRESHOLDS);
    const [r, rr, lr, rl] = await Promise.all([realMaster, realOfReal, labOfReal, realOfLab].map(facts));
    expectSameData({ R: r!, "R-of-R": rr!, "L-of-R": lr!, "R-of-L": rl! });
    expectSameEncodings({ "R-of-R": rr!.keys, "L-of-R": lr!.keys, "R-of-L": rl!.keys });
    // The real master's RDB and the lab master's cut lists into the same quicklist nodes.
    expect(differences(rr!.keys, rl!.keys, ["serialized"])).toEqual([]);
    // A known difference: redis keeps a loaded list's nodes as the file cut them (8 KiB each here),
    // while a lab node cuts its lists by its own list-max-listpack-size (4 elements), so DEBUG
    // OBJECT's ql_nodes and serializedlength differ for lists; the elements do not.
    expect(differences(withoutLists(rr!.keys), withoutLists(lr!.keys), ["serialized"])).toEqual([]);
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

  it("compressed quicklist nodes (list-compress-depth 1) and keys past their TTL that nothing removed yet travel alike", { timeout: 120_000 }, async () => {
    const elements = Array.from({ length: 3000 }, (_, i) => `compressible-${i % 7}-${"z".repeat(40)}`);
    for (const master of [realMaster, labMaster]) {
      await master.text("CONFIG", "SET", "list-compress-depth", "1");
      await master.text("RPUSH", "list:compressed", ...elements);
      await master.text("DEBUG", "SET-ACTIVE-EXPIRE", "0");
      await master.text("SET", "stale", "gone soon", "PX", "1");
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    // The masters' digests before anything reads the stale key (KEYS on a master would delete it).
    const [realDigest, labDigest] = await Promise.all([realMaster.text("DEBUG", "DIGEST"), labMaster.text("DEBUG", "DIGEST")]);
    expect(labDigest).toBe(realDigest);
    const [realOfReal, labOfReal, realOfLab] = await threeReplicas("-late");
    const [rr, lr, rl] = await Promise.all([realOfReal, labOfReal, realOfLab].map(facts));
    expectSameData({ "R-of-R": rr!, "L-of-R": lr!, "R-of-L": rl! });
    expect(rr!.digest).toBe(realDigest);
    expectSameEncodings({ "R-of-R": rr!.keys, "L-of-R": lr!.keys, "R-of-L": rl!.keys });
    expect(differences(rr!.keys, rl!.keys, ["serialized"])).toEqual([]);
    const [r, l] = await Promise.all([facts(realMaster), facts(labMaster)]);
    expect(differences(r.keys, l.keys, ["encoding", "serialized"])).toEqual([]);
    // Gone for good before the next test (KEYS only skips it; active expiry would take it at some moment).
    for (const master of [realMaster, labMaster]) {
      await master.text("DEL", "stale");
      await master.text("DEBUG", "SET-ACTIVE-EXPIRE", "1");
    }
  });

  it("plain quicklist nodes (elements past DEBUG QUICKLIST-PACKED-THRESHOLD) travel alike", { timeout: 120_000 }, async () => {
    // A lab node cuts a list into nodes when it saves or reports it, with the threshold set then;
    // redis decided at each push. So the threshold stays lowered until the syncs are done (reset,
    // a real master's list keeps its plain nodes and a lab master's would be cut anew), and only
    // this list's layout is compared (the lowered threshold would cut the older lists anew too).
    const plainOnly = (keys: Map<string, KeyFacts>): Map<string, KeyFacts> => new Map([...keys].filter(([key]) => key === "0:list:plain"));
    for (const master of [realMaster, labMaster]) {
      await master.text("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "100");
      await master.text("RPUSH", "list:plain", "short", "p".repeat(150), "tail", "q".repeat(5000), "end");
    }
    try {
      const [r, l] = await Promise.all([facts(realMaster), facts(labMaster)]);
      expectSameData({ R: r, L: l });
      expect(differences(plainOnly(r.keys), plainOnly(l.keys), ["encoding", "serialized"])).toEqual([]);
      expect(r.keys.get("0:list:plain")?.serialized).toContain("ql_nodes:5");
      const [realOfReal, labOfReal, realOfLab] = await threeReplicas("-plain");
      const [rr, lr, rl] = await Promise.all([realOfReal, labOfReal, realOfLab].map(facts));
      expectSameData({ R: r, "R-of-R": rr!, "L-of-R": lr!, "R-of-L": rl! });
      // The real master's file and the lab master's hold the same plain nodes.
      expect(differences(plainOnly(rr!.keys), plainOnly(rl!.keys), ["encoding", "serialized"])).toEqual([]);
      expect(rl!.keys.get("0:list:plain")?.serialized).toContain("ql_nodes:5");
    } finally {
      for (const master of [realMaster, labMaster]) await master.text("DEBUG", "QUICKLIST-PACKED-THRESHOLD", "0");
    }
  });
});
