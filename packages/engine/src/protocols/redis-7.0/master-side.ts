/**
 * The master half of replication: serving PSYNC/SYNC, feeding the stream to the backlog and to
 * replicas, full syncs (disk and diskless), ACK bookkeeping, WAIT, min-replicas and the master
 * duties of replicationCron.
 *
 * Rules (redis 7.0.15 replication.c; ids refer to SPEC.md beside this file):
 * - PS-1 A PSYNC is partial iff the id is our replid, or our replid2 with offset <= second_replid_offset,
 *   and the offset lies in [backlog first byte, master_repl_offset + 1].
 * - PS-2 A full sync creates the backlog (and a fresh replid) when it is the only replica and none exists.
 * - PS-3 `+FULLRESYNC` carries the offset at fork time; diskless forks wait repl-diskless-sync-delay.
 * - PS-4 After a diskless transfer nothing is streamed until the replica's first REPLCONF ACK.
 * - PS-9 A diskless transfer is an RDB child writing through a pipe to the replicas' sockets: it
 *   lasts until the slowest replica still up took the RDB, and is collected at the next serverCron.
 * - PS-10 A disk-target full sync: the child's file is sent once the child is collected at a
 *   serverCron (send_bulk); the replica is online, its stream flowing, once the socket took it.
 * - ST-1 Only a top-level master produces stream bytes; SELECT precedes a command whose db differs.
 */
import { writeSimple, writeInteger } from "../../redis/resp/encode.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../../redis/server.ts";
import { selectCommandBytes } from "../../redis/stream.ts";
import { linkOf, type Psync2Replication } from "./replication.ts";
import type { Client } from "../../redis/client.ts";
import { ReplicaLink } from "./replica-link.ts";
import { closeIfOutputOverLimit } from "../../redis/client-limits.ts";
import { sendSyncPayload } from "../../redis/sync-payload.ts";
import type { FullResyncReason } from "../../process/trace.ts";
import { psync2Decision, type Psync2Decision } from "../psync2/psync-decision.ts";

const PING_ARGV = [asciiBytes("ping")];
const GETACK_ARGV = [asciiBytes("REPLCONF"), asciiBytes("GETACK"), asciiBytes("*")];
const NEWLINE = asciiBytes("\n");
const NOTHING = { bytes: new Uint8Array(0), more: false } as const;

/**
 * An RDB child: one for replicas' sockets (every diskless full sync) streams what it writes through
 * the pipe to them; one for disk writes the file (at once, or one rdb-key-save-delay a key).
 */
/** PROTO_IOBUF_LEN: what rdbPipeReadHandler reads from the child's pipe at a time. */
const PIPE_READ_BYTES = 16 * 1024;

interface RdbChild {
  readonly startMs: number;
  readonly doneAtMs: number;
  readonly rdb: Uint8Array;
  readonly offset: number;
  readonly keys: number;
  readonly socketTarget: boolean;
  /**
   * Sockets only: the EOF mark, the RDB bytes written so far, when to write more, and whether the
   * whole RDB and its end mark are written.
   */
  readonly stream: {
    readonly mark: string;
    sentBytes: number;
    readonly stepMs: number;
    nextMs: number;
    complete: boolean;
    /**
     * A replica of the pipe was freed: the pipe is read again only at the next turn of the event
     * loop (rdbPipeWriteHandlerConnRemoved re-arms its read event), after the other sockets' events
     * of this turn, so a replica that dropped at the same moment is found gone first.
     */
    readNextTurn: boolean;
  } | null;
  /** Sockets only: the replicas the pipe's bytes go to (rdb_pipe_conns); one freed leaves it. */
  readonly conns: Set<Client>;
  /**
   * How the child ends, noticed at the next serverCron (checkChildrenDone): "pipe-done" once the
   * parent read the pipe's end (every byte taken by the sockets still up), "saved" once a disk
   * child wrote its file, "killed" by killRDBChild.
   */
  ending: "pipe-done" | "saved" | "killed" | null;
}

/** The signal killRDBChild sends (SIGUSR1), as the exit handler reports it. */
const SIGUSR1 = 10;

export class MasterSide {
  /** Attached replicas in attach order (redis: server.slaves). */
  readonly replicas: Client[] = [];
  /** Virtual ms since when there are no replicas (backlog TTL clock). */
  noReplicasSinceMs: number;
  /** Replicas that passed the min-replicas-max-lag check at the last refresh. */
  goodReplicas = 0;
  private readonly waiting: Client[] = [];
  /** The stream offset at the last output-limit check: replicas are checked when it grows. */
  private limitCheckedAt = 0;
  private replicationCronLoops = 0;
  /** An RDB child made slow by rdb-key-save-delay, until its RDB is ready (null: none runs). */
  private rdbChild: RdbChild | null = null;

  constructor(
    private readonly node: RedisNode,
    private readonly repl: Psync2Replication,
  ) {
    this.noReplicasSinceMs = node.nowMs;
  }

  // ---------------------------------------------------------------------------------------------
  // Feeding the stream (replicationFeedSlaves)

  /**
   * Appends one command to the stream under `db`, emitting SELECT first when needed. Pass
   * `db = slaveseldb` for commands that must never be preceded by SELECT (cron PING, GETACK).
   */
  feedCommand(db: number, argv: readonly Uint8Array[]): void {
    const node = this.node;
    const backlog = this.repl.backlog;
    if (node.isReplica || !backlog) return;
    const before = backlog.endOffset;
    if (this.repl.slaveseldb !== db) {
      backlog.feed(selectCommandBytes(db));
      this.repl.slaveseldb = db;
    }
    // The backlog takes the command in the pieces redis feeds it, which decide block boundaries.
    backlog.feedCommand(argv);
    this.repl.masterReplOffset += backlog.endOffset - before;
  }

  /** Proxies bytes applied from our own master to our backlog (one piece), hence to sub-replicas. */
  feedProxied(bytes: Uint8Array): void {
    if (!this.repl.backlog) return;
    this.repl.backlog.feed(bytes);
    this.repl.masterReplOffset += bytes.length;
  }

  /** {@link feedProxied} for a range of a buffer, without copying it first. */
  feedProxiedRange(data: Uint8Array, start: number, end: number): void {
    if (!this.repl.backlog) return;
    this.repl.backlog.feed(data, start, end);
    this.repl.masterReplOffset += end - start;
  }

  /**
   * beforeSleep's writes: every streaming replica reads what the shared buffer holds past its
   * position. (A replica waiting for its RDB, or for its first ACK after a diskless one, keeps
   * its reader, and so its place in the buffer, until it is ready.)
   */
  flushStream(): void {
    const grew = this.repl.masterReplOffset !== this.limitCheckedAt;
    this.limitCheckedAt = this.repl.masterReplOffset;
    for (const replica of [...this.replicas]) {
      // feedReplicationBuffer checks every replica's output limits as the stream grows (a replica
      // whose RDB is still on its way included: its share of the stream waits meanwhile).
      if (grew && closeIfOutputOverLimit(this.node, replica)) continue;
      const link = linkOf(replica);
      if (link.state !== "online" || link.startStreamOnAck || !link.reader) continue;
      if (link.reader.pendingBytes === 0) continue;
      this.node.markOutput(replica);
    }
  }

  /**
   * What a replica's connection takes of the stream now (writeToClient for a replica): up to
   * `maxBytes` from its reader, which holds its place in the shared buffer until then.
   */
  streamFor(client: Client, maxBytes: number): { readonly bytes: Uint8Array; readonly more: boolean } {
    const link = linkOf(client);
    const reader = link.reader;
    if (link.state === "send_bulk" && client.out.length === 0) {
      // sendBulkToSlave: the connection took the file's last byte; the replica is online and its
      // stream goes out from here on (replicaPutOnline, replicaStartCommandStream).
      this.putOnline(client, link.bulk!.bytes, false, link.bulk!.keys);
      this.refreshGoodReplicas();
    }
    if (link.state !== "online" || link.startStreamOnAck || !reader || reader.pendingBytes === 0) return NOTHING;
    const bytes = reader.read(maxBytes);
    return { bytes, more: reader.pendingBytes > 0 };
  }

  // ---------------------------------------------------------------------------------------------
  // SYNC / PSYNC (syncCommand, masterTryPartialResynchronization)

  handleSync(client: Client, argv: Uint8Array[], isPsync: boolean): void {
    const node = this.node;
    if (client.kind === "replica") return;
    if (node.isReplica && this.repl.replicaSide.state !== "connected") {
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
      const offset = parseInteger(argv[2]!);
      if (offset === undefined) {
        node.trace({ kind: "warning", code: "psync-wrong-offset", message: `Replica ${this.redisPeerName(client)} asks for synchronization but with a wrong offset` });
        node.replyError(client, "ERR value is not an integer or out of range");
        return;
      }
      const decision = this.psyncDecision(replid, offset);
      if (decision.partial) {
        this.acceptPartial(client, offset);
        node.stats.syncPartialOk++;
        return;
      }
      reason = decision.reason;
      if (!replid.startsWith("?")) node.stats.syncPartialErr++;
      node.trace({
        kind: "full-resync",
        side: "master",
        ...this.tracedPeer(client),
        replid: this.repl.replid,
        offset: this.repl.masterReplOffset,
        reason,
        backlogFirstByte: this.repl.backlog ? this.repl.backlog.firstByteOffset : 0,
        requested: { replid, offset },
        replid2: this.repl.replid2,
        secondReplidOffset: this.repl.secondReplidOffset,
        message: `full resync for ${this.peerName(client)}: ${decision.explanation}`,
      });
    }
    this.startFullSync(client, !isPsync, reason);
  }

  /** PS-1: the partial-resync rule (shared with 4.0: psync2/psync-decision.ts), with the reason it fails in words. */
  psyncDecision(replid: string, offset: number): Psync2Decision {
    const repl = this.repl;
    return psync2Decision({ replid: repl.replid, replid2: repl.replid2, secondReplidOffset: repl.secondReplidOffset, backlog: repl.backlog }, replid, offset);
  }

  private acceptPartial(client: Client, offset: number): void {
    const node = this.node;
    const backlog = this.repl.backlog!;
    client.kind = "replica";
    const link = new ReplicaLink("online", node.nowMs, false);
    client.replica = link;
    this.replicas.push(client);
    writeSimple(client.out, client.replCapaPsync2 ? `CONTINUE ${this.repl.replid}` : "CONTINUE");
    link.reader = backlog.openReader(offset);
    // addReplyReplicationBacklog: the backlog from the offset goes out after +CONTINUE, as fast as
    // the connection takes it (the reader keeps its place in the shared buffer meanwhile).
    const pendingBytes = link.reader.pendingBytes;
    node.markOutput(client);
    node.trace({
      kind: "partial-resync",
      side: "master",
      ...this.tracedPeer(client),
      replid: this.repl.replid,
      offset,
      backlogBytes: pendingBytes,
      backlogFirstByte: backlog.firstByteOffset,
      backlogLastByte: backlog.firstByteOffset + backlog.histlen,
      message: `partial resync accepted for ${this.peerName(client)}: offset ${offset} inside backlog [${backlog.firstByteOffset}, ${backlog.firstByteOffset + backlog.histlen}], sending ${pendingBytes} bytes`,
    });
    this.refreshGoodReplicas();
  }

  private startFullSync(client: Client, preSync: boolean, reason: FullResyncReason): void {
    const node = this.node;
    node.stats.syncFull++;
    client.kind = "replica";
    client.replica = new ReplicaLink("wait_bgsave_start", node.nowMs, preSync);
    this.replicas.push(client);
    // syncCommand's first line (for SYNC; a PSYNC's came with its refusal): before the backlog's.
    node.trace({ kind: "replica-state", ...this.tracedPeer(client), state: "wait_bgsave", reason, message: `${this.peerName(client)} waits for a full sync (${reason})` });
    if (this.replicas.length === 1 && !this.repl.backlog) {
      this.repl.changeReplicationId();
      this.repl.clearReplicationId2();
      this.repl.createBacklog();
      node.trace({
        kind: "replid",
        replid: this.repl.replid,
        replid2: this.repl.replid2,
        secondReplOffset: this.repl.secondReplidOffset,
        cause: "backlog-created",
        message: `new replication id ${short(this.repl.replid)}: a master takes a fresh id when it creates its backlog`,
      });
    }
    if (this.rdbChild !== null) {
      this.attachToRdbChild(client);
      return;
    }
    const diskless = node.config["repl-diskless-sync"] && client.replCapaEof;
    if (diskless && node.config["repl-diskless-sync-delay"] > 0) {
      // replicationCron forks once the delay has passed, for every replica that came meanwhile.
      this.syncWait("Delay next BGSAVE for diskless SYNC");
      return;
    }
    this.startBgsaveForReplication();
  }

  /** syncCommand's line when a replica cannot have an RDB at once (its words, redis logs them as a notice). */
  private syncWait(redisLine: string): void {
    this.node.trace({ kind: "warning", code: "sync-wait-bgsave", message: redisLine });
  }

  /**
   * Forks the RDB for every replica waiting to start (startBgsaveForReplication). The simulated
   * fork is instantaneous: the snapshot is the dataset at this moment, and the transfer takes the
   * link's time. The replicas wait in wait_bgsave_end (the +FULLRESYNC sent) until the child is
   * collected (collectRdbChild); with rdb-key-save-delay it takes that long per key. Not while a
   * child runs.
   */
  private startBgsaveForReplication(): void {
    const node = this.node;
    if (this.rdbChild !== null) return;
    const waiting = this.replicas.filter((c) => linkOf(c).state === "wait_bgsave_start");
    if (waiting.length === 0) return;
    const socketTarget = node.config["repl-diskless-sync"] && waiting.every((c) => c.replCapaEof);
    const rdb = node.buildRdb();
    const offset = this.repl.masterReplOffset;
    const keys = node.keyspace.totalKeys;
    const delayUs = node.config["rdb-key-save-delay"];
    const slow = delayUs > 0 && keys > 0;
    this.repl.slaveseldb = -1;
    for (const client of waiting) {
      const link = linkOf(client);
      link.psyncInitialOffset = offset;
      link.state = "wait_bgsave_end";
      if (!link.preSync) writeSimple(client.out, `FULLRESYNC ${this.repl.replid} ${offset}`);
      // The replica gets everything fed after the fork; its reader holds that place.
      link.reader = this.repl.backlog!.openReaderAtNextFeed();
      node.markOutput(client);
    }
    if (socketTarget) {
      // rdbSaveToSlavesSockets: the child writes `$EOF:<mark>` and the RDB into a pipe (as its keys
      // are written when rdb-key-save-delay slows it), the parent passes each piece on to every
      // replica's socket and reads the next only once all of them took it; the mark ends it.
      const mark = node.prng.hex(40);
      const stream = { mark, sentBytes: 0, stepMs: Math.min(1000, Math.max(10, delayUs / 1000)), nextMs: node.nowMs, complete: false, readNextTurn: false };
      for (const client of waiting) client.out.ascii(`$EOF:${mark}\r\n`);
      const doneAtMs = slow ? node.nowMs + (keys * delayUs) / 1000 : node.nowMs;
      this.rdbChild = { startMs: node.nowMs, doneAtMs, rdb, offset, keys, socketTarget, stream, conns: new Set(waiting), ending: null };
      node.trace({ kind: "warning", code: "rdb-child-started", message: `RDB child for replication started (replicas sockets): it streams ${keys} keys (${rdb.length} bytes) through a pipe to ${waiting.length} replica(s)${slow ? `; rdb-key-save-delay ${delayUs} us per key makes it take ${(keys * delayUs) / 1e6} s` : ""}` });
      this.streamRdbChild(this.rdbChild, stream, true);
    } else {
      // rdbSaveBackground: the child writes the file; the replicas get it once it is collected.
      const doneAtMs = slow ? node.nowMs + (keys * delayUs) / 1000 : node.nowMs;
      this.rdbChild = { startMs: node.nowMs, doneAtMs, rdb, offset, keys, socketTarget, stream: null, conns: new Set(), ending: null };
      node.trace({
        kind: "warning",
        code: "rdb-child-started",
        message: slow
          ? `RDB child for replication started (disk); rdb-key-save-delay ${delayUs} us per key makes its ${keys} keys take ${(keys * delayUs) / 1e6} s`
          : `RDB child for replication started (disk): it saves ${keys} keys (${rdb.length} bytes) at once, and is collected at the next serverCron`,
      });
      this.finishRdbChild();
    }
    this.refreshGoodReplicas();
  }

  /** An RDB child for replication is running (rdb_bgsave_in_progress). */
  get rdbChildInProgress(): boolean {
    return this.rdbChild !== null;
  }

  /** When the running RDB child next writes bytes or is done (Infinity: none, or it waits for the sockets). */
  rdbChildDoneMs(): number {
    const child = this.rdbChild;
    if (child === null || child.ending !== null) return Infinity;
    if (!child.stream) return child.doneAtMs;
    // The pipe's read waits for the loop's next turn: a timer now, run after the events of this one.
    if (child.stream.readNextTurn) return this.node.nowMs;
    // A piece passed on after this step's writes goes out now (the parent writes the sockets itself).
    for (const client of child.conns) if (client.out.length > 0 && !client.waitingWritable) return this.node.nowMs;
    // A child whose last piece a socket has not taken yet waits for the writes, not for time.
    if (child.stream.complete || this.pipeBlocked(child)) return Infinity;
    return child.stream.nextMs;
  }

  /** Some replica's socket still holds part of the last piece (rdb_pipe_numconns_writing > 0). */
  private pipeBlocked(child: RdbChild): boolean {
    for (const client of child.conns) if (client.out.length > 0) return true;
    return false;
  }

  /**
   * Timers: a disk child has written its file and exits (collected at the next serverCron), or a
   * socket child writes its next bytes.
   */
  finishRdbChild(): void {
    const node = this.node;
    const child = this.rdbChild;
    if (child === null || child.ending !== null) return;
    if (child.stream) {
      // A new turn of the loop: the pipe is read again (afterPipeWrites, at this step's end).
      child.stream.readNextTurn = false;
      if (!child.stream.complete && node.nowMs >= child.stream.nextMs) this.streamRdbChild(child, child.stream, false);
      return;
    }
    if (node.nowMs < child.doneAtMs) return;
    node.disk.write(node.config.dbfilename, child.rdb);
    child.ending = "saved";
  }

  /**
   * The socket child's bytes so far (in proportion to its time: its keys are written one delay
   * apart). The parent reads the pipe only while no replica's socket still holds a piece it has
   * not taken, so the child waits meanwhile (`force`: the first piece, at the fork).
   */
  private streamRdbChild(child: RdbChild, stream: NonNullable<RdbChild["stream"]>, force: boolean): void {
    const node = this.node;
    if (!force && this.pipeBlocked(child)) return;
    const span = child.doneAtMs - child.startMs;
    const written = span <= 0 || node.nowMs >= child.doneAtMs ? child.rdb.length : Math.floor((child.rdb.length * (node.nowMs - child.startMs)) / span);
    // The parent passes on what every socket can take now (at least one 16 KB read of the pipe,
    // which a full socket then holds): the rest stays in the pipe, so a fast replica is never more
    // than the slowest one's socket ahead of it (rdbPipeReadHandler writes each piece to all).
    let upTo = written;
    for (const client of child.conns) upTo = Math.min(upTo, stream.sentBytes + Math.max(PIPE_READ_BYTES, client.room - client.out.length));
    if (upTo > stream.sentBytes) {
      const piece = child.rdb.subarray(stream.sentBytes, upTo);
      for (const client of child.conns) node.sendLarge(client, piece);
      stream.sentBytes = upTo;
    }
    if (stream.sentBytes === child.rdb.length) {
      for (const client of child.conns) client.out.ascii(stream.mark);
      stream.complete = true;
    }
    // rdbPipeReadHandler writes each piece to the sockets itself: what a socket does not take stays.
    for (const client of child.conns) node.flushNow(client);
    // Bytes the child wrote that the sockets had no room for are read as soon as they take these.
    stream.nextMs = stream.sentBytes < written ? node.nowMs : node.nowMs + stream.stepMs;
  }

  /**
   * After the writes of a step (beforeSleep): each pipe replica's last partial write
   * (repl_last_partial_write: when its socket last took part of a piece, 0 once it took all),
   * a waiting child's next piece, and the end of the pipe once the child wrote everything and
   * every socket still up took it (rdbPipeReadHandler's EOF).
   */
  afterPipeWrites(): void {
    const node = this.node;
    const child = this.rdbChild;
    if (child === null || !child.stream || child.ending !== null) return;
    let pending = false;
    for (const client of child.conns) {
      const link = linkOf(client);
      const left = client.out.length;
      if (left === 0) link.lastPartialWriteMs = 0;
      else if (left !== link.pipeBytesLeft || link.lastPartialWriteMs === 0) link.lastPartialWriteMs = node.nowMs;
      link.pipeBytesLeft = left;
      if (left > 0) pending = true;
    }
    if (pending) return;
    const stream = child.stream;
    if (stream.readNextTurn) return;
    // The pipe is read piece after piece while every socket takes each whole.
    while (!stream.complete) {
      if (node.nowMs < stream.nextMs) return;
      const before = stream.sentBytes;
      this.streamRdbChild(child, stream, false);
      if (this.pipeBlocked(child)) {
        for (const client of child.conns) {
          const link = linkOf(client);
          if (client.out.length > 0 && link.lastPartialWriteMs === 0) link.lastPartialWriteMs = node.nowMs;
          link.pipeBytesLeft = client.out.length;
        }
        return;
      }
      if (stream.sentBytes === before && !stream.complete) return;
    }
    child.ending = "pipe-done";
    node.trace({ kind: "warning", code: "rdb-pipe-done", message: `Diskless rdb transfer, done reading from pipe, ${child.conns.size} replicas still up.` });
  }

  /**
   * checkChildrenDone (every serverCron, and on an ACK from a replica waiting for the child): a
   * child that ended is collected (backgroundSaveDoneHandler), then updateSlavesWaitingBgsave. A
   * socket child that finished puts its replicas online, waiting for their first ACK to start the
   * stream; a disk child that finished starts sending its file to each (send_bulk); one killed
   * fails the replicas still waiting for it.
   */
  collectRdbChild(): void {
    const node = this.node;
    const child = this.rdbChild;
    if (child === null || child.ending === null) return;
    this.rdbChild = null;
    const ok = child.ending !== "killed";
    if (ok) {
      node.trace({ kind: "warning", code: "rdb-child-done", message: child.stream ? "Background RDB transfer terminated with success" : "Background saving terminated with success" });
    } else {
      node.trace({ kind: "warning", code: "rdb-child-killed", message: child.stream ? `Background transfer terminated by signal ${SIGUSR1}` : `Background saving terminated by signal ${SIGUSR1}` });
    }
    for (const client of [...this.replicas]) {
      const link = linkOf(client);
      if (link.state !== "wait_bgsave_end") continue;
      if (!ok) {
        node.trace({ kind: "warning", code: "rdb-child-failed-sync", message: "SYNC failed. BGSAVE child returned an error" });
        node.closeClient(client);
        continue;
      }
      if (!child.stream) {
        this.startBulk(client, child.rdb, child.keys);
        continue;
      }
      node.trace({ kind: "warning", code: "rdb-streamed", message: `Streamed RDB transfer with replica ${this.peerName(client)} succeeded (socket). Waiting for REPLCONF ACK from slave to enable streaming` });
      this.putOnline(client, child.rdb.length, true, child.keys);
    }
    this.refreshGoodReplicas();
  }

  /**
   * updateSlavesWaitingBgsave for a disk child: the replica's state is send_bulk and the file goes
   * out, `$<size>` first, as the connection takes it (sendBulkToSlave); it is online once the
   * connection took the last byte (streamFor). The file goes out as its own write (no copy
   * through the output buffer: it can be large).
   */
  private startBulk(client: Client, rdb: Uint8Array, keys: number): void {
    const node = this.node;
    const link = linkOf(client);
    link.state = "send_bulk";
    link.bulk = { bytes: rdb.length, keys };
    sendSyncPayload(node, client, rdb, false);
    node.trace({ kind: "replica-state", peer: this.peerName(client), state: "send_bulk", message: `${this.peerName(client)} is sent the RDB file (${rdb.length} bytes, ${keys} keys) the child saved` });
  }

  /**
   * killRDBChild (FLUSHALL): the child is signalled and collected at the next serverCron, where
   * the replicas still waiting for its RDB fail.
   */
  killRdbChild(): void {
    const child = this.rdbChild;
    if (child === null || child.ending !== null) return;
    child.ending = "killed";
    // The dead child's end of the pipe is closed: unless a socket still holds a piece (the parent
    // then does not read), the parent's next read is the pipe's end, before the child is collected.
    if (child.stream && !this.pipeBlocked(child)) {
      this.node.trace({ kind: "warning", code: "rdb-pipe-done", message: `Diskless rdb transfer, done reading from pipe, ${child.conns.size} replicas still up.` });
    }
  }

  /**
   * A full-sync replica while a child runs: to a disk target it attaches when another replica waits
   * for that child (it gets the same RDB and +FULLRESYNC offset, and the stream fed since the fork);
   * otherwise it waits for the next BGSAVE (wait_bgsave_start).
   */
  private attachToRdbChild(client: Client): void {
    const child = this.rdbChild!;
    const backlog = this.repl.backlog!;
    const other = this.replicas.some((c) => c !== client && linkOf(c).state === "wait_bgsave_end");
    if (child.socketTarget) {
      this.syncWait("Current BGSAVE has socket target. Waiting for next BGSAVE for SYNC");
      return;
    }
    if (!other || !backlog.contains(child.offset + 1)) {
      this.syncWait("Can't attach the replica to the current BGSAVE. Waiting for next BGSAVE for SYNC");
      return;
    }
    const link = linkOf(client);
    link.psyncInitialOffset = child.offset;
    link.state = "wait_bgsave_end";
    if (!link.preSync) writeSimple(client.out, `FULLRESYNC ${this.repl.replid} ${child.offset}`);
    link.reader = backlog.openReader(child.offset + 1);
    this.node.markOutput(client);
    this.syncWait("Waiting for end of BGSAVE for SYNC");
  }

  /**
   * replicaPutOnline: the RDB is out; after a diskless one, the stream starts at the first ACK,
   * after one from disk at once (replicaStartCommandStream).
   */
  private putOnline(client: Client, rdbBytes: number, socketTarget: boolean, keys: number): void {
    const node = this.node;
    const link = linkOf(client);
    link.state = "online";
    link.bulk = null;
    link.lastPartialWriteMs = 0;
    // Diskless: the stream starts once the replica's first ACK says it loaded the payload.
    if (socketTarget) link.startStreamOnAck = true;
    link.ackTimeMs = node.nowMs;
    node.markOutput(client);
    node.trace({
      kind: "rdb",
      side: "master",
      ...this.tracedPeer(client),
      bytes: rdbBytes,
      keys,
      mode: socketTarget ? "diskless" : "disk",
      message: `+FULLRESYNC ${short(this.repl.replid)} ${link.psyncInitialOffset} to ${this.peerName(client)}: RDB of ${keys} keys, ${rdbBytes} bytes, ${socketTarget ? "streamed diskless ($EOF: mark)" : "from disk ($len)"}`,
    });
  }

  // ---------------------------------------------------------------------------------------------
  // REPLCONF

  handleReplconf(client: Client, argv: Uint8Array[]): void {
    const node = this.node;
    if (argv.length % 2 === 0) {
      node.replyError(client, "ERR syntax error");
      return;
    }
    for (let i = 1; i < argv.length; i += 2) {
      const option = bytesToBinary(argv[i]!).toLowerCase();
      const value = bytesToBinary(argv[i + 1]!);
      switch (option) {
        case "listening-port": {
          const port = parseInteger(argv[i + 1]!);
          if (port === undefined) {
            node.replyError(client, "ERR value is not an integer or out of range");
            return;
          }
          client.replListeningPort = port;
          break;
        }
        case "ip-address":
          if (value.length >= 46) {
            node.replyError(client, `ERR REPLCONF ip-address provided by replica instance is too long: ${value.length} bytes`);
            return;
          }
          client.replAnnouncedIp = value;
          break;
        case "capa":
          if (value.toLowerCase() === "eof") client.replCapaEof = true;
          else if (value.toLowerCase() === "psync2") client.replCapaPsync2 = true;
          break;
        case "ack": {
          const offset = parseInteger(argv[i + 1]!);
          if (offset === undefined || client.kind !== "replica") return;
          this.onAck(client, offset);
          return;
        }
        case "getack":
          if (node.isReplica) this.repl.replicaSide.sendAck();
          return;
        case "rdb-only":
        case "rdb-filter-only":
          break;
        default:
          node.replyError(client, `ERR Unrecognized REPLCONF option: ${bytesToBinary(argv[i]!)}`);
          return;
      }
    }
    writeSimple(client.out, "OK");
  }

  private onAck(client: Client, offset: number): void {
    const node = this.node;
    const link = linkOf(client);
    if (offset > link.ackOffset) link.ackOffset = offset;
    link.ackTimeMs = node.nowMs;
    // The ACK may come before the cron noticed the child's end: look now (checkChildrenDone).
    if (link.state === "wait_bgsave_end") this.collectRdbChild();
    if (link.startStreamOnAck && link.state === "online") {
      // PS-4: the replica found the end of the RDB; now it gets the stream kept for it.
      link.startStreamOnAck = false;
      this.flushStream();
      node.trace({ kind: "replica-state", peer: this.peerName(client), state: "online", message: `${this.peerName(client)} loaded the RDB and acknowledged offset ${offset}; streaming starts` });
    }
    this.processWaiters();
  }

  // ---------------------------------------------------------------------------------------------
  // Replica lifecycle

  onReplicaGone(client: Client): void {
    const index = this.replicas.indexOf(client);
    if (index < 0) return;
    this.replicas.splice(index, 1);
    const link = linkOf(client);
    if (link.reader) {
      link.reader.close();
      link.reader = null;
    }
    const child = this.rdbChild;
    const inPipe = child !== null && child.stream !== null && child.conns.delete(client);
    // rdbPipeWriteHandlerConnRemoved: a socket that still held a piece no longer holds the pipe.
    if (inPipe && child.conns.size > 0 && child.ending === null && client.out.length > 0) child.stream!.readNextTurn = true;
    if (inPipe && child.conns.size === 0 && child.ending === null) {
      // The pipe's next read finds no replica left (rdbPipeReadHandler), unless the child had
      // written everything and this socket had taken it: then the read is the pipe's end. Not when
      // a replica freed this turn still held a piece: the parent had not read the pipe through.
      if (child.stream!.complete && client.out.length === 0 && !child.stream!.readNextTurn) {
        child.ending = "pipe-done";
        this.node.trace({ kind: "warning", code: "rdb-pipe-done", message: "Diskless rdb transfer, done reading from pipe, 0 replicas still up." });
      } else {
        this.node.trace({ kind: "warning", code: "rdb-pipe-dropped", message: "Diskless rdb transfer, last replica dropped, killing fork child." });
        child.ending = "killed";
      }
    } else if (child !== null && !child.stream && link.state === "wait_bgsave_end" && this.node.config.save.trim() === "" && !this.replicas.some((c) => linkOf(c).state === "wait_bgsave_end")) {
      // The last replica waiting for a disk child's RDB is gone and no save points make its file
      // worth having: the child is killed (collected at the next serverCron).
      if (child.ending === null) child.ending = "killed";
    }
    if (this.replicas.length === 0) this.noReplicasSinceMs = this.node.nowMs;
    this.refreshGoodReplicas();
    this.node.trace({ kind: "disconnect", ...this.tracedPeer(client), side: "master", message: `connection with replica ${this.peerName(client)} lost` });
  }

  /** Closes every replica connection (disconnectSlaves). */
  disconnectReplicas(): void {
    for (const client of [...this.replicas]) this.node.closeClient(client);
  }

  peerName(client: Client): string {
    const host = client.replAnnouncedIp || client.peer.slice(0, client.peer.lastIndexOf(":"));
    return client.replListeningPort ? `${host}:${client.replListeningPort}` : client.peer;
  }

  /** The replica as redis's log names it (replicationGetSlaveName). */
  redisPeerName(client: Client): string {
    const host = client.replAnnouncedIp || client.peer.slice(0, client.peer.lastIndexOf(":"));
    return `${host}:${client.replListeningPort || "<unknown-replica-port>"}`;
  }

  /** A trace's `peer`, and redis's name for it where that differs. */
  private tracedPeer(client: Client): { readonly peer: string; readonly redisPeer?: string } {
    const peer = this.peerName(client);
    const redisPeer = this.redisPeerName(client);
    return redisPeer === peer ? { peer } : { peer, redisPeer };
  }

  // ---------------------------------------------------------------------------------------------
  // Cron (master duties of replicationCron)

  cron(): void {
    const node = this.node;
    const period = node.config["repl-ping-replica-period"];
    if (this.replicationCronLoops % period === 0 && this.replicas.length > 0 && !node.isReplica) {
      this.feedCommand(this.repl.slaveseldb, PING_ARGV);
    }
    // replicationCron's newline to replicas before their payload: waiting to start, or waiting
    // for a disk child (a socket child's replicas get the pipe's bytes).
    for (const client of this.replicas) {
      const state = linkOf(client).state;
      if (state === "wait_bgsave_start" || (state === "wait_bgsave_end" && this.rdbChild !== null && !this.rdbChild.stream)) {
        client.out.bytes(NEWLINE);
        node.markOutput(client);
      }
    }
    const pipe = this.rdbChild?.stream ? this.rdbChild : null;
    for (const client of [...this.replicas]) {
      const link = linkOf(client);
      // Only a diskless transfer can stall on one replica (a disk child is not fed by the sockets).
      if (pipe !== null && link.state === "wait_bgsave_end" && link.lastPartialWriteMs !== 0 && node.unixSec() - node.unixSecAt(link.lastPartialWriteMs) > node.config["repl-timeout"]) {
        node.trace({ kind: "timeout", side: "master", ...this.tracedPeer(client), message: `disconnecting timed out replica ${this.peerName(client)} during its full sync: its socket took no RDB bytes for more than repl-timeout (${node.config["repl-timeout"]} s)` });
        node.closeClient(client);
        continue;
      }
      if (link.state !== "online" || link.preSync) continue;
      // Whole seconds, as redis compares server.unixtime with repl_ack_time.
      if (node.unixSec() - node.unixSecAt(link.ackTimeMs) > node.config["repl-timeout"]) {
        node.trace({ kind: "timeout", side: "master", ...this.tracedPeer(client), message: `disconnecting timed out replica ${this.peerName(client)}: no ACK for more than repl-timeout (${node.config["repl-timeout"]} s)` });
        node.closeClient(client);
      }
    }
    const ttl = node.config["repl-backlog-ttl"];
    if (this.replicas.length === 0 && ttl > 0 && this.repl.backlog && !node.isReplica) {
      if (node.unixSec() - node.unixSecAt(this.noReplicasSinceMs) > ttl) {
        this.repl.changeReplicationId();
        this.repl.clearReplicationId2();
        this.repl.freeBacklog();
        node.trace({ kind: "backlog", action: "freed", firstByteOffset: 0, message: `replication backlog freed after ${ttl} seconds without connected replicas` });
        node.trace({ kind: "replid", replid: this.repl.replid, replid2: this.repl.replid2, secondReplOffset: this.repl.secondReplidOffset, cause: "backlog-freed", message: `new replication id ${short(this.repl.replid)}: the backlog was freed, so its history is gone` });
      }
    }
    this.startPendingFork();
    this.refreshGoodReplicas();
    this.replicationCronLoops++;
  }

  /** The diskless delay: fork when the longest-waiting replica has waited long enough. */
  private startPendingFork(): void {
    const node = this.node;
    let waiting = 0;
    let maxIdle = 0;
    for (const client of this.replicas) {
      if (linkOf(client).state !== "wait_bgsave_start") continue;
      waiting++;
      maxIdle = Math.max(maxIdle, node.unixSec() - node.unixSecAt(client.lastInteractionMs));
    }
    if (waiting === 0) return;
    const delay = node.config["repl-diskless-sync-delay"];
    const maxReplicas = node.config["repl-diskless-sync-max-replicas"];
    const go =
      !node.config["repl-diskless-sync"] ||
      (maxReplicas === 0 && maxIdle >= delay) ||
      (maxReplicas > 0 && (waiting >= maxReplicas || maxIdle >= delay));
    if (go) this.startBgsaveForReplication();
  }

  refreshGoodReplicas(): void {
    const node = this.node;
    const maxLag = node.config["min-replicas-max-lag"];
    let good = 0;
    for (const client of this.replicas) {
      const link = linkOf(client);
      if (link.state === "online" && node.unixSec() - node.unixSecAt(link.ackTimeMs) <= maxLag) good++;
    }
    this.goodReplicas = good;
  }

  /** min-replicas-to-write: true when writes must be refused with NOREPLICAS. */
  minReplicasNotMet(): boolean {
    const config = this.node.config;
    return config["min-replicas-to-write"] > 0 && config["min-replicas-max-lag"] > 0 && this.goodReplicas < config["min-replicas-to-write"];
  }

  // ---------------------------------------------------------------------------------------------
  // WAIT

  handleWait(client: Client, wanted: number, timeoutMs: number): void {
    const node = this.node;
    const target = client.woff;
    const acked = this.countAcked(target);
    if (acked >= wanted || client.multi !== null) {
      writeInteger(client.out, acked);
      return;
    }
    client.blockedWait = { target, wanted, deadlineMs: timeoutMs === 0 ? Infinity : node.nowMs + timeoutMs };
    this.waiting.push(client);
    this.repl.getAckRequested = true;
  }

  private countAcked(offset: number): number {
    let count = 0;
    for (const client of this.replicas) {
      const link = linkOf(client);
      if (link.state === "online" && link.ackOffset >= offset) count++;
    }
    return count;
  }

  private processWaiters(): void {
    for (const client of [...this.waiting]) {
      const wait = client.blockedWait!;
      const acked = this.countAcked(wait.target);
      if (acked >= wait.wanted) this.finishWait(client, acked);
    }
  }

  private finishWait(client: Client, count: number): void {
    this.unblockWait(client);
    writeInteger(client.out, count);
    this.node.markOutput(client);
    // The client may have pipelined more commands behind the WAIT.
    this.node.processInput(client);
  }

  unblockWait(client: Client): void {
    const index = this.waiting.indexOf(client);
    if (index >= 0) this.waiting.splice(index, 1);
    client.blockedWait = null;
  }

  handleWaitTimeouts(): void {
    for (const client of [...this.waiting]) {
      const wait = client.blockedWait!;
      if (this.node.nowMs >= wait.deadlineMs) this.finishWait(client, this.countAcked(wait.target));
    }
  }

  earliestWaitDeadline(): number {
    let earliest = Infinity;
    for (const client of this.waiting) earliest = Math.min(earliest, client.blockedWait!.deadlineMs);
    return earliest;
  }

  /** REPLCONF GETACK * to every replica, without a SELECT (dictid = slaveseldb). */
  broadcastGetAck(): void {
    this.feedCommand(this.repl.slaveseldb, GETACK_ARGV);
  }

  /** ROLE's replica list: only replicas in ONLINE state. */
  onlineReplicas(): Client[] {
    return this.replicas.filter((c) => linkOf(c).state === "online");
  }
}

/** Parses a canonical signed decimal integer (string2ll); undefined if it is not one. */
export function parseInteger(bytes: Uint8Array): number | undefined {
  const length = bytes.length;
  if (length === 0 || length > 20) return undefined;
  let i = 0;
  let negative = false;
  if (bytes[0] === 45) {
    negative = true;
    i = 1;
    if (length === 1) return undefined;
  }
  if (bytes[i] === 48 && length > i + 1) return undefined;
  let value = 0;
  for (; i < length; i++) {
    const c = bytes[i]! - 48;
    if (c < 0 || c > 9) return undefined;
    value = value * 10 + c;
  }
  if (!Number.isSafeInteger(value)) return undefined;
  return negative ? -value : value;
}

function short(replid: string): string {
  return `${replid.slice(0, 6)}…`;
}
