/**
 * Every data type and encoding through RDB files, against what a real redis-server 7.0.15 wrote and
 * reported (fixtures/rdb-types-7.0.15.json, recorded by record-rdb-types.ts from the dataset of
 * type-dataset.ts):
 *
 * - recorded (no binary needed): a lab node that loads the real server's RDB reports the recorded
 *   DEBUG DIGEST and, per key, the same TYPE, DIGEST-VALUE, PEXPIRETIME, OBJECT ENCODING and DEBUG
 *   OBJECT serializedlength as a real server that loaded the same file, with default settings and
 *   with small encoding thresholds; a lab node that runs the dataset's commands reports what the
 *   real server did before saving; the engine's own RDB of the loaded data loads back the same.
 * - live (redis-server 7.0 must be installed, as in CI; fails otherwise): the real server loads the
 *   recorded file to the recorded digest (the fixture still tells the truth), and loads the RDB the
 *   engine writes to the very facts it reports for its own file.
 *
 * The live full syncs in both directions are in apps/server/src/outbound/real-redis-types-interop.test.ts.
 */
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Lab, RedisNode, type NodeConfig } from "../src/index.ts";
import { buildRdb } from "../src/redis/persistence.ts";
import { LiveRedis, liveRedisAvailable } from "./live-redis.ts";
import { collectFacts, datasetCommands, factDifferences, withoutLists, type DatasetFacts, type KeyFacts, type RdbTypesFixture } from "./type-dataset.ts";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/rdb-types-7.0.15.json", import.meta.url), "utf8")) as RdbTypesFixture;
const rdb = new Uint8Array(Buffer.from(fixture.rdbBase64, "base64"));
const asMap = (keys: Record<string, KeyFacts>): Map<string, KeyFacts> => new Map(Object.entries(keys));
const EPOCH_MS = Date.UTC(2026, 0, 1);

type Thresholds = Partial<Record<keyof NodeConfig, string>>;

/** A lab with one node (DEBUG enabled, no save points, the given thresholds). */
function labNode(name: string, thresholds: Thresholds = {}): { lab: Lab; id: ReturnType<Lab["nodeIds"]>[number] } {
  const lab = new Lab({ seed: `rdb-types-${name}`, epochMs: EPOCH_MS });
  const id = lab.addNode({ config: { save: "", "enable-debug-command": "yes", ...thresholds } }).id;
  return { lab, id };
}

/** Restarts the node on `bytes` as its dump.rdb. */
function loadInto(lab: Lab, id: ReturnType<Lab["nodeIds"]>[number], bytes: Uint8Array): void {
  lab.writeFile(id, "dump.rdb", bytes);
  lab.restart(id);
  lab.runUntil(lab.nextEventMs());
}

function factsOf(lab: Lab, id: ReturnType<Lab["nodeIds"]>[number]): Promise<DatasetFacts> {
  return collectFacts((...args) => Promise.resolve(lab.command(id, ...args)));
}

function redisNode(lab: Lab, id: ReturnType<Lab["nodeIds"]>[number]): RedisNode {
  const process = lab.process(id);
  if (!(process instanceof RedisNode)) throw new Error("not a redis 7.0 node");
  return process;
}

describe("RDB of every type and encoding: recorded from redis-server 7.0.15", () => {
  it("the fixture holds the dataset (72 keys over two dbs, every encoding)", () => {
    expect(fixture.recordedWith).toMatch(/v=7\.0\.15 /);
    expect(Object.keys(fixture.saved.keys)).toHaveLength(72);
    const encodings = new Set(Object.values(fixture.saved.keys).map((k) => `${k.type}/${k.encoding}`));
    expect([...encodings].sort()).toEqual(
      ["hash/hashtable", "hash/listpack", "list/quicklist", "set/hashtable", "set/intset", "string/embstr", "string/int", "string/raw", "zset/listpack", "zset/skiplist"].sort(),
    );
    expect(fixture.loaded.digest).toBe(fixture.saved.digest);
    expect(fixture.loadedSmall.digest).toBe(fixture.saved.digest);
  });

  it("a lab node loading the real server's RDB reports what the real server reported after loading it", async () => {
    const { lab, id } = labNode("load");
    loadInto(lab, id, rdb);
    const facts = await factsOf(lab, id);
    expect(facts.digest).toBe(fixture.saved.digest);
    expect(factDifferences(asMap(fixture.loaded.keys), facts.keys, ["type", "digest", "expireAtMs", "encoding", "serialized"])).toEqual([]);
  });

  it("with small thresholds the lab node converts while loading as the real server did", async () => {
    const { lab, id } = labNode("load-small", fixture.smallThresholds as Thresholds);
    loadInto(lab, id, rdb);
    const facts = await factsOf(lab, id);
    expect(facts.digest).toBe(fixture.saved.digest);
    expect(factDifferences(asMap(fixture.loadedSmall.keys), facts.keys, ["type", "digest", "expireAtMs", "encoding"])).toEqual([]);
    // redis keeps a loaded list's quicklist nodes as the file cut them; a lab node cuts lists by its
    // own list-max-listpack-size, so only the other types' serialized sizes must agree here.
    expect(factDifferences(withoutLists(asMap(fixture.loadedSmall.keys)), withoutLists(facts.keys), ["serialized"])).toEqual([]);
  });

  it("a lab node running the dataset's commands reports what the real server did before its SAVE", async () => {
    const { lab, id } = labNode("commands");
    for (const argv of datasetCommands()) {
      const reply = lab.command(id, ...argv);
      if (reply.kind === "error") throw new Error(`${String(argv[0])}: ${reply.message}`);
    }
    const facts = await factsOf(lab, id);
    expect(facts.digest).toBe(fixture.saved.digest);
    expect(factDifferences(asMap(fixture.saved.keys), facts.keys, ["type", "digest", "expireAtMs", "encoding", "serialized"])).toEqual([]);
  });

  it("the engine's own RDB of the loaded data loads back to the same facts", async () => {
    const { lab, id } = labNode("rewrite");
    loadInto(lab, id, rdb);
    const written = buildRdb(redisNode(lab, id));
    const second = labNode("rewrite-2");
    loadInto(second.lab, second.id, written);
    const facts = await factsOf(second.lab, second.id);
    expect(facts.digest).toBe(fixture.saved.digest);
    expect(factDifferences(asMap(fixture.loaded.keys), facts.keys, ["type", "digest", "expireAtMs", "encoding", "serialized"])).toEqual([]);
  });
});

describe("RDB of every type and encoding: live redis-server 7.0.15", () => {
  /** A real server that loaded `bytes` (started empty, then DEBUG RELOAD NOSAVE on the file). */
  async function realLoading(bytes: Uint8Array | string): Promise<DatasetFacts> {
    if (!liveRedisAvailable()) throw new Error("redis-server 7.0 must be installed for the live part (CI installs it: apt-get install redis-server)");
    const server = await LiveRedis.start({ "enable-debug-command": "yes", dbfilename: "types.rdb" });
    try {
      const path = join(server.dir, "types.rdb");
      if (typeof bytes === "string") copyFileSync(bytes, path);
      else writeFileSync(path, bytes);
      const reload = await server.client.command("DEBUG", "RELOAD", "NOSAVE");
      expect(reload).toEqual({ kind: "simple", value: "OK" });
      return await collectFacts((...args) => server.client.command(...args));
    } finally {
      await server.stop();
    }
  }

  it("the real server loads the recorded RDB to the recorded digest and facts", { timeout: 60_000 }, async () => {
    const facts = await realLoading(rdb);
    expect(facts.digest).toBe(fixture.saved.digest);
    expect(factDifferences(asMap(fixture.loaded.keys), facts.keys, ["type", "digest", "expireAtMs", "encoding", "serialized"])).toEqual([]);
  });

  it("the real server loads the RDB the engine writes (from the loaded file and from commands) to the same facts", { timeout: 60_000 }, async () => {
    const loaded = labNode("live-load");
    loadInto(loaded.lab, loaded.id, rdb);
    const built = labNode("live-commands");
    for (const argv of datasetCommands()) built.lab.command(built.id, ...argv);
    for (const source of [loaded, built]) {
      const facts = await realLoading(buildRdb(redisNode(source.lab, source.id)));
      expect(facts.digest).toBe(fixture.saved.digest);
      expect(factDifferences(asMap(fixture.loaded.keys), facts.keys, ["type", "digest", "expireAtMs", "encoding", "serialized"])).toEqual([]);
    }
  });
});
