/**
 * What a Redis 7.0 node looks like to the lab: the PSYNC2 view (replid, replid2, offsets, the
 * block backlog, attached replicas with their ACK offsets), running or down.
 */
import type { AttachedPeerView, ProcessViewCommon, PeerProbe } from "../../process/contract.ts";
import type { SimDisk } from "../../process/disk.ts";
import { defaultConfig, type NodeConfig } from "../../redis/config.ts";
import { parseConfigFile } from "../../redis/config-file.ts";
import type { RedisNode } from "../../redis/server.ts";
import { linkOf, type Psync2Replication } from "./replication.ts";
import type { ReplState } from "./replica-side.ts";

export interface BacklogView {
  readonly active: boolean;
  /** repl-backlog-size (config). */
  readonly sizeBytes: number;
  readonly firstByteOffset: number;
  readonly histlen: number;
  /** Allocated bytes (blocks and headers). */
  readonly memoryBytes: number;
}

/** A replica as its master sees it (INFO slaveN). */
export interface AttachedReplicaView extends AttachedPeerView {
  readonly state: "wait_bgsave" | "send_bulk" | "online";
  /** Last offset the replica acknowledged. */
  readonly ackOffset: number;
  readonly lagSec: number;
  /** Diskless sync delivered, stream waits for the replica's first ACK. */
  readonly awaitingFirstAck: boolean;
}

export interface TransferView {
  /** Announced RDB size; 0 in EOF (diskless) mode. */
  readonly totalBytes: number;
  readonly readBytes: number;
  readonly eofMode: boolean;
}

export interface LoadingView {
  /** async_loading: the old data keeps serving reads (swapdb with the master's own replication id). */
  readonly async: boolean;
  /** loading_loaded_bytes and loading_total_bytes (0: unknown, an EOF-marked stream). */
  readonly loadedBytes: number;
  readonly totalBytes: number;
}

export interface RedisStatsView {
  readonly syncFull: number;
  readonly syncPartialOk: number;
  readonly syncPartialErr: number;
  readonly commandsProcessed: number;
  readonly connectionsReceived: number;
  readonly expiredKeys: number;
}

export interface RedisConfigView {
  readonly replBacklogSize: number;
  readonly replBacklogTtl: number;
  readonly replPingReplicaPeriod: number;
  readonly replTimeout: number;
  readonly replDisklessSync: boolean;
  readonly replDisklessSyncDelay: number;
  readonly minReplicasToWrite: number;
  readonly minReplicasMaxLag: number;
  readonly replicaReadOnly: boolean;
  readonly replicaServeStaleData: boolean;
  readonly replicaPriority: number;
  readonly replicaAnnounced: boolean;
  /** RDB save points (`save`), "" when none. */
  readonly save: string;
}

/** A Redis 7.0 node's state as plain data. */
export interface Redis70View extends ProcessViewCommon {
  readonly protocol: "redis-psync2";
  readonly replState: ReplState | null;
  readonly replid: string;
  readonly replid2: string;
  readonly secondReplOffset: number;
  readonly masterReplOffset: number;
  /** Replica only: slave_repl_offset and slave_read_repl_offset. */
  readonly replicaOffset: number | null;
  readonly replicaReadOffset: number | null;
  readonly masterLinkDownSinceSec: number | null;
  readonly masterLastIoSecAgo: number | null;
  readonly backlog: BacklogView;
  readonly replicas: readonly AttachedReplicaView[];
  readonly transfer: TransferView | null;
  /** An RDB load in progress (INFO loading / async_loading), or null. */
  readonly loading: LoadingView | null;
  readonly expires: number;
  readonly stats: RedisStatsView;
  readonly config: RedisConfigView;
  /** Unsaved changes (rdb_changes_since_last_save). */
  readonly dirty: number;
}

function configView(config: NodeConfig): RedisConfigView {
  return {
    replBacklogSize: config["repl-backlog-size"],
    replBacklogTtl: config["repl-backlog-ttl"],
    replPingReplicaPeriod: config["repl-ping-replica-period"],
    replTimeout: config["repl-timeout"],
    replDisklessSync: config["repl-diskless-sync"],
    replDisklessSyncDelay: config["repl-diskless-sync-delay"],
    minReplicasToWrite: config["min-replicas-to-write"],
    minReplicasMaxLag: config["min-replicas-max-lag"],
    replicaReadOnly: config["replica-read-only"],
    replicaServeStaleData: config["replica-serve-stale-data"],
    replicaPriority: config["replica-priority"],
    replicaAnnounced: config["replica-announced"],
    save: config.save,
  };
}

/** The view of a running node. */
export function redis70View(node: RedisNode, repl: Psync2Replication): Redis70View {
  const rs = repl.replicaSide;
  const isReplica = rs.masterHost !== null;
  const link = rs.masterOrCached();
  const replicas = repl.masterSide.replicas.map((client): AttachedReplicaView => {
    const r = linkOf(client);
    const ip = client.replAnnouncedIp || client.peer.slice(0, client.peer.lastIndexOf(":"));
    return {
      address: `${ip}:${client.replListeningPort}`,
      state: r.infoState as AttachedReplicaView["state"],
      ackOffset: r.ackOffset,
      lagSec: r.state === "online" ? node.unixSec() - node.unixSecAt(r.ackTimeMs) : 0,
      awaitingFirstAck: r.startStreamOnAck,
    };
  });
  const backlog = repl.backlog;
  const transfer = rs.state === "transfer" && rs.transfer ? rs.transfer : null;
  const totalBytes = transfer ? (transfer.eofMark ? 0 : Math.max(0, transfer.size)) : 0;
  return {
    protocol: "redis-psync2",
    role: isReplica ? "replica" : "master",
    masterAddress: isReplica ? rs.masterAddress : null,
    linkPhase: isReplica ? rs.linkPhase : null,
    linkUp: isReplica && rs.state === "connected",
    transferProgress: transfer && totalBytes > 0 ? transfer.readBytes / totalBytes : null,
    keys: node.keyspace.totalKeys,
    uptimeSec: node.uptimeSec(),
    replState: isReplica ? rs.state : null,
    replid: repl.replid,
    replid2: repl.replid2,
    secondReplOffset: repl.secondReplidOffset,
    masterReplOffset: repl.masterReplOffset,
    replicaOffset: isReplica ? (link ? link.reploff : 1) : null,
    replicaReadOffset: isReplica ? (link ? link.readReploff : 1) : null,
    masterLinkDownSinceSec: isReplica && rs.state !== "connected" && rs.downSinceMs !== null ? node.unixSec() - node.unixSecAt(rs.downSinceMs) : null,
    masterLastIoSecAgo: isReplica && rs.master ? node.unixSec() - node.unixSecAt(rs.master.lastInteractionMs) : null,
    backlog: {
      active: backlog !== null,
      sizeBytes: node.config["repl-backlog-size"],
      firstByteOffset: backlog ? backlog.firstByteOffset : 0,
      histlen: backlog ? backlog.histlen : 0,
      memoryBytes: backlog ? backlog.memoryBytes() : 0,
    },
    replicas,
    transfer: transfer ? { totalBytes, readBytes: transfer.readBytes, eofMode: transfer.eofMark !== null } : null,
    loading: node.loading ? { async: node.loading.async, loadedBytes: node.loading.loadedBytes, totalBytes: node.loading.totalBytes } : null,
    expires: node.keyspace.totalExpires,
    stats: {
      syncFull: node.stats.syncFull,
      syncPartialOk: node.stats.syncPartialOk,
      syncPartialErr: node.stats.syncPartialErr,
      commandsProcessed: node.stats.totalCommandsProcessed,
      connectionsReceived: node.stats.totalConnectionsReceived,
      expiredKeys: node.stats.expiredKeys,
    },
    config: configView(node.config),
    dirty: node.dirty,
  };
}

/** The view of a node whose process is down: its role and settings come from its config file. */
export function redis70DownView(disk: SimDisk, configFile: string): Redis70View {
  const text = disk.readText(configFile) ?? "";
  const parsed = parseConfigFile(text);
  const config: NodeConfig = { ...defaultConfig(), ...(parsed.ok ? parsed.config : {}) };
  const startup = parsed.ok ? parsed.replicaOf : null;
  return {
    protocol: "redis-psync2",
    role: startup ? "replica" : "master",
    masterAddress: startup ? `${startup.host}:${startup.port}` : null,
    linkPhase: null,
    linkUp: false,
    transferProgress: null,
    keys: 0,
    uptimeSec: 0,
    replState: null,
    replid: "",
    replid2: "",
    secondReplOffset: -1,
    masterReplOffset: 0,
    replicaOffset: null,
    replicaReadOffset: null,
    masterLinkDownSinceSec: null,
    masterLastIoSecAgo: null,
    backlog: { active: false, sizeBytes: config["repl-backlog-size"], firstByteOffset: 0, histlen: 0, memoryBytes: 0 },
    replicas: [],
    transfer: null,
    loading: null,
    expires: 0,
    stats: { syncFull: 0, syncPartialOk: 0, syncPartialErr: 0, commandsProcessed: 0, connectionsReceived: 0, expiredKeys: 0 },
    config: configView(config),
    dirty: 0,
  };
}

/**
 * Work the world should run to settle: a handshake or transfer in progress, a reconnection about
 * to be tried to a reachable master, a replica attached but not yet streaming. A replica retrying
 * a dead or cut-off master is just waiting.
 */
export function redis70Busy(repl: Psync2Replication, peers: PeerProbe): boolean {
  const rs = repl.replicaSide;
  if (rs.masterHost !== null && rs.state !== "connected") {
    const reachable = peers.reachable(rs.masterAddress);
    if (reachable || (rs.state !== "connect" && rs.state !== "connecting" && !peers.frozen(rs.masterAddress))) return true;
  }
  for (const replica of repl.masterSide.replicas) {
    const link = linkOf(replica);
    if (link.state !== "online" || link.startStreamOnAck) return true;
  }
  return false;
}
