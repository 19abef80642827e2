/**
 * client-output-buffer-limit for a replica, the lab beside a real redis-server 7.0.15 pair (issue 12):
 * the replica is stopped (SIGSTOP / freeze), the master is written to past the replica's hard limit;
 * both masters drop the replica with redis's log line, and both replicas come back with a full resync.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { addNode, createLab, haveRedisTools, RedisServerProcess, scratchDir, startApp, waitFor } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";

const LIMIT = "replica 8mb 4mb 60";
const LOG_LINE = /# Client id=\d+ addr=\S+ laddr=\S+ .* flags=S .* omem=\d+ tot-mem=\d+ .* scheduled to be closed ASAP for overcoming of output buffer limits\./;

/** 16 MiB of SETs (1 KiB values over 64 keys), pipelined, replies awaited. */
async function writeSixteenMib(client: RespClient): Promise<void> {
  const value = new Uint8Array(1024).fill(0x77);
  const replies: Promise<unknown>[] = [];
  for (let i = 0; i < 16 * 1024; i++) replies.push(client.call("SET", `k${i % 64}`, value));
  await Promise.all(replies);
}

interface Outcome {
  readonly droppedLine: boolean;
  readonly replicasWhileStopped: string;
  readonly syncFull: string;
  readonly sameOffset: boolean;
}

describe.runIf(haveRedisTools)("a stopped replica over client-output-buffer-limit, lab and redis-server 7.0.15", () => {
  const scratch = scratchDir("obuf-");
  let app: FastifyInstance;
  let master: RedisServerProcess;
  let replica: RedisServerProcess;

  beforeAll(async () => {
    master = await RedisServerProcess.start(scratch.dir, "master", { "repl-timeout": "3600", "repl-diskless-sync-delay": "0" });
    replica = await RedisServerProcess.start(scratch.dir, "replica", { "repl-timeout": "3600" });
    ({ app } = await startApp());
  });

  afterAll(async () => {
    replica.resume();
    await app.close();
    await master.kill();
    await replica.kill();
    scratch.remove();
  });

  async function realRun(): Promise<Outcome> {
    const m = await RespClient.connect(master.port);
    const r = await RespClient.connect(replica.port);
    await m.text("CONFIG", "SET", "client-output-buffer-limit", LIMIT);
    await r.text("REPLICAOF", "127.0.0.1", String(master.port));
    await waitFor(async () => (await r.info("replication")).master_link_status === "up", 10_000, "the real replica's link");
    replica.pause();
    await writeSixteenMib(m);
    const log = (): string => readFileSync(join(master.dir, "log"), "utf8");
    await waitFor(() => LOG_LINE.test(log()), 10_000, "the real master's log line");
    const replicasWhileStopped = (await m.info("replication")).connected_slaves!;
    replica.resume();
    await waitFor(async () => (await r.info("replication")).master_link_status === "up", 20_000, "the real replica back");
    await waitFor(async () => (await m.info("replication")).master_repl_offset === (await r.info("replication")).master_repl_offset, 20_000, "same offsets");
    const outcome = { droppedLine: true, replicasWhileStopped, syncFull: (await m.info("stats")).sync_full!, sameOffset: true };
    m.close();
    r.close();
    return outcome;
  }

  async function labRun(): Promise<Outcome> {
    const lab = await createLab(app);
    const a = await addNode(app, lab.id, { name: "A", config: { "repl-timeout": 3600, "repl-diskless-sync-delay": 0 } });
    const b = await addNode(app, lab.id, { name: "B", config: { "repl-timeout": 3600 } });
    const m = await RespClient.connect(a.respPort!);
    const r = await RespClient.connect(b.respPort!);
    await m.text("CONFIG", "SET", "client-output-buffer-limit", LIMIT);
    await r.text("REPLICAOF", "127.0.0.1", String(a.respPort));
    await waitFor(async () => (await r.info("replication")).master_link_status === "up", 10_000, "the lab replica's link");
    expect((await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/B/freeze` })).statusCode).toBe(200);
    await writeSixteenMib(m);
    const runtime = app.labs.get(lab.id);
    const line = (): string | undefined =>
      runtime.lab.events().find((e) => e.detail.kind === "warning" && e.detail.code === "client-output-buffer-limit")?.detail.message;
    await waitFor(() => line() !== undefined, 10_000, "the lab master's warning");
    expect(`# ${line()!.slice(line()!.indexOf("Client id="))}`).toMatch(LOG_LINE);
    const replicasWhileStopped = (await m.info("replication")).connected_slaves!;
    expect((await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/B/thaw` })).statusCode).toBe(200);
    await waitFor(async () => (await r.info("replication")).master_link_status === "up", 20_000, "the lab replica back");
    await waitFor(async () => (await m.info("replication")).master_repl_offset === (await r.info("replication")).master_repl_offset, 20_000, "same offsets");
    const outcome = { droppedLine: true, replicasWhileStopped, syncFull: (await m.info("stats")).sync_full!, sameOffset: true };
    m.close();
    r.close();
    return outcome;
  }

  it("a normal client over `normal 1mb 0 0` that does not read: both close it", async () => {
    const lab = await createLab(app);
    const port = (await addNode(app, lab.id)).respPort!;
    for (const target of [master.port, port]) {
      const client = await RespClient.connect(target);
      await client.text("CONFIG", "SET", "client-output-buffer-limit", "normal 1mb 0 0");
      await client.text("SET", "v", new Uint8Array(100 * 1024));
      const greedy = new Socket();
      let closed = false;
      greedy.on("error", () => undefined);
      greedy.on("close", () => (closed = true));
      await new Promise<void>((resolve) => greedy.connect(target, "127.0.0.1", resolve));
      greedy.pause();
      greedy.write("GET v\r\n".repeat(400));
      await waitFor(() => closed, 10_000, `the close on ${target}`);
      greedy.destroy();
      // The client that set the limit is still served.
      expect(await client.text("PING")).toBe("PONG");
      await client.text("CONFIG", "SET", "client-output-buffer-limit", "normal 0 0 0");
      client.close();
    }
  });

  it("both masters drop the replica with redis's line; both replicas come back with a full resync", async () => {
    const real = await realRun();
    const lab = await labRun();
    expect(lab).toEqual(real);
    expect(real).toEqual({ droppedLine: true, replicasWhileStopped: "0", syncFull: "2", sameOffset: true });
  }, 90_000);
});
