/**
 * Issue 12, memory: each lab has a memory budget counting what it really holds (keys, client
 * buffers, backlogs, bytes between nodes), enforced as redis enforces maxmemory (`-OOM`, evictions)
 * and client limits; the process as a whole stays within its ceiling and recovers as soon as what
 * filled it is gone. Over real sockets, with a real redis-server 7.0.15 for the texts where installed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { addNode, createLab, haveRedisTools, parseInfo, RedisServerProcess, redisCli, scratchDir, startApp, waitFor } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";

const MIB = 1024 * 1024;
const OOM = "OOM command not allowed when used memory > 'maxmemory'.";

/** SETs 256 KiB values under fresh keys until the node refuses one; returns the error and how many went in. */
async function fillUntilRefused(client: RespClient, prefix: string, max = 400): Promise<{ error: string; stored: number }> {
  const value = new Uint8Array(256 * 1024).fill(0x78);
  for (let i = 0; i < max; i++) {
    const reply = await client.call("SET", `${prefix}:${i}`, value);
    if (reply.kind === "error") return { error: reply.message, stored: i };
  }
  return { error: "", stored: max };
}

describe("a lab's memory budget", () => {
  let app: FastifyInstance;
  let labId: string;
  let a: number;
  let b: number;
  let elsewhere: number;

  beforeAll(async () => {
    ({ app } = await startApp({ limits: { labMemoryBytes: 24 * MIB } }));
    const lab = await createLab(app);
    labId = lab.id;
    a = (await addNode(app, lab.id, { name: "A" })).respPort!;
    b = (await addNode(app, lab.id, { name: "B" })).respPort!;
    const other = await createLab(app);
    elsewhere = (await addNode(app, other.id)).respPort!;
  });

  afterAll(async () => {
    await app.close();
  });

  it("counts values by their bytes: a full lab refuses writes with redis's OOM error, on every node, and only in that lab", async () => {
    const client = await RespClient.connect(a);
    const { error, stored } = await fillUntilRefused(client, "a");
    expect(error).toBe(OOM);
    // About 24 MiB of 256 KiB values, less what the nodes themselves take.
    expect(stored).toBeGreaterThan(60);
    expect(stored).toBeLessThan(96);
    const memory = app.labs.get(labId).lab.memory();
    expect(memory.machineBytes).toBeLessThan(memory.limitBytes + MIB);
    // The other node of the lab shares the machine.
    const other = await RespClient.connect(b);
    expect((await other.call("SET", "b", new Uint8Array(300 * 1024))).kind).toBe("error");
    // Reads and deletes still work (they are not denyoom), and free the memory.
    expect(await client.text("STRLEN", "a:0")).toBe(String(256 * 1024));
    expect(await client.text("FLUSHALL")).toBe("OK");
    expect(await other.text("SET", "b", "fits again")).toBe("OK");
    // Another lab was never affected.
    expect(await redisCli(elsewhere, "SET", "k", "v")).toBe("OK");
    client.close();
    other.close();
  });

  it("INFO memory reports what the node holds; maxmemory and its policy as configured", async () => {
    const client = await RespClient.connect(a);
    const before = Number((await client.info("memory")).used_memory);
    await client.text("SET", "mb", new Uint8Array(MIB));
    const info = await client.info("memory");
    expect(Number(info.used_memory) - before).toBeGreaterThanOrEqual(MIB);
    expect(info.maxmemory).toBe("0");
    expect(info.maxmemory_policy).toBe("noeviction");
    await client.text("CONFIG", "SET", "maxmemory", "2mb", "maxmemory-policy", "allkeys-random");
    const after = await client.info("memory");
    expect(after.maxmemory).toBe(String(2 * MIB));
    expect(after.maxmemory_human).toBe("2.00M");
    expect(after.maxmemory_policy).toBe("allkeys-random");
    // With an eviction policy, writes go on and older keys make room.
    for (let i = 0; i < 8; i++) expect(await client.text("SET", `r${i}`, new Uint8Array(512 * 1024))).toBe("OK");
    const stats = await client.info("stats");
    expect(Number(stats.evicted_keys)).toBeGreaterThan(0);
    expect(Number((await client.info("memory")).used_memory)).toBeLessThan(2 * MIB + 600 * 1024);
    await client.text("CONFIG", "SET", "maxmemory", "0", "maxmemory-policy", "noeviction");
    await client.text("FLUSHALL");
    client.close();
  });
});

describe("the server's memory ceiling", () => {
  it("is reached by what labs hold, refuses new work, and recovers the moment the client holding it is gone", async () => {
    const { app } = await startApp({ limits: { maxMemoryBytes: 16 * MIB, labMemoryBytes: 64 * MIB } });
    const lab = await createLab(app);
    const port = (await addNode(app, lab.id)).respPort!;
    const setter = await RespClient.connect(port);
    expect(await setter.text("SET", "big", new Uint8Array(MIB))).toBe("OK");
    setter.close();
    // A client that pipelines GETs and never reads: its replies wait in the node's output buffer.
    const greedy = new Socket();
    await new Promise<void>((resolve) => greedy.connect(port, "127.0.0.1", resolve));
    greedy.pause();
    greedy.on("error", () => undefined);
    greedy.write("GET big\r\n".repeat(40));
    await waitFor(async () => (await app.inject({ method: "POST", url: "/api/labs" })).statusCode === 507, 3000, "the 507");
    greedy.destroy();
    // The sum is taken at most every 250 ms: within that, new labs are accepted again.
    const goneAt = performance.now();
    await waitFor(async () => (await app.inject({ method: "POST", url: "/api/labs" })).statusCode === 201, 2000, "new labs accepted");
    expect(performance.now() - goneAt).toBeLessThan(600);
    await app.close();
  });

  it("counts what clients sent into a lab's input log, which deleting the lab frees", async () => {
    const { app } = await startApp({ limits: { maxMemoryBytes: 16 * MIB, labMemoryBytes: 64 * MIB } });
    const lab = await createLab(app);
    const port = (await addNode(app, lab.id)).respPort!;
    const client = await RespClient.connect(port);
    // The same key over and over: the dataset stays at 1 MiB, the log keeps every byte sent. Not
    // awaited one by one: once the server is over its limit, it stops reading this client.
    for (let i = 0; i < 20; i++) void client.call("SET", "k", new Uint8Array(MIB)).catch(() => undefined);
    await waitFor(async () => (await app.inject({ method: "POST", url: "/api/labs" })).statusCode === 507, 5000, "the 507");
    client.close();
    expect((await app.inject({ method: "DELETE", url: `/api/labs/${lab.id}` })).statusCode).toBe(204);
    await waitFor(async () => (await app.inject({ method: "POST", url: "/api/labs" })).statusCode === 201, 2000, "new labs accepted");
    await app.close();
  });
});

describe.runIf(haveRedisTools)("maxmemory against a real redis-server 7.0.15", () => {
  const scratch = scratchDir("maxmemory-");
  let app: FastifyInstance;
  let real: RedisServerProcess;
  let labPort: number;

  beforeAll(async () => {
    real = await RedisServerProcess.start(scratch.dir, "real");
    ({ app } = await startApp());
    const lab = await createLab(app);
    labPort = (await addNode(app, lab.id)).respPort!;
  });

  afterAll(async () => {
    await app.close();
    await real.kill();
    scratch.remove();
  });

  it("over maxmemory: the same OOM error for denyoom commands and inside MULTI, reads and DEL still served", async () => {
    const replies: string[][] = [];
    for (const port of [labPort, real.port]) {
      const client = await RespClient.connect(port);
      await client.text("CONFIG", "SET", "maxmemory", "4mb");
      const { error } = await fillUntilRefused(client, "k");
      const out = [error];
      // Well under what the data takes: over maxmemory whatever the allocator rounds.
      await client.text("CONFIG", "SET", "maxmemory", "1mb");
      const commands = [["SET", "s", "v"], ["APPEND", "k:0", "x"], ["INCR", "n"], ["GET", "nope"], ["STRLEN", "k:0"], ["DEL", "k:0"], ["MULTI"], ["GET", "k:1"], ["EXEC"], ["MULTI"], ["DISCARD"]];
      for (const argv of commands) {
        const reply = await client.call(...argv);
        out.push(reply.kind === "error" ? `-${reply.message}` : reply.kind);
      }
      out.push(parseInfo(await client.text("INFO", "memory")).maxmemory_policy ?? "");
      await client.text("FLUSHALL");
      await client.text("CONFIG", "SET", "maxmemory", "0");
      client.close();
      replies.push(out);
    }
    expect(replies[0]).toEqual(replies[1]);
    expect(replies[0]![0]).toBe(OOM);
  });
});
