/**
 * After a protocol error a real redis-server answers the error and closes the connection for good:
 * what the client pipelined after the bad request never runs, and a client that keeps writing
 * gets the connection reset (the suite's "Protocol desync regression" relies on it). The same
 * bytes go to a lab node's port and to a live redis-server 7.0.15; both must behave alike.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { Socket } from "node:net";
import type { FastifyInstance } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { LabView } from "@replica-lab/protocol";
import { createLab, startApp } from "../testing/helpers.ts";
import { freePort } from "@replica-lab/testing";

const haveRedisServer = ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].some((p) => existsSync(p));

/** What a client sees: the bytes it got, and whether writing on after the error failed. */
interface Outcome {
  readonly data: string;
  readonly writesFailed: boolean;
}

/**
 * Sends `bytes`, then, once the server has answered and ended, keeps writing 16 KiB chunks for a
 * while as a client that does not read would (half-open sockets allowed, like a Tcl client).
 */
function desync(port: number, bytes: string): Promise<Outcome> {
  return new Promise((resolve) => {
    const socket = new Socket({ allowHalfOpen: true });
    let data = "";
    let writesFailed = false;
    let writing: NodeJS.Timeout | null = null;
    const finish = (): void => {
      if (writing) clearInterval(writing);
      socket.destroy();
      resolve({ data, writesFailed });
    };
    socket.on("data", (chunk) => (data += chunk.toString("latin1")));
    socket.on("error", () => {
      writesFailed = true;
      finish();
    });
    socket.on("end", () => {
      const chunk = "A".repeat(16 * 1024);
      let rounds = 0;
      writing = setInterval(() => {
        if (++rounds > 40) return finish();
        socket.write(chunk);
      }, 25);
    });
    socket.connect(port, "127.0.0.1", () => socket.write(bytes));
    setTimeout(finish, 5_000).unref();
  });
}

async function getValue(port: number, key: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = new Socket();
    let data = "";
    socket.on("data", (chunk) => {
      data += chunk.toString("latin1");
      if (data.endsWith("\r\n") && (data.startsWith("$-1") || data.split("\r\n").length >= 3)) {
        socket.destroy();
        resolve(data);
      }
    });
    socket.on("error", () => resolve(""));
    socket.connect(port, "127.0.0.1", () => socket.write(`GET ${key}\r\n`));
  });
}

const REQUEST = "SET before 1\r\n*1\r\n$x\r\nSET after 2\r\n";

describe.skipIf(!haveRedisServer)("a protocol error closes the connection, as redis-server 7.0.15 does", () => {
  let app: FastifyInstance;
  let lab: LabView;
  let real: ChildProcess;
  let realPort: number;

  beforeAll(async () => {
    ({ app } = await startApp());
    lab = await createLab(app, { template: "empty" });
    await app.inject({ method: "POST", url: `/api/labs/${lab.id}/nodes`, payload: { name: "A" } });
    lab = (await app.inject({ method: "GET", url: `/api/labs/${lab.id}` })).json<LabView>();
    realPort = await freePort();
    real = spawn("redis-server", ["--port", String(realPort), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"], { stdio: "ignore" });
    for (let i = 0; i < 100 && (await getValue(realPort, "x")) === ""; i++) await new Promise((r) => setTimeout(r, 50));
  }, 30_000);

  afterAll(async () => {
    real?.kill("SIGKILL");
    await app?.close();
  });

  it("answers the requests before the bad one, the error, and nothing after; writing on fails", async () => {
    const expected = await desync(realPort, REQUEST);
    expect(expected.data).toBe("+OK\r\n-ERR Protocol error: invalid bulk length\r\n");
    expect(expected.writesFailed).toBe(true);
    const labPort = lab.nodes.find((n) => n.name === "A")!.respPort!;
    expect(await desync(labPort, REQUEST)).toEqual(expected);
    expect(await getValue(labPort, "after")).toBe(await getValue(realPort, "after"));
    expect(await getValue(labPort, "before")).toBe(await getValue(realPort, "before"));
  }, 30_000);
});
