/**
 * HyperLogLog (PFADD, PFCOUNT, PFMERGE, PFDEBUG) as real servers have it:
 * - recorded (no binary needed): on one connection, every request of hyperloglog-cases.ts answers
 *   byte for byte what redis-server 2.8.24, 4.0.14 and 7.0.15 answered (fixtures/hyperloglog.json,
 *   record-hyperloglog.ts), GET of the values included: the sparse and dense bytes, the cached
 *   cardinality in the header, and each version's estimator (2.8's linear counting and bias
 *   correction, 4.0's LogLog-Beta, 7.0's) from a few elements to 100,000;
 * - live (redis-server 7.0 must be installed, as in CI; fails otherwise): the live server still
 *   answers as recorded; a master and a replica step by step: what the replica holds after PFADD,
 *   a PFCOUNT on the master (which propagates, as it rewrites the cache) and a PFCOUNT on the
 *   read-only replica (which rewrites its own copy only), compared with a real pair.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LabBackend, RealBackend, redisServerAvailable, type Backend } from "./backends.ts";
import { LiveRedis } from "./live-redis.ts";
import { labReplies, liveReplies } from "./scripting-cases.ts";
import { HLL_CASES, HLL_CASES_7_0_ONLY, type HyperLogLogFixture } from "./hyperloglog-cases.ts";
import type { Reply } from "../src/index.ts";

const fixture = JSON.parse(readFileSync(new URL("./fixtures/hyperloglog.json", import.meta.url), "utf8")) as HyperLogLogFixture;

function requireLive(): void {
  if (!redisServerAvailable()) throw new Error("redis-server 7.0 must be installed for this test (CI installs it: apt-get install redis-server)");
}

/** The requests whose replies differ between `expected` and `actual`, shortened for reading. */
function differences(expected: readonly string[], actual: readonly string[]): unknown[] {
  return HLL_CASES.flatMap((argv, i) => (actual[i] === expected[i] ? [] : [{ argv: argv.slice(0, 4), real: expected[i]?.slice(0, 200), lab: actual[i]?.slice(0, 200) }]));
}

/** Steps on a master (M) and its replica (R); after each, GET of the keys on both. */
const REPLICATION_STEPS: readonly (readonly [string, readonly string[]])[] = [
  ["M", ["PFADD", "h", "a", "b", "c", "d"]],
  ["M", ["PFCOUNT", "h"]],
  ["M", ["PFADD", "h", "e"]],
  ["R", ["PFCOUNT", "h"]],
  ["M", ["PFMERGE", "u", "h"]],
  ["M", ["PFCOUNT", "u", "h"]],
  ["M", ["PFDEBUG", "TODENSE", "u"]],
  ["R", ["PFCOUNT", "u"]],
  ["R", ["PFADD", "h", "z"]],
];

async function replicationTrace(backend: Backend): Promise<Reply[]> {
  await backend.addNode("M");
  await backend.addNode("R");
  await backend.replicaOf("R", "M");
  await backend.settle(1500);
  const trace: Reply[] = [];
  for (const [node, argv] of REPLICATION_STEPS) {
    trace.push(await backend.command(node, ...argv));
    if (backend.kind === "real") await backend.command("M", "WAIT", "1", "5000");
    await backend.settle(200);
    for (const key of ["h", "u"]) {
      trace.push(await backend.command("M", "GET", key));
      trace.push(await backend.command("R", "GET", key));
    }
  }
  trace.push(await backend.command("R", "INFO", "keyspace"));
  return trace;
}

describe("HyperLogLog: recorded from redis-server 2.8.24, 4.0.14 and 7.0.15", () => {
  for (const version of ["2.8", "4.0", "7.0"]) {
    it(`a ${version} node answers every request byte for byte (${fixture.recordedWith[version] ?? "not recorded"})`, { timeout: 60_000 }, () => {
      const expected = fixture.replies[version];
      expect(expected?.length).toBe(HLL_CASES.length);
      expect(differences(expected!, labReplies(HLL_CASES, version))).toEqual([]);
    });
  }
});

describe("HyperLogLog: live redis-server 7.0.15", () => {
  it("the live server still answers every request as recorded", { timeout: 60_000 }, async () => {
    requireLive();
    const real = await LiveRedis.start();
    try {
      expect(differences(fixture.replies["7.0"]!, await liveReplies(real.port, HLL_CASES))).toEqual([]);
    } finally {
      await real.stop();
    }
  });

  it("PFADD into a corrupt sparse value: the same error and value as 7.0.15", { timeout: 60_000 }, async () => {
    requireLive();
    const real = await LiveRedis.start();
    try {
      const expected = await liveReplies(real.port, HLL_CASES_7_0_ONLY);
      expect(expected[1]).toBe("-INVALIDOBJ Corrupted HLL object detected\r\n");
      expect(labReplies(HLL_CASES_7_0_ONLY)).toEqual(expected);
    } finally {
      await real.stop();
    }
  });

  it("a replica gets PFADD and a master's cache-filling PFCOUNT; a replica's own PFCOUNT changes only its copy", { timeout: 60_000 }, async () => {
    requireLive();
    const real = new RealBackend();
    let expected: Reply[];
    try {
      expected = await replicationTrace(real);
    } finally {
      await real.close();
    }
    const lab = await replicationTrace(new LabBackend("hll-replication"));
    expect(lab).toEqual(expected);
  });
});
