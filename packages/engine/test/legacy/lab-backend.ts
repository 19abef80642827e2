/**
 * The legacy scenarios' backend on the lab: nodes of the lab's "2.6", "2.8" or "4.0" kind, virtual
 * time instead of real time, and a recording proxy made of the lab's own parts (an outbound
 * connector that forwards a replica's connection to the node behind it through a lab connection,
 * cutting the bytes both ways with the real recorder's cutter). Everything goes through the `Lab`.
 */
import { Lab, ReplyParser, encodeCommand, isNodeVersion, type NodeId, type NodeVersion, type OutboundEvents, type Reply as EngineReply } from "../../src/index.ts";
import { linkAddressOf, replicationSettled, type LegacyBackend, type LegacyProbe, type LegacyProxy } from "./legacy-backend.ts";
import type { LegacyVersion, Reply } from "./legacy-servers.ts";
import { ProxyRecorder, latin1 } from "./recording-proxy.ts";
import type { LegacyRelease } from "./legacy-fixture.ts";

/** The lab kind standing for each recorded release. */
const KIND_OF_RELEASE: Readonly<Record<LegacyRelease, string>> = { "2.6.17": "2.6", "2.8.24": "2.8", "4.0.14": "4.0" };

/** The lab's kind for `release`, or null while the lab has none. */
export function labKindOf(release: LegacyRelease): NodeVersion | null {
  const version = KIND_OF_RELEASE[release];
  return isNodeVersion(version) ? version : null;
}

/** A reply as the recorder's own reader gives it (bulk strings as latin1 text). */
function toRecorderReply(reply: EngineReply): Reply {
  switch (reply.kind) {
    case "simple":
    case "error":
    case "integer":
      return reply;
    case "bulk":
      return { kind: "bulk", value: reply.value === null ? null : latin1.decode(reply.value) };
    case "array":
      return { kind: "array", items: reply.items === null ? null : reply.items.map(toRecorderReply) };
  }
}

const enc = (argv: readonly string[]): Uint8Array => encodeCommand(argv.map((a) => Uint8Array.from(a, (ch) => ch.charCodeAt(0))));

/** How long starting a server takes (the real cluster spawns it and waits for its PONG). */
const START_MS = 37;

/** How long a kill takes to be noticed by the killed node's peers (a few link latencies). */
const KILL_SETTLE_MS = 5;

/** Proxies listen here and up (no lab node does). */
const PROXY_PORT_BASE = 40_000;

interface LabProxy {
  readonly target: string;
  readonly recorder: ProxyRecorder;
}

export class LabLegacyBackend implements LegacyBackend {
  readonly lab: Lab;
  private readonly ids = new Map<string, NodeId>();
  /** What SLAVEOF last pointed each node at (a node's name or a proxy's port), for restarts. */
  private readonly masters = new Map<string, string | number | null>();
  private readonly frozen = new Set<string>();
  private readonly proxies = new Map<number, LabProxy>();

  constructor(
    readonly version: LegacyVersion,
    private readonly kind: NodeVersion,
    private readonly baseConfig: Readonly<Record<string, string>>,
    seed: string,
  ) {
    this.lab = new Lab({ seed });
    this.lab.setOutboundConnector({ open: (address, fromAddress, events) => this.openThroughProxy(address, fromAddress, events) });
  }

  private id(name: string): NodeId {
    const id = this.ids.get(name);
    if (!id) throw new Error(`no node ${name}`);
    return id;
  }

  /**
   * Adds a node as the real cluster starts a server: with a redis.conf of no save points and no
   * AOF, then the scenario's settings, and taking a little while. Real servers started one after
   * the other run their once-a-second crons out of phase, so a replica's ACK does not always just
   * miss its master's PING.
   */
  async addNode(name: string, config: Readonly<Record<string, string>> = {}): Promise<void> {
    this.ids.set(name, this.lab.addNode({ name, version: this.kind, config: { save: "", appendonly: "no", ...this.baseConfig, ...config } }).id);
    this.lab.advance(START_MS);
  }

  names(): string[] {
    return [...this.ids.keys()];
  }

  port(name: string): number {
    return this.lab.nodeSnapshot(this.id(name)).port;
  }

  isUp(name: string): boolean {
    return this.lab.isUp(this.id(name));
  }

  nameOfPort(port: number): string | undefined {
    return this.proxies.get(port)?.target ?? this.names().find((name) => this.port(name) === port);
  }

  async command(name: string, ...argv: string[]): Promise<Reply> {
    return toRecorderReply(this.lab.command(this.id(name), ...argv));
  }

  async slaveOf(name: string, master: string | number | null): Promise<Reply> {
    this.masters.set(name, master);
    if (master === null) return this.command(name, "SLAVEOF", "NO", "ONE");
    return this.command(name, "SLAVEOF", "127.0.0.1", String(typeof master === "number" ? master : this.port(master)));
  }

  linkAddress(on: string, flag: "S" | "M"): Promise<string> {
    return linkAddressOf(this, on, flag);
  }

  /**
   * SIGKILL. The real cluster then waits for the process to exit and its port to refuse
   * connections, time in which its peers see their connections reset: so does this.
   */
  async kill(name: string): Promise<void> {
    this.lab.kill(this.id(name));
    this.frozen.delete(name);
    this.lab.advance(KILL_SETTLE_MS);
  }

  async restart(name: string, options: { readonly wipe?: boolean } = {}): Promise<void> {
    const master = this.masters.get(name) ?? null;
    // As the real cluster writes `slaveof` into the file it restarts a slave from.
    if (typeof master === "number") throw new Error("restarting a node that replicates through a proxy");
    this.lab.persistMaster(this.id(name), master === null ? null : this.id(master));
    if (this.isUp(name)) this.lab.kill(this.id(name));
    this.lab.restart(this.id(name), { wipe: options.wipe === true });
  }

  freeze(name: string): void {
    this.lab.freeze(this.id(name));
    this.frozen.add(name);
  }

  thaw(name: string): void {
    this.lab.thaw(this.id(name));
    this.frozen.delete(name);
  }

  async sleep(ms: number): Promise<void> {
    this.lab.advance(ms);
  }

  async settle(minMs = 1100): Promise<void> {
    this.lab.advance(minMs);
    const live = this.names().filter((name) => this.isUp(name) && !this.frozen.has(name));
    for (let waited = 0; !(await replicationSettled(this, live)); waited += 100) {
      if (waited > 30_000) throw new Error(`the lab's ${this.kind} nodes did not settle within 30 s of virtual time`);
      this.lab.advance(100);
    }
  }

  async connect(name: string): Promise<LegacyProbe> {
    const parser = new ReplyParser();
    const replies: EngineReply[] = [];
    let closed = false;
    const conn = this.lab.openConnection(this.id(name), "127.0.0.1:39999", {
      onData: (bytes) => {
        parser.push(bytes);
        for (let reply = parser.next(); reply !== undefined; reply = parser.next()) {
          if (reply.kind === "protocol-error") throw new Error(reply.message);
          replies.push(reply);
        }
      },
      onClose: () => {
        closed = true;
      },
    });
    return {
      send: async (argv) => {
        if (closed) return { kind: "error", message: "connection closed" };
        conn.send(enc(argv));
        const deadline = this.lab.nowMs + 10_000;
        while (replies.length === 0 && !closed && this.lab.nextEventMs() <= deadline) this.lab.step();
        const reply = replies.shift();
        return reply ? toRecorderReply(reply) : { kind: "error", message: "connection closed" };
      },
      close: () => conn.close(),
    };
  }

  async startProxy(master: string): Promise<LegacyProxy> {
    const port = PROXY_PORT_BASE + this.proxies.size;
    const recorder = new ProxyRecorder();
    this.proxies.set(port, { target: master, recorder });
    return {
      port,
      get frames() {
        return recorder.frames;
      },
      step: (text) => recorder.step(text),
      closeOf: (conn) => recorder.closeOf(conn, async (ms) => this.lab.advance(ms)),
      close: async () => recorder.stop(),
    };
  }

  /** A replica connects to a proxy's port: a lab connection to the node behind it carries its bytes. */
  private openThroughProxy(address: string, fromAddress: string, events: OutboundEvents): { send(bytes: Uint8Array): void; close(): void } | { refused: string } {
    const proxy = this.proxies.get(Number(address.slice(address.lastIndexOf(":") + 1)));
    if (!proxy) return { refused: "Connection refused" };
    const recorded = proxy.recorder.open();
    let open = true;
    const upstream = this.lab.openConnection(this.id(proxy.target), fromAddress, {
      onData: (bytes) => {
        recorded.fromMaster(bytes);
        events.data(bytes);
      },
      onClose: () => {
        recorded.closed("master->replica");
        if (open) events.closed();
        open = false;
      },
    });
    events.opened();
    return {
      send: (bytes) => {
        recorded.fromReplica(bytes);
        upstream.send(bytes);
      },
      close: () => {
        recorded.closed("replica->master");
        open = false;
        upstream.close();
      },
    };
  }

  async close(): Promise<void> {}
}
