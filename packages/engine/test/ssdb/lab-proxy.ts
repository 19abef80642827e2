/**
 * A test-only node kind that stands where the recorder's TCP proxy stood: between a lab slave and
 * its lab master, forwarding whole SSDB packets both ways and keeping every one of them (with its
 * virtual time) in the same shape as the fixture's `wire`, so a lab run and a recording compare
 * message by message. It can cut a connection after N master → slave packets, as the recorder did
 * for the interrupted copy; killing its host makes connection attempts refused.
 */
import type { BootContext, NodeKind, NodeProcess, ProcessViewCommon } from "../../src/process/contract.ts";
import type { ConnId, NodeEffect } from "../../src/process/effects.ts";
import type { WireConnection, WireDirection, WireMessage } from "./fixture-types.ts";
import { decodeRecordHeader, escapeBytes, parsePacket } from "./ssdb-wire.ts";

/** One connection as the proxy saw it (the fixture's `WireConnection`, built as it goes). */
interface ProxyConnection {
  readonly index: number;
  readonly openedMs: number;
  closedMs: number | null;
  closedBy: WireConnection["closedBy"];
  readonly messages: WireMessage[];
  notForwarded: number;
  readonly pending: Record<WireDirection, Uint8Array>;
  readonly slaveConn: ConnId;
  masterConn: ConnId;
  masterUp: boolean;
  /** Slave bytes that arrived before the master side was connected. */
  readonly queued: Uint8Array[];
  cutAfter: number | null;
  masterPackets: number;
  cut: boolean;
}

/** What the tests read and steer, shared by every life of the proxy's host. */
export class ProxyRecorder {
  readonly connections: ProxyConnection[] = [];
  private cutNext: { readonly after: number; readonly then: () => void } | null = null;
  private onCut: (() => void) | null = null;

  constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {}

  /** Cuts the next connection once `after` master → slave packets have been passed on. */
  cutNextConnectionAfter(after: number, then: () => void): void {
    this.cutNext = { after, then };
  }

  /** Every message of connection `index`, in arrival order. */
  messagesOf(index: number): readonly WireMessage[] {
    return this.connections[index]?.messages ?? [];
  }

  get connectionCount(): number {
    return this.connections.length;
  }

  /** The connections in the fixture's shape. */
  wire(): WireConnection[] {
    return this.connections.map((c) => ({
      index: c.index,
      openedMs: c.openedMs,
      closedMs: c.closedMs,
      closedBy: c.closedBy,
      messages: c.messages,
      notForwarded: c.notForwarded,
      omitted: 0,
      trailing: { "slave->master": escapeBytes(c.pending["slave->master"]), "master->slave": escapeBytes(c.pending["master->slave"]) },
    }));
  }

  /** @internal The proxy process opens a record for a new connection. */
  open(nowMs: number, slaveConn: ConnId, masterConn: ConnId): ProxyConnection {
    const cut = this.cutNext;
    this.cutNext = null;
    this.onCut = cut?.then ?? null;
    const connection: ProxyConnection = {
      index: this.connections.length,
      openedMs: nowMs,
      closedMs: null,
      closedBy: null,
      messages: [],
      notForwarded: 0,
      pending: { "slave->master": new Uint8Array(0), "master->slave": new Uint8Array(0) },
      slaveConn,
      masterConn,
      masterUp: false,
      queued: [],
      cutAfter: cut?.after ?? null,
      masterPackets: 0,
      cut: false,
    };
    this.connections.push(connection);
    return connection;
  }

  /** The proxy's host was killed: its open connections end as resets from the master's side. */
  killed(nowMs: number): void {
    for (const c of this.connections) {
      if (c.closedMs !== null) continue;
      c.closedMs = nowMs;
      c.closedBy = { side: "master", how: "rst" };
    }
  }

  /** @internal */
  fireCut(): void {
    const then = this.onCut;
    this.onCut = null;
    then?.();
  }
}

/** A test kind whose process forwards to `recorder.target`. */
export function proxyKind(recorder: ProxyRecorder): NodeKind {
  return {
    version: "test-proxy",
    label: "recording proxy",
    configFile: "proxy.conf",
    initialConfig: () => ({ text: "" }),
    withMaster: (text) => text,
    boot: (context: BootContext) => new ProxyProcess(recorder, context.nowMs),
    downView: () => PROXY_VIEW,
  };
}

const PROXY_VIEW: ProcessViewCommon = { role: "master", masterAddress: null, linkPhase: null, linkUp: false, transferProgress: null, keys: 0, uptimeSec: 0, replicas: [] };

class ProxyProcess implements NodeProcess {
  changeCount = 0;
  private nextConn = 1;
  private readonly effects: NodeEffect[] = [];
  private readonly bySlave = new Map<ConnId, ProxyConnection>();
  private readonly byMaster = new Map<ConnId, ProxyConnection>();

  constructor(
    private readonly recorder: ProxyRecorder,
    _bootMs: number,
  ) {}

  private alloc(): ConnId {
    return this.nextConn++ as ConnId;
  }

  accept(nowMs: number): ConnId {
    const slaveConn = this.alloc();
    const masterConn = this.alloc();
    const connection = this.recorder.open(nowMs, slaveConn, masterConn);
    this.bySlave.set(slaveConn, connection);
    this.byMaster.set(masterConn, connection);
    this.effects.push({ type: "connect", conn: masterConn, host: this.recorder.targetHost, port: this.recorder.targetPort });
    return slaveConn;
  }

  receive(nowMs: number, conn: ConnId, bytes: Uint8Array): void {
    const fromSlave = this.bySlave.get(conn);
    if (fromSlave !== undefined) {
      if (!fromSlave.masterUp) fromSlave.queued.push(bytes);
      else this.carry(nowMs, fromSlave, "slave->master", bytes);
      return;
    }
    const fromMaster = this.byMaster.get(conn);
    if (fromMaster !== undefined) this.carry(nowMs, fromMaster, "master->slave", bytes);
  }

  /** Records and forwards every whole packet in `bytes` (plus what was pending). */
  private carry(nowMs: number, c: ProxyConnection, dir: WireDirection, bytes: Uint8Array): void {
    if (c.cut) {
      if (dir === "master->slave") c.notForwarded += countPackets(bytes);
      return;
    }
    let buffer = concat(c.pending[dir], bytes);
    const to = dir === "slave->master" ? c.masterConn : c.slaveConn;
    for (;;) {
      const parsed = parsePacket(buffer);
      if (parsed.kind === "incomplete") break;
      if (parsed.kind === "not-ssdb") {
        c.messages.push({ framing: "raw", dir, tMs: nowMs, bytes: escapeBytes(buffer) });
        this.effects.push({ type: "send", conn: to, bytes: buffer });
        buffer = new Uint8Array(0);
        break;
      }
      const packet = buffer.subarray(0, parsed.consumed);
      buffer = buffer.subarray(parsed.consumed);
      const first = parsed.blocks[0];
      c.messages.push({
        framing: "ssdb",
        dir,
        tMs: nowMs,
        blocks: parsed.blocks.map(escapeBytes),
        record: dir === "master->slave" && first !== undefined ? decodeRecordHeader(first) : null,
      });
      // Like the recorder: what arrives after a cut is kept but not passed on.
      if (c.cut) {
        if (dir === "master->slave") c.notForwarded++;
        continue;
      }
      this.effects.push({ type: "send", conn: to, bytes: packet.slice() });
      if (dir === "master->slave") {
        c.masterPackets++;
        if (c.cutAfter !== null && c.masterPackets >= c.cutAfter) this.cutConnection(nowMs, c);
      }
    }
    c.pending[dir] = buffer.slice();
  }

  private cutConnection(nowMs: number, c: ProxyConnection): void {
    c.cut = true;
    c.closedMs = nowMs;
    c.closedBy = { side: "proxy", how: "recorder" };
    this.effects.push({ type: "close", conn: c.slaveConn }, { type: "close", conn: c.masterConn });
    this.bySlave.delete(c.slaveConn);
    this.byMaster.delete(c.masterConn);
    this.recorder.fireCut();
  }

  peerClosed(nowMs: number, conn: ConnId): void {
    const fromSlave = this.bySlave.get(conn);
    const c = fromSlave ?? this.byMaster.get(conn);
    if (c === undefined) return;
    if (c.closedMs === null) {
      c.closedMs = nowMs;
      c.closedBy = { side: fromSlave !== undefined ? "slave" : "master", how: "fin" };
    }
    this.effects.push({ type: "close", conn: fromSlave !== undefined ? c.masterConn : c.slaveConn });
    this.bySlave.delete(c.slaveConn);
    this.byMaster.delete(c.masterConn);
  }

  connected(nowMs: number, conn: ConnId): void {
    const c = this.byMaster.get(conn);
    if (c === undefined) return;
    c.masterUp = true;
    for (const bytes of c.queued.splice(0)) this.carry(nowMs, c, "slave->master", bytes);
  }

  connectFailed(nowMs: number, conn: ConnId): void {
    const c = this.byMaster.get(conn);
    if (c === undefined) return;
    c.closedMs = nowMs;
    c.closedBy = { side: "master", how: "rst" };
    this.effects.push({ type: "close", conn: c.slaveConn });
    this.bySlave.delete(c.slaveConn);
    this.byMaster.delete(c.masterConn);
  }

  tick(): void {}

  nextWakeMs(): number {
    return Infinity;
  }

  takeEffects(): NodeEffect[] {
    return this.effects.splice(0);
  }

  view(): ProcessViewCommon {
    return PROXY_VIEW;
  }

  busy(): boolean {
    return false;
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

function countPackets(bytes: Uint8Array): number {
  let count = 0;
  let rest = bytes;
  for (;;) {
    const parsed = parsePacket(rest);
    if (parsed.kind !== "packet") return count;
    count++;
    rest = rest.subarray(parsed.consumed);
  }
}
