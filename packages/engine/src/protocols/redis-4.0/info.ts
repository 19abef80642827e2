/**
 * INFO replication of redis 4.0.14 (server.c genRedisInfoString): 2.8's replica fields, the slave
 * lines with the announced ip, then the PSYNC2 identity (master_replid, master_replid2,
 * second_repl_offset) around master_repl_offset, and the ring backlog's fields, which keep their
 * last values once it is freed.
 */
import type { RedisNode } from "../../redis/server.ts";
import { ringBacklogFields, ringRoleFields } from "../redis-2.8/info.ts";
import type { Psync2RingReplication } from "./replication.ts";

/** The `# Replication` fields of 4.0.14. */
export function psync2RingInfoFields(node: RedisNode, repl: Psync2RingReplication): [string, string | number][] {
  return [
    ...ringRoleFields(node, repl, repl.master ?? repl.cachedMaster, (client) => repl.masterSide.replicaIp(client)),
    ["master_replid", repl.replid],
    ["master_replid2", repl.replid2],
    ["master_repl_offset", repl.masterReplOffset],
    ["second_repl_offset", repl.secondReplidOffset],
    ...ringBacklogFields(node, repl),
  ];
}
