/**
 * Issue 12: what a lab node writes in its event log about a peer's handshake replies, and how its
 * masterauth reaches the peer. A peer that does not speak RESP (an SSH banner, an HTTP status line)
 * is reported as such without its words; a RESP error is quoted with redis-server 7.0.15's own
 * texts (checked live: a real 7.0.15 pointed at the same peers logs the same quoted parts); a
 * masterauth holding CR/LF reaches a real redis-server as one AUTH argument.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { createServer, type Server, type Socket } from "node:net";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import { addNode, createLab, haveRedisTools, RedisServerProcess, redisCli, scratchDir, startApp, waitFor } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";

/** A TCP peer that answers each line it receives with the next of `answers` (then stays silent). */
async function fakePeer(banner: string | null, answers: readonly string[]): Promise<{ server: Server; port: number }> {
  const server = createServer((socket: Socket) => {
    socket.on("error", () => undefined);
    if (banner !== null) socket.write(banner);
    let next = 0;
    let pending = "";
    socket.on("data", (chunk) => {
      pending += chunk.toString("latin1");
      // One answer per command: an inline line, or a RESP array (its header counts the lines).
      for (;;) {
        const consumed = commandLength(pending);
        if (consumed === 0) return;
        pending = pending.slice(consumed);
        if (next < answers.length) socket.write(answers[next++]!);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return { server, port: typeof address === "object" && address !== null ? address.port : 0 };
}

/** Bytes of the first whole command in `text` (RESP array or inline), or 0. */
function commandLength(text: string): number {
  if (!text.startsWith("*")) {
    const end = text.indexOf("\n");
    return end < 0 ? 0 : end + 1;
  }
  let at = text.indexOf("\r\n");
  if (at < 0) return 0;
  const count = Number(text.slice(1, at));
  at += 2;
  for (let i = 0; i < count; i++) {
    const header = text.indexOf("\r\n", at);
    if (header < 0) return 0;
    const length = Number(text.slice(at + 1, header));
    at = header + 2 + length + 2;
    if (at > text.length) return 0;
  }
  return at;
}

const SSH_BANNER = "SSH-2.0-OpenSSH_9.6p1 Ubuntu-3ubuntu13 secret-host-name\r\n";
const HTTP_STATUS = "HTTP/1.1 400 Bad Request\r\nServer: internal-admin-panel\r\n\r\n";

describe("a lab node pointed at peers that answer its handshake", () => {
  let app: FastifyInstance;
  const peers: Server[] = [];

  beforeAll(async () => {
    ({ app } = await startApp());
  });

  afterAll(async () => {
    await app.close();
    for (const peer of peers) peer.close();
  });

  /** REPLICAOF a fake peer; returns the replica node's event messages once `done` holds. */
  async function replicate(peerPort: number, done: (messages: string[]) => boolean): Promise<string[]> {
    const lab = await createLab(app);
    const node = await addNode(app, lab.id);
    expect(await redisCli(node.respPort!, "REPLICAOF", "127.0.0.1", String(peerPort))).toBe("OK");
    const runtime = app.labs.get(lab.id);
    const messages = (): string[] => runtime.lab.events().map((e) => e.detail.message);
    await waitFor(() => done(messages()), 10_000, "the handshake's outcome");
    return messages();
  }

  it("an SSH server: reported as not speaking RESP, its banner not shown", async () => {
    const peer = await fakePeer(SSH_BANNER, []);
    peers.push(peer.server);
    const messages = await replicate(peer.port, (m) => m.some((x) => x.includes("error reply to PING")));
    const failure = messages.find((x) => x.includes("error reply to PING"))!;
    expect(failure).toContain("not a RESP line");
    expect(messages.join("\n")).not.toMatch(/OpenSSH|secret-host-name|Ubuntu/);
  });

  it("an HTTP server answering PING: its status line not shown", async () => {
    const peer = await fakePeer(null, [HTTP_STATUS]);
    peers.push(peer.server);
    const messages = await replicate(peer.port, (m) => m.some((x) => x.includes("error reply to PING")));
    expect(messages.join("\n")).not.toMatch(/HTTP\/1\.1|Bad Request|internal-admin-panel/);
  });

  it("a peer that passes the handshake and answers PSYNC with something else: not shown either", async () => {
    const peer = await fakePeer(null, ["+PONG\r\n", "+OK\r\n", "+OK\r\n", "HTTP/1.1 200 OK\r\n"]);
    peers.push(peer.server);
    const messages = await replicate(peer.port, (m) => m.some((x) => x.includes("reply to PSYNC")));
    expect(messages.find((x) => x.includes("reply to PSYNC"))).toContain("unexpected reply to PSYNC from master: not a RESP line");
    expect(messages.join("\n")).not.toContain("HTTP/1.1");
  });

  it("a line that never ends is read as redis reads it: its first 255 bytes", async () => {
    const peer = await fakePeer("x".repeat(100_000), []);
    peers.push(peer.server);
    const messages = await replicate(peer.port, (m) => m.some((x) => x.includes("error reply to PING")));
    expect(messages.find((x) => x.includes("error reply to PING"))).toContain("not a RESP line (255 bytes, first byte 0x78)");
  });
});

describe.runIf(haveRedisTools)("the same peers and masterauth against a real redis-server 7.0.15", () => {
  const scratch = scratchDir("peer-replies-");
  let app: FastifyInstance;
  let real: RedisServerProcess;
  const peers: Server[] = [];

  beforeAll(async () => {
    real = await RedisServerProcess.start(scratch.dir, "replica");
    ({ app } = await startApp());
  });

  afterAll(async () => {
    await app.close();
    await real.kill();
    for (const peer of peers) peer.close();
    scratch.remove();
  });

  /** The quoted part of real redis's log line `prefix ...`, once it appears. */
  async function realLogs(peerPort: number, pattern: RegExp): Promise<string> {
    await redisCli(real.port, "REPLICAOF", "127.0.0.1", String(peerPort));
    const log = (): string => readFileSync(join(real.dir, "log"), "utf8");
    await waitFor(() => pattern.test(log()), 10_000, `redis-server's log ${pattern}`);
    await redisCli(real.port, "REPLICAOF", "NO", "ONE");
    return pattern.exec(log())![1]!;
  }

  async function labLogs(peerPort: number, pattern: RegExp): Promise<string> {
    const lab = await createLab(app);
    const node = await addNode(app, lab.id);
    await redisCli(node.respPort!, "REPLICAOF", "127.0.0.1", String(peerPort));
    const runtime = app.labs.get(lab.id);
    const found = (): RegExpExecArray | null => {
      for (const event of runtime.lab.events()) {
        const match = pattern.exec(event.detail.message);
        if (match) return match;
      }
      return null;
    };
    await waitFor(() => found() !== null, 10_000, `the lab's event ${pattern}`);
    return found()![1]!;
  }

  it("a RESP error to PING, and to PSYNC: quoted as redis-server 7.0.15 quotes them", async () => {
    const ping = await fakePeer(null, ["-ERR not today\r\n"]);
    peers.push(ping.server);
    expect(await labLogs(ping.port, /error reply to PING from master: ('.*')/)).toBe(await realLogs(ping.port, /Error reply to PING from master: ('.*')/));
    const psync = await fakePeer(null, ["+PONG\r\n", "+OK\r\n", "+OK\r\n", "-ERR unknown command 'PSYNC'\r\n"]);
    peers.push(psync.server);
    expect(await labLogs(psync.port, /master does not support PSYNC or is in error state \(reply: (.*)\)/)).toBe(
      await realLogs(psync.port, /Master does not support PSYNC or is in error state \(reply: (.*)\)/),
    );
  });

  it("masterauth holding CR/LF reaches the real server as one AUTH argument (no FLUSHALL runs)", async () => {
    const password = "x\r\nFLUSHALL";
    const master = await RespClient.connect(real.port);
    await master.text("SET", "canary", "alive");
    await master.text("CONFIG", "SET", "repl-diskless-sync-delay", "0");
    await master.text("CONFIG", "SET", "requirepass", password);
    const lab = await createLab(app);
    const node = await addNode(app, lab.id);
    const replica = await RespClient.connect(node.respPort!);
    expect(await replica.text("CONFIG", "SET", "masterauth", password)).toBe("OK");
    expect(await replica.text("REPLICAOF", "127.0.0.1", String(real.port))).toBe("OK");
    await waitFor(async () => (await replica.info("replication")).master_link_status === "up", 10_000, "the link with the real master");
    expect(await replica.text("GET", "canary")).toBe("alive");
    expect(await master.text("AUTH", password)).toBe("OK");
    expect(await master.text("GET", "canary")).toBe("alive");
    const stats = await master.text("INFO", "commandstats");
    expect(stats).toMatch(/cmdstat_auth:calls=2,/);
    expect(stats).not.toContain("cmdstat_flushall");
    await replica.text("REPLICAOF", "NO", "ONE");
    await master.text("CONFIG", "SET", "requirepass", "");
    replica.close();
    master.close();
  });
});
