/**
 * Real TCP clients against lab nodes: malformed RESP, kill and restart on the same port, freeze,
 * SHUTDOWN, and the tools Redis users have (ioredis, redis-cli --stat, redis-benchmark).
 */
import { execFile, spawn } from "node:child_process";
import { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asPsync2, type NodeSnapshot } from "@replica-lab/engine";
import type { LabView } from "@replica-lab/protocol";
import { addNode, canConnect, createLab, haveRedisTools, redisCli, sleep, startApp, waitFor } from "../testing/helpers.ts";

let app: FastifyInstance;
let lab: LabView;

beforeAll(async () => {
  ({ app } = await startApp());
  lab = await createLab(app, { template: "one-master-two-replicas" });
});
afterAll(async () => {
  await app.close();
});

const node = (name: string): NodeSnapshot => lab.nodes.find((n) => n.name === name)!;

/** Sends raw bytes, collects everything until the server closes or `waitMs` passes. */
function raw(port: number, bytes: string, waitMs = 1000): Promise<{ data: string; closed: boolean }> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let data = "";
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ data, closed });
    }, waitMs);
    socket.on("data", (chunk) => (data += chunk.toString("latin1")));
    socket.on("close", () => {
      closed = true;
      clearTimeout(timer);
      resolve({ data, closed });
    });
    socket.on("error", () => {});
    socket.connect(port, "127.0.0.1", () => socket.write(bytes));
  });
}

async function view(): Promise<LabView> {
  return (await app.inject({ method: "GET", url: `/api/labs/${lab.id}` })).json<LabView>();
}

describe("the RESP gateway", () => {
  it("answers malformed RESP with redis's protocol error and closes, changing nothing else", async () => {
    const before = await view();
    const port = node("A").respPort!;
    expect(await raw(port, "*1\r\n$x\r\n")).toEqual({ data: "-ERR Protocol error: invalid bulk length\r\n", closed: true });
    expect(await raw(port, "*2\r\n$3\r\nGET\r\n$-5\r\n")).toEqual({ data: "-ERR Protocol error: invalid bulk length\r\n", closed: true });
    expect((await raw(port, '"unbalanced\r\n')).data).toBe("-ERR Protocol error: unbalanced quotes in request\r\n");
    const after = await view();
    const replication = (l: LabView) => l.nodes.map(asPsync2).map((n) => [n.role, n.replid, n.masterReplOffset, n.linkUp, n.keys, n.stats.syncFull]);
    expect(replication(after)).toEqual(replication(before));
    expect(await redisCli(port, "PING")).toBe("PONG");
  });

  it("refuses connections to a killed node and answers on the same port after restart", async () => {
    const c = node("C");
    expect(await canConnect(c.respPort!)).toBe(true);
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${c.id}/kill` });
    expect(await canConnect(c.respPort!)).toBe(false);
    const restarted = (await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${c.id}/restart` })).json<NodeSnapshot>();
    expect(restarted.respPort).toBe(c.respPort);
    expect(await redisCli(c.respPort!, "PING")).toBe("PONG");
  });

  it("accepts connections to a frozen node and answers nothing until thawed", async () => {
    const b = node("B");
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${b.id}/freeze` });
    const pending = raw(b.respPort!, "PING\r\n", 1500);
    await sleep(400);
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${b.id}/thaw` });
    const result = await pending;
    expect(result.data).toBe("+PONG\r\n");
    const frozenAgain = await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${b.id}/freeze` });
    expect(frozenAgain.statusCode).toBe(200);
    expect(await raw(b.respPort!, "PING\r\n", 300)).toEqual({ data: "", closed: false });
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${b.id}/thaw` });
  });

  it("holds megabytes sent to a frozen node (reading is paused past 4 MiB) and loses none of it", async () => {
    const b = node("B");
    await app.inject({ method: "PUT", url: `/api/labs/${lab.id}/nodes/${b.id}/master`, payload: { masterId: null } });
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${b.id}/freeze` });
    const value = "v".repeat(512 * 1024);
    const socket = new Socket();
    let data = "";
    socket.on("data", (chunk) => (data += chunk.toString("latin1")));
    await new Promise<void>((resolve) => socket.connect(b.respPort!, "127.0.0.1", resolve));
    for (let i = 0; i < 16; i++) socket.write(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${value.length}\r\n${value}\r\n`);
    await sleep(300);
    expect(data).toBe("");
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/${b.id}/thaw` });
    await waitFor(() => data === "+OK\r\n".repeat(16), 10_000, "16 replies");
    socket.destroy();
  });

  it("keeps a client's bytes in the lab's log as sent, however many small writes it makes", async () => {
    // Small chunks are copied into the session's slabs (1 KiB growing to 64 KiB), a large one keeps
    // its own buffer: each write is answered before the next goes, so each is a chunk of its own.
    const socket = new Socket();
    let data = "";
    let replied = (): void => undefined;
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
      replied();
    });
    await new Promise<void>((resolve) => socket.connect(node("A").respPort!, "127.0.0.1", resolve));
    const peer = `127.0.0.1:${socket.localPort}`;
    const sent: Buffer[] = [];
    const sizes = [...Array.from({ length: 400 }, (_, i) => (i * 37) % 700), 20_000, 3, 900];
    for (const [i, size] of sizes.entries()) {
      const value = Buffer.alloc(size, i % 251);
      const command = Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$5\r\nslab${i % 10}\r\n$${size}\r\n`), value, Buffer.from("\r\n")]);
      sent.push(command);
      const reply = new Promise<void>((resolve) => (replied = () => data.length >= 5 * (i + 1) && resolve()));
      socket.write(command);
      await reply;
    }
    expect(data).toBe("+OK\r\n".repeat(sizes.length));
    socket.destroy();
    const file = (await app.inject({ method: "GET", url: `/api/labs/${lab.id}/export` })).json<{ inputs: { op: string; conn?: number; peer?: string; bytes?: string }[] }>();
    const conn = file.inputs.find((input) => input.op === "open" && input.peer === peer)!.conn;
    const logged = file.inputs.filter((input) => input.op === "send" && input.conn === conn).map((input) => Buffer.from(input.bytes!, "base64"));
    expect(Buffer.concat(logged).equals(Buffer.concat(sent))).toBe(true);
    expect(logged.length).toBe(sent.length);
  });

  it("works with ioredis, pipelines included", async () => {
    const client = new Redis({ port: node("A").respPort!, host: "127.0.0.1", lazyConnect: true, maxRetriesPerRequest: 1 });
    client.on("error", () => {});
    await client.connect();
    expect(await client.set("lib", "ioredis")).toBe("OK");
    expect(await client.get("lib")).toBe("ioredis");
    const results = await client.pipeline().incr("counter").incr("counter").get("counter").exec();
    expect(results?.map(([, value]) => value)).toEqual([1, 2, "2"]);
    await client.quit();
  });

  it.runIf(haveRedisTools)("serves redis-cli --stat and redis-benchmark", async () => {
    const port = node("A").respPort!;
    const stat = await new Promise<string>((resolve) => {
      // redis-cli buffers stdout when it is a pipe; stdbuf makes each line arrive as printed.
      const child = spawn("stdbuf", ["-oL", "redis-cli", "-p", String(port), "--stat", "-i", "0.2"]);
      let out = "";
      child.stdout.on("data", (chunk: Buffer) => (out += chunk.toString()));
      setTimeout(() => {
        child.kill("SIGINT");
        resolve(out);
      }, 1200);
    });
    expect(stat).toMatch(/keys\s+mem\s+clients/);
    expect(stat.split("\n").filter((line) => /^\d+\s/.test(line.trim())).length).toBeGreaterThanOrEqual(2);
    const bench = await new Promise<string>((resolve, reject) =>
      execFile("redis-benchmark", ["-p", String(port), "-t", "set,get", "-n", "5000", "-P", "16", "-q"], { timeout: 30_000 }, (error, stdout) =>
        error ? reject(error) : resolve(stdout),
      ),
    );
    expect(bench).toMatch(/SET: [\d.]+ requests per second/);
    expect(bench).toMatch(/GET: [\d.]+ requests per second/);
  });

  it.runIf(haveRedisTools)("closes the port of a node that SHUTDOWN stopped", async () => {
    const d = await addNode(app, lab.id, { name: "D" });
    await redisCli(d.respPort!, "SHUTDOWN", "NOSAVE").catch(() => "");
    await waitFor(async () => !(await canConnect(d.respPort!)), 5000, "the port to close");
    const snapshot = (await app.inject({ method: "GET", url: `/api/labs/${lab.id}/nodes/D` })).json<NodeSnapshot>();
    expect(snapshot.status).toBe("down");
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes/D/restart` });
    expect(await redisCli(d.respPort!, "PING")).toBe("PONG");
  });
});

describe("the RESP gateway over the memory limit", () => {
  it("stops reading from clients until memory is freed", async () => {
    let used = 0;
    const { app: limited } = await startApp({ limits: { maxMemoryBytes: 1000 }, memoryProbe: () => used });
    const small = await createLab(limited);
    const port = (await addNode(limited, small.id)).respPort!;
    const socket = new Socket();
    let data = "";
    socket.on("data", (chunk) => (data += chunk.toString("latin1")));
    await new Promise<void>((resolve) => socket.connect(port, "127.0.0.1", resolve));
    used = 5000;
    await sleep(300);
    socket.write("PING\r\n");
    await waitFor(() => data === "+PONG\r\n", 2000, "the first reply");
    // The first chunk was delivered, then the socket was paused: the next one waits.
    await sleep(50);
    socket.write("ECHO held\r\n");
    await sleep(500);
    expect(data).toBe("+PONG\r\n");
    used = 0;
    await waitFor(() => data === "+PONG\r\n$4\r\nheld\r\n", 3000, "the held reply");
    socket.destroy();
    await limited.close();
  });
});
