/**
 * Test support: an app on an OS-assigned port, a real `redis-cli`, real `redis-server` processes
 * on free loopback ports (stopped by PID), and INFO parsing. No test depends on a fixed port.
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { FastifyInstance } from "fastify";
import type { LabView } from "@replica-lab/protocol";
import type { NodeSnapshot } from "@replica-lab/engine";
import { buildApp, type AppOptions } from "../app.ts";
import { freePort } from "@replica-lab/testing";
export { freePort };

/** True when the Debian redis-tools/redis-server binaries are installed. */
export const haveRedisTools = existsSync("/usr/bin/redis-cli") && existsSync("/usr/bin/redis-server");

/** Builds the app and, if `listen`, listens on 127.0.0.1 with an OS-assigned port. */
export async function startApp(options: AppOptions = {}, listen = false): Promise<{ app: FastifyInstance; baseUrl: string; wsUrl: string }> {
  const app = buildApp(options);
  await app.ready();
  if (!listen) return { app, baseUrl: "", wsUrl: "" };
  await app.listen({ port: 0, host: "127.0.0.1" });
  const address = app.server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  return { app, baseUrl: `http://127.0.0.1:${port}`, wsUrl: `ws://127.0.0.1:${port}` };
}

/** Creates a lab through the API. */
export async function createLab(app: FastifyInstance, body: Record<string, unknown> = {}): Promise<LabView> {
  const response = await app.inject({ method: "POST", url: "/api/labs", payload: body });
  if (response.statusCode !== 201) throw new Error(`create lab: ${response.statusCode} ${response.body}`);
  return response.json<LabView>();
}

/** Adds a node through the API. */
export async function addNode(app: FastifyInstance, labId: string, body: Record<string, unknown> = {}): Promise<NodeSnapshot> {
  const response = await app.inject({ method: "POST", url: `/api/labs/${labId}/nodes`, payload: body });
  if (response.statusCode !== 201) throw new Error(`add node: ${response.statusCode} ${response.body}`);
  return response.json<NodeSnapshot>();
}

/** Runs the real redis-cli against 127.0.0.1:`port`; resolves with its stdout (non-tty format). */
export function redisCli(port: number, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile("redis-cli", ["-h", "127.0.0.1", "-p", String(port), ...args], { timeout: 15_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`redis-cli -p ${port} ${args.join(" ")}: ${error.message} ${stderr}`));
      else resolve(stdout.trimEnd());
    });
  });
}

/** INFO text to a field map. */
export function parseInfo(text: string): Record<string, string> {
  const fields: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it returns true or `timeoutMs` passes. */
export async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 10_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

/** Resolves true if a TCP connection to `port` is accepted, false if it is refused. */
export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1");
  });
}

/** A real redis-server on a free loopback port, stopped by PID. */
export class RedisServerProcess {
  private child: ChildProcess | null = null;

  private constructor(
    readonly port: number,
    readonly dir: string,
    private readonly args: readonly string[],
  ) {}

  static async start(root: string, name: string, config: Record<string, string> = {}): Promise<RedisServerProcess> {
    const port = await freePort();
    const dir = join(root, name);
    mkdirSync(dir, { recursive: true });
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", dir, "--logfile", join(dir, "log")];
    for (const [key, value] of Object.entries(config)) args.push(`--${key}`, value);
    const server = new RedisServerProcess(port, dir, args);
    await server.spawn([]);
    return server;
  }

  get pid(): number | null {
    return this.child?.pid ?? null;
  }

  /** Starts the process (again), with extra arguments such as `--replicaof`. */
  async spawn(extra: readonly string[]): Promise<void> {
    const child = spawn("redis-server", [...this.args, ...extra], { stdio: "ignore" });
    this.child = child;
    await waitFor(async () => {
      try {
        return (await redisCli(this.port, "PING")) === "PONG";
      } catch {
        return false;
      }
    }, 10_000, `redis-server on ${this.port}`);
  }

  /** SIGSTOP by PID: the process handles nothing, its kernel still buffers (a frozen node). */
  pause(): void {
    const pid = this.child?.pid;
    if (pid !== undefined) process.kill(pid, "SIGSTOP");
  }

  /** SIGCONT by PID. */
  resume(): void {
    const pid = this.child?.pid;
    if (pid !== undefined) process.kill(pid, "SIGCONT");
  }

  /** SIGKILL by PID, and waits for the exit. */
  async kill(): Promise<void> {
    const child = this.child;
    this.child = null;
    if (!child || child.exitCode !== null || child.pid === undefined) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    process.kill(child.pid, "SIGKILL");
    await exited;
  }
}

/** A scratch directory removed by the returned function. */
export function scratchDir(prefix: string): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
