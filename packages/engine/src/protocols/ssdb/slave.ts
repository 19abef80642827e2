/**
 * The slave side of one `replication.slaveof` link (`src/slave.cpp`, §A.7) in virtual time:
 * connect, send `sync140` with the persisted `last_seq`/`last_key`, apply what comes, persist the
 * resume point after every record, reconnect after a drop. Rules SL-* in SPEC.md.
 */
import type { ConnId } from "../../process/effects.ts";
import type { BinlogSyncDecision, ReplicaLinkPhase, TraceEvent } from "../../process/trace.ts";
import { asciiBytes, binaryToBytes, bytesToBinary } from "../../util/bytes.ts";
import { BinlogCommand, BinlogType, decodeRecordInto, emptyRecord, readSeq, type BinlogRecord } from "./binlog.ts";
import { isQueueItemSeq, type LogType, type SsdbDatabase } from "./database.ts";
import { decodeHashKey, decodeKvKey, decodeQueueItemKey, decodeZsetKey } from "./keys.ts";
import type { MetaStore } from "./meta.ts";
import { encodePacket, LinkReader, Scan, spanEquals } from "./wire.ts";

/** Reply words, compared as bytes: a record's first block is not made a string to be compared. */
const OK = asciiBytes("ok");
const NOAUTH = asciiBytes("noauth");

/** A slave link's status as `info` prints it. */
export type SlaveStatus = "DISCONNECTED" | "INIT" | "COPY" | "SYNC" | "OUT_OF_SYNC";

/** What a slave link needs from its node. */
export interface SlaveHost {
  readonly db: SsdbDatabase;
  readonly meta: MetaStore;
  /** Opens a connection to the master; the node answers with `connected` or `connectFailed`. */
  connect(host: string, port: number): ConnId;
  send(conn: ConnId, bytes: Uint8Array): void;
  close(conn: ConnId): void;
  trace(event: TraceEvent): void;
}

/** The configuration of one link (a `slaveof` block, or the `slaveof` command). */
export interface SlaveLinkConfig {
  /** "" for the default id `host|port`. */
  readonly id: string;
  readonly host: string;
  readonly port: number;
  readonly mirror: boolean;
  readonly auth: string;
  readonly recvTimeoutSec: number;
}

/** After a drop the thread sleeps 1 s (`sleep(1)`) and tries again at once. */
const RECONNECT_AFTER_DROP_MS = 1_000;
/** While attempts fail, a real one happens every 50th pass of a 100 ms loop. */
const RETRY_AFTER_REFUSAL_MS = 50 * 100;
/** The receive loop waits in 200 ms slices (`RECV_TIMEOUT`). */
const RECV_SLICE_MS = 200;

export class SlaveLink {
  readonly id: string;
  status: SlaveStatus = "DISCONNECTED";
  lastSeq = 0;
  lastKey = "";
  copyCount = 0;
  syncCount = 0;
  private conn: ConnId | null = null;
  private connState: "idle" | "connecting" | "connected" = "idle";
  private nextAttemptMs: number;
  private lastRecvMs = 0;
  private reader = new LinkReader();
  /** The record being applied, decoded in place; its key stays for the next one (a hot key shares its string). */
  private readonly record = emptyRecord();
  private readonly logType: LogType;
  /** An `auth` request is out; the reply decides whether sync140 follows. */
  private awaitingAuth = false;
  /** The packet read last was a SYNC/MIRROR KSET, whose seq starts `seqFrom` bytes into it. */
  private repeatable = false;
  /** The KSET applied last wrote its value (status 1). */
  private applyWrote = false;
  private seqFrom = 0;
  /** Inside `receive`: saves wait for its end (`saveDeferred` says one is due). */
  private deferSaves = false;
  private saveDeferred = false;

  constructor(
    private readonly host: SlaveHost,
    readonly config: SlaveLinkConfig,
    nowMs: number,
    /** `slaveof … last_seq last_key` given at start, which overwrite the persisted point. */
    start: { readonly lastSeq: number; readonly lastKey: string } | null,
  ) {
    this.id = config.id !== "" ? config.id : `${config.host}|${config.port}`;
    this.logType = config.mirror ? BinlogType.MIRROR : BinlogType.SYNC;
    if (start !== null && (start.lastSeq !== 0 || start.lastKey !== "")) {
      this.lastSeq = start.lastSeq;
      this.lastKey = start.lastKey;
      this.save();
    } else {
      const loaded = host.meta.loadSlaveStatus(this.id);
      this.lastSeq = loaded.lastSeq;
      this.lastKey = loaded.lastKey;
    }
    this.nextAttemptMs = nowMs;
  }

  get masterAddress(): string {
    return `${this.config.host}:${this.config.port}`;
  }

  /** The link's phase in ROLE's words, for the lab's edges. */
  get phase(): ReplicaLinkPhase {
    switch (this.status) {
      case "DISCONNECTED":
        return this.connState === "connecting" ? "connecting" : "connect";
      case "INIT":
        return "handshake";
      case "COPY":
        return "sync";
      case "SYNC":
        return "connected";
      case "OUT_OF_SYNC":
        // Connected but never replicating again: nothing flows until a person resets the slave.
        return "none";
    }
  }

  /** True while a connection attempt is in flight or about to be made. */
  get connecting(): boolean {
    return this.connState === "connecting";
  }

  get connected(): boolean {
    return this.connState === "connected";
  }

  owns(conn: ConnId): boolean {
    return this.conn === conn;
  }

  nextWakeMs(): number {
    if (this.connState === "idle") return this.nextAttemptMs;
    if (this.connState === "connected") return this.recvDeadlineMs();
    return Infinity;
  }

  /** 150 empty 200 ms waits are allowed; the 151st reconnects (`idle++ >= max_idle`). */
  private recvDeadlineMs(): number {
    const slices = Math.floor((this.config.recvTimeoutSec * 1000) / RECV_SLICE_MS) + 1;
    return this.lastRecvMs + slices * RECV_SLICE_MS;
  }

  tick(nowMs: number): void {
    if (this.connState === "idle" && nowMs >= this.nextAttemptMs) {
      this.connState = "connecting";
      this.conn = this.host.connect(this.config.host, this.config.port);
      this.traceLink("connecting", `[${this.id}] connecting to master at ${this.masterAddress}...`);
    } else if (this.connState === "connected" && nowMs >= this.recvDeadlineMs()) {
      this.host.trace({ kind: "timeout", side: "replica", peer: this.masterAddress, message: `the master hasn't responsed for awhile (${this.config.recvTimeoutSec} s), reconnect...` });
      this.reconnect(nowMs);
    }
  }

  /** The TCP connection is up: INIT, then (auth and) sync140. */
  connectedEvent(nowMs: number): void {
    if (this.conn === null) return;
    this.connState = "connected";
    this.status = "INIT";
    this.lastRecvMs = nowMs;
    this.reader = new LinkReader();
    this.repeatable = false;
    if (this.config.auth !== "") {
      this.awaitingAuth = true;
      this.host.send(this.conn, encodePacket([asciiBytes("auth"), binaryToBytes(this.config.auth)]));
    } else {
      this.sendSync140();
    }
    this.traceLink("handshake", `[${this.id}] ready to receive binlogs (sync140 from seq ${this.lastSeq}${this.lastKey === "" ? "" : ", key " + JSON.stringify(this.lastKey)})`);
  }

  private sendSync140(): void {
    if (this.conn === null) return;
    const request = [asciiBytes("sync140"), asciiBytes(String(this.lastSeq)), binaryToBytes(this.lastKey), asciiBytes(this.config.mirror ? "mirror" : "sync")];
    this.host.send(this.conn, encodePacket(request));
  }

  /** The connection was refused or failed: the next attempt comes about 5 s later. */
  connectFailedEvent(nowMs: number, reason: string): void {
    this.conn = null;
    this.connState = "idle";
    this.nextAttemptMs = nowMs + RETRY_AFTER_REFUSAL_MS;
    this.traceLink("connect", `[${this.id}]failed to connect to master: ${this.masterAddress}! ${reason}`);
  }

  /** The master closed or reset the connection. */
  closedEvent(nowMs: number): void {
    this.host.trace({ kind: "disconnect", side: "replica", peer: this.masterAddress, message: `link.read error: connection closed by ${this.masterAddress}, reconnecting to master` });
    this.dropConnection(nowMs, false);
  }

  /** Drops the link on our side (a parse error, a timeout), then reconnects after 1 s. */
  private reconnect(nowMs: number): void {
    this.dropConnection(nowMs, true);
  }

  private dropConnection(nowMs: number, closeIt: boolean): void {
    if (closeIt && this.conn !== null) this.host.close(this.conn);
    this.conn = null;
    this.connState = "idle";
    this.awaitingAuth = false;
    this.status = "DISCONNECTED";
    this.nextAttemptMs = nowMs + RECONNECT_AFTER_DROP_MS;
    this.traceLink("connect", `[${this.id}] disconnected from ${this.masterAddress}; retrying in 1 s`);
  }

  /** Closes the link for good (the process stops). */
  stop(): void {
    if (this.conn !== null) this.host.close(this.conn);
    this.conn = null;
    this.connState = "idle";
    this.nextAttemptMs = Infinity;
  }

  /** Bytes from the master: every whole packet is processed in order. */
  receive(nowMs: number, bytes: Uint8Array): void {
    if (this.connState !== "connected") return;
    this.lastRecvMs = nowMs;
    this.reader.push(bytes);
    // The resume point is saved once, after the packets of this read: nothing reads the meta file
    // while the node handles them (a restart, a down node's view, a fork all come between node
    // steps), so the disk ends as a save per record would leave it.
    this.deferSaves = true;
    try {
      this.receivePackets(nowMs);
    } finally {
      this.deferSaves = false;
      if (this.saveDeferred) this.save();
    }
  }

  private receivePackets(nowMs: number): void {
    const reader = this.reader;
    for (;;) {
      // The data record just applied again but for its seq (a hot key's records): the same packet
      // otherwise, so the same blocks, type, command and key; only the seq is read.
      if (this.repeatable) {
        const repeats = reader.repeatRun(this.seqFrom, this.seqFrom + 8);
        if (repeats > 0) {
          // The last one's seq: the ones before it only moved last_seq on (saves wait for the read's end).
          const record = this.record;
          record.seq = readSeq(reader.bytes, reader.blockStart(0));
          this.procDataAgain(record, reader, repeats);
          if (this.connState !== "connected") return;
          continue;
        }
      }
      this.repeatable = false;
      const found = reader.scan();
      if (found === Scan.INCOMPLETE) return;
      if (found === Scan.ERROR) {
        this.host.trace({ kind: "disconnect", side: "replica", peer: this.masterAddress, message: `link.recv error: ${this.masterAddress} does not speak SSDB's protocol, reconnecting to master` });
        this.reconnect(nowMs);
        return;
      }
      // The packet's blocks are read where they are in the reader's buffer (until its next push).
      const blocks = reader.blockCount;
      const bytes = reader.bytes;
      if (this.awaitingAuth) {
        this.awaitingAuth = false;
        if (blocks === 0 || !spanEquals(bytes, reader.blockStart(0), reader.blockEnd(0), OK)) {
          this.host.trace({ kind: "warning", code: "ssdb-auth-failed", message: `[${this.id}] auth error` });
          this.reconnect(nowMs);
          return;
        }
        this.sendSync140();
        continue;
      }
      if (blocks > 0 && spanEquals(bytes, reader.blockStart(0), reader.blockEnd(0), NOAUTH)) {
        this.host.trace({ kind: "warning", code: "ssdb-auth-required", message: "authentication required" });
        // `sleep(1)` here, and the reconnect's own second.
        this.reconnect(nowMs + RECONNECT_AFTER_DROP_MS);
        return;
      }
      if (blocks > 0) this.proc(reader);
      if (this.connState !== "connected") return;
    }
  }

  /** `Slave::proc`: one packet from the master (the request `reader` just scanned). */
  private proc(reader: LinkReader): void {
    const record = this.record;
    if (!decodeRecordInto(reader.bytes, reader.blockStart(0), reader.blockEnd(0), record)) return; // "invalid binlog!"
    switch (record.type) {
      case BinlogType.NOOP:
        if (this.lastSeq !== record.seq) {
          this.lastSeq = record.seq;
          this.save();
        }
        return;
      case BinlogType.CTRL:
        if (record.key === "OUT_OF_SYNC") {
          this.status = "OUT_OF_SYNC";
          this.traceDecision("out-of-sync", record.seq, "OUT_OF_SYNC, you must reset this node manually!");
        }
        return;
      case BinlogType.COPY:
        this.status = "COPY";
        if (record.cmd === BinlogCommand.BEGIN) {
          // Since 1.9.4 the slave keeps its data: keys the master lacks survive the copy.
          this.traceDecision("copy-begin", record.seq, "copy begin (the slave's own keys are kept)");
          return;
        }
        if (record.cmd === BinlogCommand.END) {
          this.traceDecision("copy-end", record.seq, `copy end, copy_count: ${this.copyCount}, last_seq: ${this.lastSeq}, seq: ${record.seq}`);
          this.status = "SYNC";
          this.lastKey = "";
          this.save();
          return;
        }
        this.copyCount++;
        this.apply(record, reader);
        return;
      case BinlogType.SYNC:
      case BinlogType.MIRROR:
        this.procData(record, reader);
        // The next packet may be this one again but for the seq (`receivePackets`).
        this.repeatable = record.cmd === BinlogCommand.KSET;
        this.seqFrom = reader.blockStart(0) - reader.requestStart;
        return;
      default:
        return;
    }
  }

  /** A SYNC or MIRROR record (`Slave::proc`'s data case). */
  private procData(record: BinlogRecord, reader: LinkReader): void {
    this.status = "SYNC";
    this.syncCount++;
    this.apply(record, reader);
  }

  /**
   * `count` more of the KSET record just applied, each with its own seq (`record` has the last
   * one's): after one that wrote its value, each writes the value the key now holds, in bulk.
   */
  private procDataAgain(record: BinlogRecord, reader: LinkReader, count: number): void {
    this.status = "SYNC";
    this.syncCount += count;
    if (!this.applyWrote) {
      for (let i = 0; i < count; i++) this.apply(record, reader);
      return;
    }
    this.host.db.setStoredAgain(record.key, this.logType, count);
    this.applied(record);
  }

  /**
   * `Slave::proc_sync`: applies the record locally, then persists the resume point. The value is
   * the packet's second block when it has exactly two.
   */
  private apply(record: BinlogRecord, reader: LinkReader): void {
    const db = this.host.db;
    const hasValue = reader.blockCount === 2;
    const type = this.logType;
    if (record.cmd === BinlogCommand.KSET) {
      // A value equal to the one stored is kept as it is (values are never changed in place):
      // rewriting a key with the same bytes copies nothing out of the packet.
      if (hasValue && record.key.length >= 1) {
        const bytes = reader.bytes;
        const start = reader.blockStart(1);
        const end = reader.blockEnd(1);
        const old = db.rawGet(record.key);
        const same = old !== undefined && spanEquals(bytes, start, end, old);
        this.applyWrote = db.setEncoded(record.key, same ? old : bytes.slice(start, end), type, same) === 1;
      } else {
        this.applyWrote = false;
      }
      this.applied(record);
      return;
    }
    const value = hasValue ? reader.block(1) : null;
    switch (record.cmd) {
      case BinlogCommand.KDEL: {
        const key = decodeKvKey(record.key);
        if (key !== null) db.delKey(key, type);
        break;
      }
      case BinlogCommand.HSET: {
        const decoded = decodeHashKey(record.key);
        if (value !== null && decoded !== null) db.hset(decoded.name, decoded.field, value, type);
        break;
      }
      case BinlogCommand.HDEL: {
        const decoded = decodeHashKey(record.key);
        if (decoded !== null) db.hdel(decoded.name, decoded.field, type);
        break;
      }
      case BinlogCommand.ZSET: {
        const decoded = decodeZsetKey(record.key);
        if (value !== null && decoded !== null) db.zset(decoded.name, decoded.member, bytesToBinary(value), type);
        break;
      }
      case BinlogCommand.ZDEL: {
        const decoded = decodeZsetKey(record.key);
        if (decoded !== null) db.zdel(decoded.name, decoded.member, type);
        break;
      }
      case BinlogCommand.QSET:
      case BinlogCommand.QPUSH_BACK:
      case BinlogCommand.QPUSH_FRONT: {
        const decoded = decodeQueueItemKey(record.key);
        // The front/back pointers (items 2 and 3) that a copy sends fall outside the item range.
        if (value === null || decoded === null || !isQueueItemSeq(decoded.seq)) break;
        // Pushes go wherever the slave's own queue puts them: item seqs may differ from the master's.
        if (record.cmd === BinlogCommand.QSET) db.qsetBySeq(decoded.name, decoded.seq, value, type);
        else db.qpush(decoded.name, value, record.cmd === BinlogCommand.QPUSH_FRONT, type);
        break;
      }
      case BinlogCommand.QPOP_BACK:
      case BinlogCommand.QPOP_FRONT:
        db.qpop(record.key, record.cmd === BinlogCommand.QPOP_FRONT, type);
        break;
      default:
        this.host.trace({ kind: "warning", code: "ssdb-unknown-binlog", message: `unknown binlog, type=${record.type}, cmd=${record.cmd}` });
        break;
    }
    this.applied(record);
  }

  /** After every data record, applied or not: the resume point moves to it and is saved. */
  private applied(record: BinlogRecord): void {
    this.lastSeq = record.seq;
    if (record.type === BinlogType.COPY) this.lastKey = record.key;
    this.save();
  }

  private save(): void {
    if (this.deferSaves) {
      this.saveDeferred = true;
      return;
    }
    this.saveDeferred = false;
    this.host.meta.saveSlaveStatus(this.id, { lastSeq: this.lastSeq, lastKey: this.lastKey });
  }

  private traceLink(state: ReplicaLinkPhase, message: string): void {
    this.host.trace({ kind: "link", state, masterAddress: this.masterAddress, message });
  }

  private traceDecision(decision: BinlogSyncDecision, seq: number, message: string): void {
    this.host.trace({ kind: "binlog-sync", side: "replica", peer: this.masterAddress, decision, seq, message });
  }

  /** `Slave::stats()`: the `replication` value of `info` for this link. */
  stats(): string {
    return [
      `slaveof ${this.masterAddress}`,
      `    id         : ${this.id}`,
      `    type       : ${this.config.mirror ? "mirror" : "sync"}`,
      `    status     : ${this.status}`,
      `    last_seq   : ${this.lastSeq}`,
      `    copy_count : ${this.copyCount}`,
      `    sync_count : ${this.syncCount}`,
    ].join("\n");
  }
}
