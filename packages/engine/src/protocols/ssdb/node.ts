/**
 * A sans-IO ssdb-server 1.9.8 process: its own sorted storage and binlog, SSDB's framing (and the
 * Redis protocol) on its client port, the master side of `sync140` (upstream or seed 002), and one
 * slave link per `replication.slaveof`. It is not a Redis node: nothing here is shared with
 * `RedisNode` but the process contract.
 *
 * Threads of the real server become timers in virtual time: the binlog cleaner (50 ms), the
 * expiration loop (10 ms), each master link's loop (300 ms idle ticks), each slave link's connect
 * and receive loops, and seed 002's snapshot cleanup (30 s).
 */
import type { BootContext, NodeProcess, PeerProbe } from "../../process/contract.ts";
import type { SimDisk } from "../../process/disk.ts";
import type { ConnId, NodeEffect } from "../../process/effects.ts";
import type { TraceEvent } from "../../process/trace.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import { BinlogType, CLEANER_PERIOD_MS, DEFAULT_BINLOG_CAPACITY } from "./binlog.ts";
import { blockBytes, lookupCommand, type CommandHost, type ReplyBlock } from "./commands.ts";
import { parseSsdbConf, settingsOf, type SsdbSettings } from "./config.ts";
import { SsdbDatabase } from "./database.ts";
import { ByteWriter, copyInto } from "./disk-log.ts";
import { encodeKvKeyOf, ssdbEscape } from "./keys.ts";
import { UpstreamMasterLink, parseSync140, type MasterHost, type MasterLink } from "./master-link.ts";
import { MetaStore } from "./meta.ts";
import { convertRedisRequest, encodeRedisReply, type ConvertedRequest } from "./redis-adapter.ts";
import { SlaveLink, type SlaveHost, type SlaveLinkConfig } from "./slave.ts";
import { SnapshotMasterLink, SnapshotRegistry } from "./snapshot-master.ts";
import type { SsdbView } from "./view.ts";
import { encodePacket, LinkReader, Scan, spanEquals } from "./wire.ts";

/** The Redis replies of a `set` (`redisSet`): `ok` as the table's status type, and `error`. */
const REDIS_OK_REPLY = asciiBytes("+OK\r\n");
const REDIS_ERROR_REPLY = asciiBytes("-ERR \r\n");

/** The buffer a node gathers a send's pieces in (`sendBytes`), and the most it keeps between sends. */
const SEND_BUFFER_BYTES = 1024;
const MAX_KEPT_SEND_BUFFER_BYTES = 64 * 1024;

/** Lab-only meta hash: the slaves this dataset has sent data to (LAB-1). */
const SERVED_PEERS = "lab.served";

/** `SSDB_VERSION` of the recorded build. */
export const SSDB_VERSION = "1.9.8";

/** `info`'s fixed `leveldb.stats` text while no table file exists. */
const LEVELDB_STATS = "                               Compactions\nLevel  Files Size(MB) Time(sec) Read(MB) Write(MB)\n--------------------------------------------------\n";

/** A client connection (not yet, or never, a slave's `sync140`). */
interface ClientConn {
  readonly conn: ConnId;
  readonly peer: string;
  readonly reader: LinkReader;
  /** A Redis request was seen: replies are RESP from now on (`Link::redis`). */
  redis: boolean;
  /** Still a client connection (false once closed, or become a master link). */
  open: boolean;
  /** The encoded key of the Redis SET read last, when nothing else was read after it (`setAgain`). */
  setKey: string | null;
  /** That SET wrote its value (status 1). */
  setWrote: boolean;
}

export interface SsdbNodeOptions {
  readonly context: BootContext;
  readonly configFile: string;
}

export class SsdbNode implements NodeProcess<SsdbView> {
  readonly host: string;
  readonly port: number;
  readonly pid: number;
  readonly disk: SimDisk;
  readonly settings: SsdbSettings;
  readonly db: SsdbDatabase;
  readonly meta: MetaStore;
  readonly startMs: number;
  readonly epochMs: number;
  nowMs: number;
  changeCount = 0;
  /** `total_calls`: commands run (unknown commands and `sync140` are not counted). */
  totalCalls = 0;

  private readonly clients = new Map<ConnId, ClientConn>();
  /** Master links in creation order (`info` lists the newest first). */
  private masterLinks: MasterLink[] = [];
  private readonly masterConns = new Map<ConnId, MasterLink>();
  readonly slaves: SlaveLink[] = [];
  private readonly snapshots: SnapshotRegistry;
  private readonly effects: NodeEffect[] = [];
  /** The encoded key of the last Redis SET (`redisSet`: the next one for that key reuses it). */
  private lastSetKey = "";
  /**
   * Bytes written to one connection since the last other effect (`sendBytes`): the first piece
   * as it was given, and once a second comes, all of them gathered in `sendBuffer`.
   */
  private openConn: ConnId | null = null;
  private openFirst: Uint8Array | null = null;
  private sendBuffer = new ByteWriter(SEND_BUFFER_BYTES);
  private sendGathered = false;
  private nextConnId = 1;
  private lastCleanerCheckMs = -Infinity;
  private readonly masterHost: MasterHost;
  private readonly slaveHost: SlaveHost;
  private readonly commandHost: CommandHost;

  constructor(options: SsdbNodeOptions) {
    const context = options.context;
    this.host = context.hostname;
    this.port = context.port;
    this.pid = context.pid;
    this.disk = context.disk;
    this.nowMs = context.nowMs;
    this.startMs = context.nowMs;
    this.epochMs = context.epochMs;
    const parsed = parseSsdbConf(context.disk.readText(options.configFile) ?? "");
    const root = parsed.ok ? parsed.root : { key: "root", value: "", children: [] };
    this.settings = settingsOf(root, DEFAULT_BINLOG_CAPACITY);
    if (!parsed.ok) this.trace({ kind: "warning", code: "bad-config-file", message: `${options.configFile} line ${parsed.line}: ${parsed.message}; started with the defaults` });
    this.db = new SsdbDatabase(context.disk, { capacity: this.settings.binlogCapacity, binlogEnabled: this.settings.binlogEnabled });
    this.db.deferDiskWrites = true;
    this.meta = new MetaStore(context.disk);
    this.snapshots = new SnapshotRegistry(this.startMs);
    // Classes rather than closures: a lab fork copies the node's graph as data (lab/fork.ts).
    this.masterHost = new NodeMasterHost(this);
    this.slaveHost = new NodeSlaveHost(this);
    this.commandHost = new NodeCommandHost(this);
    for (const conf of this.settings.slaveOf) {
      this.addSlave({ id: conf.id, host: conf.host, port: conf.port, mirror: conf.type === "mirror", auth: conf.auth, recvTimeoutSec: conf.recvTimeoutSec }, null);
    }
    this.runTimers();
  }

  // -------------------------------------------------------------------------------------------
  // Time

  /** Unix time in ms (`time_ms()`). */
  unixMs(): number {
    return Math.floor(this.epochMs + this.nowMs);
  }

  uptimeSec(): number {
    return Math.floor((this.nowMs - this.startMs) / 1000);
  }

  private enter(nowMs: number): void {
    if (nowMs < this.nowMs) throw new Error(`time went backwards: ${nowMs} < ${this.nowMs}`);
    this.nowMs = nowMs;
  }

  // -------------------------------------------------------------------------------------------
  // Effects

  /** A new connection id (for the links' hosts below). */
  allocConn(): ConnId {
    return this.nextConnId++ as ConnId;
  }

  /** Queues an effect for the host (for the links' hosts below). */
  emit(effect: NodeEffect): void {
    this.endSend();
    this.effects.push(effect);
  }

  /**
   * Queues bytes for a connection. Writes that follow one another on the same connection, with no
   * other effect between them, leave as one send: a master link flushes after every record, and a
   * pipeline gets a reply per request, and each of those as a delivery of its own cost the world an
   * event and the peer a node step per packet. The bytes, their order and their time are the same
   * (they were all written at this instant); only the pieces the reader is handed are bigger, as
   * a socket's reader gets what accumulated since its last read.
   */
  sendBytes(conn: ConnId, bytes: Uint8Array): void {
    if (bytes.length === 0) return;
    if (this.openConn === conn) {
      const buffer = this.sendBuffer;
      if (!this.sendGathered) {
        this.sendGathered = true;
        appendBytes(buffer, this.openFirst!);
      }
      appendBytes(buffer, bytes);
      return;
    }
    this.endSend();
    this.openConn = conn;
    this.openFirst = bytes;
  }

  /** `sendBytes(conn, bytes)` `count` times. */
  private sendRepeated(conn: ConnId, bytes: Uint8Array, count: number): void {
    if (count <= 0 || bytes.length === 0) return;
    this.sendBytes(conn, bytes);
    if (count === 1) return;
    const buffer = this.sendBuffer;
    if (!this.sendGathered) {
      this.sendGathered = true;
      appendBytes(buffer, this.openFirst!);
    }
    // The copies one after another, by doubling.
    const total = bytes.length * (count - 1);
    const buf = buffer.room(total);
    const at = buffer.length;
    copyInto(buf, at, bytes);
    for (let filled = bytes.length; filled < total; ) {
      const n = Math.min(filled, total - filled);
      buf.copyWithin(at + filled, at, at + n);
      filled += n;
    }
    buffer.seal(at + total);
  }

  /** The send being gathered becomes an effect (before any other effect, and when taken). */
  private endSend(): void {
    const conn = this.openConn;
    if (conn === null) return;
    let bytes = this.openFirst!;
    if (this.sendGathered) {
      // A copy of its own: the buffer gathers the next send.
      bytes = this.sendBuffer.view().slice();
      this.sendGathered = false;
      // Kept for the next send while small (a node keeps one, and every fork copies it).
      if (bytes.length > MAX_KEPT_SEND_BUFFER_BYTES) this.sendBuffer = new ByteWriter(SEND_BUFFER_BYTES);
      else this.sendBuffer.seal(0);
    }
    this.openConn = null;
    this.openFirst = null;
    this.effects.push({ type: "send", conn, bytes });
  }

  trace(event: TraceEvent): void {
    this.emit({ type: "trace", event });
    this.changeCount++;
  }

  takeEffects(): NodeEffect[] {
    this.endSend();
    if (this.effects.length === 0) return [];
    return this.effects.splice(0, this.effects.length);
  }

  /** Closes a connection this node accepted (a client's, or a slave's on a master link). */
  closeConn(conn: ConnId): void {
    this.masterConns.delete(conn);
    const client = this.clients.get(conn);
    if (client !== undefined) {
      client.open = false;
      this.clients.delete(conn);
    }
    this.emit({ type: "close", conn });
    this.changeCount++;
  }

  // -------------------------------------------------------------------------------------------
  // Host entry points

  accept(nowMs: number, peer: string): ConnId {
    this.enter(nowMs);
    const conn = this.allocConn();
    this.clients.set(conn, { conn, peer, reader: new LinkReader(), redis: false, open: true, setKey: null, setWrote: false });
    this.changeCount++;
    return conn;
  }

  receive(nowMs: number, conn: ConnId, bytes: Uint8Array): void {
    this.enter(nowMs);
    const client = this.clients.get(conn);
    if (client !== undefined) {
      client.reader.push(bytes);
      this.processInput(client);
    } else {
      // A master link never reads what its slave sends after sync140.
      this.slaveOf(conn)?.receive(nowMs, bytes);
    }
    this.runTimers();
  }

  peerClosed(nowMs: number, conn: ConnId): void {
    this.enter(nowMs);
    const client = this.clients.get(conn);
    if (client !== undefined) {
      client.open = false;
      this.clients.delete(conn);
      this.changeCount++;
    } else {
      const link = this.masterConns.get(conn);
      if (link !== undefined) link.peerClosed();
      else this.slaveOf(conn)?.closedEvent(nowMs);
    }
    this.runTimers();
  }

  connected(nowMs: number, conn: ConnId): void {
    this.enter(nowMs);
    this.slaveOf(conn)?.connectedEvent(nowMs);
    this.runTimers();
  }

  connectFailed(nowMs: number, conn: ConnId, reason: string): void {
    this.enter(nowMs);
    this.slaveOf(conn)?.connectFailedEvent(nowMs, reason);
    this.runTimers();
  }

  tick(nowMs: number): void {
    this.enter(nowMs);
    this.runTimers();
  }

  /** Flow control (NET-8): a master link blocked on a slave that did not read may write again. */
  writable(nowMs: number, conn: ConnId, roomBytes: number): void {
    this.enter(nowMs);
    this.masterConns.get(conn)?.writable(nowMs, roomBytes);
    this.runTimers();
  }

  nextWakeMs(): number {
    let wake = Infinity;
    if (this.db.binlog.trimDue()) wake = Math.min(wake, this.nextCleanerCheckMs());
    const expiry = this.db.nextExpiryUnixMs(this.epochMs + this.startMs);
    if (expiry !== Infinity) wake = Math.min(wake, expiry - this.epochMs);
    for (const link of this.masterLinks) wake = Math.min(wake, link.nextWakeMs());
    for (const slave of this.slaves) wake = Math.min(wake, slave.nextWakeMs());
    wake = Math.min(wake, this.snapshots.nextSweepMs(this.nowMs));
    return wake;
  }

  /** The cleaner thread looks every 50 ms from start; one look per grid point. */
  private nextCleanerCheckMs(): number {
    const grid = this.startMs + Math.ceil((this.nowMs - this.startMs) / CLEANER_PERIOD_MS) * CLEANER_PERIOD_MS;
    return grid <= this.lastCleanerCheckMs ? grid + CLEANER_PERIOD_MS : grid;
  }

  /** Runs every thread whose time has come, until none is due at `nowMs`. */
  private runTimers(): void {
    const now = this.nowMs;
    for (let pass = 0; pass < 1000; pass++) {
      let progressed = false;
      if (this.db.binlog.trimDue() && this.nextCleanerCheckMs() <= now) {
        this.lastCleanerCheckMs = now;
        // The window [min_seq, max_seq] shows the trim; a slave behind it learns at its next sync140.
        if (this.db.trimBinlog() !== null) progressed = true;
      }
      if (this.db.expireDue(this.unixMs()).length > 0) progressed = true;
      for (const slave of this.slaves) slave.tick(now);
      for (const link of this.masterLinks) {
        if (link instanceof SnapshotMasterLink) link.notifyBinlog(now);
        if (link.nextWakeMs() <= now) {
          link.run(now);
          progressed = true;
        }
      }
      if (this.masterLinks.some((l) => l.ended)) {
        this.masterLinks = this.masterLinks.filter((l) => !l.ended);
        this.changeCount++;
      }
      for (const released of this.snapshots.sweep(now)) {
        this.trace({ kind: "binlog-sync", side: "master", peer: released.host, decision: "snapshot-released", seq: released.binlogSeq, message: `aborted snapshot for ${released.host} (seq ${released.binlogSeq}) released after its timeout` });
      }
      if (!progressed) break;
    }
    this.changeCount++;
    // Every entry point ends here: the disk holds each commit of this step before anything can
    // read it (a restart, a fork, a down node's view all come between steps).
    this.db.syncDisk();
  }

  view(): SsdbView {
    const first = this.slaves[0] ?? null;
    const binlog = this.db.binlog;
    return {
      protocol: "ssdb-binlog",
      role: first !== null ? "replica" : "master",
      masterAddress: first?.masterAddress ?? null,
      linkPhase: first?.phase ?? null,
      linkUp: first?.status === "SYNC",
      transferProgress: null,
      keys: this.db.keyCount,
      uptimeSec: this.uptimeSec(),
      replicas: this.masterLinks.map((link) => ({ address: link.peer, status: link.status, lastSeq: link.lastSeq, gone: link.isGone, copiedItems: link.copiedItems })),
      binlog: { enabled: binlog.enabled, capacity: binlog.capacity, minSeq: binlog.minSeq, maxSeq: binlog.maxSeq },
      syncStatus: first?.status ?? null,
      lastSeq: first?.lastSeq ?? null,
      lastKey: first !== null ? ssdbEscape(first.lastKey) : null,
      copyCount: first?.copyCount ?? 0,
      syncCount: first?.syncCount ?? 0,
      slaveId: first?.id ?? null,
      masters: this.slaves.map((s) => s.masterAddress),
      copyMode: this.settings.copyMode,
      syncSpeedMBps: this.settings.syncSpeed,
      snapshots: this.snapshots.all().map((s) => ({ host: s.host, status: s.status, binlogSeq: s.binlogSeq })),
    };
  }

  /**
   * Work the world should run to settle: a slave's connection attempt in flight, or one about to be
   * made to a reachable master; a master link with output to send, a copy under way, or binlog
   * records its slave has not been sent. A slave waiting on its master (INIT, COPY) counts through
   * the master's link; one that is OUT_OF_SYNC, or retries a master it cannot reach, is waiting.
   */
  busy(peers: PeerProbe): boolean {
    if (this.db.binlog.trimDue()) return true;
    for (const slave of this.slaves) {
      if (slave.connecting && !peers.frozen(slave.masterAddress)) return true;
      if (slave.status === "DISCONNECTED" && !slave.connected && !slave.connecting && peers.reachable(slave.masterAddress)) return true;
    }
    const maxSeq = this.db.binlog.maxSeq;
    for (const link of this.masterLinks) {
      // Gone, or blocked on a slave that does not read (frozen, cut off): waiting, not working.
      if (link.isGone || link.blocked) continue;
      if (link.hasPendingOutput || link.status === "COPY") return true;
      if (link.status === "SYNC" && link.lastSeq < maxSeq) return true;
    }
    return false;
  }

  // -------------------------------------------------------------------------------------------
  // Clients

  private processInput(client: ClientConn): void {
    const reader = client.reader;
    for (;;) {
      if (!client.open) return;
      // The same SET again, byte for byte, once or more: its blocks are where they were, moved along.
      if (client.setKey !== null) {
        const repeats = reader.repeatRun();
        if (repeats > 0) {
          this.setAgain(client, reader, client.setKey, repeats);
          continue;
        }
      }
      client.setKey = null;
      const found = reader.scan();
      if (found === Scan.INCOMPLETE) return;
      if (found === Scan.ERROR) {
        // "link parse error, delete link": no reply.
        this.closeConn(client.conn);
        return;
      }
      if (reader.resp) client.redis = true;
      if (reader.resp && this.redisSet(client, reader)) continue;
      const blocks = new Array<Uint8Array>(reader.blockCount);
      for (let i = 0; i < blocks.length; i++) blocks[i] = reader.block(i);
      this.handleRequest(client, blocks, reader.resp);
    }
  }

  /**
   * A Redis `SET key value` (the table's `set`, nothing renamed), run where the request lies in the
   * reader's buffer: what `handleRequest` does for it (the same checks, calls, records and reply),
   * without the request's arrays and strings. False when the request is anything else.
   */
  private redisSet(client: ClientConn, reader: LinkReader): boolean {
    if (reader.blockCount !== 3 || this.settings.readonly) return false;
    const bytes = reader.bytes;
    const name = reader.blockStart(0);
    if (reader.blockEnd(0) - name !== 3 || (bytes[name]! | 0x20) !== 0x73 || (bytes[name + 1]! | 0x20) !== 0x65 || (bytes[name + 2]! | 0x20) !== 0x74) return false;
    const k = encodeKvKeyOf(bytes, reader.blockStart(1), reader.blockEnd(1), this.lastSetKey);
    client.setKey = k;
    this.applySet(client, reader, k);
    return true;
  }

  /** `redisSet` of the request `reader` holds, whose key `k` encodes. */
  private applySet(client: ClientConn, reader: LinkReader, k: string): void {
    const db = this.db;
    const bytes = reader.bytes;
    this.lastSetKey = k;
    const start = reader.blockStart(2);
    const end = reader.blockEnd(2);
    // A value equal to the one stored is kept as it is (values are never changed in place).
    const old = db.rawGet(k);
    const same = old !== undefined && spanEquals(bytes, start, end, old);
    const status = db.setEncoded(k, same ? old : bytes.slice(start, end), BinlogType.SYNC, same);
    client.setWrote = status === 1;
    this.totalCalls++;
    this.changeCount++;
    this.sendBytes(client.conn, status === -1 ? REDIS_ERROR_REPLY : REDIS_OK_REPLY);
  }

  /**
   * `count` more of the SET just run, byte for byte: after one that wrote its value, each writes
   * the value the key now holds, so they go in bulk (the same batches, records, counts and
   * replies); otherwise one by one.
   */
  private setAgain(client: ClientConn, reader: LinkReader, k: string, count: number): void {
    if (!client.setWrote) {
      for (let i = 0; i < count; i++) this.applySet(client, reader, k);
      return;
    }
    this.lastSetKey = k;
    this.db.setStoredAgain(k, BinlogType.SYNC, count);
    this.totalCalls += count;
    this.changeCount += count;
    this.sendRepeated(client.conn, REDIS_OK_REPLY, count);
  }

  private handleRequest(client: ClientConn, blocks: readonly Uint8Array[], resp: boolean): void {
    const converted: ConvertedRequest = resp ? convertRedisRequest(blocks) : { req: blocks.map((b) => bytesToBinary(b)), desc: null };
    const req = converted.req;
    const name = req[0] ?? "";
    if (name === "sync140") {
      this.startMasterLink(client, req);
      return;
    }
    let reply: ReplyBlock[];
    const command = lookupCommand(name);
    if (command === undefined) {
      reply = ["client_error", `Unknown Command: ${name}`];
    } else if (this.settings.readonly && command.write) {
      reply = ["client_error", `Forbidden Command: ${name}`];
      this.totalCalls++;
    } else {
      reply = command.proc(this.commandHost, req);
      this.totalCalls++;
      if (command.write) this.changeCount++;
    }
    const bytes = client.redis ? encodeRedisReply(reply, converted) : encodePacket(reply.map(blockBytes));
    this.sendBytes(client.conn, bytes);
  }

  /** `proc_sync140`: the connection becomes a master link (a "backend" thread; `links` no longer counts it). */
  private startMasterLink(client: ClientConn, req: readonly string[]): void {
    client.open = false;
    this.clients.delete(client.conn);
    const request = parseSync140(req);
    const link =
      this.settings.copyMode === "snapshot"
        ? new SnapshotMasterLink(this.masterHost, this.snapshots, client.conn, client.peer, request, this.nowMs)
        : new UpstreamMasterLink(this.masterHost, client.conn, client.peer, request, this.nowMs);
    this.masterLinks.push(link);
    this.masterConns.set(client.conn, link);
    this.changeCount++;
  }

  private slaveOf(conn: ConnId): SlaveLink | undefined {
    return this.slaves.find((s) => s.owns(conn));
  }

  /** Starts a slave link (`replication.slaveof` at boot, or the `slaveof` command). */
  addSlave(config: SlaveLinkConfig, start: { lastSeq: number; lastKey: string } | null): void {
    // LAB-5: a second `slaveof` to the same address would start a twin link sharing one status key.
    if (this.slaves.some((s) => s.config.host === config.host && s.config.port === config.port)) return;
    this.slaves.push(new SlaveLink(this.slaveHost, config, this.nowMs, start));
    this.trace({ kind: "role", role: "replica", masterAddress: `${config.host}:${config.port}`, message: `slaveof: ${config.host}:${config.port}, type: ${config.mirror ? "mirror" : "sync"}` });
  }

  // -------------------------------------------------------------------------------------------
  // info

  /** A replication link exists in either direction (`flushdb` is refused then). */
  replicationInUse(): boolean {
    return this.slaves.length > 0 || this.masterLinks.length > 0;
  }

  /** `proc_info`'s reply after `ok`. */
  info(args: readonly string[]): ReplyBlock[] {
    const out: ReplyBlock[] = ["ssdb-server", "version", SSDB_VERSION, "links", String(this.clients.size), "total_calls", String(this.totalCalls), "dbsize", String(this.db.bytesAtBoot)];
    out.push("binlogs", this.db.binlog.stats());
    for (const link of [...this.masterLinks].reverse()) out.push("replication", link.stats());
    for (const slave of this.slaves) out.push("replication", slave.stats());
    out.push("serv_key_range", '    kv  : "" - ""\n    hash: "" - ""\n    zset: "" - ""\n    list: "" - ""');
    const what = args[0];
    if (what === undefined || what === "range") {
      const r = this.db.keyRange();
      const pair = ([a, b]: [string, string]): string => `"${ssdbEscape(a)}" - "${ssdbEscape(b)}"`;
      out.push("data_key_range", `    kv  : ${pair(r.kv)}\n    hash: ${pair(r.hash)}\n    zset: ${pair(r.zset)}\n    list: ${pair(r.list)}`);
    }
    if (what === undefined || what === "leveldb") out.push("leveldb.stats", LEVELDB_STATS);
    return out;
  }

  /** The whole `info` text as `redis-cli` or a console prints it (one block per line). */
  infoText(): string {
    return this.info([]).map((b) => (typeof b === "string" ? b : bytesToBinary(b))).join("\n");
  }
}

/** The node as its master links (the `sync140` side) see it. */
class NodeMasterHost implements MasterHost {
  constructor(private readonly node: SsdbNode) {}

  get db(): SsdbDatabase {
    return this.node.db;
  }

  get syncSpeedMBps(): number {
    return this.node.settings.syncSpeed;
  }

  send(conn: ConnId, bytes: Uint8Array): void {
    this.node.sendBytes(conn, bytes);
  }

  waitWritable(conn: ConnId): void {
    this.node.emit({ type: "wait-writable", conn });
  }

  close(conn: ConnId): void {
    this.node.closeConn(conn);
  }

  trace(event: TraceEvent): void {
    this.node.trace(event);
  }

  servedBefore(peer: string): boolean {
    return this.node.meta.hget(SERVED_PEERS, peer) !== undefined;
  }

  markServed(peer: string): void {
    if (this.servedBefore(peer)) return;
    this.node.meta.hset(SERVED_PEERS, peer, "1");
    this.node.meta.flush();
  }
}

/** The node as its slave links (the `slaveof` side) see it. */
class NodeSlaveHost implements SlaveHost {
  constructor(private readonly node: SsdbNode) {}

  get db(): SsdbDatabase {
    return this.node.db;
  }

  get meta(): MetaStore {
    return this.node.meta;
  }

  connect(host: string, port: number): ConnId {
    const conn = this.node.allocConn();
    this.node.emit({ type: "connect", conn, host, port });
    return conn;
  }

  send(conn: ConnId, bytes: Uint8Array): void {
    this.node.sendBytes(conn, bytes);
  }

  close(conn: ConnId): void {
    this.node.emit({ type: "close", conn });
  }

  trace(event: TraceEvent): void {
    this.node.trace(event);
  }
}

/** The node as its commands see it. */
class NodeCommandHost implements CommandHost {
  readonly version = SSDB_VERSION;

  constructor(private readonly node: SsdbNode) {}

  get db(): SsdbDatabase {
    return this.node.db;
  }

  unixMs(): number {
    return this.node.unixMs();
  }

  info(args: readonly string[]): ReplyBlock[] {
    return this.node.info(args);
  }

  slaveOf(id: string, host: string, port: number, auth: string, lastSeq: number, lastKey: string): void {
    this.node.addSlave({ id, host, port, mirror: false, auth, recvTimeoutSec: 30 }, { lastSeq, lastKey });
  }

  replicationInUse(): boolean {
    return this.node.replicationInUse();
  }
}

/** Appends `bytes` to `out` (a short piece by a loop, see `copyInto`). */
function appendBytes(out: ByteWriter, bytes: Uint8Array): void {
  const buf = out.room(bytes.length);
  out.seal(copyInto(buf, out.length, bytes));
}
