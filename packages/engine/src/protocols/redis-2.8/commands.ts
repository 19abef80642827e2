/**
 * Redis 2.8's replication commands: SLAVEOF, SYNC, PSYNC, REPLCONF (listening-port, capa, ack),
 * ROLE (2.8.12). No REPLICAOF (5.0) and no WAIT (3.0).
 */
import type { RedisNode } from "../../redis/server.ts";
import type { Client } from "../../redis/client.ts";
import type { CommandSpec } from "../../redis/commands/command.ts";
import { writeRoleReply } from "../../redis/commands/replication-replies.ts";
import { classicRole } from "../classic/view.ts";
import { legacySlaveof } from "../redis-2.6/commands.ts";
import { Psync1Replication } from "./replication.ts";

/** ROLE: `[master, offset, [[ip, port, ack]…]]` (online replicas) or `[slave, host, port, state, offset or -1]`. */
function roleCommand(node: RedisNode, c: Client): void {
  const repl = Psync1Replication.of(node);
  writeRoleReply(c, classicRole(node, repl, (replica) => replica.peer.slice(0, replica.peer.lastIndexOf(":")), repl.master));
}

export const psync1Commands: readonly CommandSpec[] = [
  { name: "slaveof", arity: 3, flags: { admin: true, stale: true }, proc: (node, c, argv) => legacySlaveof(node, c, argv, Psync1Replication.of(node)) },
  { name: "role", arity: 1, flags: { stale: true, loading: true }, proc: roleCommand },
  { name: "replconf", arity: -1, flags: { admin: true, stale: true, loading: true }, proc: (node, c, argv) => Psync1Replication.of(node).handleReplconf(c, argv) },
  { name: "psync", arity: 3, flags: { admin: true, noMulti: true }, proc: (node, c, argv) => Psync1Replication.of(node).handleSync(c, argv, true) },
  { name: "sync", arity: 1, flags: { admin: true, noMulti: true }, proc: (node, c, argv) => Psync1Replication.of(node).handleSync(c, argv, false) },
];
