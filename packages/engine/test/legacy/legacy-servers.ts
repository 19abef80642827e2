/**
 * Real legacy redis-server processes (2.6.17, 2.8.24, 4.0.14) on loopback for the legacy recorder:
 * each node gets a free port, its own directory and a redis.conf written at every start, and is
 * stopped by its PID. Nothing here builds a server; the binary path comes from the caller.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LegacyRelease } from "./legacy-fixture.ts";
import { linkAddressOf, replicationSettled, type LegacyBackend, type LegacyProbe, type LegacyProxy } from "./legacy-backend.ts";
import { RecordingProxy } from "./recording-proxy.ts";
import { freePort, waitUntilClosed } from "@replica-lab/testing";
export { freePort };

/** What differs between the legacy releases, as far as driving them goes. */
export interface LegacyVersion {
  readonly release: LegacyRelease;
  /** The environment variable holding the redis-server binary's path. */
  readonly binEnv: "REDIS_2_6_BIN" | "REDIS_2_8_BIN" | "REDIS_4_0_BIN";
  /** PSYNC, offsets and a backlog (2.8 on). Without them only keyspaces tell whether a replica caught up. */
  readonly hasBacklog: boolean;
  /** `CLIENT KILL TYPE slave` (2.8.12 on); 2.6 kills by address only. */
  readonly clientKillByType: boolean;
}

export const LEGACY_VERSIONS: readonly LegacyVersion[] = [
  { release: "2.6.17", binEnv: "REDIS_2_6_BIN", hasBacklog: false, clientKillByType: false },
  { release: "2.8.24", binEnv: "REDIS_2_8_BIN", hasBacklog: true, clientKillByType: true },
  { release: "4.0.14", binEnv: "REDIS_4_0_BIN", hasBacklog: true, clientKillByType: true },
];

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A reply as the recorder sees it. The recorder carries its own small RESP reader rather than the
 * engine's, so recording does not depend on the code it is meant to check.
 */
export type Reply =
  | { readonly kind: "simple"; readonly value: string }
  | { readonly kind: "error"; readonly message: string }
  | { readonly kind: "integer"; readonly value: number }
  | { readonly kind: "bulk"; readonly value: string | null }
  | { readonly kind: "array"; readonly items: readonly Reply[] | null };

/** One whole reply at `at` in `text` (latin1, one char per byte) and where it ends; undefined if incomplete. */
function readReply(text: string, at: number): { readonly reply: Reply; readonly end: number } | undefined {
  const eol = text.indexOf("\r\n", at);
  if (eol < 0) return undefined;
  const line = text.slice(at + 1, eol);
  const next = eol + 2;
  switch (text[at]) {
    case "+":
      return { reply: { kind: "simple", value: line }, end: next };
    case "-":
      return { reply: { kind: "error", message: line }, end: next };
    case ":":
      return { reply: { kind: "integer", value: Number(line) }, end: next };
    case "$": {
      const size = Number(line);
      if (size < 0) return { reply: { kind: "bulk", value: null }, end: next };
      if (text.length < next + size + 2) return undefined;
      return { reply: { kind: "bulk", value: text.slice(next, next + size) }, end: next + size + 2 };
    }
    case "*": {
      const count = Number(line);
      if (count < 0) return { reply: { kind: "array", items: null }, end: next };
      const items: Reply[] = [];
      let end = next;
      for (let i = 0; i < count; i++) {
        const item = readReply(text, end);
        if (!item) return undefined;
        items.push(item.reply);
        end = item.end;
      }
      return { reply: { kind: "array", items }, end };
    }
    default:
      throw new Error(`not a RESP reply: ${JSON.stringify(text.slice(at, at + 40))}`);
  }
}

/** A RESP array of bulk strings, as a client sends a command. */
function encodeArgv(argv: readonly string[]): Buffer {
  const parts = [`*${argv.length}\r\n`];
  for (const arg of argv) parts.push(`$${Buffer.byteLength(arg)}\r\n${arg}\r\n`);
  return Buffer.from(parts.join(""));
}

/** A client connection that sends commands as RESP arrays and matches replies in order. */
export class LegacyClient {
  private buffered = "";
  private readonly pending: ((reply: Reply) => void)[] = [];
  private open = true;

  private constructor(private readonly socket: Socket) {
    socket.on("data", (chunk: Buffer) => {
      this.buffered += chunk.toString("latin1");
      for (let read = readReply(this.buffered, 0); read; read = readReply(this.buffered, 0)) {
        this.buffered = this.buffered.slice(read.end);
        this.pending.shift()?.(read.reply);
      }
    });
    socket.on("close", () => {
      this.open = false;
      for (const answer of this.pending.splice(0)) answer({ kind: "error", message: "connection closed" });
    });
    socket.on("error", () => {});
  }

  static connect(port: number): Promise<LegacyClient> {
    return new Promise((resolve, reject) => {
      const socket = new Socket();
      socket.once("error", reject);
      socket.connect(port, "127.0.0.1", () => {
        socket.off("error", reject);
        resolve(new LegacyClient(socket));
      });
    });
  }

  send(argv: readonly string[]): Promise<Reply> {
    if (!this.open) return Promise.resolve({ kind: "error", message: "connection closed" });
    return new Promise((resolve) => {
      this.pending.push(resolve);
      this.socket.write(encodeArgv(argv));
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** INFO text as ordered `[field, value]` pairs (section headers and blank lines dropped). */
export function infoEntries(reply: Reply): [string, string][] {
  if (reply.kind !== "bulk" || reply.value === null) throw new Error(`INFO answered ${JSON.stringify(reply)}`);
  const entries: [string, string][] = [];
  for (const line of reply.value.split("\r\n")) {
    const colon = line.indexOf(":");
    if (colon > 0 && !line.startsWith("#")) entries.push([line.slice(0, colon), line.slice(colon + 1)]);
  }
  return entries;
}

/** A master's view of one attached slave, from a `slaveN` line of either format. */
export interface SlaveLine {
  readonly port: number;
  readonly state: string;
  /** The offset the slave last ACKed (2.8 on). */
  readonly offset?: number;
}

/** Parses 2.6's `127.0.0.1,6512,online` and 2.8+'s `ip=127.0.0.1,port=6522,state=online,offset=53,lag=0`. */
export function parseSlaveLine(value: string): SlaveLine {
  if (!value.includes("=")) {
    const [, port, state] = value.split(",");
    return { port: Number(port), state: state ?? "" };
  }
  const fields = new Map(value.split(",").map((pair) => pair.split("=") as [string, string]));
  const offset = fields.get("offset");
  return { port: Number(fields.get("port")), state: fields.get("state") ?? "", ...(offset === undefined ? {} : { offset: Number(offset) }) };
}

interface LegacyNode {
  readonly name: string;
  readonly port: number;
  readonly dir: string;
  readonly config: Readonly<Record<string, string>>;
  process: ChildProcess | null;
  client: LegacyClient | null;
  /** The port SLAVEOF last pointed at (a node's or a proxy's); written into redis.conf at a restart. */
  masterPort: number | null;
  frozen: boolean;
}

/** A set of named legacy servers of one release. */
export class LegacyCluster implements LegacyBackend {
  private readonly nodes = new Map<string, LegacyNode>();
  private readonly root = mkdtempSync(join(tmpdir(), "replica-lab-legacy-"));
  /** Ports that lead to a node without being its own (recording proxies). */
  private readonly aliases = new Map<number, string>();

  constructor(
    readonly version: LegacyVersion,
    private readonly binary: string,
    /** Settings every node gets before its own. */
    private readonly baseConfig: Readonly<Record<string, string>>,
  ) {}

  async addNode(name: string, config: Readonly<Record<string, string>> = {}): Promise<void> {
    const node: LegacyNode = { name, port: await freePort(), dir: join(this.root, name), config, process: null, client: null, masterPort: null, frozen: false };
    this.nodes.set(name, node);
    await this.start(node);
  }

  private node(name: string): LegacyNode {
    const node = this.nodes.get(name);
    if (!node) throw new Error(`no node ${name}`);
    return node;
  }

  names(): string[] {
    return [...this.nodes.keys()];
  }

  port(name: string): number {
    return this.node(name).port;
  }

  isUp(name: string): boolean {
    return this.node(name).client !== null;
  }

  /** Records that `port` (a proxy's) leads to `name`, so settling can follow a replica through it. */
  alias(port: number, name: string): void {
    this.aliases.set(port, name);
  }

  /** The node a port leads to, directly or through an alias. */
  nameOfPort(port: number): string | undefined {
    return this.aliases.get(port) ?? [...this.nodes.values()].find((n) => n.port === port)?.name;
  }

  private configText(node: LegacyNode): string {
    // `dir` first: 2.6 applies it with chdir while reading, and the rest is relative to nothing.
    const settings: [string, string][] = [
      ["dir", node.dir],
      ["port", String(node.port)],
      ["bind", "127.0.0.1"],
      ["daemonize", "no"],
      ["logfile", join(node.dir, "log")],
      ["save", '""'],
      ["appendonly", "no"],
      ...Object.entries(this.baseConfig),
      ...Object.entries(node.config),
    ];
    if (node.masterPort !== null) settings.push(["slaveof", `127.0.0.1 ${node.masterPort}`]);
    return settings.map(([key, value]) => `${key} ${value}\n`).join("");
  }

  private async start(node: LegacyNode): Promise<void> {
    mkdirSync(node.dir, { recursive: true });
    const configFile = join(node.dir, "redis.conf");
    writeFileSync(configFile, this.configText(node));
    const child = spawn(this.binary, [configFile], { stdio: "ignore", cwd: node.dir });
    node.process = child;
    for (let attempt = 0; attempt < 400; attempt++) {
      if (child.exitCode !== null) throw new Error(`${node.name} (${this.version.release}) exited at start: see ${node.dir}/log`);
      try {
        const client = await LegacyClient.connect(node.port);
        const pong = await client.send(["PING"]);
        if (pong.kind === "simple") {
          node.client = client;
          return;
        }
        client.close();
      } catch {
        // Not listening yet.
      }
      await sleep(25);
    }
    throw new Error(`${node.name} did not start on ${node.port}`);
  }

  command(name: string, ...argv: string[]): Promise<Reply> {
    const client = this.node(name).client;
    if (!client) throw new Error(`${name} is down`);
    return client.send(argv);
  }

  /** SLAVEOF a node by name, or a bare port (a proxy), or NO ONE. */
  slaveOf(name: string, master: string | number | null): Promise<Reply> {
    const node = this.node(name);
    if (master === null) {
      node.masterPort = null;
      return this.command(name, "SLAVEOF", "NO", "ONE");
    }
    node.masterPort = typeof master === "number" ? master : this.port(master);
    return this.command(name, "SLAVEOF", "127.0.0.1", String(node.masterPort));
  }

  /** The address of the one connection on `on` flagged S (an attached slave) or M (its master link). */
  linkAddress(on: string, flag: "S" | "M"): Promise<string> {
    return linkAddressOf(this, on, flag);
  }

  /** SIGKILL by PID (a crash: nothing saved), then wait until its port refuses connections. */
  async kill(name: string): Promise<void> {
    const node = this.node(name);
    node.client?.close();
    node.client = null;
    const child = node.process;
    node.process = null;
    if (child && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    }
    node.frozen = false;
    await waitUntilClosed(node.port);
  }

  /** Starts a killed node from its redis.conf (with `slaveof` if it was a slave) and its disk. */
  async restart(name: string, options: { readonly wipe?: boolean } = {}): Promise<void> {
    const node = this.node(name);
    if (node.process) await this.kill(name);
    if (options.wipe) rmSync(join(node.dir, "dump.rdb"), { force: true });
    await this.start(node);
  }

  /** SIGSTOP: the process keeps its sockets but runs nothing, as a frozen VM would. */
  freeze(name: string): void {
    const node = this.node(name);
    node.process?.kill("SIGSTOP");
    node.frozen = true;
  }

  thaw(name: string): void {
    const node = this.node(name);
    node.process?.kill("SIGCONT");
    node.frozen = false;
  }

  /** Waits at least `minMs`, then until replication has settled (`replicationSettled`). */
  async settle(minMs = 1100): Promise<void> {
    await sleep(minMs);
    const deadline = Date.now() + 30_000;
    const live = (): string[] => [...this.nodes.values()].filter((n) => n.client && !n.frozen).map((n) => n.name);
    while (!(await replicationSettled(this, live()))) {
      if (Date.now() > deadline) throw new Error(`${this.version.release} servers did not settle within 30 s`);
      await sleep(100);
    }
  }

  sleep(ms: number): Promise<void> {
    return sleep(ms);
  }

  async connect(name: string): Promise<LegacyProbe> {
    return LegacyClient.connect(this.port(name));
  }

  /** A recording proxy on a free port in front of `master`, known to the cluster as `master`'s. */
  async startProxy(master: string): Promise<LegacyProxy> {
    const proxy = await RecordingProxy.start(this.port(master));
    this.alias(proxy.port, master);
    return proxy;
  }

  /** Kills every process still running (by PID) and removes the directories. */
  async close(): Promise<void> {
    for (const node of this.nodes.values()) {
      node.client?.close();
      const child = node.process;
      if (child && child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGCONT");
        child.kill("SIGKILL");
        await exited;
      }
    }
    rmSync(this.root, { recursive: true, force: true });
  }
}
