/**
 * What a Redis 4.0 node looks like to the lab: its replication id and offset (shared with its
 * master and every node of its chain), the previous id it still honours (replid2, up to
 * second_repl_offset), its ring backlog (the buffer, the write index going round, the window it
 * holds) and each attached replica's acknowledged offset; as a replica, the id it follows and the
 * offset it has applied.
 */
import type { SimDisk } from "../../process/disk.ts";
import type { RedisNode } from "../../redis/server.ts";
import { classicDownViewBase, classicViewBase, type ClassicViewBase } from "../classic/view.ts";
import type { RingBacklogView } from "../ring-backlog/view.ts";
import { ringDownViewPart, ringViewPart, type Psync1ReplicaView, type Redis28ConfigView } from "../redis-2.8/view.ts";
import { CONFIG_4_0 } from "./config.ts";
import { ZERO_REPLID, type Psync2RingReplication } from "./replication.ts";

/** A Redis 4.0 node's state as plain data. */
export interface Redis40View extends ClassicViewBase {
  readonly protocol: "redis-psync2-ring";
  /** master_replid: the history this node's data belongs to (a replica's is its master's). */
  readonly replid: string;
  /** master_replid2 and second_repl_offset: the previous history, honoured up to that offset. */
  readonly replid2: string;
  readonly secondReplOffset: number;
  /** master_repl_offset: bytes of that history this node holds. */
  readonly masterReplOffset: number;
  /** Replica only: the id of the master it follows (or caches), and slave_repl_offset (applied). */
  readonly masterReplid: string | null;
  readonly replicaOffset: number | null;
  readonly backlog: RingBacklogView;
  readonly replicas: readonly Psync1ReplicaView[];
  readonly syncPartialOk: number;
  readonly syncPartialErr: number;
  readonly config: Redis28ConfigView;
}

/** The view of a running node. */
export function redis40View(node: RedisNode, repl: Psync2RingReplication): Redis40View {
  const master = repl.master ?? repl.cachedMaster;
  return {
    ...classicViewBase(node, repl.replicaSide),
    protocol: "redis-psync2-ring",
    replid: repl.replid,
    replid2: repl.replid2,
    secondReplOffset: repl.secondReplidOffset,
    masterReplid: repl.isReplica && master ? master.replid : null,
    ...ringViewPart(node, repl, master),
  };
}

/** The view of a node whose process is down, from its config file. */
export function redis40DownView(disk: SimDisk, configFile: string): Redis40View {
  const { base, config } = classicDownViewBase(disk, configFile, CONFIG_4_0);
  return { ...base, protocol: "redis-psync2-ring", replid: "", replid2: ZERO_REPLID, secondReplOffset: -1, masterReplid: null, ...ringDownViewPart(config) };
}
