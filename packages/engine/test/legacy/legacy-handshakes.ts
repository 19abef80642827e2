/**
 * Handshake captures: a replica talks to its master through a recording proxy while the recorder
 * drives a small story (first sync, reconnect after a killed link, promotion in a chain, a link
 * dropped above a sub-replica, master PINGs). The frames are stored byte for byte except ids, ports, RDB payloads and the timing of the
 * periodic ones, which are marked.
 */
import type { HandshakeFrame, HandshakeName, HandshakeRecord, RdbSummary } from "./legacy-fixture.ts";
import { IdClasses, namePorts } from "./legacy-observe.ts";
import { QUIET_CONFIG } from "./legacy-scenarios.ts";
import { infoEntries } from "./legacy-servers.ts";
import type { LegacyBackend, LegacyProxy } from "./legacy-backend.ts";
import { latin1, type RawFrame } from "./recording-proxy.ts";

const hex = (bytes: Uint8Array): string => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");

/** RDB_OPCODE_AUX: a key/value pair of metadata before the data (RDB 7 on). */
const RDB_OPCODE_AUX = 0xfa;

/** An RDB length-prefixed string at `at` (lengths and int encodings as rdbLoadLen/rdbGenericLoadStringObject read them). */
function rdbString(bytes: Uint8Array, at: number): { readonly value: string; readonly end: number } {
  const first = bytes[at] ?? 0;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tagged = (length: number, from: number): { value: string; end: number } => ({ value: latin1.decode(bytes.subarray(from, from + length)), end: from + length });
  switch (first >> 6) {
    case 0:
      return tagged(first & 0x3f, at + 1);
    case 1:
      return tagged(((first & 0x3f) << 8) | (bytes[at + 1] ?? 0), at + 2);
    case 2:
      return tagged(view.getUint32(at + 1), at + 5);
    default:
      switch (first & 0x3f) {
        case 0:
          return { value: String(view.getInt8(at + 1)), end: at + 2 };
        case 1:
          return { value: String(view.getInt16(at + 1, true)), end: at + 3 };
        case 2:
          return { value: String(view.getInt32(at + 1, true)), end: at + 5 };
        default:
          throw new Error(`RDB string encoding ${first & 0x3f} in an aux field`);
      }
  }
}

function summarizeRdb(payload: Uint8Array, ids: IdClasses): RdbSummary {
  const magic = latin1.decode(payload.subarray(0, 9));
  const aux: Record<string, string> = {};
  let at = 9;
  while (payload[at] === RDB_OPCODE_AUX) {
    const key = rdbString(payload, at + 1);
    const value = rdbString(payload, key.end);
    at = value.end;
    aux[key.value] = key.value === "ctime" ? "<unixtime>" : key.value === "used-mem" ? "<bytes>" : key.value === "repl-id" ? ids.of(value.value) : value.value;
  }
  return { bytes: payload.length, magic, aux, ...(magic === "REDIS0006" ? { hex: hex(payload) } : {}) };
}

/** The frame kinds a cron emits on a timer: how many and what ACKs carry depend on timing. */
const PERIODIC_KINDS = new Set(["ack", "ping", "newline"]);

function normalizeFrames(raw: readonly RawFrame[], ids: IdClasses, cluster: LegacyBackend): HandshakeFrame[] {
  const text = (bytes: Uint8Array): string => namePorts(ids.inText(latin1.decode(bytes)), cluster);
  const frames = raw.map((frame): HandshakeFrame => {
    switch (frame.kind) {
      case "step":
      case "connect":
      case "close":
        return frame;
      case "rdb": {
        const rdb = summarizeRdb(frame.payload, ids);
        return { kind: "rdb", conn: frame.conn, dir: frame.dir, text: `${latin1.decode(frame.header)}<RDB ${rdb.bytes} bytes ${rdb.magic}>`, rdb };
      }
      default:
        return { kind: frame.kind, conn: frame.conn, dir: frame.dir, text: text(frame.bytes), ...(PERIODIC_KINDS.has(frame.kind) ? { periodic: true as const } : {}) };
    }
  });
  return markRepeatedConnections(frames);
}

/** The non-periodic data of one connection, as one string to compare connections by. */
function connectionSignature(frames: readonly HandshakeFrame[], conn: number): string {
  return frames
    .filter((f) => f.kind !== "step" && f.conn === conn && !("periodic" in f && f.periodic))
    .map((f) => `${f.kind}:${"dir" in f ? f.dir : ""}:${"text" in f ? f.text : ""}`)
    .join("|");
}

/**
 * A connection that repeats the one before it exactly and ended the same way is a cron retry (2.6's
 * refused SYNCs while the master has no master): how many there are depends on timing.
 */
function markRepeatedConnections(frames: HandshakeFrame[]): HandshakeFrame[] {
  const conns = [...new Set(frames.flatMap((f) => (f.kind === "step" ? [] : [f.conn])))];
  const repeated = new Set(conns.filter((conn, i) => i > 0 && connectionSignature(frames, conn) === connectionSignature(frames, conns[i - 1]!)));
  return frames.map((f) => (f.kind !== "step" && repeated.has(f.conn) ? { ...f, periodic: true as const } : f));
}

/** What a capture drives: the servers, the proxy, the step log. */
class CaptureRun {
  readonly ids = new IdClasses();
  private proxy: LegacyProxy | null = null;

  constructor(readonly cluster: LegacyBackend) {}

  /** Starts the proxy in front of `master` and returns its port (known to the cluster as `master`'s). */
  async proxyTo(master: string): Promise<number> {
    if (this.proxy) throw new Error("one proxy per capture");
    this.proxy = await this.cluster.startProxy(master);
    return this.proxy.port;
  }

  /** Makes `replica` a slave of the proxy in front of `master` and lets it sync. */
  async attachThroughProxy(replica: string, master: string): Promise<void> {
    const port = await this.proxyTo(master);
    this.step(`${replica}: SLAVEOF the proxy in front of ${master}`);
    await this.cluster.slaveOf(replica, port);
    await this.cluster.settle();
  }

  /** Sets keys on `name` before anything is recorded. */
  async preload(name: string, keys: readonly string[]): Promise<void> {
    for (const key of keys) await this.cluster.command(name, "SET", key, `v${key.slice(1)}`);
  }

  /** Waits until the proxy saw connection `conn` close. */
  async closeOf(conn: number): Promise<void> {
    if (!this.proxy) throw new Error("no proxy");
    await this.proxy.closeOf(conn);
  }

  step(text: string): void {
    this.proxy?.step(text);
  }

  /** Runs a command that must succeed, noting it as a step. */
  async act(name: string, ...argv: string[]): Promise<void> {
    this.step(`${name}: ${argv.join(" ")}`);
    const reply = await this.cluster.command(name, ...argv);
    if (reply.kind === "error") throw new Error(`${name} ${argv.join(" ")}: ${reply.message}`);
  }

  /** Each live node's run_id and (4.0) master_replid / master_replid2, as classes. */
  async idSnapshot(): Promise<Record<string, Record<string, string>>> {
    const snapshot: Record<string, Record<string, string>> = {};
    for (const name of this.cluster.names().filter((n) => this.cluster.isUp(n))) {
      const ids: Record<string, string> = {};
      for (const section of ["server", "replication"]) {
        for (const [field, value] of infoEntries(await this.cluster.command(name, "INFO", section))) {
          if (field === "run_id" || field === "master_replid" || field === "master_replid2") ids[field] = this.ids.of(value);
        }
      }
      snapshot[name] = ids;
    }
    return snapshot;
  }

  /** Closes the proxy (if one was started) and returns what it recorded. */
  async finish(): Promise<RawFrame[]> {
    const proxy = this.proxy;
    this.proxy = null;
    if (!proxy) return [];
    await proxy.close();
    return [...proxy.frames];
  }
}

interface Capture {
  readonly description: string;
  readonly config: Readonly<Record<string, string>>;
  readonly nodes: readonly string[];
  readonly run: (c: CaptureRun) => Promise<void>;
}

/** B's first sync from A (holding x1 and x2) through the proxy, then one SET. */
async function firstSyncThroughProxy(c: CaptureRun): Promise<void> {
  await c.preload("A", ["x1", "x2"]);
  await c.attachThroughProxy("B", "A");
  await c.act("A", "SET", "w1", "v1");
  await c.cluster.settle();
}

/** A holds x1 and x2; B replicates A directly; C replicates B through the proxy. */
async function chainThroughProxy(c: CaptureRun): Promise<void> {
  await c.preload("A", ["x1", "x2"]);
  await c.cluster.slaveOf("B", "A");
  await c.cluster.settle();
  await c.attachThroughProxy("C", "B");
}

/**
 * B frozen, its link killed by A (CLIENT KILL by address), SET w2 v2 on A, B thawed and settled.
 * When that link is the proxied one, the close is awaited so that it is recorded before the SET.
 */
async function dropBsLinkWhileFrozen(c: CaptureRun, proxied: boolean): Promise<void> {
  c.step("B frozen (SIGSTOP)");
  c.cluster.freeze("B");
  const addr = await c.cluster.linkAddress("A", "S");
  c.step("A: CLIENT KILL <B's link>");
  await c.cluster.command("A", "CLIENT", "KILL", addr);
  if (proxied) await c.closeOf(1);
  await c.act("A", "SET", "w2", "v2");
  c.step("B thawed (SIGCONT)");
  c.cluster.thaw("B");
  await c.cluster.settle();
}

const CAPTURES: Readonly<Record<HandshakeName, Capture>> = {
  firstSync: {
    description: "(a) Empty B syncs from A holding x1=v1 and x2=v2, through the proxy; then SET w1 v1 on A.",
    config: QUIET_CONFIG,
    nodes: ["A", "B"],
    run: firstSyncThroughProxy,
  },
  reconnect: {
    description:
      "(b) As (a); then B is frozen (SIGSTOP), A kills the replica connection (CLIENT KILL by address, the proxy passes the close on), SET w2 v2 runs on A, B is thawed and reconnects at its next cron; then SET w3 v3.",
    config: QUIET_CONFIG,
    nodes: ["A", "B"],
    async run(c) {
      await firstSyncThroughProxy(c);
      await dropBsLinkWhileFrozen(c, true);
      await c.act("A", "SET", "w3", "v3");
      await c.cluster.settle();
    },
  },
  promotion: {
    description:
      "(c) A holds x1, x2; B replicates A directly; C replicates B through the proxy; SET w1 v1 on A. A is killed (SIGKILL), 2.5 s pass, B gets SLAVEOF NO ONE, then SET n1 v1 on B.",
    config: QUIET_CONFIG,
    nodes: ["A", "B", "C"],
    async run(c) {
      await chainThroughProxy(c);
      await c.act("A", "SET", "w1", "v1");
      await c.cluster.settle();
      c.step("A killed (SIGKILL)");
      await c.cluster.kill("A");
      await c.cluster.sleep(2500);
      await c.act("B", "SLAVEOF", "NO", "ONE");
      await c.cluster.settle();
      await c.act("B", "SET", "n1", "v1");
      await c.cluster.settle();
    },
  },
  chainDrop: {
    description:
      "A holds x1, x2; B replicates A directly; C replicates B through the proxy. B is frozen, A kills B's link, SET w2 v2 runs on A, B is thawed: what C sees (2.6: B drops C, refuses its SYNC while B resyncs, then a full SYNC; 2.8/4.0: nothing but the SET).",
    config: QUIET_CONFIG,
    nodes: ["A", "B", "C"],
    async run(c) {
      await chainThroughProxy(c);
      await dropBsLinkWhileFrozen(c, false);
      await c.cluster.sleep(1500);
    },
  },
  pings: {
    description:
      "repl-ping-slave-period 1 (a small cousin of the reference's case d): B syncs from A holding x1 through the proxy, 3.5 s pass (master PINGs, ACKs), SET p1 v1 on A, 1 s passes.",
    config: { "repl-ping-slave-period": "1" },
    nodes: ["A", "B"],
    async run(c) {
      await c.preload("A", ["x1"]);
      await c.attachThroughProxy("B", "A");
      await c.cluster.sleep(3500);
      await c.act("A", "SET", "p1", "v1");
      await c.cluster.sleep(1000);
    },
  },
};

export const HANDSHAKE_NAMES = Object.keys(CAPTURES) as HandshakeName[];

/** Runs one capture on a fresh cluster made by `makeCluster(config)`, closing it afterwards. */
export async function captureHandshake(name: HandshakeName, makeCluster: (config: Readonly<Record<string, string>>) => LegacyBackend): Promise<HandshakeRecord> {
  const capture = CAPTURES[name];
  const cluster = makeCluster(capture.config);
  const run = new CaptureRun(cluster);
  try {
    for (const node of capture.nodes) await cluster.addNode(node);
    const idsAtStart = await run.idSnapshot();
    await capture.run(run);
    const idsAtEnd = await run.idSnapshot();
    const frames = normalizeFrames(await run.finish(), run.ids, cluster);
    return { description: capture.description, config: capture.config, idsAtStart, idsAtEnd, frames };
  } finally {
    await run.finish();
    await cluster.close();
  }
}
