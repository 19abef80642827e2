/**
 * Replication commands: REPLICAOF / SLAVEOF, ROLE, REPLCONF, PSYNC, SYNC, WAIT.
 */
import { writeSimple } from "../../redis/resp/encode.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../../redis/server.ts";
import { linkOf, Psync2Replication } from "./replication.ts";
import type { Client } from "../../redis/client.ts";
import type { CommandSpec } from "../../redis/commands/command.ts";
import { parseSafeInt, word } from "../../redis/commands/reply.ts";
import { parseWaitArgs, writeRoleReply } from "../../redis/commands/replication-replies.ts";
import { clientInfoLine } from "../../redis/commands/connection.ts";

function replicaofCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const repl = Psync2Replication.of(node);
  if (word(argv[1]!) === "no" && word(argv[2]!) === "one") {
    repl.replicaSide.unsetMaster(clientInfoLine(node, c));
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
  rs.setMaster(host, port, clientInfoLine(node, c));
  writeSimple(c.out, "OK");
}

function roleCommand(node: RedisNode, c: Client): void {
  const repl = Psync2Replication.of(node);
  const rs = repl.replicaSide;
  writeRoleReply(
    c,
    node.isReplica
      ? { role: "slave", host: rs.masterHost!, port: rs.masterPort, state: rs.phase, offset: rs.master ? rs.master.reploff : -1 }
      : {
          role: "master",
          offset: repl.masterReplOffset,
          replicas: repl.masterSide.onlineReplicas().map((replica) => ({
            ip: replica.replAnnouncedIp || replica.peer.slice(0, replica.peer.lastIndexOf(":")),
            port: replica.replListeningPort,
            ackOffset: linkOf(replica).ackOffset,
          })),
        },
  );
}

function waitCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const args = parseWaitArgs(node, c, argv, "replica");
  if (args) Psync2Replication.of(node).masterSide.handleWait(c, args.wanted, args.timeout);
}

export const replicationCommands: readonly CommandSpec[] = [
  // REPLICAOF is queued inside MULTI like any command; only SYNC and PSYNC are refused there.
  { name: "replicaof", arity: 3, flags: { admin: true, stale: true, noAsyncLoading: true }, proc: replicaofCommand },
  { name: "slaveof", arity: 3, flags: { admin: true, stale: true, noAsyncLoading: true }, proc: replicaofCommand },
  { name: "role", arity: 1, flags: { stale: true, loading: true }, proc: roleCommand },
  { name: "replconf", arity: -1, flags: { admin: true, stale: true, loading: true }, proc: (node, c, argv) => Psync2Replication.of(node).masterSide.handleReplconf(c, argv) },
  { name: "psync", arity: -3, flags: { admin: true, noMulti: true, noAsyncLoading: true }, proc: (node, c, argv) => Psync2Replication.of(node).masterSide.handleSync(c, argv, true) },
  { name: "sync", arity: 1, flags: { admin: true, noMulti: true, noAsyncLoading: true }, proc: (node, c, argv) => Psync2Replication.of(node).masterSide.handleSync(c, argv, false) },
  { name: "wait", arity: 3, flags: {}, proc: waitCommand },
];
