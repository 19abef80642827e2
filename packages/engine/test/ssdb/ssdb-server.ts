/**
 * One real ssdb-server process for the recorder: its own directory and ssdb.conf, started in the
 * foreground (so its PID is ours), stopped by PID with SIGTERM (graceful) or SIGKILL (crash), its
 * data wiped on request, its log file read incrementally.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { join } from "node:path";
import type { LogLine } from "./fixture-types.ts";
import { SsdbClient } from "./ssdb-client.ts";

/** Where a slave connects: the master's address as written under `replication.slaveof`. */
export interface SlaveOf {
  readonly host: string;
  readonly port: number;
}

/** What goes into a node's ssdb.conf. */
export interface SsdbConfOptions {
  readonly port: number;
  readonly binlogCapacity: number;
  readonly slaveOf: SlaveOf | null;
}

/** `SsdbConfOptions` with ports possibly left as placeholders (for the fixture's config template). */
export interface SsdbConfTemplate {
  readonly port: number | string;
  readonly binlogCapacity: number;
  readonly slaveOf: { readonly host: string; readonly port: number | string } | null;
}

/**
 * The ssdb.conf the recorder writes. TAB indentation is required by ssdb-server's parser; paths
 * are relative to the node directory, which is also the process's working directory.
 */
export function ssdbConf(options: SsdbConfTemplate): string {
  const lines = [
    "# written by packages/engine/test/ssdb/record-ssdb.ts",
    "work_dir = ./var",
    "pidfile = ./var/ssdb.pid",
    "",
    "server:",
    "\tip: 127.0.0.1",
    `\tport: ${options.port}`,
    "",
    "replication:",
    "\tbinlog: yes",
    `\t\tcapacity: ${options.binlogCapacity}`,
    "\tsync_speed: -1",
  ];
  if (options.slaveOf) {
    // No `id`: the default id `host|port` is what the observations were made with.
    lines.push("\tslaveof:", "\t\ttype: sync", `\t\thost: ${options.slaveOf.host}`, `\t\tport: ${options.slaveOf.port}`);
  }
  lines.push(
    "",
    "logger:",
    "\tlevel: debug",
    "\toutput: log.txt",
    "\trotate:",
    "\t\tsize: 1000000000",
    "",
    "leveldb:",
    "\tcache_size: 8",
    "\twrite_buffer_size: 4",
    "\tcompaction_speed: 1000",
    "\tcompression: yes",
    "",
  );
  return lines.join("\n");
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
function portAnswers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once("error", () => resolve(false));
    socket.connect(port, "127.0.0.1", () => {
      socket.destroy();
      resolve(true);
    });
  });
}

// `2026-12-03 16:23:24.131 [INFO ] backend_sync.cpp(123): message`
const LOG_LINE = /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{3}) \[(\w+)\s*\] (\S+\(\d+\)): (.*)$/;

/** A real ssdb-server in its own directory. */
export class SsdbServerProcess {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  private logOffset = 0;
  private cachedClient: SsdbClient | null = null;

  constructor(
    readonly name: string,
    readonly bin: string,
    readonly dir: string,
    readonly conf: SsdbConfOptions,
  ) {
    mkdirSync(join(dir, "var"), { recursive: true });
    writeFileSync(join(dir, "ssdb.conf"), ssdbConf(conf));
  }

  get port(): number {
    return this.conf.port;
  }

  get running(): boolean {
    return this.child !== null;
  }

  /** Starts the server and waits until its port answers. */
  async start(): Promise<void> {
    if (this.child) throw new Error(`${this.name} already running`);
    mkdirSync(join(this.dir, "var"), { recursive: true });
    const out = openSync(join(this.dir, "stdout.txt"), "a");
    const child = spawn(this.bin, [join(this.dir, "ssdb.conf")], { cwd: this.dir, stdio: ["ignore", out, out] });
    this.child = child;
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    let gone = false;
    child.once("exit", () => {
      gone = true;
      if (this.child === child) this.child = null;
    });
    for (let waited = 0; waited < 15_000; waited += 50) {
      if (gone) throw new Error(`${this.name} exited at start-up:\n${this.tail()}`);
      if (await portAnswers(this.port)) return;
      await sleep(50);
    }
    throw new Error(`${this.name} did not open port ${this.port}:\n${this.tail()}`);
  }

  /** Graceful stop: SIGTERM to our PID, then wait for the exit (SIGKILL after 20 s). */
  async stop(): Promise<void> {
    await this.signal("SIGTERM", 20_000);
  }

  /**
   * Crash: SIGKILL to our PID. The pidfile stays behind and would make the next start refuse
   * ("pidfile exists"), as an operator finds after kill -9, so it is removed here.
   */
  async kill(): Promise<void> {
    await this.signal("SIGKILL", 5_000);
    rmSync(join(this.dir, "var", "ssdb.pid"), { force: true });
  }

  /** Freezes (SIGSTOP) or thaws (SIGCONT) the process. */
  pause(frozen: boolean): void {
    const pid = this.child?.pid;
    if (pid === undefined) throw new Error(`${this.name} not running`);
    process.kill(pid, frozen ? "SIGSTOP" : "SIGCONT");
  }

  /** Deletes the data and meta databases (the node must be down). */
  wipe(): void {
    if (this.child) throw new Error(`${this.name} must be down to wipe`);
    for (const sub of ["data", "meta", "ssdb.pid"]) rmSync(join(this.dir, "var", sub), { recursive: true, force: true });
  }

  /** A client on the server's port, reconnected after a restart. */
  async client(): Promise<SsdbClient> {
    if (!this.cachedClient) this.cachedClient = await SsdbClient.connect(this.port);
    return this.cachedClient;
  }

  /** Drops the cached client (after the server went away). */
  dropClient(): void {
    this.cachedClient?.close();
    this.cachedClient = null;
  }

  /** Log lines appended since the last call, with times relative to `originMs` (epoch ms). */
  readNewLog(originMs: number): LogLine[] {
    const file = join(this.dir, "log.txt");
    if (!existsSync(file)) return [];
    const text = readFileSync(file, "latin1");
    const fresh = text.slice(this.logOffset);
    const end = fresh.lastIndexOf("\n") + 1;
    this.logOffset += end;
    const lines: LogLine[] = [];
    for (const raw of fresh.slice(0, end).split("\n")) {
      const m = LOG_LINE.exec(raw);
      if (!m) continue;
      const [, y, mo, d, h, mi, s, ms, level, source, message] = m;
      const at = new Date(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms)).getTime();
      lines.push({ tMs: at - originMs, level: level ?? "", source: source ?? "", message: message ?? "" });
    }
    return lines;
  }

  private async signal(signal: NodeJS.Signals, graceMs: number): Promise<void> {
    this.dropClient();
    const child = this.child;
    if (!child?.pid) return;
    const exited = this.exited;
    process.kill(child.pid, signal);
    const timer = setTimeout(() => {
      if (child.pid !== undefined && this.child === child) process.kill(child.pid, "SIGKILL");
    }, graceMs);
    await exited;
    clearTimeout(timer);
    this.child = null;
  }

  private tail(): string {
    const file = join(this.dir, "log.txt");
    return existsSync(file) ? readFileSync(file, "latin1").split("\n").slice(-15).join("\n") : "(no log)";
  }
}
