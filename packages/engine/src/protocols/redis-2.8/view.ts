/**
 * What a Redis 2.8 node looks like to the lab: its run id (what its replicas' PSYNC names), its own
 * stream's offset, its ring backlog (the buffer, the write index going round, the window it holds),
 * and each attached replica's acknowledged offset; as a replica, its master's run id and the
 * offset it has read of that master's stream.
 */
import type { AttachedPeerView, ProcessViewCommon } from "../../process/contract.ts";
import type { SimDisk } from "../../process/disk.ts";
import type { NodeConfig } from "../../redis/config.ts";
import type { RedisNode } from "../../redis/server.ts";
import { classicLinkOf } from "../classic/replica-link.ts";
import { classicDownViewBase, classicViewBase, type ClassicViewBase } from "../classic/view.ts";
import type { RingBacklogView } from "../ring-backlog/view.ts";
import { ringBacklogView } from "../ring-backlog/view.ts";
import type { Psync1Replication } from "./replication.ts";
import type { RingReplication } from "../classic/replication.ts";
import { CONFIG_2_8 } from "./config.ts";

/** A replica as a 2.8 master sees it (INFO slaveN). */
export interface Psync1ReplicaView extends AttachedPeerView {
  readonly state: "wait_bgsave" | "send_bulk" | "online";
  /** The offset it last acknowledged (REPLCONF ACK), in this master's stream. */
  readonly ackOffset: number;
  readonly lagSec: number;
  /** Diskless transfer done; the stream waits for its first ACK. */
  readonly awaitingFirstAck: boolean;
}

/** The replication settings 2.8 has, by their 2.8 names. */
export interface Redis28ConfigView {
  readonly replBacklogSize: number;
  readonly replBacklogTtl: number;
  readonly replPingSlavePeriod: number;
  readonly replTimeout: number;
  readonly replDisklessSync: boolean;
  readonly replDisklessSyncDelay: number;
  readonly minSlavesToWrite: number;
  readonly minSlavesMaxLag: number;
  readonly slaveReadOnly: boolean;
  readonly slaveServeStaleData: boolean;
  readonly slavePriority: number;
  readonly save: string;
}

/** A Redis 2.8 node's state as plain data. */
export interface Redis28View extends ClassicViewBase {
  readonly protocol: "redis-psync1";
  /** master_repl_offset: this node's own stream (a replica's counts only what it passes on). */
  readonly masterReplOffset: number;
  /** Replica only: the master's run id it follows (or caches), and slave_repl_offset. */
  readonly masterRunId: string | null;
  readonly replicaOffset: number | null;
  readonly backlog: RingBacklogView;
  readonly replicas: readonly Psync1ReplicaView[];
  readonly syncPartialOk: number;
  readonly syncPartialErr: number;
  readonly config: Redis28ConfigView;
}

/** The 2.8 settings of a node config, by their 2.8 names (4.0 has the same). */
export function psync1ConfigView(config: NodeConfig): Redis28ConfigView {
  return {
    replBacklogSize: config["repl-backlog-size"],
    replBacklogTtl: config["repl-backlog-ttl"],
    replPingSlavePeriod: config["repl-ping-replica-period"],
    replTimeout: config["repl-timeout"],
    replDisklessSync: config["repl-diskless-sync"],
    replDisklessSyncDelay: config["repl-diskless-sync-delay"],
    minSlavesToWrite: config["min-replicas-to-write"],
    minSlavesMaxLag: config["min-replicas-max-lag"],
    slaveReadOnly: config["replica-read-only"],
    slaveServeStaleData: config["replica-serve-stale-data"],
    slavePriority: config["replica-priority"],
    save: config.save,
  };
}

/** What 2.8 and 4.0 views share: the stream, the ring backlog, the attached replicas, the counts. */
export type RingViewPart = Pick<Redis28View, "masterReplOffset" | "replicaOffset" | "backlog" | "replicas" | "syncPartialOk" | "syncPartialErr" | "config">;

/** The shared part of a running 2.8 or 4.0 node's view; `master` is the live or cached master. */
export function ringViewPart(node: RedisNode, repl: RingReplication<ProcessViewCommon>, master: { readonly reploff: number } | null): RingViewPart {
  return {
    masterReplOffset: repl.masterReplOffset,
    replicaOffset: repl.isReplica ? (master ? master.reploff : 1) : null,
    backlog: ringBacklogView(repl.ring, node.config["repl-backlog-size"], { firstByteOffset: repl.backlogOff, histlen: repl.backlogHistlen }),
    replicas: repl.masterSide.replicas.map((client) => {
      const link = classicLinkOf(client);
      return {
        address: repl.masterSide.peerName(client),
        state: link.infoState,
        ackOffset: link.ackOffset,
        lagSec: link.state === "online" ? node.unixSec() - node.unixSecAt(link.ackTimeMs) : 0,
        awaitingFirstAck: link.putOnlineOnAck,
      };
    }),
    syncPartialOk: node.stats.syncPartialOk,
    syncPartialErr: node.stats.syncPartialErr,
    config: psync1ConfigView(node.config),
  };
}

/** The shared part of a stopped 2.8 or 4.0 node's view, from its config file's settings. */
export function ringDownViewPart(config: NodeConfig): RingViewPart {
  return {
    masterReplOffset: 0,
    replicaOffset: null,
    backlog: ringBacklogView(null, config["repl-backlog-size"], { firstByteOffset: 0, histlen: 0 }),
    replicas: [],
    syncPartialOk: 0,
    syncPartialErr: 0,
    config: psync1ConfigView(config),
  };
}

/** The view of a running node. */
export function redis28View(node: RedisNode, repl: Psync1Replication): Redis28View {
  const master = repl.master ?? repl.cachedMaster;
  return {
    ...classicViewBase(node, repl.replicaSide),
    protocol: "redis-psync1",
    masterRunId: repl.isReplica && master ? master.runId : null,
    ...ringViewPart(node, repl, master),
  };
}

/** The view of a node whose process is down, from its config file. */
export function redis28DownView(disk: SimDisk, configFile: string): Redis28View {
  const { base, config } = classicDownViewBase(disk, configFile, CONFIG_2_8);
  return { ...base, protocol: "redis-psync1", masterRunId: null, ...ringDownViewPart(config) };
}
