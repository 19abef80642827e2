/**
 * Replication commands: REPLICAOF / SLAVEOF, ROLE, REPLCONF, PSYNC, SYNC, WAIT.
 */
import { writeArrayHeader, writeBulkString, writeInteger, writeSimple } from "../../redis/resp/encode.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../../redis/server.ts";
import { linkOf, Psync2Replication } from "./replication.ts";
import type { Client } from "../../redis/client.ts";
import type { CommandSpec } from "../../redis/commands/command.ts";
import { ERR_NOT_INTEGER, parseSafeInt, word } from "../../redis/commands/reply.ts";

function replicaofCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const repl = Psync2Replication.of(node);
  if (word(argv[1]!) === "no" && word(argv[2]!) === "one") {
    repl.replicaSide.unsetMaster();
    writeSimple(c.out, "OK");
    return;
  }
  if (c.kind === "replica") {
    node.replyError(c, "ERR Command is not valid when client is a replica.");
    return;
  }
  const port = parseSafeInt(argv[2]!);
  if (port === undefined || port < 0 || port > 65535) {
    node.replyError(c, "ERR Invalid master port");
    return;
  }
  const host = bytesToBinary(argv[1]!);
  const rs = repl.replicaSide;
  if (rs.masterHost !== null && rs.masterHost.toLowerCase() === host.toLowerCase() && rs.masterPort === port) {
    writeSimple(c.out, "OK Already connected to specified master");
    return;
  }
  rs.setMaster(host, port);
  writeSimple(c.out, "OK");
}

function roleCommand(node: RedisNode, c: Client): void {
  const repl = Psync2Replication.of(node);
  const rs = repl.replicaSide;
  if (!node.isReplica) {
    const online = repl.masterSide.onlineReplicas();
    writeArrayHeader(c.out, 3);
    writeBulkString(c.out, "master");
    writeInteger(c.out, repl.masterReplOffset);
    writeArrayHeader(c.out, online.length);
    for (const replica of online) {
      writeArrayHeader(c.out, 3);
      writeBulkString(c.out, replica.replAnnouncedIp || replica.peer.slice(0, replica.peer.lastIndexOf(":")));
      writeBulkString(c.out, String(replica.replListeningPort));
      writeBulkString(c.out, String(linkOf(replica).ackOffset));
    }
    return;
  }
  writeArrayHeader(c.out, 5);
  writeBulkString(c.out, "slave");
  writeBulkString(c.out, rs.masterHost!);
  writeInteger(c.out, rs.masterPort);
  writeBulkString(c.out, rs.phase);
  writeInteger(c.out, rs.master ? rs.master.reploff : -1);
}

function waitCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (node.isReplica) {
    node.replyError(
      c,
      "ERR WAIT cannot be used with replica instances. Please also note that since Redis 4.0 if a replica is configured to be writable (which is not the default) writes to replicas are just local and are not propagated.",
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
  Psync2Replication.of(node).masterSide.handleWait(c, wanted, timeout);
}

export const replicationCommands: readonly CommandSpec[] = [
  // REPLICAOF is queued inside MULTI like any command; only SYNC and PSYNC are refused there.
  { name: "replicaof", arity: 3, flags: { admin: true, stale: true }, proc: replicaofCommand },
  { name: "slaveof", arity: 3, flags: { admin: true, stale: true }, proc: replicaofCommand },
  { name: "role", arity: 1, flags: { stale: true, loading: true }, proc: roleCommand },
  { name: "replconf", arity: -1, flags: { admin: true, stale: true, loading: true }, proc: (node, c, argv) => Psync2Replication.of(node).masterSide.handleReplconf(c, argv) },
  { name: "psync", arity: -3, flags: { admin: true, noMulti: true }, proc: (node, c, argv) => Psync2Replication.of(node).masterSide.handleSync(c, argv, true) },
  { name: "sync", arity: 1, flags: { admin: true, noMulti: true }, proc: (node, c, argv) => Psync2Replication.of(node).masterSide.handleSync(c, argv, false) },
  { name: "wait", arity: 3, flags: {}, proc: waitCommand },
];
