/**
 * Issue 12, "crashes and memory": clients that once took the whole server down, over real sockets.
 * Each one must leave the process up, its lab within its memory, and every other lab answering; where
 * a real redis-server 7.0.15 answers the same input, the lab node must answer the same bytes.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { addNode, createLab, haveRedisTools, RedisServerProcess, redisCli, scratchDir, sleep, startApp, waitFor } from "../testing/helpers.ts";

const MIB = 1024 * 1024;
/** Small, so that filling a lab's memory is quick; the defaults are 512 MiB per lab. */
const LAB_MEMORY = 48 * MIB;

/** A raw client: what it received and whether the server closed the connection. */
class RawClient {
  readonly received: Buffer[] = [];
  closed = false;
  private constructor(readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => this.received.push(chunk));
    socket.on("error", () => undefined);
    socket.on("close", () => (this.closed = true));
  }

  static connect(port: number, read = true): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.once("error", reject);
      socket.connect(port, "127.0.0.1", () => {
        socket.off("error", reject);
        const client = new RawClient(socket);
        // A client that never reads: the kernel buffers fill, then the server must hold its replies.
        if (!read) socket.pause();
        resolve(client);
      });
    });
  }

  get text(): string {
    return Buffer.concat(this.received).toString("latin1");
  }

  /** Writes, waiting for the socket to drain when it is full; stops once the server closed. */
  async write(bytes: Buffer): Promise<void> {
    if (this.closed || this.socket.destroyed) return;
    if (this.socket.write(bytes)) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.socket.off("drain", done);
        this.socket.off("close", done);
        resolve();
      };
      this.socket.on("drain", done);
      this.socket.on("close", done);
    });
  }

  destroy(): void {
    this.socket.destroy();
  }
}

/** `count` bulks of `size` bytes written one after another (after a `*<n>\r\n` header the caller sent). */
async function streamBulks(client: RawClient, count: number, size: number): Promise<number> {
  const bulk = Buffer.concat([Buffer.from(`$${size}\r\n`), Buffer.alloc(size, 0x61), Buffer.from("\r\n")]);
  let sent = 0;
  for (; sent < count && !client.closed; sent++) await client.write(bulk);
  return sent;
}

describe("hostile RESP clients", () => {
  let app: FastifyInstance;
  let victimPort: number;
  let authPort: number;
  let bystanderPort: number;
  let labId: string;

  beforeAll(async () => {
    ({ app } = await startApp({ limits: { labMemoryBytes: LAB_MEMORY } }));
    const lab = await createLab(app);
    labId = lab.id;
    victimPort = (await addNode(app, lab.id, { name: "A" })).respPort!;
    authPort = (await addNode(app, lab.id, { name: "P", config: { requirepass: "000000" } })).respPort!;
    const other = await createLab(app);
    bystanderPort = (await addNode(app, other.id, { name: "B" })).respPort!;
  });

  afterAll(async () => {
    await app.close();
  });

  /** Another lab still answers within 100 ms. */
  async function bystanderAnswers(): Promise<void> {
    const started = performance.now();
    const client = await RawClient.connect(bystanderPort);
    await client.write(Buffer.from("PING\r\n"));
    await waitFor(() => client.text === "+PONG\r\n", 2000, "the other lab's PONG");
    client.destroy();
    expect(performance.now() - started).toBeLessThan(100);
  }

  function labMemory(): { machineBytes: number; limitBytes: number } {
    return app.labs.get(labId).lab.memory();
  }

  it("SET big <1 MiB> then GET big x 4,200 in one write: the client is disconnected, the lab stays within its memory", async () => {
    const setter = await RawClient.connect(victimPort);
    await setter.write(Buffer.concat([Buffer.from(`*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$${MIB}\r\n`), Buffer.alloc(MIB, 0x62), Buffer.from("\r\n")]));
    await waitFor(() => setter.text === "+OK\r\n", 5000, "SET big");
    setter.destroy();
    const greedy = await RawClient.connect(victimPort, false);
    await greedy.write(Buffer.from("GET big\r\n".repeat(4200)));
    // Real redis would build a 4.4 GB reply list; the lab's machine is full long before that.
    await waitFor(() => greedy.closed, 10_000, "the greedy client to be disconnected");
    expect(labMemory().machineBytes).toBeLessThan(LAB_MEMORY + 8 * MIB);
    await bystanderAnswers();
    // The node itself is fine: its data is there and new clients are served.
    expect((await redisCli(victimPort, "STRLEN", "big")).trim()).toBe(String(MIB));
    const events = app.labs.get(labId).lab.events();
    expect(events.some((e) => e.detail.kind === "warning" && e.detail.code === "client-evicted" && e.detail.message.includes("Evicting client: id="))).toBe(true);
    greedy.destroy();
  });

  it("*2147483647 then 1 MiB bulks on a node without a password: disconnected once the lab's memory is full", async () => {
    const flood = await RawClient.connect(victimPort);
    await flood.write(Buffer.from("*2147483647\r\n"));
    const sent = await streamBulks(flood, 4200, MIB);
    expect(flood.closed).toBe(true);
    expect(sent).toBeLessThan(200);
    expect(flood.text).toBe("");
    await bystanderAnswers();
    // The memory is back as soon as the client is gone.
    await waitFor(() => labMemory().machineBytes < 8 * MIB, 2000, "the lab's memory to drop");
  });

  it("a flood of empty arguments ($0) is disconnected within the lab's memory, and the server recovers at once", async () => {
    const flood = await RawClient.connect(victimPort);
    await flood.write(Buffer.from("*2147483647\r\n"));
    const chunk = Buffer.from("$0\r\n\r\n".repeat(100_000));
    for (let i = 0; i < 400 && !flood.closed; i++) await flood.write(chunk);
    await waitFor(() => flood.closed, 10_000, "the flood to be disconnected");
    await waitFor(() => labMemory().machineBytes < 8 * MIB, 2000, "the lab's memory to drop");
    await bystanderAnswers();
    // New labs are accepted: the server is not left over its limit.
    expect((await app.inject({ method: "POST", url: "/api/labs" })).statusCode).toBe(201);
  });

  it("CONFIG SET proto-max-bulk-len 1gb, then a 512 MiB SET: disconnected once the lab's memory is full, nothing stored", async () => {
    expect(await redisCli(victimPort, "CONFIG", "SET", "proto-max-bulk-len", "1gb")).toBe("OK");
    const client = await RawClient.connect(victimPort);
    const size = 512 * MIB;
    await client.write(Buffer.from(`*3\r\n$3\r\nSET\r\n$4\r\nhuge\r\n$${size}\r\n`));
    const piece = Buffer.alloc(MIB, 0x68);
    let sent = 0;
    for (; sent < 512 && !client.closed; sent++) await client.write(piece);
    await waitFor(() => client.closed, 10_000, "the client to be disconnected");
    // Real redis would take all 512 MiB (5.2 GB of RSS in the run); the lab stops at its budget.
    expect(sent).toBeLessThan(LAB_MEMORY / MIB + 32);
    expect(client.text).toBe("");
    await waitFor(() => labMemory().machineBytes < 8 * MIB, 2000, "the lab's memory to drop");
    expect(await redisCli(victimPort, "EXISTS", "huge")).toBe("0");
    const events = app.labs.get(labId).lab.events();
    expect(events.some((e) => e.detail.kind === "warning" && e.detail.code === "client-evicted" && e.detail.message.includes("the lab's memory is full") && e.detail.message.includes("cmd=NULL"))).toBe(true);
    await bystanderAnswers();
    expect(await redisCli(victimPort, "CONFIG", "SET", "proto-max-bulk-len", "512mb")).toBe("OK");
  });

  it("before AUTH on a node with requirepass: redis 7.0's unauthenticated multibulk and bulk length errors", async () => {
    const count = await RawClient.connect(authPort);
    await count.write(Buffer.from("*2147483647\r\n"));
    await streamBulks(count, 3, MIB);
    await waitFor(() => count.closed, 5000, "the close");
    expect(count.text).toBe("-ERR Protocol error: unauthenticated multibulk length\r\n");
    const bulk = await RawClient.connect(authPort);
    await bulk.write(Buffer.from("*1\r\n$16385\r\n"));
    await waitFor(() => bulk.closed, 5000, "the close");
    expect(bulk.text).toBe("-ERR Protocol error: unauthenticated bulk length\r\n");
    await bystanderAnswers();
  });

  it("a query buffer over client-query-buffer-limit closes the client without a reply", async () => {
    expect(await redisCli(victimPort, "CONFIG", "SET", "client-query-buffer-limit", "1mb")).toBe("OK");
    const client = await RawClient.connect(victimPort);
    await client.write(Buffer.concat([Buffer.from("*2\r\n$3\r\nSET\r\n$2000000\r\n"), Buffer.alloc(1_100_000, 0x63)]));
    await waitFor(() => client.closed, 5000, "the close");
    expect(client.text).toBe("");
    const events = app.labs.get(labId).lab.events();
    expect(events.some((e) => e.detail.kind === "warning" && e.detail.message.includes("Closing client that reached max query buffer length"))).toBe(true);
    expect(await redisCli(victimPort, "CONFIG", "SET", "client-query-buffer-limit", "1gb")).toBe("OK");
  });
});

describe.runIf(haveRedisTools)("the same hostile inputs against a real redis-server 7.0.15", () => {
  const scratch = scratchDir("hostile-");
  let app: FastifyInstance;
  let real: RedisServerProcess;
  let realAuth: RedisServerProcess;
  let labPort: number;
  let labAuthPort: number;

  beforeAll(async () => {
    real = await RedisServerProcess.start(scratch.dir, "plain");
    realAuth = await RedisServerProcess.start(scratch.dir, "auth");
    // Set after the start: the helper waits for an unauthenticated PING.
    await redisCli(realAuth.port, "CONFIG", "SET", "requirepass", "000000");
    ({ app } = await startApp({ limits: { labMemoryBytes: LAB_MEMORY } }));
    const lab = await createLab(app);
    labPort = (await addNode(app, lab.id)).respPort!;
    labAuthPort = (await addNode(app, lab.id, { config: { requirepass: "000000" } })).respPort!;
  });

  afterAll(async () => {
    await app.close();
    await real.kill();
    await realAuth.kill();
    scratch.remove();
  });

  it("CONFIG GET of the query and bulk limits answers what redis-server 7.0.15 answers", async () => {
    for (const name of ["client-query-buffer-limit", "proto-max-bulk-len", "client-output-buffer-limit", "maxmemory", "maxmemory-policy", "maxmemory-clients"]) {
      expect(await redisCli(labPort, "CONFIG", "GET", name)).toBe(await redisCli(real.port, "CONFIG", "GET", name));
    }
  });

  it("unauthenticated multibulk and bulk lengths: the same bytes, then the same close", async () => {
    for (const input of ["*2147483647\r\n", "*11\r\n", "*1\r\n$16385\r\n", "*1\r\n$16384\r\n", "*10\r\n"]) {
      const answers: string[] = [];
      for (const port of [labAuthPort, realAuth.port]) {
        const client = await RawClient.connect(port);
        await client.write(Buffer.from(input));
        await Promise.race([waitFor(() => client.closed, 2000).catch(() => undefined), sleep(300)]);
        answers.push(`${client.text}|${client.closed ? "closed" : "open"}`);
        client.destroy();
      }
      expect(answers[0], JSON.stringify(input)).toBe(answers[1]);
    }
  });

  it("a query buffer over client-query-buffer-limit: both close without a reply", async () => {
    for (const port of [labPort, real.port]) {
      expect(await redisCli(port, "CONFIG", "SET", "client-query-buffer-limit", "1mb")).toBe("OK");
      const client = await RawClient.connect(port);
      await client.write(Buffer.concat([Buffer.from("*2\r\n$3\r\nSET\r\n$2000000\r\n"), Buffer.alloc(1_100_000, 0x63)]));
      await waitFor(() => client.closed, 5000, `the close on ${port}`);
      expect(client.text).toBe("");
      expect(await redisCli(port, "CONFIG", "SET", "client-query-buffer-limit", "1gb")).toBe("OK");
    }
  });
});
