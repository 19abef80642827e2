/**
 * INFO replication of redis 2.6.17: its fields and order (redis.c genRedisInfoString), the slave
 * lines as `slave0:<ip>,<port>,<state>`, and no offsets (rule INFO-1 in SPEC.md).
 */
import type { RedisNode } from "../../redis/server.ts";
import type { ClassicReplicaSide } from "../classic/replica-side.ts";
import { classicLinkOf } from "../classic/replica-link.ts";
import type { ClassicMasterSide } from "../classic/master-side.ts";

/** The slave-only fields 2.6 and 2.8 print alike, up to master_sync_in_progress. */
export function legacyMasterLinkFields(node: RedisNode, rs: ClassicReplicaSide): [string, string | number][] {
  return [
    ["master_host", rs.masterHost!],
    ["master_port", rs.masterPort],
    ["master_link_status", rs.state === "connected" ? "up" : "down"],
    ["master_last_io_seconds_ago", rs.masterClient ? node.unixSec() - node.unixSecAt(rs.lastInteractionMs) : -1],
    ["master_sync_in_progress", rs.state === "transfer" ? 1 : 0],
  ];
}

/**
 * The slave-only fields that follow: the transfer's left bytes while one runs, the time since the
 * link went down (now minus 0 when it never was up, as redis prints it), priority and read-only.
 */
export function legacyLinkStateFields(node: RedisNode, rs: ClassicReplicaSide): [string, string | number][] {
  const f: [string, string | number][] = [];
  if (rs.state === "transfer" && rs.transfer) {
    f.push(["master_sync_left_bytes", rs.transfer.size - rs.transfer.readBytes]);
    f.push(["master_sync_last_io_seconds_ago", node.unixSec() - node.unixSecAt(rs.transfer.lastIoMs)]);
  }
  if (rs.state !== "connected") f.push(["master_link_down_since_seconds", rs.downSinceMs === null ? node.unixSec() : node.unixSec() - node.unixSecAt(rs.downSinceMs)]);
  f.push(["slave_priority", node.config["replica-priority"]]);
  f.push(["slave_read_only", node.config["replica-read-only"] ? 1 : 0]);
  return f;
}

/** The `# Replication` fields of 2.6.17. */
export function syncInfoFields(node: RedisNode, repl: { readonly replicaSide: ClassicReplicaSide; readonly masterSide: ClassicMasterSide }): [string, string | number][] {
  const rs = repl.replicaSide;
  const f: [string, string | number][] = [["role", node.isReplica ? "slave" : "master"]];
  if (node.isReplica) f.push(...legacyMasterLinkFields(node, rs), ...legacyLinkStateFields(node, rs));
  const replicas = repl.masterSide.replicas;
  f.push(["connected_slaves", replicas.length]);
  replicas.forEach((client, i) => {
    const ip = client.peer.slice(0, client.peer.lastIndexOf(":"));
    f.push([`slave${i}`, `${ip},${client.replListeningPort},${classicLinkOf(client).infoState}`]);
  });
  return f;
}
