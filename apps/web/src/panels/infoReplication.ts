/**
 * `INFO replication` rendered from a node snapshot, in redis 7.0.15's field order, so the inspector
 * stays live without sending commands to the node. Fields the snapshot does not carry
 * (slave_priority, replica_announced) are left out rather than guessed. A kind before 7.0 shows the
 * fields its version prints that the snapshot carries (2.6's `slaveN:ip,port,state`, 2.8's offsets
 * and backlog without replids); INFO from its console shows them all.
 */
import type { NodeSnapshot } from "@replica-lab/protocol";
import { hasReplids, replicaAckOffset, replicaLagSec } from "../format/kinds.ts";
import { asSsdb, isRedisNode, ssdbInfoText } from "../format/ssdb.ts";

function splitAddress(address: string): [host: string, port: string] {
  const at = address.lastIndexOf(":");
  return at < 0 ? [address, ""] : [address.slice(0, at), address.slice(at + 1)];
}

/** `downNote` is what to print under the header while the node is down (in the language shown). */
export function infoReplication(node: NodeSnapshot, downNote: string): string {
  if (node.status === "down") return `# Replication\n${downNote}`;
  // An SSDB node has no INFO replication: its `info` has binlogs and replication entries instead.
  if (!isRedisNode(node)) return ssdbInfoText(asSsdb(node)!);
  const f: [string, string | number][] = [];
  const isReplica = node.role === "replica";
  f.push(["role", isReplica ? "slave" : "master"]);
  if (isReplica && node.masterAddress !== null) {
    const [host, port] = splitAddress(node.masterAddress);
    const connected = node.replState === "connected";
    f.push(["master_host", host]);
    f.push(["master_port", port]);
    f.push(["master_link_status", connected ? "up" : "down"]);
    f.push(["master_last_io_seconds_ago", node.masterLastIoSecAgo ?? -1]);
    f.push(["master_sync_in_progress", node.replState === "transfer" ? 1 : 0]);
    if (node.protocol === "redis-psync2") {
      f.push(["slave_read_repl_offset", node.replicaReadOffset ?? 1]);
      f.push(["slave_repl_offset", node.replicaOffset ?? 1]);
    } else if (node.protocol === "redis-psync2-ring" || node.protocol === "redis-psync1") {
      f.push(["slave_repl_offset", node.replicaOffset ?? 1]);
    }
    if (node.transfer) {
      const total = node.transfer.totalBytes;
      f.push(["master_sync_total_bytes", total]);
      f.push(["master_sync_read_bytes", node.transfer.readBytes]);
      f.push(["master_sync_left_bytes", total - node.transfer.readBytes]);
      f.push(["master_sync_perc", (total > 0 ? (node.transfer.readBytes / total) * 100 : 0).toFixed(2)]);
    }
    if (!connected) f.push(["master_link_down_since_seconds", node.masterLinkDownSinceSec ?? -1]);
    f.push(["slave_read_only", ("replicaReadOnly" in node.config ? node.config.replicaReadOnly : node.config.slaveReadOnly) ? 1 : 0]);
  }
  f.push(["connected_slaves", node.replicas.length]);
  node.replicas.forEach((r, i) => {
    const [ip, port] = splitAddress(r.address);
    const ack = replicaAckOffset(r);
    f.push([`slave${i}`, ack === undefined ? `${ip},${port},${r.state}` : `ip=${ip},port=${port},state=${r.state},offset=${ack},lag=${replicaLagSec(r)}`]);
  });
  if (node.protocol === "redis-psync1") {
    // 2.8.24 has no replids; it keeps printing the last window once its backlog is freed.
    f.push(["master_repl_offset", node.masterReplOffset]);
    f.push(["repl_backlog_active", node.backlog.active ? 1 : 0]);
    f.push(["repl_backlog_size", node.backlog.sizeBytes]);
    f.push(["repl_backlog_first_byte_offset", node.backlog.firstByteOffset]);
    f.push(["repl_backlog_histlen", node.backlog.histlen]);
  }
  if (!hasReplids(node)) return ["# Replication", ...f.map(([k, v]) => `${k}:${v}`)].join("\n");
  if (node.protocol === "redis-psync2") f.push(["master_failover_state", "no-failover"]);
  f.push(["master_replid", node.replid]);
  f.push(["master_replid2", node.replid2]);
  f.push(["master_repl_offset", node.masterReplOffset]);
  f.push(["second_repl_offset", node.secondReplOffset]);
  f.push(["repl_backlog_active", node.backlog.active ? 1 : 0]);
  f.push(["repl_backlog_size", node.backlog.sizeBytes]);
  f.push(["repl_backlog_first_byte_offset", node.backlog.active ? node.backlog.firstByteOffset : 0]);
  f.push(["repl_backlog_histlen", node.backlog.active ? node.backlog.histlen : 0]);
  return ["# Replication", ...f.map(([k, v]) => `${k}:${v}`)].join("\n");
}
