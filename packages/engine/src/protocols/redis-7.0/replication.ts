/**
 * Redis 7.0's replication (PSYNC2 with the shared replication buffer), plugged into the shared
 * Redis core through `RedisReplication`. It owns the replication identity (replid, replid2,
 * master_repl_offset), the backlog, and the two halves: `MasterSide` serves replicas and
 * `ReplicaSide` follows a master. Rules: SPEC.md beside this file.
 */
import type { Client } from "../../redis/client.ts";
import type { RedisReplication, ReplicationSaveInfo } from "../../redis/replication.ts";
import type { RedisNode } from "../../redis/server.ts";
import { TwoSidedReplication } from "../../redis/replication-sides.ts";
import { selectCommandBytes } from "../../redis/stream.ts";
import { ReplicationBacklog } from "./backlog.ts";
import { replicationCommands } from "./commands.ts";
import { replicationInfoFields } from "./info.ts";
import { MasterSide } from "./master-side.ts";
import { ReplicaLink } from "./replica-link.ts";
import { ReplicaSide } from "./replica-side.ts";
import { redis70Busy, redis70View, type Redis70View } from "./view.ts";
import type { PeerProbe } from "../../process/contract.ts";

export const ZERO_REPLID = "0000000000000000000000000000000000000000";

export class Psync2Replication extends TwoSidedReplication<MasterSide, ReplicaSide> implements RedisReplication<Redis70View> {
  // Replication identity and stream position (redis: server.replid, replid2, ...).
  replid: string;
  replid2 = ZERO_REPLID;
  secondReplidOffset = -1;
  masterReplOffset = 0;
  backlog: ReplicationBacklog | null = null;
  /** DB last SELECTed in the outgoing stream; -1 forces a SELECT. */
  slaveseldb = -1;
  /** Set by a WAIT that must block: broadcast REPLCONF GETACK in beforeSleep. */
  getAckRequested = false;

  readonly masterSide: MasterSide;
  readonly replicaSide: ReplicaSide;
  readonly commands = replicationCommands;
  readonly readOnlyError = "READONLY You can't write against a read only replica.";

  constructor(readonly node: RedisNode<Redis70View>) {
    super();
    this.replid = node.prng.hex(40);
    this.masterSide = new MasterSide(node, this);
    this.replicaSide = new ReplicaSide(node, this);
  }

  /** The 7.0 replication of a node (commands of this protocol run only on its own nodes). */
  static of(node: RedisNode): Psync2Replication {
    const repl = node.replication;
    if (!(repl instanceof Psync2Replication)) throw new Error("not a redis 7.0 node");
    return repl;
  }

  get streamOffset(): number {
    return this.masterReplOffset;
  }

  // ---------------------------------------------------------------------------------------------
  // Hooks of the core (the link hooks are TwoSidedReplication's)

  override onClientFreed(client: Client): void {
    super.onClientFreed(client);
    if (client.blockedWait) this.masterSide.unblockWait(client);
  }

  cron(): void {
    this.replicaSide.cron();
    this.masterSide.cron();
  }

  onTimers(): void {
    this.masterSide.handleWaitTimeouts();
    this.masterSide.finishRdbChild();
    this.replicaSide.onTimers();
  }

  nextWakeMs(): number {
    return Math.min(this.masterSide.earliestWaitDeadline(), this.masterSide.rdbChildDoneMs(), this.replicaSide.nextWakeMs());
  }

  rdbChildInProgress(): boolean {
    return this.masterSide.rdbChildInProgress;
  }

  beforeSleep(): void {
    if (this.getAckRequested) {
      this.getAckRequested = false;
      this.masterSide.broadcastGetAck();
    }
    this.masterSide.flushStream();
  }

  replicaOutputBufferBytes(client: Client): number {
    return linkOf(client).reader?.outputBufferMemory() ?? 0;
  }

  replicaName(client: Client): string {
    return this.masterSide.peerName(client);
  }

  afterClientWrites(): void {
    this.masterSide.afterPipeWrites();
    // As in redis's beforeSleep: replicas are written to first, then the backlog is trimmed.
    if (this.backlog) this.backlog.trim();
  }

  childCron(): void {
    this.masterSide.collectRdbChild();
  }

  killRdbChild(): void {
    this.masterSide.killRdbChild();
  }

  replicaOutput(client: Client, maxBytes: number): { readonly bytes: Uint8Array; readonly more: boolean } {
    return this.masterSide.streamFor(client, maxBytes);
  }

  shouldPropagate(): boolean {
    return !this.isReplica && (this.backlog !== null || this.masterSide.replicas.length > 0);
  }

  feedCommand(db: number, argv: readonly Uint8Array[]): void {
    this.masterSide.feedCommand(db, argv);
  }

  feedVerbatim(argv: readonly Uint8Array[]): void {
    this.masterSide.feedCommand(this.slaveseldb, argv);
  }

  feedPlainSet(db: number, data: Uint8Array, start: number, end: number, b: Int32Array): number {
    const backlog = this.backlog;
    if (backlog === null) return this.masterReplOffset;
    const before = backlog.endOffset;
    if (this.slaveseldb !== db) {
      backlog.feed(selectCommandBytes(db));
      this.slaveseldb = db;
    }
    // One piece when it fits the last block; otherwise redis's pieces decide the new blocks.
    if (backlog.tailFree() >= end - start) backlog.feed(data, start, end);
    else backlog.feedCommand([data.subarray(b[0]!, b[0]! + b[1]!), data.subarray(b[2]!, b[2]! + b[3]!), data.subarray(b[4]!, b[4]! + b[5]!)]);
    this.masterReplOffset += backlog.endOffset - before;
    return this.masterReplOffset;
  }

  /** No SELECT due and the run fits the backlog's last block: one piece or many make the same block. */
  plainSetRunRoom(db: number): number {
    const backlog = this.backlog;
    return backlog !== null && this.slaveseldb === db ? backlog.tailFree() : 0;
  }

  feedPlainSetRun(data: Uint8Array, start: number, end: number): number {
    this.backlog!.feed(data, start, end);
    this.masterReplOffset += end - start;
    return this.masterReplOffset;
  }

  minReplicasNotMet(): boolean {
    return this.masterSide.minReplicasNotMet();
  }

  onConfigChanged(backlogSizeChanged: boolean): void {
    if (backlogSizeChanged && this.backlog) this.backlog.resize(this.node.config["repl-backlog-size"]);
    this.masterSide.refreshGoodReplicas();
  }

  memoryBytes(): number {
    return this.backlog ? this.backlog.memoryBytes() : 0;
  }

  infoFields(): [string, string | number][] {
    return replicationInfoFields(this.node, this);
  }

  view(): Redis70View {
    return redis70View(this.node, this);
  }

  busy(peers: PeerProbe): boolean {
    return redis70Busy(this, peers);
  }

  // ---------------------------------------------------------------------------------------------
  // Replication identity (replication.c changeReplicationId, clearReplicationId2, shift...)

  changeReplicationId(): void {
    this.replid = this.node.prng.hex(40);
  }

  clearReplicationId2(): void {
    this.replid2 = ZERO_REPLID;
    this.secondReplidOffset = -1;
  }

  /** Promotion: the current id becomes the secondary, valid up to the current offset + 1. */
  shiftReplicationId(): void {
    this.replid2 = this.replid;
    this.secondReplidOffset = this.masterReplOffset + 1;
    this.changeReplicationId();
  }

  createBacklog(): void {
    const size = this.node.config["repl-backlog-size"];
    this.backlog = new ReplicationBacklog(size, this.masterReplOffset + 1);
    this.node.trace({
      kind: "backlog",
      action: "created",
      firstByteOffset: this.masterReplOffset + 1,
      message: `replication backlog created (${size} bytes) starting at offset ${this.masterReplOffset + 1}`,
    });
  }

  freeBacklog(): void {
    this.backlog = null;
  }

  // ---------------------------------------------------------------------------------------------
  // Persistence

  /** redis rdbPopulateSaveInfo: the replication info an RDB written now carries, or null. */
  saveInfo(): ReplicationSaveInfo | null {
    if (!this.isReplica && this.backlog) {
      return { streamDb: this.slaveseldb === -1 ? 0 : this.slaveseldb, replid: this.replid, offset: this.masterReplOffset };
    }
    // A replica's stream db is its master client's current db (redis: server.master->db->id),
    // which SELECTs from the master change while the link is up.
    const live = this.replicaSide.masterClient;
    if (live) return { streamDb: live.db, replid: this.replid, offset: this.masterReplOffset };
    const cached = this.replicaSide.cachedMaster;
    if (cached) return { streamDb: cached.db, replid: this.replid, offset: this.masterReplOffset };
    return null;
  }

  beginStartupLoad(asMaster: boolean): boolean {
    // A master collects the DELs of keys that expired while it was down in a backlog made for
    // the purpose; it is kept only if the file lets replicas continue the old history.
    if (asMaster) this.backlog = new ReplicationBacklog(this.node.config["repl-backlog-size"], this.masterReplOffset + 1);
    return asMaster;
  }

  configureAtStartup(host: string, port: number): void {
    this.replicaSide.configureAtStartup(host, port);
  }

  endStartupLoad(ok: boolean, saved: ReplicationSaveInfo | null, replicaOf: { host: string; port: number } | null): void {
    if (!ok || !saved) {
      // The DELs still count in master_repl_offset, as on a real server; the backlog goes.
      this.freeBacklog();
      return;
    }
    if (replicaOf) {
      // A replica restores its position and offers it to its master with PSYNC.
      this.replid = saved.replid;
      this.masterReplOffset = saved.offset;
      this.replicaSide.cacheMasterUsingMyself(saved.streamDb);
      return;
    }
    // A master keeps the old history as its secondary id so replicas can continue.
    const backlog = this.backlog!;
    this.replid2 = saved.replid;
    this.secondReplidOffset = saved.offset + 1;
    this.masterReplOffset += saved.offset;
    backlog.rebase(saved.offset);
    this.masterSide.noReplicasSinceMs = this.node.nowMs;
    this.node.trace({
      kind: "backlog",
      action: "created",
      firstByteOffset: backlog.firstByteOffset,
      message: `restarted from an RDB holding replication info: replid2 ${saved.replid.slice(0, 6)}… valid up to offset ${saved.offset + 1}, backlog from ${backlog.firstByteOffset}`,
    });
  }
}

/** The 7.0 link state of a replica client (asserts that it is one). */
export function linkOf(client: Client): ReplicaLink {
  const link = client.replica;
  if (!(link instanceof ReplicaLink)) throw new Error(`client ${client.id} is not a replica of a 7.0 master`);
  return link;
}
