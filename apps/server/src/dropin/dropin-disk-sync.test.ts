/**
 * A full sync with a disk target (repl-diskless-sync no), as redis 7.0.15 runs it: the RDB child
 * writes the file (rdb_bgsave_in_progress:1, the replica wait_bgsave); it is collected at a
 * serverCron ("Background saving terminated with success"), the file goes to the replica
 * (send_bulk: held here by a SIGSTOPped replica whose socket stops taking it), and the replica is
 * online once its socket took the last byte ("Synchronization with replica … succeeded"), its
 * stream following at once. Run on bin/replica-lab-server processes and, beside them, on real
 * redis-server 7.0.15 processes doing the same; the expected states and log lines are the real
 * ones, live. Without redis-server installed these tests fail; they never skip.
 */
import { existsSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { scratchDir, waitFor } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";
import { configText, LOG_LINE, replicaStates, requireRedisServer, TestServers, type TestServer } from "./launcher-process.ts";

const SETTINGS = { "repl-ping-replica-period": "3600", "enable-debug-command": "yes", save: "" };
const CONFIG = configText(SETTINGS);
const WAIT_MS = 90_000;

/** The master's lines about the replica's sync and the RDB child (the child's own lines, `pid:C`, are another process's). */
const SYNC_LINES = /^(Replica \S+ asks for synchronization|Full resync requested|Starting BGSAVE for SYNC|Background saving|Synchronization with replica|Connection with replica|SYNC failed)/;

function syncLines(log: string, names: ReadonlyMap<number, string>): string[] {
  const texts: string[] = [];
  for (const line of readLog(log).split("\n")) {
    const match = LOG_LINE.exec(line);
    if (!match || match[2] !== "M" || !SYNC_LINES.test(match[3]!)) continue;
    texts.push(match[3]!.replace(/started by pid \d+/, "started by pid N").replace(/127\.0\.0\.1:(\d+)/g, (_, port: string) => names.get(Number(port)) ?? "?"));
  }
  return texts;
}

function readLog(path: string): string {
  return existsSync(path) ? readFileSync(path, "utf8") : "";
}

/** ROLE's list of replicas (only the online ones, as redis lists them): how many. */
async function roleReplicas(client: RespClient): Promise<number | string> {
  const reply = await client.call("ROLE");
  if (reply.kind !== "array" || reply.items === null) return `not an array: ${reply.kind}`;
  const list = reply.items[2];
  return list?.kind === "array" && list.items !== null ? list.items.length : "no list";
}

async function observe(client: RespClient): Promise<Record<string, unknown>> {
  return { child: (await client.info("persistence")).rdb_bgsave_in_progress, states: await replicaStates(client), role: await roleReplicas(client) };
}

describe("a full sync with a disk target, launcher processes against real redis-server", () => {
  const scratch = scratchDir("dropin-disk-sync-");
  const servers = new TestServers(scratch.dir, CONFIG, SETTINGS);
  afterAll(async () => {
    await servers.stop();
    scratch.remove();
  });
  const start = (kind: "lab" | "real", name: string): Promise<TestServer> => servers.start(kind, name);

  interface Pair {
    readonly rs: TestServer;
    readonly m: RespClient;
    readonly r: RespClient;
    /** The master's sync lines so far. */
    readonly lines: () => string[];
  }

  /**
   * A master (repl-diskless-sync no, `keys` keys of `size` bytes, its child `delayUs` a key) and a
   * replica of it, once attached; `steps` records what it sees, the clients are closed after.
   */
  async function diskPair(kind: "lab" | "real", name: string, keys: number, size: number, delayUs: number, steps: (pair: Pair, seen: Record<string, unknown>) => Promise<void>): Promise<Record<string, unknown>> {
    const ms = await start(kind, `${name}-master`);
    const rs = await start(kind, `${name}-replica`);
    const names = new Map([[rs.port, "replica"]]);
    const [m, r] = await Promise.all([RespClient.connect(ms.port), RespClient.connect(rs.port)]);
    const seen: Record<string, unknown> = {};
    try {
      await m.text("CONFIG", "SET", "repl-diskless-sync", "no");
      await m.text("DEBUG", "POPULATE", keys, "test", size);
      await m.text("CONFIG", "SET", "rdbcompression", "no");
      await m.text("CONFIG", "SET", "rdb-key-save-delay", delayUs);
      await r.text("REPLICAOF", "127.0.0.1", String(ms.port));
      await waitFor(async () => (await replicaStates(m)).length === 1, WAIT_MS, "the replica to attach");
      seen.during = await observe(m);
      await steps({ rs, m, r, lines: () => syncLines(ms.log, names) }, seen);
    } finally {
      m.close();
      r.close();
    }
    return seen;
  }

  /**
   * 20 MB uncompressed, the child 1 ms a key (2 s); the replica is stopped while the child runs,
   * so that after the child is collected the file waits in send_bulk for a socket that takes
   * nothing more, until the replica goes on.
   */
  function sendBulkRun(kind: "lab" | "real"): Promise<Record<string, unknown>> {
    return diskPair(kind, "bulk", 2000, 10_000, 1000, async ({ rs, m, r, lines }, seen) => {
      // Fed after the fork: the replica gets it in its stream once online.
      await m.text("INCR", "after-fork");
      rs.signal("SIGSTOP");
      try {
        await waitFor(async () => (await m.info("persistence")).rdb_bgsave_in_progress === "0", WAIT_MS, "the child to be collected");
        seen.collected = await observe(m);
        seen.logCollected = lines();
      } finally {
        rs.signal("SIGCONT");
      }
      await waitFor(async () => (await replicaStates(m))[0] === "online", WAIT_MS, "the replica to be online");
      seen.online = await observe(m);
      await waitFor(async () => (await r.info("replication")).master_link_status === "up", WAIT_MS, "the replica's link to be up");
      await waitFor(async () => (await r.text("DEBUG", "DIGEST")) === (await m.text("DEBUG", "DIGEST")), WAIT_MS, "the digests to agree");
      seen.replicaCounter = await r.text("GET", "after-fork");
      seen.dbsize = await r.text("DBSIZE");
      seen.log = lines();
    });
  }

  /** The only replica waiting for a disk child (2 ms a key: 4 s) is killed; with no save points the child is killed too. */
  function killRun(kind: "lab" | "real"): Promise<Record<string, unknown>> {
    return diskPair(kind, "kill", 2000, 100, 2000, async ({ rs, m, r, lines }, seen) => {
      r.close();
      await rs.kill();
      await waitFor(async () => (await m.info("persistence")).rdb_bgsave_in_progress === "0", WAIT_MS, "the child to be collected");
      seen.after = await observe(m);
      seen.log = lines();
    });
  }

  it("the child is collected at a serverCron, the file is sent (send_bulk), the replica is online once it took it", async () => {
    requireRedisServer();
    const real = await sendBulkRun("real");
    expect(await sendBulkRun("lab")).toEqual(real);
  }, 400_000);

  it("the replica waiting for the child is killed: the child is killed and collected (signal 10)", async () => {
    requireRedisServer();
    const real = await killRun("real");
    expect(await killRun("lab")).toEqual(real);
  }, 400_000);
});
