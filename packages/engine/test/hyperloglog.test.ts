/**
 * HyperLogLog (PFADD, PFCOUNT, PFMERGE, PFDEBUG) against a live redis-server 7.0.15 (CI installs
 * it; the test fails where it is missing):
 * - one connection, the same requests to a lab node and to the real server: every reply byte for
 *   byte, GET of the values included, so the sparse and dense bytes, the cached cardinality in the
 *   header and the estimates are all the real server's (sparse runs split and merged, promotion to
 *   dense by size and by `hll-sparse-max-bytes`, unions, corrupt values, errors);
 * - a master and a replica: what the replica holds after PFADD, a PFCOUNT on the master (which
 *   propagates, as it rewrites the cache) and a PFCOUNT on the read-only replica (which rewrites its
 *   own copy only), compared with a real pair.
 */
import { describe, expect, it } from "vitest";
import { LabBackend, RealBackend, redisServerAvailable, type Backend } from "./backends.ts";
import { LiveRedis } from "./live-redis.ts";
import { labReplies, liveReplies } from "./scripting-cases.ts";
import type { Reply } from "../src/index.ts";

function requireLive(): void {
  if (!redisServerAvailable()) throw new Error("redis-server 7.0 must be installed for this test (CI installs it: apt-get install redis-server)");
}

const elements = (prefix: string, from: number, to: number): string[] => Array.from({ length: to - from }, (_, i) => `${prefix}${from + i}`);

/** Requests on one connection; replies compared byte for byte. */
const CASES: readonly (readonly string[])[] = [
  ["PFADD", "h", "a", "b", "c"],
  ["GET", "h"],
  ["PFCOUNT", "h"],
  ["GET", "h"],
  ["PFADD", "h", "a"],
  ["PFADD", "h", "d", ""],
  ["PFDEBUG", "ENCODING", "h"],
  ["PFDEBUG", "DECODE", "h"],
  ["PFCOUNT", "h"],
  ["PFADD", "empty"],
  ["GET", "empty"],
  ["PFCOUNT", "empty"],
  ["PFCOUNT", "missing"],
  // Elements of every length modulo 8 (the hash's tail), and long ones.
  ["PFADD", "lengths", "x", "xy", "xyz", "wxyz", "vwxyz", "uvwxyz", "tuvwxyz", "stuvwxyz", "rstuvwxyz", "an element longer than a few words of eight bytes"],
  ["GET", "lengths"],
  ["PFCOUNT", "lengths"],
  // Growing until the sparse body passes 3000 bytes and turns dense.
  ...Array.from({ length: 12 }, (_, k) => ["PFADD", "big", ...elements("e", k * 150, (k + 1) * 150)]),
  ["PFDEBUG", "ENCODING", "big"],
  ["PFCOUNT", "big"],
  ["GET", "big"],
  ["PFADD", "big", ...elements("f", 0, 2000)],
  ["PFCOUNT", "big"],
  ["GET", "big"],
  // A smaller limit promotes sooner.
  ["CONFIG", "SET", "hll-sparse-max-bytes", "60"],
  ["PFADD", "small", ...elements("s", 0, 20)],
  ["PFDEBUG", "ENCODING", "small"],
  ["PFADD", "small2", ...elements("t", 0, 5)],
  ["PFDEBUG", "ENCODING", "small2"],
  ["CONFIG", "GET", "hll-sparse-max-bytes"],
  ["CONFIG", "SET", "hll-sparse-max-bytes", "3000"],
  // Unions: several keys counted, and merged (sparse into sparse, sparse with dense).
  ["PFCOUNT", "h", "lengths", "missing"],
  ["PFCOUNT", "h", "big", "small"],
  ["PFMERGE", "m1", "h", "lengths"],
  ["GET", "m1"],
  ["PFCOUNT", "m1"],
  ["PFMERGE", "m2", "h", "big"],
  ["PFDEBUG", "ENCODING", "m2"],
  ["PFCOUNT", "m2"],
  ["PFMERGE", "h", "lengths"],
  ["GET", "h"],
  ["PFMERGE", "nothing"],
  ["GET", "nothing"],
  // PFDEBUG.
  ["PFDEBUG", "TODENSE", "lengths"],
  ["PFDEBUG", "TODENSE", "lengths"],
  ["PFDEBUG", "DECODE", "lengths"],
  ["PFCOUNT", "lengths"],
  ["PFDEBUG", "GETREG", "m1"],
  ["PFDEBUG", "ENCODING", "m1"],
  ["PFDEBUG", "GETREG", "missing"],
  ["PFDEBUG", "NOSUCH", "m1"],
  // Not HyperLogLogs.
  ["SET", "plain", "hello"],
  ["PFADD", "plain", "x"],
  ["PFCOUNT", "plain"],
  ["PFCOUNT", "h", "plain"],
  ["PFMERGE", "plain", "h"],
  ["LPUSH", "list", "x"],
  ["PFADD", "list", "x"],
  ["PFCOUNT", "list"],
  ["SET", "short-dense", "HYLL\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000"],
  ["PFCOUNT", "short-dense"],
  ["SET", "bad-encoding", "HYLL\u0002\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u003f"],
  ["PFCOUNT", "bad-encoding"],
  // Corrupt sparse bodies: a run that covers too few registers.
  ["SET", "corrupt", "HYLL\u0001\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0000\u0080\u003f"],
  ["PFCOUNT", "corrupt"],
  ["PFCOUNT", "corrupt", "h"],
  ["PFADD", "corrupt", "a", "b"],
  ["PFMERGE", "m3", "corrupt"],
  ["EXISTS", "m3"],
  ["OBJECT", "ENCODING", "h"],
  ["TYPE", "h"],
  ["PFADD"],
  ["PFCOUNT"],
  ["PFDEBUG", "GETREG"],
];

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

describe("HyperLogLog: the same bytes as redis-server 7.0.15", () => {
  it("every reply on one connection, values included", { timeout: 60_000 }, async () => {
    requireLive();
    const real = await LiveRedis.start();
    try {
      const expected = await liveReplies(real.port, CASES);
      const lab = labReplies(CASES);
      const differences = CASES.flatMap((argv, i) => (lab[i] === expected[i] ? [] : [{ argv: argv.slice(0, 4), real: expected[i]?.slice(0, 200), lab: lab[i]?.slice(0, 200) }]));
      expect(differences).toEqual([]);
      expect(lab.length).toBe(CASES.length);
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
