/**
 * What the views of the kinds before 7.0 share: the replica's link, the transfer in progress, the
 * node's keys, counters and settings, built the same way; and when such a node is busy.
 */
import type { PeerProbe, ProcessViewCommon } from "../../process/contract.ts";
import type { SimDisk } from "../../process/disk.ts";
import type { ConfigSchema, NodeConfig } from "../../redis/config.ts";
import { parseConfigFile } from "../../redis/config-file.ts";
import type { RedisNode } from "../../redis/server.ts";
import type { Client } from "../../redis/client.ts";
import type { RoleState } from "../../redis/commands/replication-replies.ts";
import type { RingReplication } from "./replication.ts";
import type { ClassicMasterSide } from "./master-side.ts";
import { classicLinkOf } from "./replica-link.ts";
import type { ClassicReplicaSide, ClassicReplState } from "./replica-side.ts";

/** A transfer in progress on the replica. */
export interface LegacyTransferView {
  /** Announced RDB size; 0 in EOF (diskless) mode or before the `$` line. */
  readonly totalBytes: number;
  readonly readBytes: number;
  readonly eofMode: boolean;
}

/** The counters a card shows. `fullSyncs` is the lab's count where INFO has none (2.6). */
export interface LegacyStatsView {
  readonly fullSyncs: number;
  readonly commandsProcessed: number;
  readonly connectionsReceived: number;
  readonly expiredKeys: number;
}

/** The view fields 2.6 and 2.8 share (each adds its protocol tag, replicas and own fields). */
export interface ClassicViewBase extends Omit<ProcessViewCommon, "replicas"> {
  /** INFO server run_id: random at every start (2.8 also uses it to name its stream). */
  readonly runId: string;
  readonly replState: ClassicReplState | null;
  /** The handshake reply being waited for ("receive_pong", …) while in the handshake. */
  readonly handshakeState: string | null;
  readonly masterLinkDownSinceSec: number | null;
  readonly masterLastIoSecAgo: number | null;
  readonly transfer: LegacyTransferView | null;
  readonly expires: number;
  readonly dirty: number;
  readonly stats: LegacyStatsView;
}

/** The shared part of a running node's view. */
export function classicViewBase(node: RedisNode, rs: ClassicReplicaSide): ClassicViewBase {
  const isReplica = rs.masterHost !== null;
  const transfer = rs.state === "transfer" ? rs.transfer : null;
  const total = transfer ? transfer.totalBytes : 0;
  return {
    role: isReplica ? "replica" : "master",
    masterAddress: isReplica ? rs.masterAddress : null,
    linkPhase: isReplica ? rs.phase : null,
    linkUp: isReplica && rs.state === "connected",
    transferProgress: transfer && total > 0 ? transfer.readBytes / total : null,
    keys: node.keyspace.totalKeys,
    uptimeSec: node.uptimeSec(),
    runId: node.runId,
    replState: isReplica ? rs.state : null,
    handshakeState: rs.handshakeState,
    masterLinkDownSinceSec: isReplica && rs.state !== "connected" && rs.downSinceMs !== null ? node.unixSec() - node.unixSecAt(rs.downSinceMs) : null,
    masterLastIoSecAgo: isReplica && rs.masterClient ? node.unixSec() - node.unixSecAt(rs.lastInteractionMs) : null,
    transfer: transfer ? { totalBytes: total, readBytes: transfer.readBytes, eofMode: transfer.eofMark !== null } : null,
    expires: node.keyspace.totalExpires,
    dirty: node.dirty,
    stats: {
      fullSyncs: node.stats.syncFull,
      commandsProcessed: node.stats.totalCommandsProcessed,
      connectionsReceived: node.stats.totalConnectionsReceived,
      expiredKeys: node.stats.expiredKeys,
    },
  };
}

/** The shared part of a down node's view, from its config file; and the settings it will start with. */
export function classicDownViewBase(disk: SimDisk, configFile: string, schema: ConfigSchema): { readonly base: ClassicViewBase; readonly config: NodeConfig } {
  const parsed = parseConfigFile(disk.readText(configFile) ?? "", schema);
  const config: NodeConfig = { ...schema.defaults, ...(parsed.ok ? parsed.config : {}) };
  const startup = parsed.ok ? parsed.replicaOf : null;
  return {
    config,
    base: {
      role: startup ? "replica" : "master",
      masterAddress: startup ? `${startup.host}:${startup.port}` : null,
      linkPhase: null,
      linkUp: false,
      transferProgress: null,
      keys: 0,
      uptimeSec: 0,
      runId: "",
      replState: null,
      handshakeState: null,
      masterLinkDownSinceSec: null,
      masterLastIoSecAgo: null,
      transfer: null,
      expires: 0,
      dirty: 0,
      stats: { fullSyncs: 0, commandsProcessed: 0, connectionsReceived: 0, expiredKeys: 0 },
    },
  };
}

/**
 * Work the world should run to settle: a replica's attempt in progress or due to a reachable
 * master, or an attached replica not yet streaming. A replica retrying a dead or cut-off master
 * is just waiting.
 */
export function classicBusy(rs: ClassicReplicaSide, ms: ClassicMasterSide, peers: PeerProbe): boolean {
  if (rs.masterHost !== null && rs.state !== "connected" && !(rs.state === "connect" && rs.refusedByMaster)) {
    const reachable = peers.reachable(rs.masterAddress);
    if (reachable || (rs.state !== "connect" && rs.state !== "connecting" && !peers.frozen(rs.masterAddress))) return true;
  }
  for (const client of ms.replicas) {
    const link = classicLinkOf(client);
    if (link.state !== "online" || link.putOnlineOnAck) return true;
  }
  return false;
}

/** A canonical-RESP `SET k v` as three argument views (`b`: start/length pairs). */
export function plainSetArgv(data: Uint8Array, b: Int32Array): Uint8Array[] {
  return [data.subarray(b[0]!, b[0]! + b[1]!), data.subarray(b[2]!, b[2]! + b[3]!), data.subarray(b[4]!, b[4]! + b[5]!)];
}

/**
 * ROLE on 2.8 and 4.0: a master's stream offset and online replicas (`ipOf`: 2.8 prints the peer's
 * address, 4.0 the announced one), or a replica's link and the offset it has of its live master.
 */
export function classicRole(node: RedisNode, repl: RingReplication<ProcessViewCommon>, ipOf: (replica: Client) => string, liveMaster: { readonly reploff: number } | null): RoleState {
  const rs = repl.replicaSide;
  if (node.isReplica) return { role: "slave", host: rs.masterHost!, port: rs.masterPort, state: rs.phase, offset: liveMaster ? liveMaster.reploff : -1 };
  const online = repl.masterSide.replicas.filter((client) => classicLinkOf(client).state === "online");
  return { role: "master", offset: repl.masterReplOffset, replicas: online.map((replica) => ({ ip: ipOf(replica), port: replica.replListeningPort, ackOffset: classicLinkOf(replica).ackOffset })) };
}
