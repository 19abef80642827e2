/**
 * Two interchangeable backends for replication scenarios: the engine's simulated lab, and real
 * redis-server 7.0.15 processes on loopback. A scenario written once against `Backend` runs on
 * both, so expected values come from the real server, never from the engine's own output.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, existsSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Lab, ReplyParser, encodeCommand, utf8, fromUtf8, type NodeId, type Reply } from "../src/index.ts";
import { freePort } from "@replica-lab/testing";
export { freePort };

export interface Backend {
  readonly kind: "lab" | "real";
  /** Adds a node named `name` with extra config (applied at start-up). */
  addNode(name: string, config?: Record<string, string>): Promise<void>;
  command(name: string, ...argv: string[]): Promise<Reply>;
  /** REPLICAOF by node name (null = NO ONE). */
  replicaOf(name: string, master: string | null): Promise<Reply>;
  kill(name: string): Promise<void>;
  /** Starts a killed node again; a replica comes back with `replicaof` in its config. */
  restart(name: string, options?: { wipe?: boolean }): Promise<void>;
  freeze(name: string): Promise<void>;
  thaw(name: string): Promise<void>;
  /** Lets replication settle: links up, offsets caught up (or `ms` passed, for the lab). */
  settle(ms?: number): Promise<void>;
  /** Lets `ms` of (virtual or real) time pass. */
  sleep(ms: number): Promise<void>;
  close(): Promise<void>;
}

/** Parses INFO text into a field map. */
export function parseInfo(reply: Reply): Record<string, string> {
  if (reply.kind !== "bulk" || reply.value === null) throw new Error(`INFO gave ${JSON.stringify(reply)}`);
  const fields: Record<string, string> = {};
  for (const line of fromUtf8(reply.value).split("\r\n")) {
    const at = line.indexOf(":");
    if (at > 0 && !line.startsWith("#")) fields[line.slice(0, at)] = line.slice(at + 1);
  }
  return fields;
}

export async function info(backend: Backend, name: string, section = "replication"): Promise<Record<string, string>> {
  return parseInfo(await backend.command(name, "INFO", section));
}

// -------------------------------------------------------------------------------------------------
// Lab backend

export class LabBackend implements Backend {
  readonly kind = "lab" as const;
  readonly lab: Lab;
  private readonly ids = new Map<string, NodeId>();

  constructor(seed: number | string = 1) {
    this.lab = new Lab({ seed });
  }

  id(name: string): NodeId {
    const id = this.ids.get(name);
    if (!id) throw new Error(`no node ${name}`);
    return id;
  }

  /** Masters given with REPLICAOF: the real backend starts such a node with `--replicaof`. */
  private readonly masters = new Map<string, string | null>();

  async addNode(name: string, config: Record<string, string> = {}): Promise<void> {
    // The real backend starts redis-server with `--save ""`.
    this.ids.set(name, this.lab.addNode({ name, config: { save: "", ...config } }).id);
  }

  async command(name: string, ...argv: string[]): Promise<Reply> {
    return this.lab.command(this.id(name), ...argv);
  }

  async replicaOf(name: string, master: string | null): Promise<Reply> {
    this.masters.set(name, master);
    return this.lab.replicaOf(this.id(name), master === null ? null : this.id(master));
  }

  async kill(name: string): Promise<void> {
    this.lab.kill(this.id(name));
  }

  async restart(name: string, options: { wipe?: boolean } = {}): Promise<void> {
    // As the real backend's `--replicaof` argument: the node's file names its master.
    const master = this.masters.get(name) ?? null;
    this.lab.persistMaster(this.id(name), master === null ? null : this.id(master));
    this.lab.restart(this.id(name), options);
  }

  async freeze(name: string): Promise<void> {
    this.lab.freeze(this.id(name));
  }

  async thaw(name: string): Promise<void> {
    this.lab.thaw(this.id(name));
  }

  async settle(ms = 0): Promise<void> {
    this.lab.runUntilIdle();
    // Let a cron second pass so that ACKs catch up, as they do on a real server.
    this.lab.advance(Math.max(ms, 1100));
    this.lab.runUntilIdle();
  }

  async sleep(ms: number): Promise<void> {
    this.lab.advance(ms);
  }

  async close(): Promise<void> {}
}

// -------------------------------------------------------------------------------------------------
// Real backend

/** A tiny RESP client over a real socket. */
export class RespClient {
  private readonly parser = new ReplyParser();
  private readonly waiting: ((reply: Reply) => void)[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.parser.push(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length));
      for (;;) {
        const reply = this.parser.next();
        if (reply === undefined) break;
        if (reply.kind === "protocol-error") throw new Error(reply.message);
        this.waiting.shift()?.(reply);
      }
    });
    socket.on("close", () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w({ kind: "error", message: "connection closed" });
    });
    socket.on("error", () => {});
  }

  static connect(port: number): Promise<RespClient> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.once("error", reject);
      socket.connect(port, "127.0.0.1", () => {
        socket.off("error", reject);
        resolve(new RespClient(socket));
      });
    });
  }

  /** Sends one command (string arguments as UTF-8, byte arguments as they are); resolves with its reply. */
  command(...argv: (string | Uint8Array)[]): Promise<Reply> {
    if (this.closed) return Promise.resolve({ kind: "error", message: "connection closed" });
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(encodeCommand(argv.map((a) => (typeof a === "string" ? utf8(a) : a))));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

interface RealNode {
  readonly name: string;
  readonly port: number;
  readonly dir: string;
  readonly config: Record<string, string>;
  process: ChildProcess | null;
  client: RespClient | null;
  replicaOf: string | null;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export function redisServerAvailable(): boolean {
  return ["/usr/bin/redis-server", "/usr/local/bin/redis-server"].some((p) => existsSync(p));
}

export class RealBackend implements Backend {
  readonly kind = "real" as const;
  private readonly nodes = new Map<string, RealNode>();
  private readonly root = mkdtempSync(join(tmpdir(), "replica-lab-real-"));

  async addNode(name: string, config: Record<string, string> = {}): Promise<void> {
    const port = await freePort();
    const dir = join(this.root, name);
    const node: RealNode = { name, port, dir, config, process: null, client: null, replicaOf: null };
    this.nodes.set(name, node);
    await this.start(node);
  }

  private node(name: string): RealNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  private async start(node: RealNode): Promise<void> {
    const { mkdirSync } = await import("node:fs");
    mkdirSync(node.dir, { recursive: true });
    const args = ["--port", String(node.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir", node.dir, "--logfile", join(node.dir, "log")];
    for (const [k, v] of Object.entries(node.config)) args.push(`--${k}`, v);
    if (node.replicaOf) args.push("--replicaof", "127.0.0.1", String(this.node(node.replicaOf).port));
    node.process = spawn("redis-server", args, { stdio: "ignore" });
    for (let i = 0; i < 200; i++) {
      try {
        node.client = await RespClient.connect(node.port);
        const pong = await node.client.command("PING");
        if (pong.kind === "simple") return;
      } catch {
        // not listening yet
      }
      await sleep(25);
    }
    throw new Error(`redis-server on ${node.port} did not start`);
  }

  async command(name: string, ...argv: string[]): Promise<Reply> {
    const node = this.node(name);
    if (!node.client) throw new Error(`${name} is down`);
    return node.client.command(...argv);
  }

  async replicaOf(name: string, master: string | null): Promise<Reply> {
    const node = this.node(name);
    node.replicaOf = master;
    if (master === null) return this.command(name, "REPLICAOF", "NO", "ONE");
    return this.command(name, "REPLICAOF", "127.0.0.1", String(this.node(master).port));
  }

  async kill(name: string): Promise<void> {
    const node = this.node(name);
    node.client?.close();
    node.client = null;
    const proc = node.process;
    node.process = null;
    if (proc && proc.exitCode === null) {
      const exited = new Promise((r) => proc.once("exit", r));
      proc.kill("SIGKILL");
      await exited;
    }
  }

  async restart(name: string, options: { wipe?: boolean } = {}): Promise<void> {
    const node = this.node(name);
    if (node.process) await this.kill(name);
    if (options.wipe) rmSync(join(node.dir, "dump.rdb"), { force: true });
    await this.start(node);
  }

  async freeze(name: string): Promise<void> {
    this.node(name).process?.kill("SIGSTOP");
  }

  async thaw(name: string): Promise<void> {
    this.node(name).process?.kill("SIGCONT");
  }

  /** Polls until every live replica's link is up and its offset equals its master's. */
  async settle(ms = 0): Promise<void> {
    const deadline = Date.now() + 30_000;
    await sleep(Math.max(ms, 1100));
    for (;;) {
      let settled = true;
      for (const node of this.nodes.values()) {
        if (!node.client) continue;
        const fields = parseInfo(await node.client.command("INFO", "replication"));
        if (fields.role !== "slave") continue;
        const master = [...this.nodes.values()].find((n) => String(n.port) === fields.master_port);
        if (!master?.client) continue;
        const mfields = parseInfo(await master.client.command("INFO", "replication"));
        if (fields.master_link_status !== "up" || fields.master_repl_offset !== mfields.master_repl_offset) settled = false;
      }
      if (settled) return;
      if (Date.now() > deadline) throw new Error("real servers did not settle within 30 s");
      await sleep(100);
    }
  }

  async sleep(ms: number): Promise<void> {
    await sleep(ms);
  }

  async close(): Promise<void> {
    for (const node of this.nodes.values()) {
      node.client?.close();
      const proc = node.process;
      if (proc && proc.exitCode === null) {
        proc.kill("SIGCONT");
        proc.kill("SIGKILL");
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
