/**
 * INFO replication of redis 7.0.15: fields and order as genRedisInfoString prints them (spec §6.1).
 */
import type { RedisNode } from "../../redis/server.ts";
import { linkOf, type Psync2Replication } from "./replication.ts";

/** The `# Replication` fields in 7.0.15's order (spec §6.1). */
export function replicationInfoFields(node: RedisNode, repl: Psync2Replication): [string, string | number][] {
  const f: [string, string | number][] = [];
  const rs = repl.replicaSide;
  f.push(["role", node.isReplica ? "slave" : "master"]);
  if (node.isReplica) {
    const link = rs.masterOrCached();
    f.push(["master_host", rs.masterHost!]);
    f.push(["master_port", rs.masterPort]);
    f.push(["master_link_status", rs.state === "connected" ? "up" : "down"]);
    f.push(["master_last_io_seconds_ago", rs.master ? node.unixSec() - node.unixSecAt(rs.master.lastInteractionMs) : -1]);
    f.push(["master_sync_in_progress", rs.state === "transfer" ? 1 : 0]);
    f.push(["slave_read_repl_offset", link ? link.readReploff : 1]);
    f.push(["slave_repl_offset", link ? link.reploff : 1]);
    if (rs.state === "transfer" && rs.transfer) {
      const t = rs.transfer;
      const total = t.eofMark ? 0 : t.size;
      f.push(["master_sync_total_bytes", total]);
      // A load from the socket reads through the parser, which does not count repl_transfer_read.
      const read = t.toParser ? 0 : t.readBytes;
      f.push(["master_sync_read_bytes", read]);
      f.push(["master_sync_left_bytes", total - read]);
      f.push(["master_sync_perc", (total > 0 ? (read / total) * 100 : 0).toFixed(2)]);
      f.push(["master_sync_last_io_seconds_ago", node.unixSec() - node.unixSecAt(t.lastIoMs)]);
    }
    if (rs.state !== "connected") {
      f.push(["master_link_down_since_seconds", rs.downSinceMs === null ? -1 : node.unixSec() - node.unixSecAt(rs.downSinceMs)]);
    }
    f.push(["slave_priority", node.config["replica-priority"]]);
    f.push(["slave_read_only", node.config["replica-read-only"] ? 1 : 0]);
    f.push(["replica_announced", node.config["replica-announced"] ? 1 : 0]);
  }
  const replicas = repl.masterSide.replicas;
  f.push(["connected_slaves", replicas.length]);
  if (node.config["min-replicas-to-write"] > 0 && node.config["min-replicas-max-lag"] > 0) {
    f.push(["min_slaves_good_slaves", repl.masterSide.goodReplicas]);
  }
  let i = 0;
  for (const client of replicas) {
    const link = linkOf(client);
    const host = client.replAnnouncedIp || client.peer.slice(0, client.peer.lastIndexOf(":"));
    const lag = link.state === "online" ? node.unixSec() - node.unixSecAt(link.ackTimeMs) : 0;
    f.push([`slave${i++}`, `ip=${host},port=${client.replListeningPort},state=${link.infoState},offset=${link.ackOffset},lag=${lag}`]);
  }
  f.push(["master_failover_state", "no-failover"]);
  f.push(["master_replid", repl.replid]);
  f.push(["master_replid2", repl.replid2]);
  f.push(["master_repl_offset", repl.masterReplOffset]);
  f.push(["second_repl_offset", repl.secondReplidOffset]);
  const backlog = repl.backlog;
  f.push(["repl_backlog_active", backlog ? 1 : 0]);
  f.push(["repl_backlog_size", node.config["repl-backlog-size"]]);
  f.push(["repl_backlog_first_byte_offset", backlog ? backlog.firstByteOffset : 0]);
  f.push(["repl_backlog_histlen", backlog ? backlog.histlen : 0]);
  return f;
}
