/**
 * The replica half of replication: the `repl_state` machine of redis 7.0 (connectWithMaster,
 * syncWithMaster, readSyncBulkPayload), the cached master used for PSYNC, applying and proxying
 * the master's stream, and the replica duties of replicationCron.
 *
 * Rules (ids refer to SPEC.md beside this file):
 * - RS-1 Handshake: PING, then AUTH (if masterauth), REPLCONF listening-port, REPLCONF capa eof
 *   capa psync2 written back to back, replies read in order, then PSYNC.
 * - RS-2 PSYNC offers the cached master (replid, reploff+1), else `? -1`. A master turned replica
 *   caches itself, so a fresh instance sends `PSYNC <own replid> 1`.
 * - RS-3 The replica offset advances only when a whole command (or a whole MULTI/EXEC) is applied;
 *   the applied bytes are proxied verbatim to the backlog and sub-replicas.
 * - RS-4 `+CONTINUE <newid>` shifts the old id to replid2 and disconnects sub-replicas.
 * - RS-5 A full sync drops sub-replicas and the backlog, loads the RDB, takes the master's id and
 *   offset, and (EOF format only) ACKs at once.
 */
import { encodeCommand } from "../../redis/resp/encode.ts";
import { asciiBytes, ByteWriter, bytesToBinary, concatBytes } from "../../util/bytes.ts";
import { RdbError } from "../../redis/rdb/errors.ts";
import { countRdbKeys } from "../../redis/persistence.ts";
import { flushLibraries } from "../../redis/scripting/functions.ts";
import { HANDSHAKE_LINE_BYTES, isRespLine, shownPeerLine } from "../../redis/peer-reply.ts";
import { applyPlainSetFromMaster } from "../../redis/commands/strings.ts";
import { applyFastWriteFromMaster } from "../../redis/commands/fast-writes.ts";
import { disconnectAllBlockedClients } from "../../redis/blocking.ts";
import { Client } from "../../redis/client.ts";
import type { RedisNode } from "../../redis/server.ts";
import type { Psync2Replication } from "./replication.ts";
import type { ConnId } from "../../process/effects.ts";
import { PacedSocketLoad } from "./paced-load.ts";
import type { ReplicaLinkPhase } from "../../process/trace.ts";

/** redis repl_state. */
export type ReplState =
  | "none"
  | "connect"
  | "connecting"
  | "receive_ping_reply"
  | "receive_auth_reply"
  | "receive_port_reply"
  | "receive_ip_reply"
  | "receive_capa_reply"
  | "receive_psync_reply"
  | "transfer"
  | "connected";

/** What redis keeps in server.master / server.cached_master. */
export interface MasterLinkInfo {
  replid: string;
  reploff: number;
  readReploff: number;
  db: number;
  lastInteractionMs: number;
  /**
   * Synced with SYNC after the master refused PSYNC (a 2.6 master: CLIENT_PRE_PSYNC, set when the
   * initial offset is -1). Such a master gets no REPLCONF ACK: it would answer it with an error.
   */
  preSync: boolean;
}

interface Transfer {
  /** -1 until the `$` line has been read. */
  size: number;
  eofMark: Uint8Array | null;
  readBytes: number;
  /** Received payload chunks, joined once at the end (an RDB can be large). */
  readonly chunks: Uint8Array[];
  lastIoMs: number;
  /**
   * Diskless load (useDisklessLoad when the `$` line came): the RDB goes to the parser as it
   * arrives instead of to disk, so loading starts with the first payload byte.
   */
  toParser: boolean;
}

/** How the replica takes the RDB: from the file (`disk`), from the socket into the live dataset, or beside it (`swapdb`). */
type LoadMode = "disk" | "diskless" | "swapdb";

/** A full sync's RDB whose loading is done once `doneMs` comes (key-load-delay makes loading take time). */
interface PendingLoad {
  readonly rdb: Uint8Array;
  readonly eofFormat: boolean;
  readonly doneMs: number;
  /** Stream bytes after the RDB, read once the load is done (held unread until then). */
  readonly rest: Uint8Array[];
  restBytes: number;
  /** The master closed the link meanwhile: it is found gone once the load is done. */
  linkClosed: boolean;
}

const ZERO_REPLID = "0000000000000000000000000000000000000000";
const NEWLINE = new Uint8Array([10]);
/** How much more a held socket must have been read before the node says so (a wake per step). */
const HOLD_STEP_BYTES = 64 * 1024;

export class ReplicaSide {
  masterHost: string | null = null;
  masterPort = 0;
  state: ReplState = "none";
  /** Live master link (CONNECTED). */
  master: MasterLinkInfo | null = null;
  masterClient: Client | null = null;
  /** Kept while disconnected, offered in PSYNC. */
  cachedMaster: MasterLinkInfo | null = null;
  /** The socket during connect/handshake/transfer. */
  private linkConn: ConnId | null = null;
  private linkBuffer: Uint8Array = new Uint8Array(0);
  private pendingMasterReplid = ZERO_REPLID;
  masterInitialOffset = -1;
  transfer: Transfer | null = null;
  /** Virtual ms of the last I/O during connect/handshake/transfer (repl_transfer_lastio). */
  transferLastIoMs = 0;
  /** Virtual ms when the link went down, or null (redis repl_down_since = 0). */
  downSinceMs: number | null = null;
  /** Bytes of applied-but-not-yet-counted master commands (inside MULTI). */
  private readonly pendingRaw = new ByteWriter(256);
  /** Commands from the current master link that failed here, already reported once each. */
  private readonly failedCommands = new Set<string>();
  /** The RDB being loaded: how, since when (virtual ms), and the load waiting for its end. */
  private loadMode: LoadMode = "disk";
  private loadStartMs = 0;
  private pendingLoad: PendingLoad | null = null;
  /** Unix second of the last newline sent to the master while loading (at most one a second). */
  private newlineSentSec = -1;
  /** A socket load that key-load-delay makes read only as far as it has loaded. */
  private paced: PacedSocketLoad | null = null;
  /** Bytes of the link the node holds unread (last `read-hold` it reported). */
  private heldBytes = 0;

  constructor(
    private readonly node: RedisNode,
    private readonly repl: Psync2Replication,
  ) {}

  get masterAddress(): string {
    return `${this.masterHost}:${this.masterPort}`;
  }

  /** ROLE's state word. */
  get phase(): ReplicaLinkPhase {
    switch (this.state) {
      case "none":
      case "connect":
      case "connecting":
      case "transfer":
      case "connected":
        return this.state === "transfer" ? "sync" : this.state;
      default:
        return "handshake";
    }
  }

  /** The view's phase: ROLE's, with `loading` for the part of `sync` where the RDB is loaded. */
  get linkPhase(): ReplicaLinkPhase {
    return this.state === "transfer" && this.node.loading !== null ? "loading" : this.phase;
  }

  masterOrCached(): MasterLinkInfo | null {
    return this.master ?? this.cachedMaster;
  }

  // ---------------------------------------------------------------------------------------------
  // Configuration (replicaofCommand)

  /** `replicaof` in the start-up config: no cached master, so the first PSYNC is `? -1`. */
  configureAtStartup(host: string, port: number): void {
    this.masterHost = host;
    this.masterPort = port;
    this.state = "connect";
  }

  /** REPLICAOF host port (replicationSetMaster); `requestedBy`: the client that asked, as CLIENT LIST shows it. */
  setMaster(host: string, port: number, requestedBy?: string): void {
    const node = this.node;
    const wasMaster = this.masterHost === null;
    // Cleared while the old link is freed so that freeing it does not reconnect to the old master.
    this.masterHost = null;
    if (this.masterClient) node.closeClient(this.masterClient);
    disconnectAllBlockedClients(node);
    this.masterHost = host;
    this.masterPort = port;
    this.cancelHandshake();
    if (wasMaster) {
      this.cachedMaster = null;
      this.cacheMasterUsingMyself(0);
    }
    node.trace({ kind: "role", role: "replica", masterAddress: this.masterAddress, ...(requestedBy === undefined ? {} : { requestedBy }), message: `now a replica of ${this.masterAddress}` });
    this.state = "connect";
    this.connectWithMaster();
  }

  /** REPLICAOF NO ONE (replicationUnsetMaster); `requestedBy` as for setMaster. */
  unsetMaster(requestedBy?: string): void {
    const node = this.node;
    if (this.masterHost === null) return;
    const oldAddress = this.masterAddress;
    this.masterHost = null;
    if (this.masterClient) node.closeClient(this.masterClient);
    this.cachedMaster = null;
    this.cancelHandshake();
    this.repl.shiftReplicationId();
    node.trace({
      kind: "replid",
      replid: this.repl.replid,
      replid2: this.repl.replid2,
      secondReplOffset: this.repl.secondReplidOffset,
      cause: "promoted",
      message: `promoted: secondary replication id set to ${this.repl.replid2.slice(0, 6)}…, valid up to offset ${this.repl.secondReplidOffset}; new replication id ${this.repl.replid.slice(0, 6)}…`,
    });
    this.repl.masterSide.disconnectReplicas();
    this.state = "none";
    this.repl.slaveseldb = -1;
    this.repl.masterSide.noReplicasSinceMs = node.nowMs;
    this.downSinceMs = null;
    node.trace({ kind: "role", role: "master", masterAddress: null, ...(requestedBy === undefined ? {} : { requestedBy }), message: `promoted to master (was a replica of ${oldAddress})` });
  }

  /** replicationCacheMasterUsingMyself: our own id and offset become the PSYNC offer. */
  cacheMasterUsingMyself(db: number): void {
    const node = this.node;
    this.masterInitialOffset = this.repl.masterReplOffset;
    this.cachedMaster = { replid: this.repl.replid, reploff: this.repl.masterReplOffset, readReploff: this.repl.masterReplOffset, db, lastInteractionMs: node.nowMs, preSync: false };
  }

  // ---------------------------------------------------------------------------------------------
  // Connecting and the handshake

  private connectWithMaster(): void {
    const node = this.node;
    if (this.masterHost === null) return;
    const conn = node.allocConn();
    this.linkConn = conn;
    this.linkBuffer = new Uint8Array(0);
    this.state = "connecting";
    this.transferLastIoMs = node.nowMs;
    node.emit({ type: "connect", conn, host: this.masterHost, port: this.masterPort });
    node.trace({ kind: "link", state: "connecting", masterAddress: this.masterAddress, message: `connecting to master ${this.masterAddress}` });
  }

  onConnected(conn: ConnId): void {
    if (conn !== this.linkConn || this.state !== "connecting") return;
    this.transferLastIoMs = this.node.nowMs;
    this.sendToLink(["PING"]);
    this.state = "receive_ping_reply";
    this.node.trace({ kind: "link", state: "handshake", masterAddress: this.masterAddress, message: `connected to ${this.masterAddress}; handshake started (PING)` });
  }

  onConnectFailed(conn: ConnId, reason: string): void {
    if (conn !== this.linkConn) return;
    this.linkConn = null;
    this.state = "connect";
    this.node.trace({ kind: "link", state: "connect", masterAddress: this.masterAddress, message: `error condition on socket for SYNC: ${reason}; retrying every second` });
  }

  private sendToLink(words: string[]): void {
    if (this.linkConn === null) return;
    this.node.sendRaw(this.linkConn, encodeCommand(words.map((w) => asciiBytes(w))));
  }

  /** Closes the handshake/transfer socket and forgets transfer state (cancelReplicationHandshake). */
  private cancelHandshake(): void {
    if (this.node.loading !== null) this.abortLoading();
    if (this.linkConn !== null) {
      this.node.emit({ type: "close", conn: this.linkConn });
      this.linkConn = null;
    }
    this.transfer = null;
    this.paced = null;
    this.heldBytes = 0;
    this.linkBuffer = new Uint8Array(0);
    if (this.state !== "connected" && this.state !== "none") this.state = "connect";
  }

  /** Gives up on the current attempt; the cron retries within a second. */
  private failAttempt(why: string): void {
    this.node.trace({ kind: "link", state: "connect", masterAddress: this.masterAddress, message: why });
    this.cancelHandshake();
    this.state = "connect";
  }

  onLinkClosed(conn: ConnId): void {
    if (conn !== this.linkConn) return;
    if (this.pendingLoad) {
      // The load does not watch the socket (redis removed its read handler): it ends first.
      this.pendingLoad.linkClosed = true;
      return;
    }
    this.linkConn = null;
    this.failAttempt(`master ${this.masterAddress} closed the connection during ${this.phase}`);
  }

  onLinkData(conn: ConnId, bytes: Uint8Array): void {
    if (conn !== this.linkConn) return;
    this.node.stats.netReplInputBytes += bytes.length;
    this.transferLastIoMs = this.node.nowMs;
    if (this.state === "transfer") {
      this.onTransferData(bytes);
      return;
    }
    this.linkBuffer = appendBytes(this.linkBuffer, bytes);
    this.advanceHandshake();
  }

  /**
   * The next reply line (connSyncReadLine): up to its line end, or its first 255 bytes when no
   * line end comes that soon, as redis reads it into a 256-byte buffer (so a peer that never ends
   * its line cannot make the replica buffer it without end).
   */
  private readLine(): string | null {
    const buf = this.linkBuffer;
    const nl = buf.subarray(0, HANDSHAKE_LINE_BYTES + 1).indexOf(10);
    if (nl < 0) {
      if (buf.length < HANDSHAKE_LINE_BYTES) return null;
      this.linkBuffer = buf.subarray(HANDSHAKE_LINE_BYTES);
      return bytesToBinary(buf, 0, HANDSHAKE_LINE_BYTES);
    }
    const end = nl > 0 && buf[nl - 1] === 13 ? nl - 1 : nl;
    const line = bytesToBinary(buf, 0, end);
    this.linkBuffer = buf.subarray(nl + 1);
    return line;
  }

  private advanceHandshake(): void {
    const node = this.node;
    for (;;) {
      if (this.state === "transfer") {
        const rest = this.linkBuffer;
        this.linkBuffer = new Uint8Array(0);
        if (rest.length > 0) this.onTransferData(rest);
        return;
      }
      if (this.linkConn === null) return;
      const line = this.readLine();
      if (line === null) return;
      switch (this.state) {
        case "receive_ping_reply": {
          if (!(line.startsWith("+") || line.startsWith("-NOAUTH") || line.startsWith("-NOPERM") || line.startsWith("-ERR operation not permitted"))) {
            // A RESP error is quoted as redis quotes it; what a peer that does not speak RESP sent is not.
            this.failAttempt(`error reply to PING from master: ${isRespLine(line) ? `'${line}'` : shownPeerLine(line)}`);
            return;
          }
          const config = node.config;
          if (config.masterauth) {
            this.sendToLink(config.masteruser ? ["AUTH", config.masteruser, config.masterauth] : ["AUTH", config.masterauth]);
          }
          const port = config["replica-announce-port"] || node.port;
          this.sendToLink(["REPLCONF", "listening-port", String(port)]);
          if (config["replica-announce-ip"]) this.sendToLink(["REPLCONF", "ip-address", config["replica-announce-ip"]]);
          this.sendToLink(["REPLCONF", "capa", "eof", "capa", "psync2"]);
          this.state = config.masterauth ? "receive_auth_reply" : "receive_port_reply";
          break;
        }
        case "receive_auth_reply":
          if (line.startsWith("-")) {
            this.failAttempt(`unable to AUTH to MASTER: ${line}`);
            return;
          }
          this.state = "receive_port_reply";
          break;
        case "receive_port_reply":
          this.state = node.config["replica-announce-ip"] ? "receive_ip_reply" : "receive_capa_reply";
          break;
        case "receive_ip_reply":
          this.state = "receive_capa_reply";
          break;
        case "receive_capa_reply":
          this.sendPsync();
          break;
        case "receive_psync_reply":
          this.onPsyncReply(line);
          break;
        default:
          return;
      }
    }
  }

  private sendPsync(): void {
    const node = this.node;
    const cached = this.cachedMaster;
    const replid = cached ? cached.replid : "?";
    const offset = cached ? cached.reploff + 1 : -1;
    this.masterInitialOffset = -1;
    this.sendToLink(["PSYNC", replid, String(offset)]);
    this.state = "receive_psync_reply";
    node.trace({
      kind: "psync-request",
      side: "replica",
      replid,
      offset,
      masterAddress: this.masterAddress,
      message: cached ? `trying a partial resynchronization (request ${replid.slice(0, 6)}…:${offset})` : "no cached master: asking for a full resynchronization (PSYNC ? -1)",
    });
  }

  private onPsyncReply(line: string): void {
    const node = this.node;
    if (line.length === 0) return; // keep-alive newline while the master delays the fork
    if (line.startsWith("+FULLRESYNC")) {
      const parts = line.split(" ");
      const replid = parts[1] ?? "";
      this.pendingMasterReplid = replid.length === 40 ? replid : ZERO_REPLID;
      this.masterInitialOffset = Number(parts[2] ?? "-1");
      this.state = "transfer";
      this.transfer = { size: -1, eofMark: null, readBytes: 0, chunks: [], lastIoMs: node.nowMs, toParser: false };
      node.trace({
        kind: "full-resync",
        side: "replica",
        peer: this.masterAddress,
        replid: this.pendingMasterReplid,
        offset: this.masterInitialOffset,
        reason: this.cachedMaster ? "replid-mismatch" : "no-replid",
        message: `full resync from master: ${this.pendingMasterReplid.slice(0, 6)}…:${this.masterInitialOffset}`,
      });
      return;
    }
    if (line.startsWith("+CONTINUE")) {
      const newId = line.length >= 10 ? line.slice(10).trim() : "";
      this.continueWithCachedMaster(newId.length === 40 ? newId : null);
      return;
    }
    if (line.startsWith("-NOMASTERLINK") || line.startsWith("-LOADING")) {
      this.failAttempt(`master is currently unable to PSYNC but should be in the future: ${line}`);
      return;
    }
    // Anything else: an old master (or not a Redis server at all). Fall back to SYNC, as redis does.
    const why = line.startsWith("-ERR")
      ? `master does not support PSYNC or is in error state (reply: ${line})`
      : `unexpected reply to PSYNC from master: ${shownPeerLine(line)}`;
    node.trace({ kind: "warning", code: "psync-unsupported", message: `${why}; retrying with SYNC` });
    if (this.linkConn !== null) node.sendRaw(this.linkConn, asciiBytes("SYNC\r\n"));
    this.pendingMasterReplid = ZERO_REPLID;
    this.state = "transfer";
    this.transfer = { size: -1, eofMark: null, readBytes: 0, chunks: [], lastIoMs: node.nowMs, toParser: false };
  }

  /** `+CONTINUE`: revive the cached master on the new socket. */
  private continueWithCachedMaster(newId: string | null): void {
    const node = this.node;
    const cached = this.cachedMaster!;
    if (newId && newId !== cached.replid) {
      this.repl.replid2 = cached.replid;
      this.repl.secondReplidOffset = this.repl.masterReplOffset + 1;
      this.repl.replid = newId;
      cached.replid = newId;
      node.trace({
        kind: "replid",
        replid: this.repl.replid,
        replid2: this.repl.replid2,
        secondReplOffset: this.repl.secondReplidOffset,
        cause: "continue-new-id",
        message: `master replication id changed to ${newId.slice(0, 6)}…; the old id is kept as replid2 up to offset ${this.repl.secondReplidOffset}`,
      });
      this.repl.masterSide.disconnectReplicas();
    }
    this.cachedMaster = null;
    const conn = this.linkConn!;
    this.linkConn = null;
    this.attachMasterClient(conn, cached);
    if (!this.repl.backlog) this.repl.createBacklog();
    node.trace({
      kind: "partial-resync",
      side: "replica",
      peer: this.masterAddress,
      replid: this.repl.replid,
      offset: cached.reploff + 1,
      backlogBytes: 0,
      message: `successful partial resynchronization with master ${this.masterAddress} from offset ${cached.reploff + 1}`,
    });
    const rest = this.linkBuffer;
    this.linkBuffer = new Uint8Array(0);
    if (rest.length > 0) this.onMasterData(this.masterClient!, rest);
  }

  private attachMasterClient(conn: ConnId, info: MasterLinkInfo): void {
    const node = this.node;
    const client = new Client(0, conn, this.masterAddress, node.nowMs, true, node.config["proto-max-bulk-len"]);
    client.kind = "master";
    // No bulk-length limit from our master, and inline lines mean the stream is out of sync.
    client.parser.fromMaster = true;
    client.db = info.db;
    info.lastInteractionMs = node.nowMs;
    node.clients.set(conn, client);
    this.master = info;
    this.masterClient = client;
    this.state = "connected";
    this.downSinceMs = null;
    this.pendingRaw.clear();
    this.failedCommands.clear();
    node.trace({ kind: "link", state: "connected", masterAddress: this.masterAddress, message: `link with master ${this.masterAddress} is up at offset ${info.reploff}` });
  }

  // ---------------------------------------------------------------------------------------------
  // Transfer (readSyncBulkPayload)

  private onTransferData(bytes: Uint8Array): void {
    const pending = this.pendingLoad;
    if (pending) {
      // Loading: the socket is not read until the load ends.
      pending.rest.push(bytes.slice());
      pending.restBytes += bytes.length;
      this.updateHold();
      return;
    }
    const transfer = this.transfer!;
    transfer.lastIoMs = this.node.nowMs;
    let data = bytes;
    if (transfer.size === -1 && transfer.eofMark === null) {
      // Only the preamble line goes through the line buffer; the payload after it is not copied.
      // Keep-alive newlines (replicationCron's, while a disk child saves) may come before it in
      // the same read: each is taken as a line of its own.
      const nextLine = (): void => {
        const nl = data.indexOf(10);
        if (nl < 0 || this.linkBuffer.length > 0) {
          this.linkBuffer = appendBytes(this.linkBuffer, data);
          data = new Uint8Array(0);
        } else {
          this.linkBuffer = data.subarray(0, nl + 1);
          data = data.subarray(nl + 1);
        }
      };
      nextLine();
      for (;;) {
        const line = this.readLine();
        if (line === null) return;
        if (line.length === 0) {
          // newline keep-alive
          if (this.linkBuffer.length === 0 && data.length > 0) nextLine();
          continue;
        }
        if (line.startsWith("-")) {
          this.failAttempt(`MASTER aborted replication with an error: ${line.slice(1)}`);
          return;
        }
        if (!line.startsWith("$")) {
          const received = isRespLine(line) ? `'${line}'` : shownPeerLine(line);
          this.failAttempt(`bad protocol from MASTER, the first byte is not '$' (we received ${received}), are you sure the host and port are right?`);
          return;
        }
        if (line.startsWith("$EOF:") && line.length >= 45) {
          transfer.eofMark = asciiBytes(line.slice(5, 45));
          transfer.size = 0;
        } else {
          const size = Number(line.slice(1));
          if (!Number.isSafeInteger(size) || size < 0) {
            this.failAttempt(`bad bulk length from MASTER: ${line}`);
            return;
          }
          transfer.size = size;
        }
        transfer.toParser = this.useDisklessLoad();
        data = this.linkBuffer.length > 0 ? concatBytes([this.linkBuffer, data]) : data;
        this.linkBuffer = new Uint8Array(0);
        break;
      }
    }
    if (transfer.toParser && data.length > 0) {
      if (this.node.loading === null) this.startLoading(this.node.config["repl-diskless-load"] === "swapdb" ? "swapdb" : "diskless", transfer.eofMark ? 0 : transfer.size);
      this.loadingProgress(transfer.readBytes, transfer.readBytes + data.length);
      const delayUs = this.node.config["key-load-delay"];
      if (delayUs > 0) {
        this.paced ??= new PacedSocketLoad(this.loadStartMs, delayUs / 1000, this.node.dialect.rdbVersion);
        this.paced.add(transfer.eofMark ? data : data.subarray(0, Math.max(0, transfer.size - transfer.readBytes)));
      }
    }
    if (transfer.eofMark) {
      if (data.length > 0) transfer.chunks.push(data);
      transfer.readBytes += data.length;
      const mark = transfer.eofMark;
      if (transfer.readBytes >= mark.length && endsWith(transfer.chunks, mark)) {
        this.finishTransfer(joinWithoutTail(transfer.chunks, transfer.readBytes - mark.length), new Uint8Array(0), true);
      }
    } else {
      const need = transfer.size - transfer.readBytes;
      const take = Math.min(need, data.length);
      if (take > 0) transfer.chunks.push(data.subarray(0, take));
      transfer.readBytes += take;
      if (transfer.readBytes === transfer.size) {
        const rdb = joinWithoutTail(transfer.chunks, transfer.size);
        this.finishTransfer(rdb, data.subarray(take), false);
      }
    }
    if (this.paced !== null) this.updateHold();
  }

  /** Stream bytes after the RDB, held while the load takes its time. */
  private restHeld(): number {
    return this.pendingLoad?.restBytes ?? 0;
  }

  /** Of the bytes last reported held, those of the RDB a paced load has not reached. */
  private pacedHeld(): number {
    return Math.max(0, this.heldBytes - this.restHeld());
  }

  /**
   * Reports what the node holds of its link unread (`read-hold`): the RDB bytes a paced socket
   * load has not reached yet, and while a load takes its time, the stream after the RDB. A loader
   * that read something is not idle (its read timeout counts from then).
   */
  private updateHold(): void {
    const conn = this.linkConn;
    if (conn === null) return;
    const now = this.node.nowMs;
    const paced = this.paced;
    const rdbHeld = paced === null ? 0 : paced.received - paced.readBy(now);
    const held = rdbHeld + this.restHeld();
    if (held === this.heldBytes) return;
    if (held < this.heldBytes && this.transfer !== null) this.transfer.lastIoMs = now;
    this.heldBytes = held;
    this.node.emit({ type: "read-hold", conn, bytes: held });
  }

  /**
   * The whole RDB is here. On disk (`disabled`, or `on-empty-db` with keys) it is saved as
   * dump.rdb and loaded; from the socket it was loading already. key-load-delay makes loading
   * take its time: the node stays loading (and the socket unread) until then.
   */
  private finishTransfer(rdb: Uint8Array, rest: Uint8Array, eofFormat: boolean): void {
    const node = this.node;
    const toParser = this.transfer!.toParser;
    if (!toParser) {
      // Disk-load mode: the transfer is saved as dump.rdb, then loaded; the file stays.
      node.disk.write(node.config.dbfilename, rdb);
    }
    const delayUs = node.config["key-load-delay"];
    if (delayUs === 0) {
      this.completeLoad(rdb, rest, eofFormat);
      return;
    }
    let keys;
    try {
      keys = countRdbKeys(rdb, node);
    } catch (error) {
      if (!(error instanceof RdbError)) throw error;
      this.completeLoad(rdb, rest, eofFormat);
      return;
    }
    if (node.loading === null) this.startLoading("disk", rdb.length);
    // debugDelay: a negative delay sleeps 1 us once in |n| keys.
    const perKeyMs = (delayUs > 0 ? delayUs : 1 / -delayUs) / 1000;
    const doneMs = Math.max(node.nowMs, this.loadStartMs + keys * perKeyMs);
    if (doneMs <= node.nowMs) {
      this.completeLoad(rdb, rest, eofFormat);
      return;
    }
    this.pendingLoad = { rdb, eofFormat, doneMs, rest: rest.length > 0 ? [rest.slice()] : [], restBytes: rest.length, linkClosed: false };
  }

  /** useDisklessLoad: swapdb always, on-empty-db when no db holds a key. */
  private useDisklessLoad(): boolean {
    const mode = this.node.config["repl-diskless-load"];
    return mode === "swapdb" || (mode === "on-empty-db" && this.node.keyspace.totalKeys === 0);
  }

  /**
   * startLoading. Loading into the live dataset first drops the old history and data
   * (replicationAttachToNewMaster, emptyData); swapdb keeps both until the new data is in, and
   * when the master's replication id is ours already the old data keeps serving (async loading).
   */
  private startLoading(mode: LoadMode, totalBytes: number): void {
    const node = this.node;
    const async = mode === "swapdb" && this.repl.replid === this.pendingMasterReplid;
    if (mode !== "swapdb") {
      this.attachToNewMaster();
      this.emptyData();
    }
    this.loadMode = mode;
    this.loadStartMs = node.nowMs;
    node.loading = { async, startUnixSec: node.unixSec(), totalBytes, loadedBytes: 0, rdbUsedMemBytes: 0 };
    const eofFormat = this.transfer?.eofMark != null;
    node.trace({
      kind: "link",
      state: "loading",
      masterAddress: this.masterAddress,
      load: { mode, async, eofFormat, bytes: totalBytes },
      message:
        mode === "swapdb"
          ? `loading the master's RDB from the socket beside the old data (repl-diskless-load swapdb); ${async ? "the master's replication id is ours, so the old data keeps serving reads (async loading)" : "clients get -LOADING until it is in"}`
          : mode === "diskless"
            ? "old data flushed; loading the master's RDB from the socket as it arrives (repl-diskless-load); clients get -LOADING until it is in"
            : `old data flushed; loading the ${totalBytes}-byte RDB from disk, key-load-delay ${node.config["key-load-delay"]} us per key; clients get -LOADING until it is in`,
    });
  }

  /**
   * rdbLoadProgressCallback: once per `loading-process-events-interval-bytes` the load reports its
   * progress, serves clients and (at most once a second) sends the master a newline so that it
   * knows the replica is alive.
   */
  private loadingProgress(before: number, after: number): void {
    const node = this.node;
    const loading = node.loading!;
    const interval = node.config["loading-process-events-interval-bytes"];
    if (Math.floor(after / interval) === Math.floor(before / interval)) return;
    loading.loadedBytes = Math.floor(after / interval) * interval;
    const sec = node.unixSec();
    if (this.linkConn !== null && sec !== this.newlineSentSec) {
      this.newlineSentSec = sec;
      node.sendRaw(this.linkConn, NEWLINE);
    }
  }

  /** The load ends with the whole RDB in: swap or load it, then attach the master's stream. */
  private completeLoad(rdb: Uint8Array, rest: Uint8Array, eofFormat: boolean): void {
    const node = this.node;
    const conn = this.linkConn!;
    const mode: LoadMode = node.loading !== null ? this.loadMode : "disk";
    const tookTime = node.loading !== null;
    let loaded;
    try {
      // swapdb keeps the old data until the new copy is whole: read it through first.
      if (mode === "swapdb") countRdbKeys(rdb, node);
      if (mode === "swapdb" || (mode === "disk" && !tookTime)) {
        // swapdb drops the old history only now; a disk load that took no time does it here.
        this.attachToNewMaster();
        this.emptyData();
      }
      loaded = node.loadRdb(rdb, false);
    } catch (error) {
      if (!(error instanceof RdbError)) throw error;
      // swapdb discards the half-loaded copy and keeps the old data; otherwise nothing is left.
      if (mode !== "swapdb") node.keyspace.flushAll();
      node.loading = null;
      this.failAttempt(`failed trying to load the MASTER synchronization DB: ${error.message}`);
      return;
    }
    node.loading = null;
    if (this.heldBytes > 0) node.emit({ type: "read-hold", conn, bytes: 0 });
    this.heldBytes = 0;
    this.paced = null;
    this.transfer = null;
    this.linkConn = null;
    this.repl.replid = this.pendingMasterReplid;
    this.repl.masterReplOffset = this.masterInitialOffset;
    this.repl.clearReplicationId2();
    const info: MasterLinkInfo = {
      replid: this.pendingMasterReplid,
      reploff: this.masterInitialOffset,
      readReploff: this.masterInitialOffset,
      db: loaded.replication?.streamDb ?? 0,
      lastInteractionMs: node.nowMs,
      preSync: this.masterInitialOffset === -1,
    };
    this.attachMasterClient(conn, info);
    this.repl.createBacklog();
    node.trace({
      kind: "rdb",
      side: "replica",
      peer: this.masterAddress,
      bytes: rdb.length,
      keys: loaded.keys,
      mode: eofFormat ? "diskless" : "disk",
      ...(tookTime ? { load: mode } : {}),
      message: `MASTER <-> REPLICA sync: loaded ${loaded.keys} keys from a ${rdb.length}-byte RDB${mode === "swapdb" ? " (swapped in for the old data)" : ""}; now at ${this.pendingMasterReplid.slice(0, 6)}…:${this.masterInitialOffset}`,
    });
    node.trace({ kind: "replid", replid: this.repl.replid, replid2: this.repl.replid2, secondReplOffset: this.repl.secondReplidOffset, cause: "full-sync", message: `replication id is now the master's: ${this.repl.replid.slice(0, 6)}…` });
    if (eofFormat) this.sendAck();
    if (rest.length > 0) this.onMasterData(this.masterClient!, rest);
  }

  /** replicationAttachToNewMaster: the cached master, sub-replicas and backlog belong to the old history. */
  private attachToNewMaster(): void {
    this.cachedMaster = null;
    this.repl.masterSide.disconnectReplicas();
    this.repl.freeBacklog();
  }

  /** emptyData: the old keys, the TTLs a writable replica gave its own keys, and the function libraries. */
  private emptyData(): void {
    const node = this.node;
    node.replicaKeysWithExpire.clear();
    node.keyspace.flushAll();
    flushLibraries(node);
  }

  /**
   * The load failed before its end (the link dropped, or the read timed out): stopLoading(0).
   * swapdb discards its copy and the old data stays; loading into the live dataset leaves it empty.
   */
  private abortLoading(): void {
    const node = this.node;
    const loading = node.loading!;
    node.loading = null;
    this.pendingLoad = null;
    if (this.loadMode !== "swapdb") node.keyspace.flushAll();
    node.trace({
      kind: "link",
      state: "connect",
      masterAddress: this.masterAddress,
      load: { mode: this.loadMode, async: loading.async, eofFormat: this.transfer?.eofMark != null, bytes: loading.totalBytes },
      message: this.loadMode === "swapdb" ? "the RDB load failed before its end: the half-loaded copy is discarded and the old data stays" : "the RDB load failed before its end: the replica is left empty until the next sync",
    });
  }

  /** Loading's timers: the load that key-load-delay made long ends; a socket load gives up after repl-timeout without a byte. */
  onTimers(): void {
    const node = this.node;
    this.updateHold();
    const pending = this.pendingLoad;
    if (pending !== null) {
      if (node.nowMs < pending.doneMs) return;
      this.pendingLoad = null;
      const rest = pending.rest.length === 0 ? new Uint8Array(0) : concatBytes(pending.rest);
      this.completeLoad(pending.rdb, rest, pending.eofFormat);
      if (pending.linkClosed && this.masterClient) node.freeClient(this.masterClient, false);
      return;
    }
    const transfer = this.transfer;
    // A loader with bytes left to read is not waiting for the socket.
    if (node.loading !== null && transfer !== null && this.heldBytes === 0 && node.nowMs - transfer.lastIoMs >= node.config["repl-timeout"] * 1000) {
      this.failAttempt("timeout reading the RDB from the MASTER socket while loading it");
    }
  }

  /** When {@link onTimers} has work next (Infinity: none). */
  nextWakeMs(): number {
    const paced = this.paced;
    const held = paced !== null && this.heldBytes > 0 ? paced.nextReadMs(paced.received - this.pacedHeld(), HOLD_STEP_BYTES) : Infinity;
    if (this.pendingLoad !== null) return Math.min(held, this.pendingLoad.doneMs);
    if (this.node.loading !== null && this.transfer !== null) return Math.min(held, this.heldBytes > 0 ? Infinity : this.transfer.lastIoMs + this.node.config["repl-timeout"] * 1000);
    return Infinity;
  }

  // ---------------------------------------------------------------------------------------------
  // The stream from our master

  onMasterData(client: Client, bytes: Uint8Array): void {
    const node = this.node;
    const master = this.master;
    if (!master) return;
    node.stats.netReplInputBytes += bytes.length;
    master.readReploff += bytes.length;
    master.lastInteractionMs = node.nowMs;
    client.lastInteractionMs = node.nowMs;
    const parser = client.parser;
    parser.push(bytes);
    // Applied fast-path SETs not yet proxied: consecutive requests in the input buffer, fed to our
    // backlog as one piece while they fit its last block (where one piece and several make the same
    // bytes and blocks), so a pipeline costs one copy instead of one per command.
    let pendingStart = 0;
    let pendingEnd = 0;
    for (;;) {
      if (this.masterClient !== client) return;
      if (client.multi === null && !node.logsEveryCommand) {
        // Hot path: plain `SET k v` outside a transaction, read straight from the input buffer.
        const count = parser.nextBounds();
        if (count > 0) {
          const data = parser.data;
          const b = parser.bounds;
          let fast = false;
          if (count === 3 && b[1] === 3 && isSetAt(data, b[0]!)) {
            applyPlainSetFromMaster(node, client, data, b);
            fast = true;
          } else {
            fast = applyFastWriteFromMaster(node, client, data, b, count);
          }
          if (fast) {
            const start = parser.lastRawStart;
            const end = parser.lastRawEnd;
            master.reploff += end - start;
            if (pendingEnd !== start || end - pendingStart > this.proxiedRoom()) {
              // Not contiguous, or past the last block: what is pending goes first (it fits), and
              // this request starts a new piece (fed alone if it does not fit either).
              if (pendingEnd > pendingStart) this.repl.masterSide.feedProxiedRange(data, pendingStart, pendingEnd);
              pendingStart = start;
            }
            pendingEnd = end;
            continue;
          }
          if (pendingEnd > pendingStart) this.repl.masterSide.feedProxiedRange(data, pendingStart, pendingEnd);
          pendingStart = pendingEnd = 0;
          const argv: Uint8Array[] = new Array<Uint8Array>(count);
          // The Uint8Array constructor makes a view faster than subarray() (no species lookup).
          for (let i = 0; i < count; i++) argv[i] = new Uint8Array(data.buffer, data.byteOffset + b[i * 2]!, b[i * 2 + 1]!);
          this.applyFromMaster(client, master, argv, data, parser.lastRawStart, parser.lastRawEnd);
          continue;
        }
      }
      if (pendingEnd > pendingStart) this.repl.masterSide.feedProxiedRange(parser.data, pendingStart, pendingEnd);
      pendingStart = pendingEnd = 0;
      const request = parser.next();
      if (request.kind === "incomplete") return;
      if (request.kind === "error") {
        node.trace({ kind: "warning", code: "master-protocol-error", message: `protocol error from master: ${request.message}; closing the link` });
        node.closeClient(client);
        return;
      }
      this.applyFromMaster(client, master, request.kind === "command" ? request.argv : null, parser.data, parser.lastRawStart, parser.lastRawEnd);
    }
  }

  /** Bytes our backlog's last block still takes: a proxied piece up to this long makes no new block. */
  private proxiedRoom(): number {
    const backlog = this.repl.backlog;
    return backlog === null ? Number.MAX_SAFE_INTEGER : backlog.tailFree();
  }

  /**
   * Runs one request from the master (null argv: an empty line) and accounts for its bytes,
   * `data[start, end)` (the parser's input, which nothing appends to meanwhile).
   */
  private applyFromMaster(client: Client, master: MasterLinkInfo, argv: Uint8Array[] | null, data: Uint8Array, start: number, end: number): void {
    const node = this.node;
    const wasInMulti = client.multi !== null;
    if (wasInMulti) this.pendingRaw.bytes(data, start, end);
    if (argv !== null) {
      const errorsBefore = node.stats.totalErrorReplies;
      const outBefore = client.out.written;
      node.processCommand(client, argv);
      if (node.stats.totalErrorReplies !== errorsBefore) this.masterCommandFailed(client, argv, outBefore);
      // Masters never get replies (an ACK is written straight to the socket).
      client.out.clear();
    }
    if (this.master !== master) return;
    if (client.multi === null) {
      // RS-3: the whole command (or transaction) is applied: count it and pass it on as one piece.
      if (wasInMulti) {
        const applied = this.pendingRaw.take();
        master.reploff += applied.length;
        this.repl.masterSide.feedProxied(applied);
      } else {
        master.reploff += end - start;
        this.repl.masterSide.feedProxiedRange(data, start, end);
      }
    } else if (!wasInMulti) {
      // The command opened a transaction: keep its bytes with the rest of it.
      this.pendingRaw.bytes(data, start, end);
    }
  }

  /**
   * redis afterErrorReply for the master client: the error is not sent, it is counted in
   * `unexpected_error_replies` and logged. A command from a real master that the lab does not model
   * yet (a list or hash command) ends here: its bytes still count and are passed on (RS-3), but
   * the data is not changed. Reported once per command name per link, so a busy stream cannot
   * flood the event log; the counter counts every one.
   */
  private masterCommandFailed(client: Client, argv: readonly Uint8Array[], outBefore: number): void {
    const node = this.node;
    node.stats.unexpectedErrorReplies++;
    const name = client.lastCommand;
    if (this.failedCommands.has(name)) return;
    this.failedCommands.add(name);
    // The command's own reply is the error line: "-ERR ...\r\n" (`outBefore` is a write position:
    // the buffer's front is not where this reply starts once earlier replies were dropped).
    const out = client.out.copyFrom(outBefore);
    const error = out.length > 3 && out[0] === 0x2d ? bytesToBinary(out, 1, out.length - 2) : "error";
    node.trace({
      kind: "warning",
      code: "master-command-failed",
      message: `the master's ${bytesToBinary(argv[0]!, 0, Math.min(argv[0]!.length, 64))} failed here (${error}): the lab does not model it yet, so its data is not updated; its bytes still count in the offset (INFO stats unexpected_error_replies counts every such command)`,
    });
  }

  /** REPLCONF ACK <reploff> to our master. */
  sendAck(): void {
    const master = this.master;
    const client = this.masterClient;
    if (!master || !client) return;
    this.node.sendRaw(client.conn, encodeCommand([asciiBytes("REPLCONF"), asciiBytes("ACK"), asciiBytes(String(master.reploff))]));
  }

  /** freeClient(master) → replicationCacheMaster → replicationHandleMasterDisconnection. */
  onMasterClientGone(client: Client): void {
    const node = this.node;
    if (client !== this.masterClient || !this.master) return;
    const master = this.master;
    // The unprocessed input and any open MULTI are discarded; the offset stays at the last
    // whole command.
    master.readReploff = master.reploff;
    master.db = client.db;
    this.pendingRaw.clear();
    this.master = null;
    this.masterClient = null;
    this.cachedMaster = master;
    this.state = "connect";
    this.downSinceMs = node.nowMs;
    node.trace({ kind: "link", state: "connect", masterAddress: client.peer, message: `connection with master ${client.peer} lost at offset ${master.reploff}; cached for a partial resync` });
    if (this.masterHost !== null) this.connectWithMaster();
  }

  // ---------------------------------------------------------------------------------------------
  // Cron (replica duties of replicationCron)

  cron(): void {
    const node = this.node;
    const timeoutSec = node.config["repl-timeout"];
    const idleSec = (sinceMs: number): number => node.unixSec() - node.unixSecAt(sinceMs);
    if ((this.state === "connecting" || this.phase === "handshake") && idleSec(this.transferLastIoMs) > timeoutSec) {
      node.trace({ kind: "timeout", side: "replica", peer: this.masterAddress, message: `timeout connecting to the MASTER ${this.masterAddress}` });
      this.cancelHandshake();
      this.state = "connect";
    }
    if (this.state === "transfer" && this.transfer && idleSec(this.transfer.lastIoMs) > timeoutSec) {
      node.trace({ kind: "timeout", side: "replica", peer: this.masterAddress, message: "timeout receiving bulk data from MASTER; retrying" });
      this.cancelHandshake();
      this.state = "connect";
    }
    if (this.state === "connected" && this.master && this.masterClient && idleSec(this.master.lastInteractionMs) > timeoutSec) {
      node.trace({ kind: "timeout", side: "replica", peer: this.masterAddress, message: `MASTER timeout: no data nor PING received for more than ${timeoutSec} s` });
      node.closeClient(this.masterClient);
    }
    if (this.state === "connect" && this.masterHost !== null) {
      this.connectWithMaster();
    }
    if (this.state === "connected" && this.master?.preSync === false) this.sendAck();
  }
}

/** True when the three bytes at `at` spell `SET` in any case. */
function isSetAt(data: Uint8Array, at: number): boolean {
  return (data[at]! | 0x20) === 0x73 && (data[at + 1]! | 0x20) === 0x65 && (data[at + 2]! | 0x20) === 0x74;
}

/**
 * The first `length` bytes of `chunks` taken together. No copy when they lie one after another in
 * one buffer (the master's RDB as the network cut it into pieces): a view of them.
 */
function joinWithoutTail(chunks: readonly Uint8Array[], length: number): Uint8Array {
  const first = chunks[0];
  if (!first) return new Uint8Array(0);
  let end = first.byteOffset + first.length;
  for (let i = 1; end - first.byteOffset < length; i++) {
    const chunk = chunks[i]!;
    if (chunk.buffer !== first.buffer || chunk.byteOffset !== end) return concatBytes(chunks).subarray(0, length);
    end += chunk.length;
  }
  return new Uint8Array(first.buffer, first.byteOffset, length);
}

/** True when the bytes held in `chunks`, taken together, end with `mark`. */
function endsWith(chunks: readonly Uint8Array[], mark: Uint8Array): boolean {
  let ci = chunks.length - 1;
  let pos = ci >= 0 ? chunks[ci]!.length : 0;
  for (let m = mark.length - 1; m >= 0; m--) {
    while (pos === 0) {
      ci--;
      if (ci < 0) return false;
      pos = chunks[ci]!.length;
    }
    pos--;
    if (chunks[ci]![pos] !== mark[m]) return false;
  }
  return true;
}

function appendBytes(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b.slice();
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
