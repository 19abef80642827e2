/**
 * A replica loading its master's RDB (replication.tcl's "Diskless load swapdb" tests, and a disk
 * load slowed by key-load-delay): INFO loading / async_loading and the loading_* fields, -LOADING
 * for what loading forbids, the old data served during async loading and kept when the load
 * fails, and the log lines. Run on bin/replica-lab-server processes and, beside them, on real
 * redis-server 7.0.15 processes doing the same; the expected figures are the real ones, live.
 * Without redis-server installed these tests fail; they never skip.
 */
import { afterAll, describe, expect, it } from "vitest";
import { scratchDir, waitFor } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";
import type { Reply } from "@replica-lab/engine";
import { answer, logTexts, TestServers, type TestServer, requireRedisServer } from "./launcher-process.ts";

/** Replies come only between load steps: one step per KiB keeps the probes prompt on a real server. */
const SETTINGS = { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600", "enable-debug-command": "yes", "loading-process-events-interval-bytes": "1024" };
const CONFIG = `${Object.entries(SETTINGS)
  .map(([name, value]) => `${name} ${value}`)
  .join("\n")}\nsave ""\nloglevel notice\n`;
const LOAD_MS = 60_000;

/** A bulk string item of an array reply, as text. */
function bulkText(reply: Reply | undefined): string {
  return reply?.kind === "bulk" && reply.value !== null ? Buffer.from(reply.value).toString("utf8") : "?";
}

/** INFO persistence's loading flags, and whether the loading_* fields are shown. */
async function loadingFlags(client: RespClient): Promise<Record<string, string | boolean>> {
  const info = await client.info("persistence");
  return { loading: info.loading ?? "?", async: info.async_loading ?? "?", fields: "loading_loaded_bytes" in info && "loading_eta_seconds" in info };
}

/** Replica log lines about loading (what redis's tests wait for), in order. */
const LOAD_LINES = /^(MASTER <-> REPLICA sync: (receiving|Flushing|Loading|Swapping|Discarding|Finished)|Done loading RDB|Failed trying to load)/;

function loadLines(log: string): string[] {
  return logTexts(log)
    .filter((text) => LOAD_LINES.test(text))
    .map((text) => text.replace(/receiving \d+ bytes/, "receiving N bytes").replace(/: [^:]*$/, (tail) => (text.startsWith("Failed") ? ": …" : tail)));
}

describe("a replica loading its master's RDB, launcher processes against real redis-server", () => {
  const scratch = scratchDir("dropin-loading-");
  const servers = new TestServers(scratch.dir, CONFIG, SETTINGS);
  afterAll(async () => {
    await servers.stop();
    scratch.remove();
  });
  const start = (kind: "lab" | "real", name: string): Promise<TestServer> => servers.start(kind, name);

  /** Starts a master and a replica of a kind, runs `steps` on clients of both, and adds the replica's loading log lines. */
  async function onPair(
    kind: "lab" | "real",
    name: string,
    steps: (m: RespClient, r: RespClient, masterPort: number, seen: Record<string, unknown>) => Promise<void>,
  ): Promise<Record<string, unknown>> {
    const [ms, rs] = [await start(kind, `${name}-master`), await start(kind, `${name}-replica`)];
    const [m, r] = await Promise.all([RespClient.connect(ms.port), RespClient.connect(rs.port)]);
    const seen: Record<string, unknown> = {};
    try {
      await steps(m, r, ms.port, seen);
    } finally {
      m.close();
      r.close();
    }
    seen.log = loadLines(rs.log);
    return seen;
  }

  /**
   * "Diskless load swapdb (different replid)", aborted: loading:1 (not async: the replica's id is
   * not the master's), -LOADING for keys and for CONFIG SET repl-diskless-load; the master drops
   * the replica mid-load and the old data is back.
   */
  function swapdbAborted(kind: "lab" | "real"): Promise<Record<string, unknown>> {
    return onPair(kind, "swap", async (m, r, masterPort, seen) => {
      await m.text("CONFIG", "SET", "repl-diskless-sync", "yes");
      await m.text("CONFIG", "SET", "rdbcompression", "no");
      await r.text("CONFIG", "SET", "repl-diskless-load", "swapdb");
      await r.text("DEBUG", "POPULATE", 20, "slave", 10);
      await r.text("SET", "mykey", "myvalue");
      await m.text("DEBUG", "POPULATE", 40, "master", 100_000);
      // 100 ms a key: four seconds of transfer, loaded as it comes.
      await m.text("CONFIG", "SET", "rdb-key-save-delay", 100_000);
      await r.text("REPLICAOF", "127.0.0.1", String(masterPort));
      await waitFor(async () => (await r.info("persistence")).loading === "1", LOAD_MS, "the replica to load");
      const probes = await Promise.all([loadingFlags(r), answer(r, "GET", "mykey"), answer(r, "DBSIZE"), answer(r, "CONFIG", "SET", "repl-diskless-load", "swapdb"), r.call("ROLE"), r.info("replication")]);
      const [flags, get, dbsize, configSet, role, replication] = probes;
      seen.during = { flags, get, dbsize, configSet, roleState: role.kind === "array" && role.items !== null ? bulkText(role.items[3]) : "?", syncReadBytes: replication.master_sync_read_bytes };
      await m.text("CONFIG", "SET", "repl-diskless-sync-delay", 5);
      await m.text("CLIENT", "KILL", "TYPE", "replica");
      await waitFor(async () => (await r.info("persistence")).loading === "0", LOAD_MS, "the load to fail");
      seen.after = { flags: await loadingFlags(r), get: await answer(r, "GET", "mykey"), dbsize: await answer(r, "DBSIZE") };
      await m.text("CONFIG", "SET", "rdb-key-save-delay", 0);
    });
  }

  /**
   * "Diskless load swapdb (async_loading)", successful: a full sync with the master's own replid
   * (the backlog overflowed) loads beside the old data, which keeps serving reads and writes;
   * REPLICAOF and CONFIG SET appendonly are refused with -LOADING; the new data replaces it.
   */
  function asyncLoading(kind: "lab" | "real"): Promise<Record<string, unknown>> {
    return onPair(kind, "async", async (m, r, masterPort, seen) => {
      await m.text("CONFIG", "SET", "repl-diskless-sync", "yes");
      await r.text("CONFIG", "SET", "repl-diskless-load", "swapdb");
      await r.text("CONFIG", "SET", "replica-read-only", "no");
      await r.text("REPLICAOF", "127.0.0.1", String(masterPort));
      await waitFor(async () => (await r.info("replication")).master_link_status === "up", LOAD_MS, "the first sync");
      await r.text("DEBUG", "POPULATE", 20, "slave", 10);
      await m.text("DEBUG", "POPULATE", 40, "master", 100_000);
      await m.text("CONFIG", "SET", "rdbcompression", "no");
      await r.text("SET", "mykey", "myvalue");
      await m.text("CONFIG", "SET", "rdb-key-save-delay", 100_000);
      // The replica loses its link and the backlog forgets what it missed: a full sync, same replid.
      const big = "A".repeat(16_384);
      const replies = [m.text("MULTI"), m.call("CLIENT", "KILL", "TYPE", "replica"), m.text("CONFIG", "SET", "repl-backlog-size", 16_384)];
      for (let i = 0; i < 10; i++) replies.push(m.text("SET", `big:${i}`, big));
      await Promise.all([...replies, m.call("EXEC")]);
      await waitFor(async () => (await r.info("persistence")).async_loading === "1", LOAD_MS, "the replica to load asynchronously");
      const [flags, get, dbsize, ping, setOwn, configSet, replicaof] = await Promise.all([
        loadingFlags(r),
        answer(r, "GET", "mykey"),
        answer(r, "DBSIZE"),
        answer(r, "PING"),
        answer(r, "SET", "own", "1"),
        answer(r, "CONFIG", "SET", "appendonly", "no"),
        answer(r, "REPLICAOF", "NO", "ONE"),
      ]);
      seen.during = { flags, get, dbsize, ping, setOwn, configSet, replicaof };
      await m.text("CONFIG", "SET", "rdb-key-save-delay", 0);
      await waitFor(async () => (await r.info("replication")).master_link_status === "up", LOAD_MS, "the load to end");
      seen.after = { flags: await loadingFlags(r), get: await answer(r, "GET", "mykey"), own: await answer(r, "GET", "own"), dbsize: await answer(r, "DBSIZE") };
    });
  }

  /** A disk load (repl-diskless-load disabled) that key-load-delay makes last: loading:1 after the transfer, then the data. */
  function slowDiskLoad(kind: "lab" | "real"): Promise<Record<string, unknown>> {
    return onPair(kind, "disk", async (m, r, masterPort, seen) => {
      await m.text("CONFIG", "SET", "repl-diskless-sync", "no");
      // Uncompressed, so that a step of 1 KiB is about a key and the probes are answered mid-load.
      await m.text("CONFIG", "SET", "rdbcompression", "no");
      await m.text("DEBUG", "POPULATE", 40, "master", 1000);
      await r.text("SET", "mykey", "myvalue");
      // 100 ms a key: four seconds of loading once the file is in.
      await r.text("CONFIG", "SET", "key-load-delay", 100_000);
      // Hidden, as in redis: only its exact name shows it.
      seen.hidden = [await r.text("CONFIG", "GET", "key-load-delay"), await r.text("CONFIG", "GET", "key-load*")];
      await r.text("REPLICAOF", "127.0.0.1", String(masterPort));
      await waitFor(async () => (await r.info("persistence")).loading === "1", LOAD_MS, "the replica to load");
      const [flags, get, ping, info] = await Promise.all([loadingFlags(r), answer(r, "GET", "mykey"), answer(r, "PING"), r.info("persistence")]);
      seen.during = { flags, get, ping, totalIsFileSize: Number(info.loading_total_bytes) > 1000 };
      await waitFor(async () => (await r.info("replication")).master_link_status === "up", LOAD_MS, "the load to end");
      seen.after = { flags: await loadingFlags(r), get: await answer(r, "GET", "mykey"), dbsize: await answer(r, "DBSIZE") };
    });
  }

  it("swapdb with another replid: loading, -LOADING, the old data back when the load fails", async () => {
    requireRedisServer();
    const real = await swapdbAborted("real");
    expect(await swapdbAborted("lab")).toEqual(real);
  }, 240_000);

  it("swapdb with the master's replid: async loading serves the old data, then swaps", async () => {
    requireRedisServer();
    const real = await asyncLoading("real");
    expect(await asyncLoading("lab")).toEqual(real);
  }, 240_000);

  it("a disk load made slow by key-load-delay", async () => {
    requireRedisServer();
    const real = await slowDiskLoad("real");
    expect(await slowDiskLoad("lab")).toEqual(real);
  }, 240_000);
});
