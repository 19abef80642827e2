/**
 * What the replication of Redis 2.6, 2.8 and 4.0 has in common, held once: a node is a master to
 * the replicas attached to it (`ClassicMasterSide`) and the replica of at most one master through a
 * connection the replication cron opens (`ClassicReplicaSide`). The core's link hooks go straight to
 * the replica side (`TwoSidedReplication`); the rest (the sync commands, the stream, the cron) is each version's own, in
 * `redis-2.6`, `redis-2.8` and `redis-4.0`.
 */
import type { Client } from "../../redis/client.ts";
import type { ReplicationSaveInfo } from "../../redis/replication.ts";
import type { RedisNode } from "../../redis/server.ts";
import type { RequestParser } from "../../redis/resp/request-parser.ts";
import type { LoadedRdb } from "../../redis/persistence.ts";
import type { HandshakeStep } from "../../redis/replica-handshake.ts";
import { TwoSidedReplication } from "../../redis/replication-sides.ts";
import type { PeerProbe, ProcessViewCommon } from "../../process/contract.ts";
import { RingBacklog } from "../ring-backlog/ring-backlog.ts";
import { ClassicMasterSide } from "./master-side.ts";
import { classicLinkOf } from "./replica-link.ts";
import { ClassicReplicaSide, type ClassicReplicaHooks } from "./replica-side.ts";
import { classicBusy } from "./view.ts";

/**
 * The shared part of a classic version's `RedisReplication`. A subclass adds the protocol: its
 * commands, SYNC/PSYNC handling, how commands enter the stream, the replica-side hooks, its cron.
 */
export abstract class ClassicReplication<V extends ProcessViewCommon> extends TwoSidedReplication<ClassicMasterSide, ClassicReplicaSide> implements ClassicReplicaHooks {
  readonly masterSide: ClassicMasterSide;
  readonly replicaSide: ClassicReplicaSide;
  /** The same words in every version before 5.0 (which says "replica"). */
  readonly readOnlyError = "READONLY You can't write against a read only slave.";

  constructor(readonly node: RedisNode<V>) {
    super();
    this.masterSide = new ClassicMasterSide(node);
    // Classic replicas speak inline commands and wait for each reply (no pipelined handshake).
    this.replicaSide = new ClassicReplicaSide(node, this, { inline: true, pipelined: false });
  }

  // The replica side's hooks (ClassicReplicaHooks): each version's handshake and sync.
  abstract handshakeSteps(): HandshakeStep[];
  abstract requestSync(side: ClassicReplicaSide): void;
  abstract onSyncReply(side: ClassicReplicaSide, line: string): void;
  abstract onFullSyncLoaded(loaded: LoadedRdb, rdbBytes: number, eofFormat: boolean): number;
  abstract onMasterLost(client: Client): void;
  abstract onStreamBytes(count: number): void;
  abstract onCommandApplied(parser: RequestParser): void;

  // ---------------------------------------------------------------------------------------------
  // What versions without WAIT, RDB replication info or start-up DELs leave as it is

  onTimers(): void {}

  nextWakeMs(): number {
    return Infinity;
  }

  beforeSleep(): void {}

  saveInfo(): ReplicationSaveInfo | null {
    return null;
  }

  /** No classic version feeds DELs for keys that expired while it was down. */
  beginStartupLoad(): boolean {
    return false;
  }

  /** `slaveof` in the config file: connect at the first cron, like SLAVEOF. */
  configureAtStartup(host: string, port: number): void {
    this.replicaSide.setMaster(host, port);
  }

  endStartupLoad(_ok: boolean, _saved: ReplicationSaveInfo | null, _replicaOf: { host: string; port: number } | null): void {}

  busy(peers: PeerProbe): boolean {
    return classicBusy(this.replicaSide, this.masterSide, peers);
  }
}

/**
 * 2.8 and 4.0: a stream with offsets, kept in a fixed ring backlog (`createReplicationBacklog`'s
 * buffer of seed 000), acknowledged by replicas with REPLCONF ACK, and min-slaves counted from
 * those ACKs.
 */
export abstract class RingReplication<V extends ProcessViewCommon> extends ClassicReplication<V> {
  /** server.master_repl_offset: the bytes this node's stream has put in its backlog. */
  masterReplOffset = 0;
  ring: RingBacklog | null = null;
  /**
   * repl_backlog_off and repl_backlog_histlen as INFO prints them: server variables that a freed
   * backlog leaves as they were (a demoted master still shows its old window).
   */
  backlogOff = 0;
  backlogHistlen = 0;
  /** server.slaveseldb: the db this node's stream last SELECTed; -1 forces a SELECT. */
  slaveseldb = -1;
  /** min-slaves: replicas that passed the lag check at the last refresh. */
  goodReplicas = 0;

  get streamOffset(): number {
    return this.masterReplOffset;
  }

  /** Makes the backlog's window what INFO shows (after every change to the ring). */
  protected syncBacklogVars(): void {
    const ring = this.ring!;
    this.backlogOff = ring.firstByteOffset;
    this.backlogHistlen = ring.histlen;
  }

  protected freeBacklog(): void {
    this.ring = null;
  }

  /** REPLCONF ACK: the replica's offset and the time of its last ACK (min-slaves' lag). */
  protected onAck(client: Client, offset: number): void {
    const link = classicLinkOf(client);
    if (offset > link.ackOffset) link.ackOffset = offset;
    link.ackTimeMs = this.node.nowMs;
    if (link.putOnlineOnAck && link.state === "online") this.masterSide.release(client);
  }

  /** refreshGoodSlavesCount. */
  refreshGoodReplicas(): void {
    const node = this.node;
    const maxLag = node.config["min-replicas-max-lag"];
    if (node.config["min-replicas-to-write"] === 0 || maxLag === 0) return;
    let good = 0;
    for (const client of this.masterSide.replicas) {
      const link = classicLinkOf(client);
      if (link.state === "online" && node.unixSec() - node.unixSecAt(link.ackTimeMs) <= maxLag) good++;
    }
    this.goodReplicas = good;
  }

  minReplicasNotMet(): boolean {
    const config = this.node.config;
    return config["min-replicas-to-write"] > 0 && config["min-replicas-max-lag"] > 0 && this.goodReplicas < config["min-replicas-to-write"];
  }

  protected override onReplicaFreed(): void {
    this.refreshGoodReplicas();
  }

  /** resizeReplicationBacklog: a new size flushes the ring (its first byte becomes the next offset). */
  onConfigChanged(backlogSizeChanged: boolean): void {
    if (backlogSizeChanged && this.ring) {
      this.ring = new RingBacklog(this.node.config["repl-backlog-size"], this.masterReplOffset + 1);
      this.syncBacklogVars();
    }
    this.refreshGoodReplicas();
  }

  memoryBytes(): number {
    return this.ring ? this.ring.memoryBytes() : 0;
  }
}
