/**
 * Test support for bin/replica-lab-server: a launcher child process started as redis's test suite
 * starts src/redis-server (config file, then `--name value` overrides), and the texts of a redis log.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { freePort, haveRedisTools, RedisServerProcess, waitFor } from "../testing/helpers.ts";
import { RespClient } from "../testing/resp-client.ts";

const BIN = resolve(dirname(fileURLToPath(import.meta.url)), "../../../../bin/replica-lab-server");
/** Starting node with tsx takes a few seconds on a loaded 2-core machine. */
export const START_MS = 30_000;
/** A redis log line: `pid:role dd Mon yyyy hh:mm:ss.mmm L text`. */
export const LOG_LINE = /^(\d+):([CMS]) \d\d [A-Z][a-z]{2} \d{4} \d\d:\d\d:\d\d\.\d{3} [.\-*#] (.*)$/;

/** The texts of a redis log (without pid, role and time), in order. */
export function logTexts(path: string): string[] {
  if (!existsSync(path)) return [];
  const texts: string[] = [];
  for (const line of readFileSync(path, "utf8").split("\n")) {
    const match = LOG_LINE.exec(line);
    if (match) texts.push(match[3]!);
    else if (/signal-handler/.test(line)) texts.push(line.replace(/^\d+:signal-handler \(\d+\) /, ""));
  }
  return texts;
}

/** Lines of `texts` that start with one of `prefixes`, by prefix, in order of appearance. */
export function matching(texts: readonly string[], prefixes: readonly string[]): string[] {
  return texts.flatMap((text) => prefixes.filter((prefix) => text.startsWith(prefix)));
}

/** One launcher process, started as redis's test suite starts src/redis-server. */
export class Launcher {
  private child: ChildProcess | null = null;
  exitCode: number | null = null;

  constructor(
    readonly port: number,
    readonly dir: string,
    readonly configPath: string,
  ) {}

  get logPath(): string {
    return join(this.dir, "log");
  }

  get pid(): number {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error("launcher not running");
    return pid;
  }

  async start(): Promise<void> {
    const child = spawn(BIN, [this.configPath, "--port", String(this.port), "--dir", this.dir, "--logfile", this.logPath, "--daemonize", "no"], { stdio: "ignore" });
    this.child = child;
    this.exitCode = null;
    child.once("exit", (code, signal) => {
      this.exitCode = code ?? (signal === null ? -1 : 128);
    });
    await waitFor(async () => {
      try {
        const client = await RespClient.connect(this.port);
        const pong = await client.text("PING");
        client.close();
        return pong === "PONG";
      } catch {
        return false;
      }
    }, START_MS, `replica-lab-server on ${this.port}`);
  }

  signal(name: NodeJS.Signals): void {
    process.kill(this.pid, name);
  }

  async exited(timeoutMs = 20_000): Promise<number> {
    await waitFor(() => this.exitCode !== null, timeoutMs, `launcher ${this.port} to exit`);
    return this.exitCode!;
  }

  async kill(): Promise<void> {
    if (!this.child || this.exitCode !== null) return;
    this.signal("SIGKILL");
    await this.exited();
  }
}

export async function launcher(root: string, name: string, configText: string): Promise<Launcher> {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const configPath = join(dir, "redis.conf");
  writeFileSync(configPath, configText);
  const node = new Launcher(await freePort(), dir, configPath);
  await node.start();
  return node;
}

export async function withClient<T>(port: number, work: (client: RespClient) => Promise<T>): Promise<T> {
  const client = await RespClient.connect(port);
  try {
    return await work(client);
  } finally {
    client.close();
  }
}

/** The text of a reply, or `error: <text>` for an error (without the client's "CMD on port: " prefix). */
export async function answer(client: RespClient, ...args: (string | number)[]): Promise<string> {
  try {
    return await client.text(...args);
  } catch (error) {
    // The client names the command and port first ("DEBUG REPLICATE on 1234: ERR ...").
    return `error: ${(error as Error).message.replace(/^.*? on \d+: /, "")}`;
  }
}

/** Kills the launchers and real servers a test file started. */
export async function stopServers(launchers: readonly Launcher[], reals: readonly { kill(): Promise<void> }[]): Promise<void> {
  for (const node of launchers) await node.kill();
  for (const real of reals) await real.kill();
}

/** A launcher or a real redis-server, as the live tests drive both: its port, its log, signals by PID. */
export interface TestServer {
  readonly port: number;
  readonly log: string;
  /** SIGSTOP / SIGCONT. */
  signal(name: "SIGSTOP" | "SIGCONT"): void;
  /** SIGKILL, and the exit awaited. */
  kill(): Promise<void>;
}

/**
 * The servers of a live test file: launchers started with `configText`, real redis-servers with the
 * same `settings`, each in its own directory under `root`; `stop` kills them all.
 */
export class TestServers {
  private readonly launchers: Launcher[] = [];
  private readonly reals: RedisServerProcess[] = [];

  constructor(
    private readonly root: string,
    private readonly configText: string,
    private readonly settings: Record<string, string>,
  ) {}

  async start(kind: "lab" | "real", name: string): Promise<TestServer> {
    if (kind === "lab") {
      const node = await launcher(this.root, `lab-${name}`, this.configText);
      this.launchers.push(node);
      return { port: node.port, log: node.logPath, signal: (signal) => node.signal(signal), kill: () => node.kill() };
    }
    const real = await RedisServerProcess.start(this.root, `real-${name}`, this.settings);
    this.reals.push(real);
    return { port: real.port, log: `${real.dir}/log`, signal: (signal) => (signal === "SIGSTOP" ? real.pause() : real.resume()), kill: () => real.kill() };
  }

  stop(): Promise<void> {
    return stopServers(this.launchers, this.reals);
  }
}

/** The states INFO replication gives the master's replicas (slave0, slave1 …), in order. */
export async function replicaStates(client: RespClient): Promise<string[]> {
  const info = await client.info("replication");
  return Object.entries(info)
    .filter(([field]) => /^slave\d+$/.test(field))
    .map(([, value]) => /state=([a-z_]+)/.exec(value)?.[1] ?? "?");
}

/** Live tests against redis-server 7.0.15 fail (never skip) without it. */
export function requireRedisServer(): void {
  if (!haveRedisTools) throw new Error("redis-server and redis-cli 7.0 must be installed (Debian packages redis-server, redis-tools; .ci/run installs them)");
}

/** A launcher's config file giving `settings` (what a real server gets as `--name value`), at loglevel notice. */
export function configText(settings: Readonly<Record<string, string>>): string {
  return `${Object.entries(settings)
    .map(([name, value]) => `${name} ${value === "" ? '""' : value}`)
    .join("\n")}\nloglevel notice\n`;
}
