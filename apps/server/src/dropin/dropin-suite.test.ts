/**
 * Steps from redis 7.0.15's own replication tests (tests/integration/replication*.tcl) that the
 * drop-in node once failed, run on two bin/replica-lab-server processes and, beside them, on two
 * real redis-server 7.0.15 processes doing the same; the figures compared are read from the real
 * pair, live. Without redis-server installed these tests fail; they never skip.
 */
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { haveRedisTools, RedisServerProcess, scratchDir, waitFor } from "../testing/helpers.ts";
import { RespClient, waitForSamePosition } from "../testing/resp-client.ts";
import { type Launcher, launcher, logTexts } from "./launcher-process.ts";

function requireRedisServer(): void {
  if (!haveRedisTools) throw new Error("redis-server and redis-cli 7.0 must be installed (Debian packages redis-server, redis-tools; .ci/run installs them)");
}

const SETTINGS = { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600", "enable-debug-command": "yes" };
const CONFIG = `${Object.entries(SETTINGS)
  .map(([name, value]) => `${name} ${value}`)
  .join("\n")}\nsave ""\nloglevel notice\n`;

/** A master and its replica, whatever runs them. */
interface Pair {
  readonly masterPort: number;
  readonly replicaPort: number;
  readonly replicaLog: string;
}

/** The text of a reply, or the error's text. */
async function answer(client: RespClient, ...args: (string | number)[]): Promise<string> {
  try {
    return await client.text(...args);
  } catch (error) {
    // The client names the command and port first ("DEBUG REPLICATE on 1234: ERR ...").
    return `error: ${(error as Error).message.replace(/^.*? on \d+: /, "")}`;
  }
}

async function offset(client: RespClient): Promise<number> {
  return Number((await client.info("replication")).master_repl_offset);
}

describe("redis's replication tests' steps, launcher pair against real pair", () => {
  const scratch = scratchDir("dropin-suite-");
  const launchers: Launcher[] = [];
  const reals: RedisServerProcess[] = [];
  const pairs: Partial<Record<"lab" | "real", Pair>> = {};
  afterAll(async () => {
    for (const node of launchers) await node.kill();
    for (const real of reals) await real.kill();
    scratch.remove();
  });

  async function pair(kind: "lab" | "real"): Promise<Pair> {
    const existing = pairs[kind];
    if (existing) return existing;
    let made: Pair;
    if (kind === "lab") {
      const master = await launcher(scratch.dir, "lab-master", CONFIG);
      const replica = await launcher(scratch.dir, "lab-replica", CONFIG);
      launchers.push(master, replica);
      made = { masterPort: master.port, replicaPort: replica.port, replicaLog: replica.logPath };
    } else {
      const master = await RedisServerProcess.start(scratch.dir, "real-master", SETTINGS);
      const replica = await RedisServerProcess.start(scratch.dir, "real-replica", SETTINGS);
      reals.push(master, replica);
      made = { masterPort: master.port, replicaPort: replica.port, replicaLog: join(replica.dir, "log") };
    }
    const [m, r] = await Promise.all([RespClient.connect(made.masterPort), RespClient.connect(made.replicaPort)]);
    try {
      await r.text("REPLICAOF", "127.0.0.1", String(made.masterPort));
      await waitForSamePosition([m, r], 30_000);
    } finally {
      m.close();
      r.close();
    }
    pairs[kind] = made;
    return made;
  }

  /**
   * replication-4.tcl "Data divergence can happen under default conditions" and "... is allowed on
   * writable replicas": DEBUG REPLICATE feeds a command the replica refuses; the replica logs each
   * refusal as a CRITICAL line, counts it, and carries on.
   */
  async function divergence(p: Pair): Promise<Record<string, unknown>> {
    const seen: Record<string, unknown> = {};
    const [m, r] = await Promise.all([RespClient.connect(p.masterPort), RespClient.connect(p.replicaPort)]);
    try {
      await r.text("CONFIG", "SET", "propagation-error-behavior", "ignore");
      const before = await offset(m);
      seen.replicateReply = await answer(m, "DEBUG", "REPLICATE", "fake-command-1");
      // The command as is, with no SELECT before it (the stream's db was not chosen yet).
      seen.replicatedBytes = (await offset(m)) - before;
      seen.noArguments = await answer(m, "DEBUG", "REPLICATE");
      await m.text("SET", "foo", "bar2");
      seen.waitAfterFake = await m.text("WAIT", 1, 2000);
      await r.text("CONFIG", "SET", "replica-read-only", "no");
      await r.text("SET", "number2", "foo");
      await m.text("INCRBY", "number2", 1);
      await m.text("WAIT", 1, 2000);
      seen.replicaNumber2 = await r.text("GET", "number2");
      await m.text("DEBUG", "REPLICATE", "SET", "x", "y");
      await m.text("WAIT", 1, 2000);
      // A command the replica knows is applied there only; the master never had it.
      seen.replicaX = await r.text("GET", "x");
      seen.masterX = await m.text("GET", "x");
      seen.unexpectedErrorReplies = (await r.info("stats")).unexpected_error_replies;
    } finally {
      m.close();
      r.close();
    }
    // redis also logs the replica's latest backlog after a refusal once the backlog holds anything
    // (here the second, and it holds the first refused command); the lab does not write that line.
    const log = logTexts(p.replicaLog).filter((text) => !text.startsWith("Latest backlog is: "));
    seen.critical = log.filter((text) => text.startsWith("== CRITICAL =="));
    seen.linesNamingFake = log.filter((text) => text.includes("fake-command-1")).length;
    seen.linesNamingIncrby = log.filter((text) => text.includes("incrby")).length;
    return seen;
  }

  /**
   * replication.tcl "BLPOP followed by role change, issue #2473": a client blocked on the master
   * when it becomes a replica is unblocked with an error and disconnected, so the new master's
   * RPUSH does not feed it here.
   */
  async function roleChange(p: Pair): Promise<Record<string, unknown>> {
    const seen: Record<string, unknown> = {};
    const [m, r, blocked] = await Promise.all([RespClient.connect(p.masterPort), RespClient.connect(p.replicaPort), RespClient.connect(p.masterPort)]);
    try {
      await m.text("DEL", "foo");
      await waitForSamePosition([m, r], 30_000);
      const pop = answer(blocked, "BLPOP", "foo", 0);
      // The BLPOP is blocked before the roles change.
      await waitFor(async () => (await m.info("clients")).blocked_clients === "1", 10_000, "the BLPOP to block");
      await r.text("REPLICAOF", "NO", "ONE");
      await m.text("REPLICAOF", "127.0.0.1", String(p.replicaPort));
      seen.blockedReply = await pop;
      await waitFor(async () => (await m.info("replication")).master_link_status === "up", 30_000, "the old master to follow");
      await r.text("RPUSH", "foo", "a", "b", "c");
      await waitForSamePosition([r, m], 30_000);
      seen.newMaster = await r.call("LRANGE", "foo", 0, -1);
      seen.newReplica = await m.call("LRANGE", "foo", 0, -1);
      seen.blockedErrors = (await m.info("errorstats")).errorstat_UNBLOCKED;
    } finally {
      m.close();
      r.close();
      blocked.close();
    }
    return seen;
  }

  /**
   * replication-3.tcl "Writable replica doesn't return expired keys" and "Slave is able to evict
   * keys created in writable slaves": a write on a writable replica deletes the expired key it
   * finds first (so INCR starts afresh, without the TTL), and the replica's cron expires the keys
   * its own clients gave a TTL (its master never sends DELs for them).
   */
  async function writableReplicaExpiry(p: Pair): Promise<Record<string, unknown>> {
    const seen: Record<string, unknown> = {};
    const [m, r] = await Promise.all([RespClient.connect(p.masterPort), RespClient.connect(p.replicaPort)]);
    try {
      await m.text("SELECT", 5);
      await r.text("SELECT", 5);
      await m.text("DEBUG", "SET-ACTIVE-EXPIRE", 0);
      await m.text("SET", "key1", 5, "PX", 10);
      await m.text("SET", "key2", 5, "PX", 10);
      await waitForSamePosition([m, r], 30_000);
      await waitFor(async () => (await r.text("EXISTS", "key1", "key2")) === "0", 10_000, "the keys to expire");
      seen.sizeBefore = await r.text("DBSIZE");
      await r.text("CONFIG", "SET", "replica-read-only", "no");
      const expiredBefore = Number((await r.info("stats")).expired_keys);
      seen.incr = await r.text("INCR", "key1");
      seen.ttl = await r.text("TTL", "key1");
      seen.key2 = await r.text("GET", "key2");
      seen.sizeAfter = await r.text("DBSIZE");
      await m.text("DEBUG", "SET-ACTIVE-EXPIRE", 1);
      await r.text("DEL", "key1", "key2");
      await m.text("DEL", "key1", "key2");
      await r.text("SET", "own1", 1, "PX", 300);
      await r.text("SET", "own2", 2, "PX", 300);
      await r.text("SET", "own3", 3);
      seen.ownBefore = await r.text("DBSIZE");
      // No client touches them: only the replica's cron can take them away.
      await waitFor(async () => (await r.info("keyspace")).db5 === "keys=1,expires=0,avg_ttl=0", 10_000, "the replica to expire its own keys");
      seen.expiredKeys = Number((await r.info("stats")).expired_keys) - expiredBefore;
      seen.own3 = await r.text("GET", "own3");
      await r.text("DEL", "own3");
      await r.text("CONFIG", "SET", "replica-read-only", "yes");
    } finally {
      m.close();
      r.close();
    }
    return seen;
  }

  it("DEBUG REPLICATE and a replica's refusals of its master's commands", async () => {
    requireRedisServer();
    const real = await divergence(await pair("real"));
    const lab = await divergence(await pair("lab"));
    expect(lab).toEqual(real);
    expect(real.replicatedBytes).toBe(25);
  }, 120_000);

  it("a writable replica's expired keys: deleted before a write, and its own expired by its cron", async () => {
    requireRedisServer();
    const real = await writableReplicaExpiry(await pair("real"));
    const lab = await writableReplicaExpiry(await pair("lab"));
    expect(lab).toEqual(real);
    expect(real.ttl).toBe("-1");
  }, 120_000);

  it("a client blocked on a master that becomes a replica is unblocked with an error", async () => {
    requireRedisServer();
    const real = await roleChange(await pair("real"));
    const lab = await roleChange(await pair("lab"));
    expect(lab).toEqual(real);
    expect(real.blockedReply).toMatch(/^error: UNBLOCKED /);
  }, 120_000);
});
