/**
 * A diskless full sync to two replicas through the RDB child's pipe (replication.tcl's "diskless
 * <drop> replicas drop during rdb pipe" and "diskless replication read pipe cleanup"): the child
 * runs (rdb_bgsave_in_progress:1, the replicas wait_bgsave) until the slowest replica's socket took
 * the whole RDB; then the master logs the pipe's end with the replicas still up, collects the child
 * and puts them online. A replica that stalls is dropped after repl-timeout ("full sync"), the last
 * replica gone kills the child, FLUSHALL kills it too and the replica syncs again. Run on
 * bin/replica-lab-server processes and, beside them, on real redis-server 7.0.15 processes doing
 * the same; the expected figures and log lines are the real ones, live. Without redis-server
 * installed these tests fail; they never skip.
 */
import { afterAll, describe, expect, it } from "vitest";
import { scratchDir, waitFor } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";
import { configText, logTexts, replicaStates, requireRedisServer, TestServers, type TestServer } from "./launcher-process.ts";

const SETTINGS = { "repl-ping-replica-period": "3600", "enable-debug-command": "yes", save: "" };
const CONFIG = configText(SETTINGS);
const WAIT_MS = 90_000;

/** The master's lines about its RDB child, its pipe and its replicas' syncs (what the tests wait for). */
const PIPE_LINES = /^(Starting BGSAVE for SYNC|Background RDB transfer|Background transfer|Diskless rdb transfer|Streamed RDB transfer|Synchronization with replica|Disconnecting timedout replica|SYNC failed)/;

/**
 * Left out: which of redis's handlers first notices a replica killed mid-transfer (its read
 * handler: "Connection with replica lost", or the pipe's write: "write error sending DB to
 * replica") is a race between two events of the same loop turn.
 */
const RACY_LINE = /^Diskless rdb transfer, write error sending DB to replica/;

function pipeLines(log: string, names: ReadonlyMap<number, string>): string[] {
  return logTexts(log)
    .filter((text) => PIPE_LINES.test(text) && !RACY_LINE.test(text))
    .map((text) => text.replace(/started by pid \d+/, "started by pid N").replace(/127\.0\.0\.1:(\d+)/g, (_, port: string) => names.get(Number(port)) ?? "?"));
}

describe("a diskless full sync through the RDB pipe, launcher processes against real redis-server", () => {
  const scratch = scratchDir("dropin-rdb-pipe-");
  const servers = new TestServers(scratch.dir, CONFIG, SETTINGS);
  afterAll(async () => {
    await servers.stop();
    scratch.remove();
  });
  const start = (kind: "lab" | "real", name: string): Promise<TestServer> => servers.start(kind, name);

  /**
   * A master with 20 MB uncompressed, a replica that loads 1 ms (5 ms when it drops) a key from
   * the socket (the slow one, attached first) and one that loads at once, both served by one child (max-replicas 2).
   * `drop` is what happens while the slow replica holds the transfer back.
   */
  async function pipeRun(kind: "lab" | "real", drop: "none" | "all" | "timeout"): Promise<Record<string, unknown>> {
    const ms = await start(kind, `${drop}-master`);
    const slow = await start(kind, `${drop}-slow`);
    const fast = await start(kind, `${drop}-fast`);
    const names = new Map([
      [slow.port, "slow"],
      [fast.port, "fast"],
    ]);
    const [m, s, f] = await Promise.all([RespClient.connect(ms.port), RespClient.connect(slow.port), RespClient.connect(fast.port)]);
    const seen: Record<string, unknown> = {};
    try {
      await m.text("CONFIG", "SET", "repl-diskless-sync", "yes");
      await m.text("CONFIG", "SET", "repl-diskless-sync-delay", 5);
      await m.text("CONFIG", "SET", "repl-diskless-sync-max-replicas", 2);
      await m.text("DEBUG", "POPULATE", 2000, "test", 10_000);
      await m.text("CONFIG", "SET", "rdbcompression", "no");
      await s.text("CONFIG", "SET", "repl-diskless-load", "swapdb");
      // 1 ms a key (2 s for the whole RDB); 5 ms when the test drops replicas mid-transfer, so the
      // slow one cannot have taken the whole RDB before the drop however slow the test's own steps.
      await s.text("CONFIG", "SET", "key-load-delay", drop === "none" ? 1000 : 5000);
      await s.text("REPLICAOF", "127.0.0.1", String(ms.port));
      await waitFor(async () => (await replicaStates(m)).length === 1, WAIT_MS, "the slow replica to attach");
      await f.text("REPLICAOF", "127.0.0.1", String(ms.port));
      await waitFor(async () => logTexts(slow.log).some((text) => text.includes("Loading DB in memory")), WAIT_MS, "the slow replica to load");
      const persistence = await m.info("persistence");
      seen.during = { child: persistence.rdb_bgsave_in_progress, states: await replicaStates(m) };
      await m.text("INCR", drop);
      if (drop === "all") {
        // One after the other, the fast one first: which of two replicas killed at once the master
        // finds gone first is a race, for redis too.
        await fast.kill();
        await waitFor(async () => (await replicaStates(m)).length === 1, WAIT_MS, "the master to find the fast replica gone");
        await slow.kill();
      }
      if (drop === "timeout") {
        await m.text("CONFIG", "SET", "repl-timeout", 2);
        slow.signal("SIGSTOP");
      }
      await waitFor(async () => (await m.info("persistence")).rdb_bgsave_in_progress === "0", WAIT_MS, "the child to end");
      // The lines of the child's end are written in the same event-loop turn as the field changes.
      seen.log = pipeLines(ms.log, names);
      if (drop === "timeout") slow.signal("SIGCONT");
      const alive = drop === "all" ? [] : drop === "timeout" ? [f] : [s, f];
      for (const replica of alive) {
        await waitFor(async () => (await replica.info("replication")).master_link_status === "up", WAIT_MS, "the replica to be up");
        await waitFor(async () => (await replica.text("DBSIZE")) === (await m.text("DBSIZE")), WAIT_MS, "the replica to have the keys");
        await waitFor(async () => (await replica.text("DEBUG", "DIGEST")) === (await m.text("DEBUG", "DIGEST")), WAIT_MS, "the digests to agree");
      }
      seen.alive = alive.length;
    } finally {
      m.close();
      s.close();
      f.close();
    }
    return seen;
  }

  /** "diskless replication read pipe cleanup": FLUSHALL kills a slow child; the replica is dropped and syncs again. */
  async function flushallRun(kind: "lab" | "real"): Promise<Record<string, unknown>> {
    const ms = await start(kind, "flush-master");
    const rs = await start(kind, "flush-replica");
    const names = new Map([[rs.port, "replica"]]);
    const [m, r] = await Promise.all([RespClient.connect(ms.port), RespClient.connect(rs.port)]);
    const seen: Record<string, unknown> = {};
    try {
      await m.text("CONFIG", "SET", "repl-diskless-sync", "yes");
      await m.text("CONFIG", "SET", "repl-diskless-sync-delay", 0);
      // 100 ms a key: the child would take 200 s.
      await m.text("CONFIG", "SET", "rdb-key-save-delay", 100_000);
      await m.text("DEBUG", "POPULATE", 2000, "test", 1000);
      await m.text("CONFIG", "SET", "rdbcompression", "no");
      await r.text("CONFIG", "SET", "repl-diskless-load", "swapdb");
      await r.text("REPLICAOF", "127.0.0.1", String(ms.port));
      await waitFor(async () => logTexts(rs.log).some((text) => text.includes("Loading DB in memory")), WAIT_MS, "the replica to load");
      seen.before = (await m.info("persistence")).rdb_bgsave_in_progress;
      seen.flushall = await m.text("FLUSHALL");
      await waitFor(async () => pipeLines(ms.log, names).filter((line) => line.startsWith("Background RDB transfer started")).length === 2, WAIT_MS, "a second child");
      // Up to the second child's start: how soon that one ends depends on the replica's speed.
      const lines = pipeLines(ms.log, names);
      seen.log = lines.slice(0, lines.lastIndexOf("Background RDB transfer started by pid N") + 1);
      seen.ping = await m.text("PING");
      await m.text("CONFIG", "SET", "rdb-key-save-delay", 0);
      await waitFor(async () => (await r.info("replication")).master_link_status === "up", WAIT_MS, "the replica to sync the empty dataset");
      seen.dbsize = await r.text("DBSIZE");
    } finally {
      m.close();
      r.close();
    }
    return seen;
  }

  it("no replica drops: the child ends when the slow replica took the RDB, both go online", async () => {
    requireRedisServer();
    const real = await pipeRun("real", "none");
    expect(await pipeRun("lab", "none")).toEqual(real);
  }, 400_000);

  it("every replica drops: the last one gone kills the child", async () => {
    requireRedisServer();
    const real = await pipeRun("real", "all");
    expect(await pipeRun("lab", "all")).toEqual(real);
  }, 400_000);

  it("a stalled replica is dropped after repl-timeout (full sync) and the other one is served", async () => {
    requireRedisServer();
    const real = await pipeRun("real", "timeout");
    expect(await pipeRun("lab", "timeout")).toEqual(real);
  }, 400_000);

  it("FLUSHALL kills the child: the replica is dropped and syncs again from a new one", async () => {
    requireRedisServer();
    const real = await flushallRun("real");
    expect(await flushallRun("lab")).toEqual(real);
  }, 400_000);
});
