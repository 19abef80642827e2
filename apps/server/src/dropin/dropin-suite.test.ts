/**
 * Steps from redis 7.0.15's own replication tests (tests/integration/replication*.tcl) that the
 * drop-in node once failed, run on two bin/replica-lab-server processes and, beside them, on two
 * real redis-server 7.0.15 processes doing the same; the figures compared are read from the real
 * pair, live. Without redis-server installed these tests fail; they never skip.
 */
import { spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createConnection } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { RedisServerProcess, scratchDir, sleep, waitFor } from "../testing/helpers.ts";
import { RespClient, waitForSamePosition } from "../testing/resp-client.ts";
import { type Launcher, launcher, logTexts, withClient, requireRedisServer } from "./launcher-process.ts";

const SETTINGS = { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600", "enable-debug-command": "yes" };
const CONFIG = `${Object.entries(SETTINGS)
  .map(([name, value]) => `${name} ${value}`)
  .join("\n")}\nsave ""\nloglevel notice\n`;

/** A master and its replica, whatever runs them. */
interface Pair {
  readonly masterPort: number;
  readonly replicaPort: number;
  readonly masterLog: string;
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

/**
 * Writes `text` on a new connection and returns what came back until the server closed it (then
 * "<closed>" is appended) or 3 s passed, as printable text (the RDB payload of a SYNC cut to its
 * first line).
 */
function rawExchange(port: number, text: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection(port, "127.0.0.1");
    const chunks: Buffer[] = [];
    const done = (closed: boolean): void => {
      clearTimeout(timer);
      socket.destroy();
      const got = Buffer.concat(chunks).toString("latin1");
      resolve(`${got.replace(/\$\d+\r\nREDIS[\s\S]*$/, "$<rdb>")}${closed ? "<closed>" : ""}`);
    };
    const timer = setTimeout(() => done(false), 3000);
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("close", () => done(true));
    socket.on("error", reject);
    socket.on("connect", () => socket.write(text));
  });
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
      made = { masterPort: master.port, replicaPort: replica.port, masterLog: master.logPath, replicaLog: replica.logPath };
    } else {
      const master = await RedisServerProcess.start(scratch.dir, "real-master", SETTINGS);
      const replica = await RedisServerProcess.start(scratch.dir, "real-replica", SETTINGS);
      reals.push(master, replica);
      made = { masterPort: master.port, replicaPort: replica.port, masterLog: join(master.dir, "log"), replicaLog: join(replica.dir, "log") };
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

  /**
   * replication.tcl "replica do not write the reply to the replication link" and "PSYNC with wrong
   * offset should throw error": a replica client that sends a command getting a reply is logged and
   * dropped unanswered (a keyspace command is refused first, and the refusal logged as CRITICAL);
   * a PSYNC with an offset that is no number gets an error and is logged.
   */
  async function replicaMisuse(p: Pair): Promise<Record<string, unknown>> {
    const seen: Record<string, unknown> = {};
    seen.syncThenPing = await rawExchange(p.masterPort, "SYNC\r\nPING\r\n");
    seen.psyncThenGet = await rawExchange(p.masterPort, "PSYNC replicationid -1\r\nGET foo\r\n");
    seen.wrongOffset = await rawExchange(p.masterPort, "PSYNC replicationid offset_str\r\nPING\r\n");
    await withClient(p.masterPort, async (m) => {
      seen.stillAnswers = await m.text("PING");
      seen.errors = (await m.info("errorstats")).errorstat_ERR;
    });
    // The client's description after "disconnecting it: " and replicas' addresses differ by run.
    seen.log = logTexts(p.masterLog)
      .filter((text) => /^(Replica generated a reply|== CRITICAL == This master|Replica .* wrong offset)/.test(text))
      .map((text) => text.replace(/disconnecting it: .*$/, "disconnecting it: …").replace(/^Replica \S+ asks/, "Replica … asks"));
    return seen;
  }

  /**
   * replication.tcl "Kill rdb child process if its dumping RDB is not useful": rdb-key-save-delay
   * keeps a BGSAVE for two disk-sync replicas running (rdb_bgsave_in_progress, both wait_bgsave);
   * it survives the first replica leaving, ends when the last leaves without save points, and
   * survives that with save points. Three servers of a kind: a master with two replicas.
   */
  async function slowRdbChild(start: (name: string) => Promise<number>): Promise<Record<string, unknown>> {
    const seen: Record<string, unknown> = {};
    const [masterPort, replica1Port, replica2Port] = [await start("slow-master"), await start("slow-replica1"), await start("slow-replica2")];
    const [m, r1, r2] = await Promise.all([RespClient.connect(masterPort), RespClient.connect(replica1Port), RespClient.connect(replica2Port)]);
    const bgsave = async (): Promise<string> => (await m.info("persistence")).rdb_bgsave_in_progress ?? "?";
    const states = async (): Promise<string> => {
      const info = await m.info("replication");
      return [info.slave0, info.slave1].map((line) => /state=([a-z_]+)/.exec(line ?? "")?.[1] ?? "none").join(",");
    };
    try {
      for (let i = 0; i < 10; i++) await m.text("SET", i, i);
      await m.text("CONFIG", "SET", "rdb-key-save-delay", 1_000_000);
      await m.text("CONFIG", "SET", "repl-diskless-sync", "no");
      await m.text("CONFIG", "SET", "save", "");
      // Hidden, as in redis: only its exact name shows it.
      seen.configGetExact = await m.call("CONFIG", "GET", "rdb-key-save-delay");
      seen.configGetPattern = await m.call("CONFIG", "GET", "rdb-key-save*");
      await r1.text("REPLICAOF", "127.0.0.1", String(masterPort));
      await r2.text("REPLICAOF", "127.0.0.1", String(masterPort));
      await waitFor(async () => (await bgsave()) === "1" && (await states()) === "wait_bgsave,wait_bgsave", 10_000, "the RDB child to start");
      await r1.text("REPLICAOF", "NO", "ONE");
      await sleep(100);
      seen.afterFirstLeft = await bgsave();
      await r2.text("REPLICAOF", "NO", "ONE");
      await waitFor(async () => (await bgsave()) === "0", 5_000, "the RDB child to be killed");
      seen.afterBothLeft = await bgsave();
      await m.text("CONFIG", "SET", "save", "900 1");
      await r1.text("REPLICAOF", "127.0.0.1", String(masterPort));
      await r2.text("REPLICAOF", "127.0.0.1", String(masterPort));
      await waitFor(async () => (await bgsave()) === "1" && (await states()) === "wait_bgsave,wait_bgsave", 10_000, "the RDB child to start again");
      await r1.text("REPLICAOF", "NO", "ONE");
      await r2.text("REPLICAOF", "NO", "ONE");
      await sleep(200);
      seen.withSavePoints = await bgsave();
      await m.call("SHUTDOWN", "NOSAVE").catch(() => undefined);
    } finally {
      m.close();
      r1.close();
      r2.close();
    }
    return seen;
  }

  /**
   * replication.tcl "Diskless load swapdb (async_loading): new database is exposed after swapping":
   * a replica killed inside MULTI (CLIENT KILL TYPE replica) has lost its link by the time the EXEC
   * reply is read, and the writes after the kill overflow the shrunk backlog, so it needs a full
   * sync (kept running by rdb-key-save-delay).
   */
  async function killedInsideMulti(p: Pair): Promise<Record<string, unknown>> {
    const seen: Record<string, unknown> = {};
    const [m, r] = await Promise.all([RespClient.connect(p.masterPort), RespClient.connect(p.replicaPort)]);
    try {
      await waitFor(async () => (await r.info("replication")).master_link_status === "up", 30_000, "the replica to be linked");
      const fullBefore = Number((await m.info("stats")).sync_full);
      await m.text("DEBUG", "POPULATE", 100, "multi-kill");
      await m.text("CONFIG", "SET", "rdb-key-save-delay", 100_000);
      const big = "A".repeat(16_384);
      const replies = [m.text("MULTI"), m.call("CLIENT", "KILL", "TYPE", "replica"), m.text("CONFIG", "SET", "repl-backlog-size", 16_384)];
      for (let i = 0; i < 10; i++) replies.push(m.text("SET", `big:${i}`, big));
      const exec = m.call("EXEC");
      await Promise.all(replies);
      await exec;
      // Asked only once EXEC's reply is in, as redis's test asks.
      seen.linkRightAfterExec = (await r.info("replication")).master_link_status;
      await waitFor(async () => Number((await m.info("stats")).sync_full) > fullBefore, 30_000, "the full sync to start");
      seen.fullSyncs = Number((await m.info("stats")).sync_full) - fullBefore;
      await m.text("CONFIG", "SET", "rdb-key-save-delay", 0);
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

  it("a replica client that gets a reply is logged and dropped; PSYNC with a wrong offset", async () => {
    requireRedisServer();
    const real = await replicaMisuse(await pair("real"));
    const lab = await replicaMisuse(await pair("lab"));
    expect(lab).toEqual(real);
    expect(real.log).toContain("== CRITICAL == This master is sending an error to its replica: 'Replica can't interact with the keyspace' after processing the command 'get'");
  }, 120_000);

  it("a BGSAVE for replication kept running by rdb-key-save-delay, killed when no replica needs it", async () => {
    requireRedisServer();
    const real = await slowRdbChild(async (name) => {
      const server = await RedisServerProcess.start(scratch.dir, `real-${name}`, SETTINGS);
      reals.push(server);
      return server.port;
    });
    const lab = await slowRdbChild(async (name) => {
      const node = await launcher(scratch.dir, `lab-${name}`, CONFIG);
      launchers.push(node);
      return node.port;
    });
    expect(lab).toEqual(real);
    expect(real.afterFirstLeft).toBe("1");
    expect(real.withSavePoints).toBe("1");
  }, 180_000);

  it("a replica killed inside MULTI has lost its link when EXEC's reply arrives", async () => {
    requireRedisServer();
    const real = await killedInsideMulti(await pair("real"));
    const lab = await killedInsideMulti(await pair("lab"));
    expect(lab).toEqual(real);
    expect(real.linkRightAfterExec).toBe("down");
  }, 120_000);

  it("a client blocked on a master that becomes a replica is unblocked with an error", async () => {
    requireRedisServer();
    const real = await roleChange(await pair("real"));
    const lab = await roleChange(await pair("lab"));
    expect(lab).toEqual(real);
    expect(real.blockedReply).toMatch(/^error: UNBLOCKED /);
  }, 120_000);

  /**
   * A config redis refuses: both print the same FATAL CONFIG FILE ERROR and exit with 1 (an
   * unknown directive; a `dir` that does not exist, shown as redis quotes a command-line argument).
   * A directive redis knows but the lab does not model (and a deprecated one) is accepted.
   */
  it("refuses the config lines redis-server 7.0.15 refuses, with its words", async () => {
    requireRedisServer();
    const bin = join(dirname(fileURLToPath(import.meta.url)), "../../../../bin/replica-lab-server");
    const bad = join(scratch.dir, "bad.conf");
    writeFileSync(bad, 'save ""\nfoo-unknown-directive bar\n');
    const cases: (readonly string[])[] = [[bad, "--port", "1"], ["--port", "1", "--dir", join(scratch.dir, "no such \"dir\"")], ["--port", "1", "--save", "900", "1", "--no-such-option", "x"]];
    for (const args of cases) {
      const real = spawnSync("redis-server", args, { encoding: "utf8", timeout: 20_000 });
      const lab = spawnSync(bin, args, { encoding: "utf8", timeout: 60_000 });
      expect({ status: lab.status, stderr: lab.stderr }).toEqual({ status: real.status, stderr: real.stderr });
      expect(real.stderr).toContain("FATAL CONFIG FILE ERROR");
    }
    const node = await launcher(scratch.dir, "good", 'save ""\nlatency-monitor-threshold 1\nlua-replicate-commands yes\n');
    launchers.push(node);
    expect(await withClient(node.port, (client) => client.text("PING"))).toBe("PONG");
  }, 120_000);
});
