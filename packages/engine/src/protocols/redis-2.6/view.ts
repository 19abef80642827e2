/**
 * What a Redis 2.6 node looks like to the lab: a SYNC node has no run id of interest to its
 * replicas, no offset and no backlog, so its view shows the link, the transfer, the keys and the
 * attached replicas' states, and nothing to compare offsets with.
 */
import type { AttachedPeerView } from "../../process/contract.ts";
import type { SimDisk } from "../../process/disk.ts";
import type { NodeConfig } from "../../redis/config.ts";
import type { RedisNode } from "../../redis/server.ts";
import { classicLinkOf } from "../classic/replica-link.ts";
import { classicDownViewBase, classicViewBase, type ClassicViewBase } from "../classic/view.ts";
import type { SyncReplication } from "./replication.ts";
import { CONFIG_2_6 } from "./config.ts";

/** A replica as a 2.6 master sees it (INFO `slaveN:<ip>,<port>,<state>`). */
export interface SyncReplicaView extends AttachedPeerView {
  readonly state: "wait_bgsave" | "send_bulk" | "online";
}

/** The replication settings 2.6 has, by their 2.6 names. */
export interface Redis26ConfigView {
  readonly replPingSlavePeriod: number;
  readonly replTimeout: number;
  readonly slaveReadOnly: boolean;
  readonly slaveServeStaleData: boolean;
  readonly slavePriority: number;
  /** RDB save points (`save`), "" when none. */
  readonly save: string;
}

/** A Redis 2.6 node's state as plain data. */
export interface Redis26View extends ClassicViewBase {
  readonly protocol: "redis-sync";
  readonly replicas: readonly SyncReplicaView[];
  readonly config: Redis26ConfigView;
}

function configView(config: NodeConfig): Redis26ConfigView {
  return {
    replPingSlavePeriod: config["repl-ping-replica-period"],
    replTimeout: config["repl-timeout"],
    slaveReadOnly: config["replica-read-only"],
    slaveServeStaleData: config["replica-serve-stale-data"],
    slavePriority: config["replica-priority"],
    save: config.save,
  };
}

/** The view of a running node. */
export function redis26View(node: RedisNode, repl: SyncReplication): Redis26View {
  return {
    ...classicViewBase(node, repl.replicaSide),
    protocol: "redis-sync",
    replicas: repl.masterSide.replicas.map((client) => ({ address: repl.masterSide.peerName(client), state: classicLinkOf(client).infoState })),
    config: configView(node.config),
  };
}

/** The view of a node whose process is down, from its config file. */
export function redis26DownView(disk: SimDisk, configFile: string): Redis26View {
  const { base, config } = classicDownViewBase(disk, configFile, CONFIG_2_6);
  return { ...base, protocol: "redis-sync", replicas: [], config: configView(config) };
}
