/**
 * Redis 4.0's replication (PSYNC2 over a ring backlog), plugged into the shared Redis core through
 * `RedisReplication`. The replication id and offset name the data set's history, not a process:
 * a replica takes its master's id and offset, keeps a backlog of the stream it passes on, and
 * passes on its master's bytes unchanged, so a whole chain shares one id and one offset space.
 * A promoted replica keeps the old id as replid2 (valid up to its offset) and its sub-replicas and
 * siblings continue partially. What 4.0 shares with 2.8 rather than 7.0: one output buffer per
 * replica, the ring backlog, the handshake one inline command at a time, RDB version 8.
 * Rules: SPEC.md beside this file.
 */
import type { Client } from "../../redis/client.ts";
import type { LoadedRdb } from "../../redis/persistence.ts";
import type { RedisReplication, ReplicationSaveInfo } from "../../redis/replication.ts";
import type { RedisNode } from "../../redis/server.ts";
import { encodeCommand } from "../../redis/resp/encode.ts";
import type { RequestParser } from "../../redis/resp/request-parser.ts";
import { selectCommandBytes } from "../../redis/stream.ts";
import { encodeHandshakeCommand, type HandshakeStep } from "../../redis/replica-handshake.ts";
import { ReplicaWaiters, type AckSource } from "../../redis/replica-waiters.ts";
import { asciiBytes, bytesToBinary, ByteWriter } from "../../util/bytes.ts";
import type { FullResyncReason } from "../../process/trace.ts";
import { parseSafeInt } from "../../redis/commands/reply.ts";
import { RingBacklog } from "../ring-backlog/ring-backlog.ts";
import { classicLinkOf, type ClassicReplicaLink } from "../classic/replica-link.ts";
import type { ClassicReplicaSide } from "../classic/replica-side.ts";
import { RingReplication } from "../classic/replication.ts";
import { psync2Decision, type Psync2Decision } from "../psync2/psync-decision.ts";
import { psync2RingCommands } from "./commands.ts";
import { psync2RingInfoFields } from "./info.ts";
import { redis40View, type Redis40View } from "./view.ts";

/** replicationCron's PING, written as 4.0 writes it (upper case; 7.0 writes `ping`). */
const PING_ARGV = [asciiBytes("PING")];
const GETACK_ARGV = [asciiBytes("REPLCONF"), asciiBytes("GETACK"), asciiBytes("*")];

/** An unset replid2 (clearReplicationId2). */
export const ZERO_REPLID = "0000000000000000000000000000000000000000";

/** What a 4.0 replica keeps of its master (server.master / server.cached_master). */
export interface Psync2RingMaster {
  /** The history the master's stream belongs to (its replid at the sync, or a newer one from `+CONTINUE <id>`). */
  replid: string;
  /** c->reploff: bytes of that stream applied here; what ACKs report and the next PSYNC continues after. */
  reploff: number;
  /** The db the master client had selected (kept while cached, for `+CONTINUE`). */
  db: number;
  /** Synced with SYNC from a pre-PSYNC master (offset -1): no ACKs (CLIENT_PRE_PSYNC). */
  readonly preSync: boolean;
}

function short(id: string): string {
  return `${id.slice(0, 6)}…`;
}

export class Psync2RingReplication extends RingReplication<Redis40View> implements RedisReplication<Redis40View>, AckSource {
  readonly commands = psync2RingCommands;
  /** server.replid: the history this node's data set belongs to. */
  replid: string;
  /** server.replid2 and second_replid_offset: the previous history, valid up to that offset. */
  replid2 = ZERO_REPLID;
  secondReplidOffset = -1;
  master: Psync2RingMaster | null = null;
  cachedMaster: Psync2RingMaster | null = null;
  /** server.get_ack_from_slaves: a WAIT asked; GETACK goes out at the next beforeSleep. */
  getAckRequested = false;
  readonly waiters: ReplicaWaiters;
  /**
   * server.master_replid and master_initial_offset: what the last `+FULLRESYNC` announced. The id
   * stays as it was when a master answers PSYNC with an error and the replica falls back to SYNC
   * (empty before any: a 4.0 replica of a 2.6 master prints `master_replid:`).
   */
  private pendingReplid = "";
  private masterInitialOffset = -1;
  private replicationCronLoops = 0;
  /** pending_querybuf: bytes applied from the master but not yet passed on (a transaction until its EXEC). */
  private readonly unproxied = new ByteWriter(64);

  constructor(node: RedisNode<Redis40View>) {
    super(node);
    this.replid = node.prng.hex(40);
    this.waiters = new ReplicaWaiters(node, this);
  }

  /** The 4.0 replication of a node (commands of this protocol run only on its own nodes). */
  static of(node: RedisNode): Psync2RingReplication {
    const repl = node.replication;
    if (!(repl instanceof Psync2RingReplication)) throw new Error("not a redis 4.0 node");
    return repl;
  }

  // ---------------------------------------------------------------------------------------------
  // Identity and the backlog

  private changeReplicationId(): void {
    this.replid = this.node.prng.hex(40);
  }

  private clearReplicationId2(): void {
    this.replid2 = ZERO_REPLID;
    this.secondReplidOffset = -1;
  }

  /** shiftReplicationId: the current history becomes the secondary one, valid up to offset + 1. */
  private shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondReplidOffset = this.masterReplOffset + 1;
    this.changeReplicationId();
  }

  private traceReplid(cause: "backlog-created" | "backlog-freed" | "promoted" | "full-sync" | "continue-new-id" | "startup", message: string): void {
    this.node.trace({ kind: "replid", replid: this.replid, replid2: this.replid2, secondReplOffset: this.secondReplidOffset, cause, message });
  }

  /** createReplicationBacklog: empty, its first byte the next offset (no offset bump, unlike 2.8). */
  private createBacklog(): void {
    this.ring = new RingBacklog(this.node.config["repl-backlog-size"], this.masterReplOffset + 1);
    this.syncBacklogVars();
    this.node.trace({
      kind: "backlog",
      action: "created",
      firstByteOffset: this.backlogOff,
      message: `replication backlog created (${this.ring.size} bytes) starting at offset ${this.backlogOff}`,
    });
  }

  /** feedReplicationBacklog: the offset moves only while there is a backlog to feed. */
  private feedBacklog(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const ring = this.ring;
    if (!ring) return;
    ring.feed(bytes, start, end);
    this.masterReplOffset = ring.endOffset;
    this.syncBacklogVars();
  }

  // ---------------------------------------------------------------------------------------------
  // Master side

  /**
   * replicationFeedSlaves: only a top-level master makes a stream (a replica passes on its
   * master's); SELECT when the stream's db differs, then the command, into the backlog and to every
   * replica not waiting for its fork.
   */
  feedCommand(db: number, argv: readonly Uint8Array[]): void {
    if (!this.feedSelect(db)) return;
    const bytes = encodeCommand(argv);
    this.feedBacklog(bytes);
    this.masterSide.writeAll(bytes);
  }

  /**
   * The start of replicationFeedSlaves: false when this node makes no stream; else SELECT first
   * when the stream's db differs.
   */
  private feedSelect(db: number): boolean {
    if (this.isReplica) return false;
    if (this.ring === null && this.masterSide.replicas.length === 0) return false;
    if (this.slaveseldb !== db) {
      const select = selectCommandBytes(db);
      this.feedBacklog(select);
      this.masterSide.writeAll(select);
      this.slaveseldb = db;
    }
    return true;
  }

  feedPlainSet(db: number, data: Uint8Array, start: number, end: number): number {
    // The request was canonical RESP, so `data[start, end)` is exactly what encodeCommand would
    // make of its argv: it goes to the backlog and replicas as it is, with no argv or copy made.
    if (this.feedSelect(db)) {
      this.feedBacklog(data, start, end);
      this.masterSide.writeAll(data, start, end);
    }
    return this.masterReplOffset;
  }

  /**
   * No SELECT due: a run of plain SETs may go to the backlog (bytes, not pieces) and to the
   * replicas' outputs as one piece while it fits every output's current block (pieces there decide
   * blocks). Only a top-level master makes a stream ({@link shouldPropagate}).
   */
  plainSetRunRoom(db: number): number {
    return this.slaveseldb === db ? this.masterSide.openRun() : 0;
  }

  feedPlainSetRun(data: Uint8Array, start: number, end: number): number {
    this.feedBacklog(data, start, end);
    this.masterSide.writeAll(data, start, end);
    return this.masterReplOffset;
  }

  shouldPropagate(): boolean {
    return !this.isReplica && (this.ring !== null || this.masterSide.replicas.length > 0);
  }

  /** SYNC and PSYNC (syncCommand, masterTryPartialResynchronization). */
  handleSync(client: Client, argv: Uint8Array[], isPsync: boolean): void {
    const node = this.node;
    const side = this.masterSide;
    if (client.kind === "replica") return;
    if (this.isReplica && !this.masterLinkUp) {
      node.replyError(client, "NOMASTERLINK Can't SYNC while not connected with my master");
      return;
    }
    if (client.out.length > 0) {
      node.replyError(client, "ERR SYNC and PSYNC are invalid with pending output");
      return;
    }
    let reason: FullResyncReason = "sync-command";
    if (isPsync) {
      const replid = bytesToBinary(argv[1]!);
      const decision = this.psyncDecision(client, replid, argv[2]!);
      if (decision.partial) {
        this.acceptPartial(client, parseSafeInt(argv[2]!)!);
        node.stats.syncPartialOk++;
        return;
      }
      reason = decision.reason;
      if (!replid.startsWith("?")) node.stats.syncPartialErr++;
      node.trace({
        kind: "full-resync",
        side: "master",
        peer: side.peerName(client),
        replid: this.replid,
        offset: this.masterReplOffset,
        reason,
        backlogFirstByte: this.ring ? this.backlogOff : 0,
        message: `full resync for ${side.peerName(client)}: ${decision.explanation}`,
      });
    }
    node.stats.syncFull++;
    side.attach(client, "wait_bgsave_start", !isPsync);
    if (side.replicas.length === 1 && this.ring === null) {
      // A backlog made from scratch starts a new history: a new id, no secondary one.
      this.changeReplicationId();
      this.clearReplicationId2();
      this.createBacklog();
      this.traceReplid("backlog-created", `new replication id ${short(this.replid)}: a master takes a fresh id when it creates its backlog`);
    }
    node.trace({ kind: "replica-state", peer: side.peerName(client), state: "wait_bgsave", message: `${side.peerName(client)} waits for a full sync (${reason})` });
    // A diskless fork waits for the cron (repl-diskless-sync-delay); a disk one starts now.
    if (!(node.config["repl-diskless-sync"] && client.replCapaEof)) this.fork(false);
  }

  /** The PSYNC2 rule (shared with 7.0), after the offset is parsed (a bad one is answered, then a full sync). */
  private psyncDecision(client: Client, replid: string, offsetArg: Uint8Array): Psync2Decision {
    const offset = parseSafeInt(offsetArg);
    if (offset === undefined) {
      this.node.replyError(client, "ERR value is not an integer or out of range");
      return { partial: false, reason: "replid-mismatch", explanation: "the offset is not a number" };
    }
    return psync2Decision({ replid: this.replid, replid2: this.replid2, secondReplidOffset: this.secondReplidOffset, backlog: this.ring ? { firstByteOffset: this.backlogOff, histlen: this.backlogHistlen } : null }, replid, offset);
  }

  /** `+CONTINUE <replid>` (plain `+CONTINUE` for a replica without `capa psync2`), then the backlog from the offset. */
  private acceptPartial(client: Client, offset: number): void {
    const node = this.node;
    const side = this.masterSide;
    const link = side.attach(client, "online", false);
    link.ackTimeMs = node.nowMs;
    client.out.ascii(client.replCapaPsync2 ? `+CONTINUE ${this.replid}\r\n` : "+CONTINUE\r\n");
    const pending = this.ring!.copyFrom(offset);
    client.out.bytes(pending);
    node.markOutput(client);
    node.trace({
      kind: "partial-resync",
      side: "master",
      peer: side.peerName(client),
      replid: this.replid,
      offset,
      backlogBytes: pending.length,
      backlogFirstByte: this.backlogOff,
      backlogLastByte: this.backlogOff + this.backlogHistlen,
      message: `partial resync accepted for ${side.peerName(client)}: offset ${offset} inside backlog [${this.backlogOff}, ${this.backlogOff + this.backlogHistlen}], sending ${pending.length} bytes`,
    });
    this.refreshGoodReplicas();
  }

  /** startBgsaveForReplication: the RDB (with the replication aux fields), `+FULLRESYNC <replid> <offset>` first. */
  private fork(socket: boolean): void {
    this.masterSide.forkForWaitingReplicas(socket, (client: Client, link: ClassicReplicaLink) => {
      // replicationSetupSlaveForFullResync: the new replica's stream must start with a SELECT.
      this.slaveseldb = -1;
      if (!link.preSync) client.out.ascii(`+FULLRESYNC ${this.replid} ${this.masterReplOffset}\r\n`);
    });
    this.refreshGoodReplicas();
  }

  /** replicationCountAcksByOffset. */
  countAcked(offset: number): number {
    let count = 0;
    for (const client of this.masterSide.replicas) {
      const link = classicLinkOf(client);
      if (link.state === "online" && link.ackOffset >= offset) count++;
    }
    return count;
  }

  requestAcks(): void {
    this.getAckRequested = true;
  }

  handleReplconf(client: Client, argv: Uint8Array[]): void {
    this.masterSide.handleReplconf(client, argv, {
      capa: true,
      psync2: true,
      ipAddress: true,
      onAck: (c, offset) => this.onAck(c, offset),
      onGetack: () => this.sendAck(),
    });
  }

  // ---------------------------------------------------------------------------------------------
  // Replica side (hooks of ClassicReplicaSide)

  handshakeSteps(): HandshakeStep[] {
    const config = this.node.config;
    const steps: HandshakeStep[] = [{ argv: ["PING"], onError: "fail", state: "receive_pong" }];
    if (config.masterauth) steps.push({ argv: ["AUTH", config.masterauth], onError: "fail", state: "receive_auth" });
    steps.push({ argv: ["REPLCONF", "listening-port", String(config["replica-announce-port"] || this.node.port)], onError: "ignore", state: "receive_port" });
    if (config["replica-announce-ip"]) steps.push({ argv: ["REPLCONF", "ip-address", config["replica-announce-ip"]], onError: "ignore", state: "receive_ip" });
    steps.push({ argv: ["REPLCONF", "capa", "eof", "capa", "psync2"], onError: "ignore", state: "receive_capa" });
    return steps;
  }

  /** slaveTryPartialResynchronization: the cached master's id and offset + 1, or `? -1`. */
  requestSync(side: ClassicReplicaSide): void {
    const cached = this.cachedMaster;
    const replid = cached ? cached.replid : "?";
    const offset = cached ? cached.reploff + 1 : -1;
    this.masterInitialOffset = -1;
    side.send(encodeHandshakeCommand(["PSYNC", replid, String(offset)], { inline: true, pipelined: false }));
    side.awaitSyncReply();
    this.node.trace({
      kind: "psync-request",
      side: "replica",
      replid,
      offset,
      masterAddress: side.masterAddress,
      message: cached ? `trying a partial resynchronization (request ${short(replid)}:${offset})` : "partial resynchronization not possible (no cached master): PSYNC ? -1",
    });
  }

  onSyncReply(side: ClassicReplicaSide, line: string): void {
    const node = this.node;
    if (line.startsWith("+CONTINUE")) {
      this.continueWith(side, line);
      return;
    }
    if (line.startsWith("-NOMASTERLINK") || line.startsWith("-LOADING")) {
      // The master cannot serve a PSYNC now but will later: try again from scratch, cache kept.
      side.fail(`master is currently unable to PSYNC but should be in the future: ${line}`, true);
      return;
    }
    // A full sync: our own replicas must resync with us, and cannot continue from our backlog.
    this.cachedMaster = null;
    if (line.startsWith("+FULLRESYNC")) {
      const [, replid = "", offset = ""] = line.split(" ");
      if (replid.length === 40 && offset !== "") {
        this.pendingReplid = replid;
        this.masterInitialOffset = Number(offset);
      } else {
        // Wrong syntax: the id is blanked so that the next PSYNC fails.
        this.pendingReplid = "";
      }
      node.trace({ kind: "full-resync", side: "replica", peer: side.masterAddress, replid: this.pendingReplid, offset: this.masterInitialOffset, reason: "replid-mismatch", message: `full resync from master: ${short(this.pendingReplid)}:${this.masterInitialOffset}` });
    }
    this.masterSide.disconnectAll();
    this.freeBacklog();
    if (!line.startsWith("+FULLRESYNC")) {
      node.trace({ kind: "warning", code: "psync-unsupported", message: `master does not support PSYNC or is in error state (reply: ${line}); retrying with SYNC` });
      side.send(asciiBytes("SYNC\r\n"));
    }
    side.beginTransfer();
  }

  /** `+CONTINUE [<replid>]`: a new id means the master was promoted; we follow and tell our replicas. */
  private continueWith(side: ClassicReplicaSide, line: string): void {
    const node = this.node;
    const cached = this.cachedMaster!;
    const newId = line.slice(10).trim();
    if (newId.length === 40 && newId !== cached.replid) {
      this.replid2 = cached.replid;
      this.secondReplidOffset = this.masterReplOffset + 1;
      this.replid = newId;
      cached.replid = newId;
      this.traceReplid("continue-new-id", `master replication id changed to ${short(newId)}: ${short(this.replid2)} kept as replid2 up to offset ${this.secondReplidOffset}; our slaves reconnect to learn it`);
      this.masterSide.disconnectAll();
    }
    this.cachedMaster = null;
    this.master = cached;
    node.trace({ kind: "partial-resync", side: "replica", peer: side.masterAddress, replid: cached.replid, offset: cached.reploff + 1, backlogBytes: 0, message: `successful partial resynchronization with master ${side.masterAddress} from offset ${cached.reploff + 1}` });
    // Restarted from an RDB, the backlog is still to be made (before the stream behind the reply is read).
    if (this.ring === null) this.createBacklog();
    side.attachMaster(side.attemptConn!, cached.db);
  }

  /** readSyncBulkPayload's end: the master's id and offset become ours, a new backlog, replid2 cleared. */
  onFullSyncLoaded(loaded: LoadedRdb, rdbBytes: number, eofFormat: boolean): number {
    const side = this.replicaSide;
    const db = loaded.replication?.streamDb ?? 0;
    this.master = { replid: this.pendingReplid, reploff: this.masterInitialOffset, db, preSync: this.masterInitialOffset === -1 };
    this.replid = this.pendingReplid;
    this.masterReplOffset = this.masterInitialOffset;
    this.clearReplicationId2();
    this.unproxied.clear();
    if (this.ring === null) this.createBacklog();
    this.node.trace({
      kind: "rdb",
      side: "replica",
      peer: side.masterAddress,
      bytes: rdbBytes,
      keys: loaded.keys,
      mode: eofFormat ? "diskless" : "disk",
      message: `MASTER <-> SLAVE sync: loaded ${loaded.keys} keys from a ${rdbBytes}-byte RDB; replication id ${short(this.replid)}, offset ${this.masterReplOffset}`,
    });
    this.traceReplid("full-sync", `took the master's replication id ${short(this.replid)} at offset ${this.masterReplOffset}`);
    return db;
  }

  /** replicationCacheMaster: the id, applied offset and db are kept for the next PSYNC; replicas stay. */
  onMasterLost(client: Client): void {
    const master = this.master;
    this.master = null;
    this.unproxied.clear();
    if (!master) return;
    master.db = client.db;
    this.cachedMaster = master;
  }

  onStreamBytes(): void {
    // 4.0 counts what it applied (c->reploff), not what it read.
  }

  /**
   * A command from the master was applied: its bytes go on to our backlog and replicas exactly as
   * they came (replicationFeedSlavesFromMasterStream), a transaction as a whole once EXEC ran.
   */
  onCommandApplied(parser: RequestParser): void {
    const client = this.replicaSide.masterClient;
    const master = this.master;
    if (!client || !master) return;
    if (client.multi !== null || this.unproxied.length > 0) {
      const raw = parser.lastRaw();
      this.unproxied.bytes(raw);
      if (client.multi !== null) return;
      this.proxy(master, this.unproxied.take(), 0);
      return;
    }
    // The hot path: one command, passed on as a range of the parser's input (no view made). The
    // backlog and each replica's output copy it before the input can change.
    this.proxy(master, parser.data, parser.lastRawStart, parser.lastRawEnd);
  }

  /**
   * Runs of plain SETs are proxied whole while they fit every replica's current output block (the
   * backlog keeps bytes, not pieces; with no replicas there is no limit). Asked as a run starts,
   * just before its first SET is proxied, so outputs are marked in the order of their first write.
   */
  setRunRoom(): number {
    return this.masterSide.openRun();
  }

  /** A run of plain SETs applied outside a transaction: {@link onCommandApplied}'s hot path, once. */
  onSetsApplied(data: Uint8Array, start: number, end: number): void {
    const master = this.master;
    if (!this.replicaSide.masterClient || !master) return;
    this.proxy(master, data, start, end);
  }

  /** replicationFeedSlavesFromMasterStream for `bytes[start, end)`, counted as applied. */
  private proxy(master: Psync2RingMaster, bytes: Uint8Array, start: number, end = bytes.length): void {
    master.reploff += end - start;
    this.feedBacklog(bytes, start, end);
    this.masterSide.writeAll(bytes, start, end);
  }

  /** replicationSendAck: `REPLCONF ACK <applied offset>` to a master that speaks PSYNC. */
  sendAck(): void {
    const master = this.master;
    const link = this.replicaSide.masterClient;
    if (!master || !link || master.preSync) return;
    this.node.sendRaw(link.conn, encodeCommand([asciiBytes("REPLCONF"), asciiBytes("ACK"), asciiBytes(String(master.reploff))]));
  }

  /** replicationCacheMasterUsingMyself: a former master offers its own history to its new master. */
  private cacheMyself(db: number): void {
    this.cachedMaster = { replid: this.replid, reploff: this.masterReplOffset, db, preSync: false };
  }

  /**
   * replicationSetMaster: our replicas reconnect (they may continue with us), the live master is
   * cached, and a node that was a master caches itself so the new master may continue its history.
   */
  setMaster(host: string, port: number): void {
    const rs = this.replicaSide;
    const wasMaster = rs.masterHost === null;
    rs.setMaster(host, port);
    if (rs.masterClient) this.node.closeClient(rs.masterClient);
    this.masterSide.disconnectAll();
    if (wasMaster) this.cacheMyself(0);
    this.node.trace({
      kind: "role",
      role: "replica",
      masterAddress: rs.masterAddress,
      message: `now a slave of ${rs.masterAddress}; will offer ${this.cachedMaster ? `${short(this.cachedMaster.replid)}:${this.cachedMaster.reploff + 1}` : "? -1"} in PSYNC`,
    });
  }

  /** replicationUnsetMaster: a new history (the old id kept as replid2), replicas reconnect to learn it. */
  unsetMaster(): void {
    const rs = this.replicaSide;
    if (rs.masterHost === null) return;
    const old = rs.masterAddress;
    this.shiftReplicationId();
    this.master = null;
    this.cachedMaster = null;
    this.unproxied.clear();
    rs.clearMaster();
    this.masterSide.disconnectAll();
    this.slaveseldb = -1;
    this.masterSide.noReplicasSinceMs = this.node.nowMs;
    this.node.trace({ kind: "role", role: "master", masterAddress: null, message: `MASTER MODE enabled (was a slave of ${old})` });
    this.traceReplid("promoted", `new replication id ${short(this.replid)}; ${short(this.replid2)} stays valid up to offset ${this.secondReplidOffset}, so replicas can continue`);
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks of the core

  override onClientFreed(client: Client): void {
    super.onClientFreed(client);
    if (client.blockedWait) this.waiters.unblock(client);
  }


  /** replicationCron: the link, ACKs, PINGs into the stream, newlines, timeouts, the backlog's TTL, delayed forks. */
  cron(): void {
    const node = this.node;
    const side = this.masterSide;
    this.replicaSide.cron();
    this.sendAck();
    // Only with replicas attached, and only a top-level master (feedCommand returns on a replica).
    if (this.replicationCronLoops % node.config["repl-ping-replica-period"] === 0 && side.replicas.length > 0) this.feedCommand(this.slaveseldb, PING_ARGV);
    side.newlineTo((l) => l.state === "wait_bgsave_start");
    side.dropSilentReplicas();
    const ttl = node.config["repl-backlog-ttl"];
    if (side.replicas.length === 0 && ttl > 0 && this.ring && !this.isReplica && node.unixSec() - node.unixSecAt(side.noReplicasSinceMs) > ttl) {
      // A freed backlog ends the history: a new id, so no one continues one we no longer hold.
      this.changeReplicationId();
      this.clearReplicationId2();
      this.freeBacklog();
      node.trace({ kind: "backlog", action: "freed", firstByteOffset: 0, message: `replication backlog freed after ${ttl} seconds without connected slaves` });
      this.traceReplid("backlog-freed", `new replication id ${short(this.replid)}: the backlog was freed, so its history is gone`);
    }
    const waiting = side.waitingForFork();
    if (waiting.count > 0 && (!node.config["repl-diskless-sync"] || waiting.maxIdleSec > node.config["repl-diskless-sync-delay"])) {
      const socket = node.config["repl-diskless-sync"] && side.replicas.every((c) => classicLinkOf(c).state !== "wait_bgsave_start" || c.replCapaEof);
      this.fork(socket);
    }
    this.refreshGoodReplicas();
    this.replicationCronLoops++;
  }

  override onTimers(): void {
    this.waiters.handleTimeouts();
  }

  override nextWakeMs(): number {
    return this.waiters.earliestDeadline();
  }

  /** beforeSleep: GETACK for WAIT (proxied by replicas like any stream bytes), then WAIT's unblocking. */
  override beforeSleep(): void {
    if (this.getAckRequested) {
      this.getAckRequested = false;
      this.feedCommand(this.slaveseldb, GETACK_ARGV);
    }
    if (this.waiters.count > 0) this.waiters.process();
  }

  /** rdbPopulateSaveInfo: a master with a backlog, or a replica with a live or cached master. */
  override saveInfo(): ReplicationSaveInfo | null {
    if (!this.isReplica && this.ring) return { streamDb: this.slaveseldb === -1 ? 0 : this.slaveseldb, replid: this.replid, offset: this.masterReplOffset };
    const live = this.replicaSide.masterClient;
    if (live && this.master) return { streamDb: live.db, replid: this.replid, offset: this.masterReplOffset };
    if (this.cachedMaster) return { streamDb: this.cachedMaster.db, replid: this.replid, offset: this.masterReplOffset };
    return null;
  }

  /** loadDataFromDisk: a replica takes the file's id and offset and offers them to its master; a master ignores them. */
  override endStartupLoad(ok: boolean, saved: ReplicationSaveInfo | null, replicaOf: { host: string; port: number } | null): void {
    if (!ok || !saved || !replicaOf) return;
    this.replid = saved.replid;
    this.masterReplOffset = saved.offset;
    this.cacheMyself(saved.streamDb);
    this.traceReplid("startup", `restored replication id ${short(this.replid)} and offset ${this.masterReplOffset} from the RDB: PSYNC will offer them`);
  }

  infoFields(): [string, string | number][] {
    return psync2RingInfoFields(this.node, this);
  }

  view(): Redis40View {
    return redis40View(this.node, this);
  }

}
