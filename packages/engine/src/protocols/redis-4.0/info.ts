/**
 * INFO replication of redis 4.0.14 (server.c genRedisInfoString): 2.8's replica fields, the slave
 * lines with the announced ip, then the PSYNC2 identity (master_replid, master_replid2,
 * second_repl_offset) around master_repl_offset, and the ring backlog's fields, which keep their
 * last values once it is freed.
 */
import type { RedisNode } from "../../redis/server.ts";
import { classicLinkOf } from "../classic/replica-link.ts";
import { legacyLinkStateFields, legacyMasterLinkFields } from "../redis-2.6/info.ts";
import type { Psync2RingReplication } from "./replication.ts";

/** The `# Replication` fields of 4.0.14. */
export function psync2RingInfoFields(node: RedisNode, repl: Psync2RingReplication): [string, string | number][] {
  const rs = repl.replicaSide;
  const f: [string, string | number][] = [["role", node.isReplica ? "slave" : "master"]];
  if (node.isReplica) {
    const master = repl.master ?? repl.cachedMaster;
    f.push(...legacyMasterLinkFields(node, rs));
    f.push(["slave_repl_offset", master ? master.reploff : 1]);
    f.push(...legacyLinkStateFields(node, rs));
  }
  const replicas = repl.masterSide.replicas;
  f.push(["connected_slaves", replicas.length]);
  if (node.config["min-replicas-to-write"] > 0 && node.config["min-replicas-max-lag"] > 0) f.push(["min_slaves_good_slaves", repl.goodReplicas]);
  replicas.forEach((client, i) => {
    const link = classicLinkOf(client);
    const lag = link.state === "online" ? node.unixSec() - node.unixSecAt(link.ackTimeMs) : 0;
    f.push([`slave${i}`, `ip=${repl.masterSide.replicaIp(client)},port=${client.replListeningPort},state=${link.infoState},offset=${link.ackOffset},lag=${lag}`]);
  });
  f.push(["master_replid", repl.replid]);
  f.push(["master_replid2", repl.replid2]);
  f.push(["master_repl_offset", repl.masterReplOffset]);
  f.push(["second_repl_offset", repl.secondReplidOffset]);
  f.push(["repl_backlog_active", repl.ring ? 1 : 0]);
  f.push(["repl_backlog_size", node.config["repl-backlog-size"]]);
  f.push(["repl_backlog_first_byte_offset", repl.backlogOff]);
  f.push(["repl_backlog_histlen", repl.backlogHistlen]);
  return f;
}
