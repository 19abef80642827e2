/**
 * bin/replica-lab-server as a process, against real redis-server 7.0.15 processes doing the same
 * steps: it runs in the caller's own process (exec), reads a config file and `--name value`
 * overrides, replicates to and from real servers over TCP, saves on SHUTDOWN and SIGTERM and loses
 * on kill -9 exactly when a real server does, resumes with a partial resync after a restart from a
 * CONFIG REWRITE'n `replicaof`, and logs in redis's format the lines a real server logs at the same
 * steps. Expected figures are read from the real servers, live. Without redis-server installed these
 * tests fail; they never skip.
 */
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { RedisServerProcess, scratchDir, waitFor } from "../testing/helpers.ts";
import { type Launcher, launcher, LOG_LINE, logTexts, matching, withClient, requireRedisServer } from "./launcher-process.ts";
import { dumpKeyspace, keyspaceDifferences, RespClient, stat, waitForSamePosition } from "../testing/resp-client.ts";

/** The config both kinds of server get: save points, no diskless delay, no PINGs moving offsets. */
const CONFIG = ["save 900 1", "repl-diskless-sync-delay 0", "repl-ping-replica-period 3600", "notify-keyspace-events KEA", "loglevel notice", "port 1", ""].join("\n");
const REAL_OPTIONS = { save: "900 1", "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600" };

describe("bin/replica-lab-server against redis-server 7.0.15", () => {
  const scratch = scratchDir("dropin-");
  const launchers: Launcher[] = [];
  const reals: RedisServerProcess[] = [];
  afterAll(async () => {
    for (const node of launchers) await node.kill();
    for (const real of reals) await real.kill();
    scratch.remove();
  });

  it("runs in the caller's process, from a config file with command-line overrides", async () => {
    requireRedisServer();
    const node = await launcher(scratch.dir, "boot", CONFIG);
    launchers.push(node);
    const info = await withClient(node.port, (client) => client.info("server"));
    // exec: the process id the caller holds is the server's own.
    expect(Number(info.process_id)).toBe(node.pid);
    await withClient(node.port, async (client) => {
      // `--port` overrides the file's `port 1`; the file's engine settings are in effect.
      expect(await configValue(client, "repl-diskless-sync-delay")).toBe("0");
      expect(await configValue(client, "port")).toBe(String(node.port));
    });
    const texts = logTexts(node.logPath);
    expect(texts).toContain("Ready to accept connections");
    expect(texts).toContain(`Running mode=standalone, port=${node.port}.`);
    for (const line of readFileSync(node.logPath, "utf8").split("\n").filter((l) => l.includes(":C ") || l.includes(":M "))) {
      expect(Number(LOG_LINE.exec(line)?.[1])).toBe(node.pid);
    }
  }, 60_000);

  it("replicates from a real master and to a real replica, as a real server in its place does", async () => {
    requireRedisServer();
    const master = await RedisServerProcess.start(scratch.dir, "real-master", REAL_OPTIONS);
    reals.push(master);
    const node = launchers[0]!;
    const realReplica = await RedisServerProcess.start(scratch.dir, "real-replica", REAL_OPTIONS);
    reals.push(realReplica);
    const [m, l, r] = await Promise.all([RespClient.connect(master.port), RespClient.connect(node.port), RespClient.connect(realReplica.port)]);
    try {
      for (let i = 0; i < 200; i++) void m.text("SET", `key:${i}`, `value ${i}`);
      await m.text("SET", "ttl", "x", "EX", 1000);
      // A chain: real master -> launcher -> real replica.
      await l.text("REPLICAOF", "127.0.0.1", String(master.port));
      await waitForSamePosition([m, l], 30_000);
      await r.text("REPLICAOF", "127.0.0.1", String(node.port));
      await waitForSamePosition([m, l, r], 30_000);
      for (let i = 0; i < 50; i++) void m.text("INCR", "counter");
      const positions = await waitForSamePosition([m, l, r], 30_000);
      // One history: the same replid and offset on all three.
      expect(new Set(positions.map((p) => p.replid)).size).toBe(1);
      expect(keyspaceDifferences(await dumpKeyspace(m, [0]), await dumpKeyspace(l, [0]))).toEqual([]);
      expect(keyspaceDifferences(await dumpKeyspace(m, [0]), await dumpKeyspace(r, [0]))).toEqual([]);
      expect(await stat(m, "sync_full")).toBe(1);
      expect(await stat(l, "sync_full")).toBe(1);
    } finally {
      m.close();
      l.close();
      r.close();
    }
    // The launcher logged, as a replica, the lines the real replica logged as one.
    const replicaLines = ["Connecting to MASTER", "MASTER <-> REPLICA sync started", "Partial resynchronization not possible (no cached master)", "Full resync from master: ", "MASTER <-> REPLICA sync: Finished with success"];
    expect(matching(logTexts(node.logPath), replicaLines)).toEqual(matching(logTexts(join(realReplica.dir, "log")), replicaLines));
    // And as a master, the lines the real master logged for it.
    const masterLines = ["Replica 127.0.0.1:", "Full resync requested by replica", "Synchronization with replica"];
    expect(matching(logTexts(node.logPath), masterLines)).toEqual(matching(logTexts(join(master.dir, "log")), masterLines));
  }, 120_000);

  it("saves on SHUTDOWN and SIGTERM, loses on kill -9, and loads dump.rdb at start, as a real server does", async () => {
    requireRedisServer();
    const node = await launcher(scratch.dir, "persist", CONFIG);
    launchers.push(node);
    const real = await RedisServerProcess.start(scratch.dir, "real-persist", REAL_OPTIONS);
    reals.push(real);
    const outcomes: Record<"node" | "real", string[]> = { node: [], real: [] };
    const steps = async (who: "node" | "real", port: number, stop: (how: "shutdown" | "sigterm" | "sigkill") => Promise<void>, start: () => Promise<void>): Promise<void> => {
      const keys = async (): Promise<string> => withClient(port, async (client) => `${await client.text("DBSIZE")} ${await client.text("GET", "a")} ${await client.text("GET", "b")} ${await client.text("GET", "c")}`);
      await withClient(port, (client) => client.text("SET", "a", "1"));
      await stop("shutdown");
      outcomes[who].push(existsSync(join(who === "node" ? node.dir : real.dir, "dump.rdb")) ? "dump.rdb written" : "no dump.rdb");
      await start();
      outcomes[who].push(await keys());
      await withClient(port, (client) => client.text("SET", "b", "2"));
      await stop("sigterm");
      await start();
      outcomes[who].push(await keys());
      await withClient(port, (client) => client.text("SET", "c", "3"));
      await stop("sigkill");
      await start();
      outcomes[who].push(await keys());
    };
    await steps(
      "node",
      node.port,
      async (how) => {
        if (how === "shutdown") await withClient(node.port, (client) => client.call("SHUTDOWN").catch(() => undefined));
        else node.signal(how === "sigterm" ? "SIGTERM" : "SIGKILL");
        await node.exited();
      },
      () => node.start(),
    );
    await steps(
      "real",
      real.port,
      async (how) => {
        if (how === "shutdown") await withClient(real.port, (client) => client.call("SHUTDOWN").catch(() => undefined));
        else if (how === "sigterm" && real.pid !== null) process.kill(real.pid, "SIGTERM");
        else await real.kill();
        await waitFor(async () => !(await canReach(real.port)), 20_000, "the real server to exit");
        await real.kill();
      },
      () => real.spawn([]),
    );
    expect(outcomes.node).toEqual(outcomes.real);
    const shutdownLines = ["Received SIGTERM scheduling shutdown...", "User requested shutdown...", "Saving the final RDB snapshot before exiting.", "DB saved on disk", "Redis is now ready to exit, bye bye..."];
    expect(matching(logTexts(node.logPath), shutdownLines)).toEqual(matching(logTexts(join(real.dir, "log")), shutdownLines));
  }, 180_000);

  it("restarted from a CONFIG REWRITE'n replicaof and its dump.rdb, resumes with a partial resync", async () => {
    requireRedisServer();
    const master = reals[0]!;
    const node = launchers[0]!;
    const realReplica = reals[1]!;
    await withClient(realReplica.port, (client) => client.text("REPLICAOF", "127.0.0.1", String(master.port)));
    // The real replica's own resync is done before the master's counters are read.
    const [m0, r0] = await Promise.all([RespClient.connect(master.port), RespClient.connect(realReplica.port)]);
    await waitForSamePosition([m0, r0], 30_000).finally(() => {
      m0.close();
      r0.close();
    });
    const before = await withClient(master.port, (client) => stat(client, "sync_partial_ok"));
    // Both replicas of the real master write replicaof into their config files and restart.
    await withClient(node.port, (client) => client.text("CONFIG", "REWRITE"));
    expect(readFileSync(node.configPath, "utf8")).toMatch(new RegExp(`^replicaof 127\\.0\\.0\\.1 ${master.port}$`, "m"));
    // The lines the lab does not model stay in the file.
    expect(readFileSync(node.configPath, "utf8")).toMatch(/^notify-keyspace-events KEA$/m);
    await withClient(node.port, (client) => client.call("SHUTDOWN").catch(() => undefined));
    await node.exited();
    await withClient(master.port, (client) => client.text("SET", "after", "restart"));
    await node.start();
    const [m, l] = await Promise.all([RespClient.connect(master.port), RespClient.connect(node.port)]);
    try {
      await waitForSamePosition([m, l], 30_000);
      expect(await l.text("GET", "after")).toBe("restart");
      expect((await l.info("replication")).role).toBe("slave");
    } finally {
      m.close();
      l.close();
    }
    const after = await withClient(master.port, (client) => stat(client, "sync_partial_ok"));
    expect(after - before).toBe(1);
    expect(logTexts(node.logPath).some((text) => text.startsWith("Trying a partial resynchronization (request "))).toBe(true);
    expect(logTexts(node.logPath)).toContain("Successful partial resynchronization with master.");
    expect(logTexts(join(master.dir, "log")).some((text) => text.startsWith(`Partial resynchronization request from 127.0.0.1:${node.port} accepted.`))).toBe(true);
  }, 120_000);
});

/** CONFIG GET of one setting: its value, or null. */
async function configValue(client: RespClient, name: string): Promise<string | null> {
  const reply = await client.call("CONFIG", "GET", name);
  if (reply.kind !== "array" || reply.items === null) return null;
  const value = reply.items[1];
  return value?.kind === "bulk" && value.value !== null ? new TextDecoder().decode(value.value) : null;
}

async function canReach(port: number): Promise<boolean> {
  try {
    const client = await RespClient.connect(port);
    client.close();
    return true;
  } catch {
    return false;
  }
}
