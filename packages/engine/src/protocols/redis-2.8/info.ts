/**
 * INFO replication of redis 2.8.24 (redis.c genRedisInfoString): 2.6's fields plus
 * `slave_repl_offset`, the `ip=,port=,state=,offset=,lag=` slave lines, `min_slaves_good_slaves`
 * when enabled, and the backlog's fields, which keep their last values once it is freed.
 */
import type { Client } from "../../redis/client.ts";
import type { RedisNode } from "../../redis/server.ts";
import type { ProcessViewCommon } from "../../process/contract.ts";
import type { RingReplication } from "../classic/replication.ts";
import { classicLinkOf } from "../classic/replica-link.ts";
import { legacyLinkStateFields, legacyMasterLinkFields } from "../redis-2.6/info.ts";
import type { Psync1Replication } from "./replication.ts";

type InfoFields = [string, string | number][];

/**
 * The fields 2.8 and 4.0 share up to their stream's identity: the role, a replica's link and
 * offset, min-slaves, and a `slaveN` line per replica (`ipOf`: 2.8 prints the peer's address, 4.0
 * the announced one).
 */
export function ringRoleFields(node: RedisNode, repl: RingReplication<ProcessViewCommon>, master: { readonly reploff: number } | null, ipOf: (client: Client) => string): InfoFields {
  const rs = repl.replicaSide;
  const f: InfoFields = [["role", node.isReplica ? "slave" : "master"]];
  if (node.isReplica) {
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
    f.push([`slave${i}`, `ip=${ipOf(client)},port=${client.replListeningPort},state=${link.infoState},offset=${link.ackOffset},lag=${lag}`]);
  });
  return f;
}

/** The ring backlog's fields, as 2.8 and 4.0 print them after the stream's offset. */
export function ringBacklogFields(node: RedisNode, repl: RingReplication<ProcessViewCommon>): InfoFields {
  return [
    ["repl_backlog_active", repl.ring ? 1 : 0],
    ["repl_backlog_size", node.config["repl-backlog-size"]],
    ["repl_backlog_first_byte_offset", repl.backlogOff],
    ["repl_backlog_histlen", repl.backlogHistlen],
  ];
}

/** The `# Replication` fields of 2.8.24. */
export function psync1InfoFields(node: RedisNode, repl: Psync1Replication): InfoFields {
  const peerIp = (client: Client): string => client.peer.slice(0, client.peer.lastIndexOf(":"));
  return [...ringRoleFields(node, repl, repl.master ?? repl.cachedMaster, peerIp), ["master_repl_offset", repl.masterReplOffset], ...ringBacklogFields(node, repl)];
}
