/**
 * Redis 2.8's replication (PSYNC with a run id), plugged into the shared Redis core through
 * `RedisReplication`. A master names its stream with its run id (random at every start) and keeps
 * its last `repl-backlog-size` bytes in a ring; a replica remembers its master's run id and offset
 * while the link is down and offers them in `PSYNC <runid> <offset>`. Every node regenerates the
 * stream it executes for its own replicas, in its own offset space, under its own run id.
 * Rules: SPEC.md beside this file.
 */
import type { Client } from "../../redis/client.ts";
import type { RedisReplication } from "../../redis/replication.ts";
import type { RedisNode } from "../../redis/server.ts";
import type { LoadedRdb } from "../../redis/persistence.ts";
import { encodeCommand } from "../../redis/resp/encode.ts";
import { selectCommandBytes } from "../../redis/stream.ts";
import { encodeHandshakeCommand, type HandshakeStep } from "../../redis/replica-handshake.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import type { FullResyncReason } from "../../process/trace.ts";
import { parseSafeInt } from "../../redis/commands/reply.ts";
import { RingBacklog } from "../ring-backlog/ring-backlog.ts";
import { classicLinkOf, type ClassicReplicaLink } from "../classic/replica-link.ts";
import type { ClassicReplicaSide } from "../classic/replica-side.ts";
import { RingReplication } from "../classic/replication.ts";
import { psync1Commands } from "./commands.ts";
import { psync1InfoFields } from "./info.ts";
import { redis28View, type Redis28View } from "./view.ts";

const PING_ARGV = [asciiBytes("PING")];

/** What a 2.8 replica keeps of its master (server.master / server.cached_master). */
export interface Psync1Master {
  /** The master's run id, from `+FULLRESYNC`. */
  readonly runId: string;
  /** Bytes of the master's stream read since the sync point (2.8 counts what it reads). */
  reploff: number;
  /** The db the master client had selected (kept in the cache for `+CONTINUE`). */
  db: number;
  /** Synced with SYNC from a pre-PSYNC master (`+FULLRESYNC` never came): no ACKs. */
  readonly preSync: boolean;
}

function shortId(id: string): string {
  return `${id.slice(0, 6)}…`;
}

export class Psync1Replication extends RingReplication<Redis28View> implements RedisReplication<Redis28View> {
  readonly commands = psync1Commands;
  /** The live master (while connected) and the cached one (while reconnecting). */
  master: Psync1Master | null = null;
  cachedMaster: Psync1Master | null = null;
  private pendingRunId = "";
  private pendingOffset = -1;
  private replicationCronLoops = 0;

  /** The 2.8 replication of a node (commands of this protocol run only on its own nodes). */
  static of(node: RedisNode): Psync1Replication {
    const repl = node.replication;
    if (!(repl instanceof Psync1Replication)) throw new Error("not a redis 2.8 node");
    return repl;
  }

  // ---------------------------------------------------------------------------------------------
  // The backlog

  /** createReplicationBacklog: the offset moves up by one so that no old offset can match. */
  private createBacklog(): void {
    this.masterReplOffset++;
    this.ring = new RingBacklog(this.node.config["repl-backlog-size"], this.masterReplOffset + 1);
    this.syncBacklogVars();
    this.node.trace({
      kind: "backlog",
      action: "created",
      firstByteOffset: this.backlogOff,
      message: `replication backlog created (${this.ring.size} bytes); creating it moved master_repl_offset to ${this.masterReplOffset}, so the first byte is ${this.backlogOff}`,
    });
  }

  /** Appends bytes to the stream: the backlog (and the offset) if there is one, then every replica. */
  private feedBytes(bytes: Uint8Array, start = 0, end = bytes.length): void {
    const ring = this.ring;
    if (ring) {
      ring.feed(bytes, start, end);
      this.masterReplOffset = ring.endOffset;
      this.syncBacklogVars();
    }
    this.masterSide.writeAll(bytes, start, end);
  }

  // ---------------------------------------------------------------------------------------------
  // Master side

  /** replicationFeedSlaves: SELECT when the stream's db differs, then the command. */
  feedCommand(db: number, argv: readonly Uint8Array[]): void {
    if (this.feedSelect(db)) this.feedBytes(encodeCommand(argv));
  }

  /** The start of replicationFeedSlaves: false with no stream to feed; else SELECT when the db differs. */
  private feedSelect(db: number): boolean {
    if (this.ring === null && this.masterSide.replicas.length === 0) return false;
    if (this.slaveseldb !== db) {
      this.feedBytes(selectCommandBytes(db));
      this.slaveseldb = db;
    }
    return true;
  }

  feedPlainSet(db: number, data: Uint8Array, start: number, end: number): number {
    // Canonical RESP: `data[start, end)` is exactly encodeCommand's bytes for the argv, fed as it is.
    if (this.feedSelect(db)) this.feedBytes(data, start, end);
    return this.masterReplOffset;
  }

  /**
   * No SELECT due: a run of plain SETs may go to the ring (bytes, not pieces) and to the replicas'
   * outputs as one piece while it fits every output's current block (pieces there decide blocks).
   */
  plainSetRunRoom(db: number): number {
    return this.slaveseldb === db ? this.masterSide.openRun() : 0;
  }

  feedPlainSetRun(data: Uint8Array, start: number, end: number): number {
    this.feedBytes(data, start, end);
    return this.masterReplOffset;
  }

  shouldPropagate(): boolean {
    return this.ring !== null || this.masterSide.replicas.length > 0;
  }

  /** getPsyncInitialOffset: the offset a full sync starts at (one more if the backlog is yet to come). */
  private psyncInitialOffset(): number {
    return this.ring === null ? this.masterReplOffset + 1 : this.masterReplOffset;
  }

  /** SYNC and PSYNC (syncCommand, masterTryPartialResynchronization). */
  handleSync(client: Client, argv: Uint8Array[], isPsync: boolean): void {
    const node = this.node;
    const side = this.masterSide;
    if (client.kind === "replica") return;
    if (this.isReplica && !this.masterLinkUp) {
      node.replyError(client, "ERR Can't SYNC while not connected with my master");
      return;
    }
    if (client.out.length > 0) {
      node.replyError(client, "ERR SYNC and PSYNC are invalid with pending output");
      return;
    }
    let reason: FullResyncReason = "sync-command";
    if (isPsync) {
      const runId = bytesToBinary(argv[1]!);
      const decision = this.psyncDecision(client, runId, argv[2]!);
      if (decision.partial) {
        this.acceptPartial(client, decision.offset);
        node.stats.syncPartialOk++;
        return;
      }
      reason = decision.reason;
      if (!runId.startsWith("?")) node.stats.syncPartialErr++;
      node.trace({
        kind: "full-resync",
        side: "master",
        peer: side.peerName(client),
        replid: node.runId,
        offset: this.masterReplOffset,
        reason,
        backlogFirstByte: this.ring ? this.backlogOff : 0,
        message: `2.8 partial resync refused for ${side.peerName(client)}: ${decision.explanation}`,
      });
    }
    node.stats.syncFull++;
    side.attach(client, "wait_bgsave_start", !isPsync);
    const diskless = node.config["repl-diskless-sync"] && client.replCapaEof;
    // A diskless fork waits for the cron (repl-diskless-sync-delay); a disk one starts now.
    if (!diskless) this.fork(false);
    if (side.replicas.length === 1 && this.ring === null) this.createBacklog();
  }

  /** The partial-resync rule of 2.8: our run id, a backlog, and an offset inside it. */
  private psyncDecision(client: Client, runId: string, offsetArg: Uint8Array): { partial: true; offset: number } | { partial: false; reason: FullResyncReason; explanation: string } {
    const node = this.node;
    if (runId.toLowerCase() !== node.runId) {
      if (runId === "?") return { partial: false, reason: "no-replid", explanation: "the slave asked for a full resync (PSYNC ? -1)" };
      return { partial: false, reason: "replid-mismatch", explanation: `run id ${shortId(runId)} is not mine (${shortId(node.runId)}): a run id names a process, and this is another one` };
    }
    const offset = parseSafeInt(offsetArg);
    if (offset === undefined) {
      // getLongLongFromObjectOrReply answers the error, and the full resync goes on regardless.
      node.replyError(client, "ERR value is not an integer or out of range");
      return { partial: false, reason: "offset-before-backlog", explanation: "the offset is not a number" };
    }
    const ring = this.ring;
    if (!ring) return { partial: false, reason: "no-backlog", explanation: "this master has no backlog" };
    if (offset < this.backlogOff) return { partial: false, reason: "offset-before-backlog", explanation: `offset ${offset} precedes the backlog's first byte ${this.backlogOff}` };
    if (offset > this.backlogOff + this.backlogHistlen) {
      return { partial: false, reason: "offset-after-backlog", explanation: `offset ${offset} is beyond the end of the backlog (${this.backlogOff + this.backlogHistlen})` };
    }
    return { partial: true, offset };
  }

  /** `+CONTINUE` (without an id: 2.8 has none to give), then the backlog from the offset on. */
  private acceptPartial(client: Client, offset: number): void {
    const node = this.node;
    const side = this.masterSide;
    const link = side.attach(client, "online", false);
    link.ackTimeMs = node.nowMs;
    const pending = this.ring!.copyFrom(offset);
    client.out.ascii("+CONTINUE\r\n");
    client.out.bytes(pending);
    node.markOutput(client);
    node.trace({
      kind: "partial-resync",
      side: "master",
      peer: side.peerName(client),
      replid: node.runId,
      offset,
      backlogBytes: pending.length,
      backlogFirstByte: this.backlogOff,
      backlogLastByte: this.backlogOff + this.backlogHistlen,
      message: `partial resync accepted for ${side.peerName(client)}: run id ${shortId(node.runId)} is mine and offset ${offset} is inside the backlog [${this.backlogOff}, ${this.backlogOff + this.backlogHistlen}]; sending ${pending.length} bytes`,
    });
    this.refreshGoodReplicas();
  }

  /** startBgsaveForReplication: `+FULLRESYNC <runid> <offset>` (not after SYNC), then the RDB. */
  private fork(socket: boolean): void {
    const node = this.node;
    this.masterSide.forkForWaitingReplicas(socket, (client: Client, link: ClassicReplicaLink) => {
      const offset = this.psyncInitialOffset();
      // The new replica's stream must start with a SELECT.
      this.slaveseldb = -1;
      if (!link.preSync) client.out.ascii(`+FULLRESYNC ${node.runId} ${offset}\r\n`);
    });
    this.refreshGoodReplicas();
  }

  handleReplconf(client: Client, argv: Uint8Array[]): void {
    this.masterSide.handleReplconf(client, argv, { capa: true, onAck: (c, offset) => this.onAck(c, offset) });
  }

  // ---------------------------------------------------------------------------------------------
  // Replica side (hooks of ClassicReplicaSide)

  handshakeSteps(): HandshakeStep[] {
    const config = this.node.config;
    const steps: HandshakeStep[] = [{ argv: ["PING"], onError: "fail", state: "receive_pong" }];
    if (config.masterauth) steps.push({ argv: ["AUTH", config.masterauth], onError: "fail", state: "receive_auth" });
    steps.push({ argv: ["REPLCONF", "listening-port", String(this.node.port)], onError: "ignore", state: "receive_port" });
    steps.push({ argv: ["REPLCONF", "capa", "eof"], onError: "ignore", state: "receive_capa" });
    return steps;
  }

  /** slaveTryPartialResynchronization: the cached master's run id and offset, or `? -1`. */
  requestSync(side: ClassicReplicaSide): void {
    const cached = this.cachedMaster;
    const runId = cached ? cached.runId : "?";
    const offset = cached ? cached.reploff + 1 : -1;
    this.pendingOffset = -1;
    side.send(encodeHandshakeCommand(["PSYNC", runId, String(offset)], { inline: true, pipelined: false }));
    side.awaitSyncReply();
    this.node.trace({
      kind: "psync-request",
      side: "replica",
      replid: runId,
      offset,
      masterAddress: side.masterAddress,
      message: cached ? `trying a partial resynchronization (request ${shortId(runId)}:${offset})` : "partial resynchronization not possible (no cached master): PSYNC ? -1",
    });
  }

  onSyncReply(side: ClassicReplicaSide, line: string): void {
    const node = this.node;
    if (line.startsWith("+CONTINUE")) {
      const cached = this.cachedMaster!;
      this.cachedMaster = null;
      this.master = cached;
      node.trace({ kind: "partial-resync", side: "replica", peer: side.masterAddress, replid: cached.runId, offset: cached.reploff + 1, backlogBytes: 0, message: `successful partial resynchronization with master ${side.masterAddress} from offset ${cached.reploff + 1}` });
      side.attachMaster(side.attemptConn!, cached.db);
      return;
    }
    // Anything else means a full sync: our own replicas must resync with us, and cannot PSYNC.
    this.cachedMaster = null;
    this.masterSide.disconnectAll();
    this.freeBacklog();
    if (line.startsWith("+FULLRESYNC")) {
      const [, runId = "", offset = "-1"] = line.split(" ");
      this.pendingRunId = runId.length === 40 ? runId : "";
      this.pendingOffset = Number(offset);
      node.trace({ kind: "full-resync", side: "replica", peer: side.masterAddress, replid: this.pendingRunId, offset: this.pendingOffset, reason: "replid-mismatch", message: `full resync from master: ${shortId(this.pendingRunId)}:${this.pendingOffset}` });
    } else {
      node.trace({ kind: "warning", code: "psync-unsupported", message: `master does not support PSYNC or is in error state (reply: ${line}); retrying with SYNC` });
      side.send(asciiBytes("SYNC\r\n"));
      this.pendingRunId = "";
      this.pendingOffset = -1;
    }
    side.beginTransfer();
  }

  onFullSyncLoaded(loaded: LoadedRdb, rdbBytes: number, eofFormat: boolean): number {
    const side = this.replicaSide;
    const keys = loaded.keys;
    this.master = { runId: this.pendingRunId, reploff: this.pendingOffset, db: 0, preSync: this.pendingOffset === -1 };
    this.node.trace({
      kind: "rdb",
      side: "replica",
      peer: side.masterAddress,
      bytes: rdbBytes,
      keys,
      mode: eofFormat ? "diskless" : "disk",
      message: `MASTER <-> SLAVE sync: loaded ${keys} keys from a ${rdbBytes}-byte RDB; the master's stream continues at ${this.pendingOffset}`,
    });
    return 0;
  }

  /** replicationCacheMaster: the run id and offset are kept for the next PSYNC. */
  onMasterLost(client: Client): void {
    const master = this.master;
    this.master = null;
    if (!master) return;
    master.db = client.db;
    this.cachedMaster = master;
  }

  onStreamBytes(count: number): void {
    if (this.master) this.master.reploff += count;
  }

  onCommandApplied(): void {
    // Applied commands are propagated again by the node itself (its own stream).
  }

  /** replicationSetMaster: no cached master survives, no backlog, offset 0: the next PSYNC is `? -1`. */
  setMaster(host: string, port: number): void {
    const rs = this.replicaSide;
    rs.setMaster(host, port);
    if (rs.masterClient) this.node.closeClient(rs.masterClient);
    this.masterSide.disconnectAll();
    this.cachedMaster = null;
    this.master = null;
    this.freeBacklog();
    this.masterReplOffset = 0;
    this.node.trace({ kind: "role", role: "replica", masterAddress: rs.masterAddress, message: `now a slave of ${rs.masterAddress}; SLAVEOF discards any cached master, so the next PSYNC is ? -1` });
  }

  /** replicationUnsetMaster: without replicas of its own the node takes its master's offset. */
  unsetMaster(): void {
    const rs = this.replicaSide;
    if (rs.masterHost === null) return;
    const old = rs.masterAddress;
    const master = this.master;
    if (master && this.masterSide.replicas.length === 0) {
      this.masterReplOffset = master.reploff;
      this.freeBacklog();
    }
    this.master = null;
    this.cachedMaster = null;
    rs.clearMaster();
    this.node.trace({ kind: "role", role: "master", masterAddress: null, message: `MASTER MODE enabled (was a slave of ${old}); run id ${shortId(this.node.runId)} unchanged, slaves kept` });
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks of the core

  /** replicationCron: the link, ACKs, PINGs into the stream, newlines, timeouts, the backlog's TTL, delayed forks. */
  cron(): void {
    const node = this.node;
    const side = this.masterSide;
    this.replicaSide.cron();
    const master = this.master;
    const link = this.replicaSide.masterClient;
    if (master && link && !master.preSync) node.sendRaw(link.conn, encodeCommand([asciiBytes("REPLCONF"), asciiBytes("ACK"), asciiBytes(String(master.reploff))]));
    // 2.8 feeds the PING whether or not replicas are attached (it goes into the backlog).
    if (this.replicationCronLoops % node.config["repl-ping-replica-period"] === 0) this.feedCommand(this.slaveseldb, PING_ARGV);
    side.newlineTo((l) => l.state === "wait_bgsave_start");
    side.dropSilentReplicas();
    const ttl = node.config["repl-backlog-ttl"];
    if (side.replicas.length === 0 && ttl > 0 && this.ring && node.unixSec() - node.unixSecAt(side.noReplicasSinceMs) > ttl) {
      this.freeBacklog();
      node.trace({ kind: "backlog", action: "freed", firstByteOffset: 0, message: `replication backlog freed after ${ttl} seconds without connected slaves` });
    }
    const waiting = side.waitingForFork();
    if (waiting.count > 0 && waiting.maxIdleSec > node.config["repl-diskless-sync-delay"]) {
      const socket = node.config["repl-diskless-sync"] && side.replicas.every((c) => classicLinkOf(c).state !== "wait_bgsave_start" || c.replCapaEof);
      this.fork(socket);
    }
    this.refreshGoodReplicas();
    this.replicationCronLoops++;
  }

  infoFields(): [string, string | number][] {
    return psync1InfoFields(this.node, this);
  }

  view(): Redis28View {
    return redis28View(this.node, this);
  }

}
