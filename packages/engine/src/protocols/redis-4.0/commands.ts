/**
 * Redis 4.0's replication commands: SLAVEOF, SYNC, PSYNC, REPLCONF (listening-port, ip-address,
 * capa eof / psync2, ack, getack), ROLE and WAIT (server.c redisCommandTable, replication.c).
 * No REPLICAOF (5.0).
 */
import type { RedisNode } from "../../redis/server.ts";
import type { Client } from "../../redis/client.ts";
import type { CommandSpec } from "../../redis/commands/command.ts";
import { parseWaitArgs, writeRoleReply } from "../../redis/commands/replication-replies.ts";
import { classicRole } from "../classic/view.ts";
import { legacySlaveof } from "../redis-2.6/commands.ts";
import { Psync2RingReplication } from "./replication.ts";

/** ROLE: `[master, offset, [[ip, port, ack]…]]` (online replicas) or `[slave, host, port, state, offset or -1]`. */
function roleCommand(node: RedisNode, c: Client): void {
  const repl = Psync2RingReplication.of(node);
  writeRoleReply(c, classicRole(node, repl, (replica) => repl.masterSide.replicaIp(replica), repl.master));
}

/** WAIT numreplicas timeout (waitCommand). */
function waitCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const args = parseWaitArgs(node, c, argv, "slave");
  if (args) Psync2RingReplication.of(node).waiters.wait(c, args.wanted, args.timeout);
}

export const psync2RingCommands: readonly CommandSpec[] = [
  { name: "slaveof", arity: 3, flags: { admin: true, stale: true }, proc: (node, c, argv) => legacySlaveof(node, c, argv, Psync2RingReplication.of(node), true) },
  { name: "role", arity: 1, flags: { stale: true, loading: true }, proc: roleCommand },
  { name: "replconf", arity: -1, flags: { admin: true, stale: true, loading: true }, proc: (node, c, argv) => Psync2RingReplication.of(node).handleReplconf(c, argv) },
  { name: "psync", arity: 3, flags: { admin: true, noMulti: true }, proc: (node, c, argv) => Psync2RingReplication.of(node).handleSync(c, argv, true) },
  { name: "sync", arity: 1, flags: { admin: true, noMulti: true }, proc: (node, c, argv) => Psync2RingReplication.of(node).handleSync(c, argv, false) },
  { name: "wait", arity: 3, flags: {}, proc: waitCommand },
];
