/**
 * Interop with real redis-server 7.0.15 over real TCP, in both directions:
 *
 * - outbound: a lab node given `REPLICAOF 127.0.0.1 <real port>` connects through the server's
 *   socket adapter, full-syncs (diskless `$EOF:` RDB with int-encoded and LZF strings, expiries,
 *   several dbs), applies the stream, resyncs partially after `CLIENT KILL TYPE master`, and fully
 *   after the real master's backlog is outrun while the lab node is frozen;
 * - inbound: a real redis-server given `REPLICAOF 127.0.0.1 <lab node port>` gets a valid RDB v10
 *   and the stream from the lab node, with the same partial and full resyncs (the real replica is
 *   stopped with SIGSTOP instead of frozen).
 *
 * Each check compares the two servers directly: DBSIZE, every key's value and TTL, replid and
 * master_repl_offset, and the sync counters of the master. Real servers run on free loopback ports
 * and are stopped by PID. Without redis-server installed these tests fail; they never skip.
 */
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { NodeSnapshot } from "@replica-lab/engine";
import type { LabEvent } from "@replica-lab/protocol";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addNode, createLab, haveRedisTools, RedisServerProcess, scratchDir, startApp, waitFor } from "../testing/helpers.ts";
import { dumpKeyspace, keyspaceDifferences, RespClient, stat, waitForSamePosition } from "../testing/resp-client.ts";

/** Cron PINGs off (offsets then move only with writes), no diskless delay (the 5 s wait is not the point here). */
const REAL_CONFIG = { "repl-diskless-sync-delay": "0", "repl-ping-replica-period": "3600" };
const LAB_CONFIG = { "repl-diskless-sync-delay": 0, "repl-ping-replica-period": 3600 };
/** The dbs the data lives in (db 9 holds types the lab does not model, outbound only). */
const DBS = [0, 3];

function requireRedisServer(): void {
  if (!haveRedisTools) throw new Error("redis-server and redis-cli 7.0 must be installed (Debian packages redis-server, redis-tools; .ci/run installs them)");
}

/** Strings in every RDB encoding: int-encoded (8, 16, 32 bit), beyond int32, LZF-compressible, binary, empty; TTLs; two dbs. */
async function seed(client: RespClient): Promise<void> {
  const writes: Promise<string>[] = [];
  const w = (...args: (string | number | Uint8Array)[]): void => {
    writes.push(client.text(...args));
  };
  w("SET", "str", "hello world");
  w("SET", "int:8", "7");
  w("SET", "int:neg", "-5");
  w("SET", "int:16", "12345");
  w("SET", "int:32", "2147483647");
  w("SET", "int:64", "9007199254740993");
  w("SET", "int:lead0", "007");
  w("SET", "lzf:long", "abcdefgh".repeat(4096));
  w("SET", "lzf:short", "y".repeat(21));
  w("SET", "bin", Uint8Array.from({ length: 256 }, (_, i) => i));
  w("SET", "empty", "");
  w("SET", "ttl:ex", "expires", "EX", 1000);
  w("SET", "ttl:px", "expires", "PX", 5_000_000);
  w("SET", "ttl:int", "42", "EX", 2000);
  w("SET", "ttl:lzf", "z".repeat(300), "EX", 3000);
  for (let i = 0; i < 300; i++) w("SET", `bulk:${i}`, `value-${i}-`.repeat(10));
  w("SELECT", 3);
  w("SET", "db3:a", "in db 3");
  w("SET", "db3:ttl", "x", "EX", 1500);
  w("SELECT", 0);
  await Promise.all(writes);
}

/** Writes after the link is up: they reach the replica through the stream. */
async function streamWrites(client: RespClient, tag: string): Promise<void> {
  await Promise.all([
    client.text("INCR", "int:16"),
    client.text("APPEND", "str", ` ${tag}`),
    client.text("SET", `new:${tag}`, "abc".repeat(100)),
    client.text("EXPIRE", "str", 3000),
    client.text("DEL", `bulk:${tag.length}`),
    client.text("MSET", `m1:${tag}`, "1", `m2:${tag}`, "-200"),
    client.text("SET", `px:${tag}`, "v", "PX", 900_000),
    client.text("SELECT", 3),
    client.text("SET", `db3:${tag}`, "stream"),
    client.text("SELECT", 0),
  ]);
}

/** 150 KiB of writes: more than a 16 KiB backlog can hold. */
async function outrunBacklog(client: RespClient): Promise<void> {
  const value = "b".repeat(1024);
  await Promise.all(Array.from({ length: 150 }, (_, i) => client.text("SET", `outrun:${i}`, value)));
}

async function expectSameData(master: RespClient, replica: RespClient): Promise<void> {
  for (const db of DBS) {
    await Promise.all([master.text("SELECT", db), replica.text("SELECT", db)]);
    expect(await replica.text("DBSIZE"), `DBSIZE of db ${db}`).toBe(await master.text("DBSIZE"));
  }
  await Promise.all([master.text("SELECT", 0), replica.text("SELECT", 0)]);
  expect(keyspaceDifferences(await dumpKeyspace(master, DBS), await dumpKeyspace(replica, DBS))).toEqual([]);
}

async function linkUp(client: RespClient): Promise<boolean> {
  return (await client.info("replication")).master_link_status === "up";
}

async function integer(client: RespClient, ...args: string[]): Promise<number> {
  const reply = await client.call(...args);
  if (reply.kind !== "integer") throw new Error(`${args.join(" ")}: ${JSON.stringify(reply)}`);
  return reply.value;
}

describe("a lab node replicating from a real redis-server 7.0.15 (outbound TCP)", () => {
  let app: FastifyInstance;
  let scratch: ReturnType<typeof scratchDir> | undefined;
  let real: RedisServerProcess | undefined;
  let labId = "";
  let node: NodeSnapshot;
  let master: RespClient;
  let replica: RespClient;

  const post = async (path: string): Promise<void> => {
    const response = await app.inject({ method: "POST", url: `/api/labs/${labId}/nodes/${node.id}/${path}` });
    expect(response.statusCode, response.body).toBe(200);
  };

  beforeAll(async () => {
    requireRedisServer();
    scratch = scratchDir("replica-lab-outbound-");
    ({ app } = await startApp());
    real = await RedisServerProcess.start(scratch.dir, "master", REAL_CONFIG);
    labId = (await createLab(app, { name: "outbound" })).id;
    node = await addNode(app, labId, { name: "L", config: LAB_CONFIG });
    master = await RespClient.connect(real.port);
    replica = await RespClient.connect(node.respPort!);
    await seed(master);
    // A type the lab does not model (streams), in a db of its own.
    await Promise.all([master.text("SELECT", 9), master.text("XADD", "s1", "*", "f", "v"), master.text("XADD", "s2", "*", "f", "v"), master.text("SELECT", 0)]);
  });

  afterAll(async () => {
    master?.close();
    replica?.close();
    await real?.kill();
    await app?.close();
    scratch?.remove();
  });

  it("full sync: link up, same DBSIZE, values and TTLs, same master_replid and master_repl_offset", async () => {
    expect(await replica.text("REPLICAOF", "127.0.0.1", String(real!.port))).toBe("OK");
    await waitFor(() => linkUp(replica), 10_000, "the lab node's link to the real master");
    expect(await stat(master, "sync_full")).toBe(1);
    await streamWrites(master, "first");
    const [m, r] = await waitForSamePosition([master, replica]);
    expect(r!.replid).toBe(m!.replid);
    expect(r!.offset).toBe(m!.offset);
    expect(m!.offset).toBeGreaterThan(0);
    await expectSameData(master, replica);
    // The real master lists the lab node under its real port, online.
    expect((await master.info("replication")).slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${node.respPort},state=online,`));
    // WAIT makes the real master send REPLCONF GETACK; the lab node's ACK answers it.
    await master.text("SET", "acked", "1");
    expect(await integer(master, "WAIT", "1", "5000")).toBe(1);
  });

  it("reports the keys and commands of types it does not model yet (events and INFO), instead of dropping them silently", async () => {
    const persistence = await replica.info("persistence");
    expect(persistence.lab_rdb_last_load_keys_unsupported).toBe("2");
    // The same types in the stream: the commands fail here, are counted and reported, and the
    // offsets stay equal.
    await Promise.all([master.text("SELECT", 9), master.text("XADD", "s1", "*", "f", "w"), master.text("XADD", "s2", "*", "f", "w"), master.text("XGROUP", "CREATE", "s1", "g", "$"), master.text("SELECT", 0)]);
    await waitForSamePosition([master, replica]);
    expect((await replica.info("stats")).unexpected_error_replies).toBe("3");
    const response = await app.inject({ method: "GET", url: `/api/labs/${labId}/events` });
    const events = response.json<{ events: LabEvent[] }>().events;
    const warning = events.find((e) => e.detail.kind === "warning" && e.detail.code === "rdb-unsupported-types");
    expect(warning?.message).toContain("stream:s1");
    expect(warning?.message).toContain("stream:s2");
    const failed = events.filter((e) => e.detail.kind === "warning" && e.detail.code === "master-command-failed").map((e) => e.message);
    expect(failed).toHaveLength(2);
    expect(failed[0]).toContain("the master's XADD failed here");
    expect(failed[1]).toContain("the master's XGROUP failed here");
  });

  it("partial resync after CLIENT KILL TYPE master on the lab node: the real master's sync_partial_ok grows", async () => {
    const partialBefore = await stat(master, "sync_partial_ok");
    const fullBefore = await stat(master, "sync_full");
    expect(await integer(replica, "CLIENT", "KILL", "TYPE", "master")).toBe(1);
    await streamWrites(master, "second");
    await waitFor(async () => (await stat(master, "sync_partial_ok")) === partialBefore + 1, 10_000, "a partial resync");
    await waitForSamePosition([master, replica]);
    expect(await stat(master, "sync_full")).toBe(fullBefore);
    await expectSameData(master, replica);
  });

  it("full resync after the backlog is outrun while the lab node is frozen and its link killed", async () => {
    await master.text("CONFIG", "SET", "repl-backlog-size", "16384");
    const fullBefore = await stat(master, "sync_full");
    const errBefore = await stat(master, "sync_partial_err");
    await post("freeze");
    expect(await integer(master, "CLIENT", "KILL", "TYPE", "replica")).toBe(1);
    await outrunBacklog(master);
    await streamWrites(master, "third");
    await post("thaw");
    await waitFor(async () => (await stat(master, "sync_full")) === fullBefore + 1, 10_000, "a full resync");
    // The lab node asked to continue its history; the offset was no longer in the backlog.
    expect(await stat(master, "sync_partial_err")).toBe(errBefore + 1);
    await waitForSamePosition([master, replica]);
    await expectSameData(master, replica);
  });

  it("a disk-based full sync ($len, repl-diskless-sync no) and a diskless one that waits (keep-alive newlines)", async () => {
    const runs = [
      { config: ["repl-diskless-sync", "no"], mode: "disk" },
      { config: ["repl-diskless-sync", "yes", "repl-diskless-sync-delay", "2"], mode: "diskless" },
    ] as const;
    for (const [i, run] of runs.entries()) {
      await master.text("CONFIG", "SET", ...run.config);
      const second = await addNode(app, labId, { name: `L${i + 2}`, config: LAB_CONFIG });
      const client = await RespClient.connect(second.respPort!);
      try {
        const fullBefore = await stat(master, "sync_full");
        await client.text("REPLICAOF", "127.0.0.1", String(real!.port));
        await waitFor(() => linkUp(client), 15_000, `a ${run.mode} sync`);
        expect(await stat(master, "sync_full")).toBe(fullBefore + 1);
        const events = (await app.inject({ method: "GET", url: `/api/labs/${labId}/events` })).json<{ events: LabEvent[] }>().events;
        const loaded = events.filter((e) => e.nodeId === second.id && e.detail.kind === "rdb");
        expect(loaded.map((e) => (e.detail.kind === "rdb" ? e.detail.mode : ""))).toEqual([run.mode]);
        await streamWrites(master, `second-${run.mode}`);
        await waitForSamePosition([master, replica, client]);
        await expectSameData(master, client);
      } finally {
        client.close();
      }
    }
  });
});

describe("a real redis-server 7.0.15 replicating from a lab node (inbound, through its RESP port)", () => {
  let app: FastifyInstance;
  let scratch: ReturnType<typeof scratchDir> | undefined;
  let real: RedisServerProcess | undefined;
  let labId = "";
  let node: NodeSnapshot;
  let master: RespClient;
  let replica: RespClient;

  beforeAll(async () => {
    requireRedisServer();
    scratch = scratchDir("replica-lab-inbound-");
    ({ app } = await startApp());
    real = await RedisServerProcess.start(scratch.dir, "replica", REAL_CONFIG);
    labId = (await createLab(app, { name: "inbound" })).id;
    node = await addNode(app, labId, { name: "M", config: LAB_CONFIG });
    master = await RespClient.connect(node.respPort!);
    replica = await RespClient.connect(real.port);
    await seed(master);
  });

  afterAll(async () => {
    master?.close();
    replica?.close();
    real?.resume();
    await real?.kill();
    await app?.close();
    scratch?.remove();
  });

  it("full sync: a valid RDB v10, link up, same DBSIZE, values and TTLs, same master_replid and master_repl_offset", async () => {
    expect(await replica.text("REPLICAOF", "127.0.0.1", String(node.respPort))).toBe("OK");
    await waitFor(() => linkUp(replica), 10_000, "the real replica's link to the lab node");
    expect(await stat(master, "sync_full")).toBe(1);
    await streamWrites(master, "first");
    const [m, r] = await waitForSamePosition([master, replica]);
    expect(r!.replid).toBe(m!.replid);
    expect(r!.offset).toBe(m!.offset);
    expect(m!.offset).toBeGreaterThan(0);
    await expectSameData(master, replica);

    // The real replica kept the RDB it loaded (disk-load mode): redis's own checker accepts it,
    // checksum included.
    const rdb = readFileSync(join(real!.dir, "dump.rdb"));
    expect(rdb.subarray(0, 9).toString("latin1")).toBe("REDIS0010");
    const check = await new Promise<string>((resolve, reject) => {
      execFile("redis-check-rdb", [join(real!.dir, "dump.rdb")], { timeout: 15_000 }, (error, stdout) => (error ? reject(new Error(`${error.message}\n${stdout}`)) : resolve(stdout)));
    });
    expect(check).toContain("RDB looks OK!");
    expect(check).not.toContain("CRC64 checksum is 0");
    expect(check).toMatch(/Checksum OK/);
    expect((await master.info("replication")).slave0).toMatch(new RegExp(`^ip=127\\.0\\.0\\.1,port=${real!.port},state=online,`));
    // WAIT on the lab master: its GETACK goes to the real replica, whose ACK answers it.
    await master.text("SET", "acked", "1");
    expect(await integer(master, "WAIT", "1", "5000")).toBe(1);
  });

  it("partial resync after CLIENT KILL TYPE master on the real replica: the lab master's sync_partial_ok grows", async () => {
    const partialBefore = await stat(master, "sync_partial_ok");
    const fullBefore = await stat(master, "sync_full");
    expect(await integer(replica, "CLIENT", "KILL", "TYPE", "master")).toBe(1);
    await streamWrites(master, "second");
    await waitFor(async () => (await stat(master, "sync_partial_ok")) === partialBefore + 1, 10_000, "a partial resync");
    await waitForSamePosition([master, replica]);
    expect(await stat(master, "sync_full")).toBe(fullBefore);
    await expectSameData(master, replica);
  });

  it("full resync after the backlog is outrun while the real replica is stopped (SIGSTOP) and its link killed", async () => {
    await master.text("CONFIG", "SET", "repl-backlog-size", "16384");
    const fullBefore = await stat(master, "sync_full");
    const errBefore = await stat(master, "sync_partial_err");
    real!.pause();
    try {
      expect(await integer(master, "CLIENT", "KILL", "TYPE", "replica")).toBe(1);
      await outrunBacklog(master);
      await streamWrites(master, "third");
    } finally {
      real!.resume();
    }
    await waitFor(async () => (await stat(master, "sync_full")) === fullBefore + 1, 10_000, "a full resync");
    expect(await stat(master, "sync_partial_err")).toBe(errBefore + 1);
    await waitForSamePosition([master, replica]);
    await expectSameData(master, replica);
  });

  it("a second real replica: a disk-based full sync ($len) and a diskless one that waits (keep-alive newlines)", async () => {
    const second = await RedisServerProcess.start(scratch!.dir, "second", REAL_CONFIG);
    const client = await RespClient.connect(second.port);
    try {
      const runs = [
        { config: ["repl-diskless-sync", "no"], mode: "disk" },
        { config: ["repl-diskless-sync", "yes", "repl-diskless-sync-delay", "2"], mode: "diskless" },
      ] as const;
      for (const run of runs) {
        await master.text("CONFIG", "SET", ...run.config);
        const fullBefore = await stat(master, "sync_full");
        const eventsBefore = (await app.inject({ method: "GET", url: `/api/labs/${labId}/events` })).json<{ lastEventSeq: number }>().lastEventSeq;
        // A replica that was a master asks for its own history, unknown here: a full sync.
        await client.text("REPLICAOF", "NO", "ONE");
        await client.text("REPLICAOF", "127.0.0.1", String(node.respPort));
        await waitFor(() => linkUp(client), 15_000, `a ${run.mode} sync`);
        expect(await stat(master, "sync_full")).toBe(fullBefore + 1);
        const events = (await app.inject({ method: "GET", url: `/api/labs/${labId}/events?after=${eventsBefore}` })).json<{ events: LabEvent[] }>().events;
        const sent = events.filter((e) => e.detail.kind === "rdb" && e.detail.side === "master");
        expect(sent.map((e) => (e.detail.kind === "rdb" ? e.detail.mode : ""))).toEqual([run.mode]);
        await streamWrites(master, `second-${run.mode}`);
        await waitForSamePosition([master, replica, client]);
        await expectSameData(master, client);
      }
    } finally {
      client.close();
      await second.kill();
    }
  });
});
