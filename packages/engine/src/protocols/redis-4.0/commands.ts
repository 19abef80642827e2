/**
 * Redis 4.0's replication commands: SLAVEOF, SYNC, PSYNC, REPLCONF (listening-port, ip-address,
 * capa eof / psync2, ack, getack), ROLE and WAIT (server.c redisCommandTable, replication.c).
 * No REPLICAOF (5.0).
 */
import { writeArrayHeader, writeBulkString, writeInteger } from "../../redis/resp/encode.ts";
import type { RedisNode } from "../../redis/server.ts";
import type { Client } from "../../redis/client.ts";
import type { CommandSpec } from "../../redis/commands/command.ts";
import { ERR_NOT_INTEGER, parseSafeInt } from "../../redis/commands/reply.ts";
import { classicLinkOf } from "../classic/replica-link.ts";
import { legacySlaveof } from "../redis-2.6/commands.ts";
import { Psync2RingReplication } from "./replication.ts";

/** ROLE: `[master, offset, [[ip, port, ack]…]]` (online replicas) or `[slave, host, port, state, offset or -1]`. */
function roleCommand(node: RedisNode, c: Client): void {
  const repl = Psync2RingReplication.of(node);
  const rs = repl.replicaSide;
  if (!node.isReplica) {
    const online = repl.masterSide.replicas.filter((client) => classicLinkOf(client).state === "online");
    writeArrayHeader(c.out, 3);
    writeBulkString(c.out, "master");
    writeInteger(c.out, repl.masterReplOffset);
    writeArrayHeader(c.out, online.length);
    for (const replica of online) {
      writeArrayHeader(c.out, 3);
      writeBulkString(c.out, repl.masterSide.replicaIp(replica));
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

/** WAIT numreplicas timeout (waitCommand). */
function waitCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (node.isReplica) {
    node.replyError(
      c,
      "ERR WAIT cannot be used with slave instances. Please also note that since Redis 4.0 if a slave is configured to be writable (which is not the default) writes to slaves are just local and are not propagated.",
    );
    return;
  }
  const wanted = parseSafeInt(argv[1]!);
  if (wanted === undefined) {
    node.replyError(c, ERR_NOT_INTEGER);
    return;
  }
  const timeout = parseSafeInt(argv[2]!);
  if (timeout === undefined) {
    node.replyError(c, "ERR timeout is not an integer or out of range");
    return;
  }
  if (timeout < 0) {
    node.replyError(c, "ERR timeout is negative");
    return;
  }
  Psync2RingReplication.of(node).waiters.wait(c, wanted, timeout);
}

export const psync2RingCommands: readonly CommandSpec[] = [
  { name: "slaveof", arity: 3, flags: { admin: true, stale: true }, proc: (node, c, argv) => legacySlaveof(node, c, argv, Psync2RingReplication.of(node), true) },
  { name: "role", arity: 1, flags: { stale: true, loading: true }, proc: roleCommand },
  { name: "replconf", arity: -1, flags: { admin: true, stale: true, loading: true }, proc: (node, c, argv) => Psync2RingReplication.of(node).handleReplconf(c, argv) },
  { name: "psync", arity: 3, flags: { admin: true, noMulti: true }, proc: (node, c, argv) => Psync2RingReplication.of(node).handleSync(c, argv, true) },
  { name: "sync", arity: 1, flags: { admin: true, noMulti: true }, proc: (node, c, argv) => Psync2RingReplication.of(node).handleSync(c, argv, false) },
  { name: "wait", arity: 3, flags: {}, proc: waitCommand },
];
