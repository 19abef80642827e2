/**
 * The replica half of replication before 7.0 (2.6, 2.8, 4.0): the link to the master
 * (connectWithMaster, syncWithMaster, readSyncBulkPayload) and the master's stream, applied
 * command by command through the node's own command path. In 2.6 and 2.8 what the replica
 * executes is propagated again to its own replicas as its own stream (call() → propagate() →
 * replicationFeedSlaves runs on a slave too); 4.0 passes on the bytes it applied instead
 * (`onCommandApplied`).
 *
 * What the versions do differently (the handshake's steps, SYNC or PSYNC and its reply, what a
 * lost master or a loaded RDB means for the node's replicas and offsets) the kind supplies as
 * `ClassicReplicaHooks`. Rules: the SPEC.md of each kind.
 */
import { RdbError } from "../../redis/rdb/errors.ts";
import { Client } from "../../redis/client.ts";
import type { RequestParser } from "../../redis/resp/request-parser.ts";
import type { RedisNode } from "../../redis/server.ts";
import type { LoadedRdb } from "../../redis/persistence.ts";
import { ReplicaHandshake, type HandshakeStep, type HandshakeStyle } from "../../redis/replica-handshake.ts";
import { SyncPayloadReader } from "../../redis/sync-payload.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import type { ConnId } from "../../process/effects.ts";
import type { ReplicaLinkPhase } from "../../process/trace.ts";

/** `repl_state`, coarse: the handshake's own step is in `handshakeState`. */
export type ClassicReplState = "none" | "connect" | "connecting" | "handshake" | "receive_sync_reply" | "transfer" | "connected";

/** What the version decides on the replica side. */
export interface ClassicReplicaHooks {
  /** The handshake after connecting (PING, AUTH, REPLCONF …). */
  handshakeSteps(): HandshakeStep[];
  /** The handshake is done: write SYNC (then `beginTransfer`) or PSYNC (then `awaitSyncReply`). */
  requestSync(side: ClassicReplicaSide): void;
  /** A line answering PSYNC (2.8); the hook moves the side on (`beginTransfer`, `attachMaster`, `fail`). */
  onSyncReply(side: ClassicReplicaSide, line: string): void;
  /**
   * The RDB is loaded; the link becomes the master client next, in the db this returns (0, as
   * createClient leaves it; 4.0 selects the file's repl-stream-db).
   */
  onFullSyncLoaded(loaded: LoadedRdb, rdbBytes: number, eofFormat: boolean): number;
  /** The master client is gone (link lost or killed), while the node still follows a master. */
  onMasterLost(client: Client): void;
  /** Bytes of the master's stream arrived on the master client (2.8 counts them in reploff). */
  onStreamBytes(count: number): void;
  /**
   * One whole command from the master was applied; `parser.lastRaw()` gives its bytes as received
   * (4.0 proxies them). The parser rather than the bytes, so versions that ignore them make no view.
   */
  onCommandApplied(parser: RequestParser): void;
  /**
   * How many bytes a run of consecutive plain SETs (applied on the fast path, outside a
   * transaction) may span to be handed to {@link onSetsApplied} as one piece instead of one
   * `onCommandApplied` each; asked when a run would start, after its first SET was applied and
   * before anything else is (a run too long gets one call per command; no hook: always). A version
   * allows a run only where one piece and several give the same result (4.0: the ring backlog keeps
   * bytes, not pieces, and the run fits every replica's current output block).
   */
  setRunRoom?(): number;
  /** The run `data[start, end)` of applied plain SETs (see {@link setRunRoom}). */
  onSetsApplied?(data: Uint8Array, start: number, end: number): void;
}

export class ClassicReplicaSide {
  masterHost: string | null = null;
  masterPort = 0;
  state: ClassicReplState = "none";
  /** The master link once it is a client (CONNECTED). */
  masterClient: Client | null = null;
  /** The payload of a full sync in progress. */
  transfer: SyncPayloadReader | null = null;
  /** Virtual ms of the last I/O during connect/handshake/transfer (repl_transfer_lastio). */
  transferLastIoMs = 0;
  /** Virtual ms when the link went down, or null when it never was up (redis repl_down_since = 0). */
  downSinceMs: number | null = null;
  /** Virtual ms of the last bytes from the connected master (master->lastinteraction). */
  lastInteractionMs = 0;
  /**
   * The last attempt ended with the master refusing it (an error reply, e.g. a 2.6 master without
   * its own master) or sending an RDB this version cannot load (a newer master): the retries wait
   * on the master, so they are no work to settle.
   */
  refusedByMaster = false;
  private linkConn: ConnId | null = null;
  private linkBuffer: Uint8Array = new Uint8Array(0);
  private handshake: ReplicaHandshake | null = null;

  constructor(
    private readonly node: RedisNode,
    private readonly hooks: ClassicReplicaHooks,
    private readonly style: HandshakeStyle,
  ) {}

  get masterAddress(): string {
    return `${this.masterHost}:${this.masterPort}`;
  }

  /** The handshake step being waited for ("receive_pong", …), for views. */
  get handshakeState(): string | null {
    return this.state === "handshake" ? (this.handshake?.state ?? null) : null;
  }

  /** ROLE's word for the state. */
  get phase(): ReplicaLinkPhase {
    switch (this.state) {
      case "none":
      case "connect":
      case "connecting":
      case "connected":
        return this.state;
      case "transfer":
        return "sync";
      default:
        return "handshake";
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration

  /** Points the side at a master; the cron connects at its next run (both versions wait for it). */
  setMaster(host: string, port: number): void {
    this.masterHost = host;
    this.masterPort = port;
    this.cancel();
    this.state = "connect";
  }

  /** Forgets the master (SLAVEOF NO ONE): the link and any attempt are closed. */
  clearMaster(): void {
    this.masterHost = null;
    const client = this.masterClient;
    if (client) this.node.closeClient(client);
    this.cancel();
    this.state = "none";
    this.downSinceMs = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Connecting and the handshake

  /** connectWithMaster. */
  connect(): void {
    const node = this.node;
    if (this.masterHost === null) return;
    const conn = node.allocConn();
    this.linkConn = conn;
    this.linkBuffer = new Uint8Array(0);
    this.state = "connecting";
    this.transferLastIoMs = node.nowMs;
    node.emit({ type: "connect", conn, host: this.masterHost, port: this.masterPort });
    node.trace({ kind: "link", state: "connecting", masterAddress: this.masterAddress, message: `connecting to MASTER ${this.masterAddress}` });
  }

  onConnected(conn: ConnId): void {
    if (conn !== this.linkConn || this.state !== "connecting") return;
    this.transferLastIoMs = this.node.nowMs;
    this.state = "handshake";
    this.handshake = new ReplicaHandshake(this.hooks.handshakeSteps(), this.style, this);
    this.handshake.start();
    this.node.trace({ kind: "link", state: "handshake", masterAddress: this.masterAddress, message: `connected to ${this.masterAddress}; handshake started (PING)` });
  }

  onConnectFailed(conn: ConnId, reason: string): void {
    if (conn !== this.linkConn) return;
    this.linkConn = null;
    this.state = "connect";
    this.node.trace({ kind: "link", state: "connect", masterAddress: this.masterAddress, message: `error condition on socket for SYNC: ${reason}; retrying at the next replication cron` });
  }

  /** Writes to the link (handshake, SYNC, PSYNC). */
  send(bytes: Uint8Array): void {
    if (this.linkConn !== null) this.node.sendRaw(this.linkConn, bytes);
  }

  /** Closes the handshake/transfer socket and forgets transfer state (cancelReplicationHandshake). */
  private cancel(): void {
    if (this.linkConn !== null) {
      this.node.emit({ type: "close", conn: this.linkConn });
      this.linkConn = null;
    }
    this.transfer = null;
    this.handshake = null;
    this.linkBuffer = new Uint8Array(0);
    if (this.state !== "connected" && this.state !== "none") this.state = "connect";
  }

  /** Gives up on the current attempt; the cron tries again within a second. */
  fail(why: string, refusedByMaster = false): void {
    this.node.trace({ kind: "link", state: "connect", masterAddress: this.masterAddress, message: why });
    this.cancel();
    this.state = "connect";
    this.refusedByMaster = refusedByMaster;
  }

  onLinkClosed(conn: ConnId): void {
    if (conn !== this.linkConn) return;
    this.linkConn = null;
    this.fail(`master ${this.masterAddress} closed the connection during ${this.phase}`);
  }

  onLinkData(conn: ConnId, bytes: Uint8Array): void {
    if (conn !== this.linkConn) return;
    this.node.stats.netReplInputBytes += bytes.length;
    this.transferLastIoMs = this.node.nowMs;
    if (this.state === "transfer") {
      this.onTransferData(bytes);
      return;
    }
    this.linkBuffer = this.linkBuffer.length === 0 ? bytes.slice() : appendBytes(this.linkBuffer, bytes);
    this.readLines();
  }

  private readLines(): void {
    for (;;) {
      if (this.linkConn === null) return;
      if (this.state === "transfer") {
        const rest = this.takeBuffer();
        if (rest.length > 0) this.onTransferData(rest);
        return;
      }
      if (this.state !== "handshake" && this.state !== "receive_sync_reply") return;
      const buf = this.linkBuffer;
      const nl = buf.indexOf(10);
      if (nl < 0) return;
      const line = bytesToBinary(buf, 0, nl > 0 && buf[nl - 1] === 13 ? nl - 1 : nl);
      this.linkBuffer = buf.subarray(nl + 1);
      if (this.state === "receive_sync_reply") {
        // Lone newlines before the PSYNC reply are keep-alives.
        if (line.length > 0) this.hooks.onSyncReply(this, line);
        continue;
      }
      const outcome = this.handshake!.onReply(line);
      if (outcome.kind === "failed") {
        this.fail(outcome.reason);
        return;
      }
      if (outcome.kind === "done") {
        this.handshake = null;
        this.hooks.requestSync(this);
      }
    }
  }

  private takeBuffer(): Uint8Array {
    const rest = this.linkBuffer;
    this.linkBuffer = new Uint8Array(0);
    return rest;
  }

  /** PSYNC is written: the next line is its answer. */
  awaitSyncReply(): void {
    this.state = "receive_sync_reply";
  }

  /** SYNC is written or `+FULLRESYNC` read: what follows is the RDB. */
  beginTransfer(): void {
    this.state = "transfer";
    this.transfer = new SyncPayloadReader(this.node.nowMs);
  }

  // ---------------------------------------------------------------------------------------------
  // Transfer

  private onTransferData(bytes: Uint8Array): void {
    const node = this.node;
    const progress = this.transfer!.push(bytes, node.nowMs);
    if (progress.kind === "more") return;
    if (progress.kind === "failed") {
      this.fail(progress.reason, progress.refused);
      return;
    }
    const conn = this.linkConn!;
    // The transfer is saved as dump.rdb, the dataset emptied, and the file loaded.
    node.disk.write(node.config.dbfilename, progress.rdb);
    let loaded;
    try {
      loaded = node.loadRdb(progress.rdb, false);
    } catch (error) {
      if (!(error instanceof RdbError)) throw error;
      node.keyspace.flushAll();
      this.fail(`failed trying to load the MASTER synchronization DB from disk: ${error.message}`, true);
      return;
    }
    this.transfer = null;
    this.linkConn = null;
    const db = this.hooks.onFullSyncLoaded(loaded, progress.rdb.length, progress.eofFormat);
    this.attachMaster(conn, db);
    if (progress.rest.length > 0) this.onMasterData(this.masterClient!, progress.rest);
  }

  /**
   * The link becomes the master client (after a full sync, or reviving a cached master on
   * `+CONTINUE`, `db` being the one it had). Bytes already read behind the reply are its stream.
   */
  attachMaster(conn: ConnId, db: number): void {
    const node = this.node;
    this.linkConn = null;
    const client = new Client(0, conn, this.masterAddress, node.nowMs, true, node.config["proto-max-bulk-len"]);
    client.kind = "master";
    client.parser.fromMaster = true;
    client.db = db;
    node.clients.set(conn, client);
    this.masterClient = client;
    this.state = "connected";
    this.downSinceMs = null;
    this.refusedByMaster = false;
    this.lastInteractionMs = node.nowMs;
    node.trace({ kind: "link", state: "connected", masterAddress: this.masterAddress, message: `MASTER <-> SLAVE sync: link with ${this.masterAddress} is up` });
    const rest = this.takeBuffer();
    if (rest.length > 0) this.onMasterData(client, rest);
  }

  /** The link of an attempt in progress, for a hook that turns it into the master client. */
  get attemptConn(): ConnId | null {
    return this.linkConn;
  }

  // ---------------------------------------------------------------------------------------------
  // The master's stream

  /** Runs every whole command the master sent through the node (no replies go back). */
  onMasterData(client: Client, bytes: Uint8Array): void {
    const node = this.node;
    if (client !== this.masterClient) return;
    node.stats.netReplInputBytes += bytes.length;
    this.hooks.onStreamBytes(bytes.length);
    this.lastInteractionMs = node.nowMs;
    client.lastInteractionMs = node.nowMs;
    const parser = client.parser;
    parser.push(bytes);
    // A run of applied plain SETs not yet handed on (setRunRoom), as a range of the input.
    const runs = this.hooks.setRunRoom !== undefined;
    let room = 0;
    let runStart = 0;
    let runEnd = 0;
    for (;;) {
      if (this.masterClient !== client) {
        node.flushPlainSetRun();
        return;
      }
      if (client.multi === null) {
        // Hot path: a whole canonical request read straight from the input buffer; a plain
        // `SET k v` is applied without building argv.
        const count = parser.nextBounds();
        if (count > 0) {
          const data = parser.data;
          const b = parser.bounds;
          const isSet = count === 3 && b[1] === 3 && node.applyPlainSetFromMaster(client, data, b);
          if (isSet && runs) {
            const start = parser.lastRawStart;
            const end = parser.lastRawEnd;
            if (runEnd !== start || end - runStart > room) {
              if (runEnd > runStart) this.hooks.onSetsApplied!(data, runStart, runEnd);
              runStart = runEnd = 0;
              room = this.hooks.setRunRoom!();
              if (end - start > room) {
                this.hooks.onCommandApplied(parser);
                continue;
              }
              runStart = start;
            }
            runEnd = end;
            continue;
          }
          if (runEnd > runStart) this.hooks.onSetsApplied!(data, runStart, runEnd);
          runStart = runEnd = 0;
          if (!isSet) {
            // SETs applied so far enter our own stream (2.6, 2.8) before this command does.
            node.flushPlainSetRun();
            const argv: Uint8Array[] = new Array<Uint8Array>(count);
            for (let i = 0; i < count; i++) argv[i] = new Uint8Array(data.buffer, data.byteOffset + b[i * 2]!, b[i * 2 + 1]!);
            node.processCommand(client, argv);
            client.out.clear();
            if (this.masterClient !== client) return;
          }
          this.hooks.onCommandApplied(parser);
          continue;
        }
      }
      if (runEnd > runStart) this.hooks.onSetsApplied!(parser.data, runStart, runEnd);
      runStart = runEnd = 0;
      node.flushPlainSetRun();
      const request = parser.next();
      if (request.kind === "incomplete") return;
      if (request.kind === "error") {
        node.trace({ kind: "warning", code: "master-protocol-error", message: `protocol error from master: ${request.message}; closing the link` });
        node.closeClient(client);
        return;
      }
      if (request.kind === "command") {
        node.processCommand(client, request.argv);
        client.out.clear();
        if (this.masterClient !== client) return;
      }
      this.hooks.onCommandApplied(parser);
    }
  }

  /** freeClient(master): the link is gone. */
  onMasterClientGone(client: Client): void {
    if (client !== this.masterClient) return;
    this.masterClient = null;
    if (this.masterHost === null) return;
    this.state = "connect";
    this.downSinceMs = this.node.nowMs;
    this.node.trace({ kind: "link", state: "connect", masterAddress: this.masterAddress, message: `connection with MASTER ${this.masterAddress} lost` });
    this.hooks.onMasterLost(client);
  }

  // ---------------------------------------------------------------------------------------------
  // Cron (replica duties of replicationCron)

  /** Timeouts, then a connection attempt when one is due. */
  cron(): void {
    const node = this.node;
    if (this.masterHost === null) return;
    const timeoutSec = node.config["repl-timeout"];
    const idleSec = (sinceMs: number): number => node.unixSec() - node.unixSecAt(sinceMs);
    if ((this.state === "connecting" || this.state === "handshake" || this.state === "receive_sync_reply") && idleSec(this.transferLastIoMs) > timeoutSec) {
      node.trace({ kind: "timeout", side: "replica", peer: this.masterAddress, message: `timeout connecting to the MASTER ${this.masterAddress}` });
      this.cancel();
    }
    if (this.state === "transfer" && this.transfer && idleSec(this.transfer.lastIoMs) > timeoutSec) {
      node.trace({ kind: "timeout", side: "replica", peer: this.masterAddress, message: "timeout receiving bulk data from MASTER" });
      this.cancel();
    }
    if (this.state === "connected" && this.masterClient && idleSec(this.lastInteractionMs) > timeoutSec) {
      node.trace({ kind: "timeout", side: "replica", peer: this.masterAddress, message: `MASTER timeout: no data nor PING received for more than ${timeoutSec} s` });
      node.closeClient(this.masterClient);
    }
    if (this.state === "connect") this.connect();
  }
}

function appendBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
