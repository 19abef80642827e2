/**
 * Redis 2.8's replication commands: SLAVEOF, SYNC, PSYNC, REPLCONF (listening-port, capa, ack),
 * ROLE (2.8.12). No REPLICAOF (5.0) and no WAIT (3.0).
 */
import { writeArrayHeader, writeBulkString, writeInteger } from "../../redis/resp/encode.ts";
import type { RedisNode } from "../../redis/server.ts";
import type { Client } from "../../redis/client.ts";
import type { CommandSpec } from "../../redis/commands/command.ts";
import { classicLinkOf } from "../classic/replica-link.ts";
import { legacySlaveof } from "../redis-2.6/commands.ts";
import { Psync1Replication } from "./replication.ts";

/** ROLE: `[master, offset, [[ip, port, ack]…]]` (online replicas) or `[slave, host, port, state, offset or -1]`. */
function roleCommand(node: RedisNode, c: Client): void {
  const repl = Psync1Replication.of(node);
  const rs = repl.replicaSide;
  if (!node.isReplica) {
    const online = repl.masterSide.replicas.filter((client) => classicLinkOf(client).state === "online");
    writeArrayHeader(c.out, 3);
    writeBulkString(c.out, "master");
    writeInteger(c.out, repl.masterReplOffset);
    writeArrayHeader(c.out, online.length);
    for (const replica of online) {
      writeArrayHeader(c.out, 3);
      writeBulkString(c.out, replica.peer.slice(0, replica.peer.lastIndexOf(":")));
      writeBulkString(c.out, String(replica.replListeningPort));
      writeBulkString(c.out, String(classicLinkOf(replica).ackOffset));
    }
    return;
  }
  writeArrayHeader(c.out, 5);
  writeBulkString(c.out, "slave");
  writeBulkString(c.out, rs.masterHost!);
  writeInteger(c.out, rs.masterPort);
  writeBulkString(c.out, rs.phase);
  writeInteger(c.out, repl.master ? repl.master.reploff : -1);
}

export const psync1Commands: readonly CommandSpec[] = [
  { name: "slaveof", arity: 3, flags: { admin: true, stale: true }, proc: (node, c, argv) => legacySlaveof(node, c, argv, Psync1Replication.of(node)) },
  { name: "role", arity: 1, flags: { stale: true, loading: true }, proc: roleCommand },
  { name: "replconf", arity: -1, flags: { admin: true, stale: true, loading: true }, proc: (node, c, argv) => Psync1Replication.of(node).handleReplconf(c, argv) },
  { name: "psync", arity: 3, flags: { admin: true, noMulti: true }, proc: (node, c, argv) => Psync1Replication.of(node).handleSync(c, argv, true) },
  { name: "sync", arity: 1, flags: { admin: true, noMulti: true }, proc: (node, c, argv) => Psync1Replication.of(node).handleSync(c, argv, false) },
];
