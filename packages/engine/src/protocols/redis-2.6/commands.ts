/**
 * Redis 2.6's replication commands: SLAVEOF, SYNC, REPLCONF (listening-port only). There is no
 * REPLICAOF (5.0), PSYNC (2.8), ROLE (2.8.12) or WAIT (3.0).
 */
import { writeSimple } from "../../redis/resp/encode.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../../redis/server.ts";
import type { Client } from "../../redis/client.ts";
import type { CommandSpec } from "../../redis/commands/command.ts";
import { ERR_NOT_INTEGER, parseSafeInt, word } from "../../redis/commands/reply.ts";
import { SyncReplication } from "./replication.ts";

/** What SLAVEOF needs from a version's replication. */
export interface SlaveofTarget {
  readonly configuredMaster: { readonly host: string; readonly port: number } | null;
  setMaster(host: string, port: number): void;
  unsetMaster(): void;
}

/**
 * slaveofCommand as 2.6, 2.8 and 4.0 have it: `NO ONE`, or a host and a port parsed as a long (no
 * range check), "+OK Already connected to specified master" when nothing changes. 4.0 refuses a
 * new master to a client that is itself a replica (`refuseFromReplica`).
 */
export function legacySlaveof(node: RedisNode, c: Client, argv: Uint8Array[], target: SlaveofTarget, refuseFromReplica = false): void {
  if (word(argv[1]!) === "no" && word(argv[2]!) === "one") {
    target.unsetMaster();
    writeSimple(c.out, "OK");
    return;
  }
  if (refuseFromReplica && c.kind === "replica") {
    node.replyError(c, "ERR Command is not valid when client is a replica.");
    return;
  }
  const port = parseSafeInt(argv[2]!);
  if (port === undefined) {
    node.replyError(c, ERR_NOT_INTEGER);
    return;
  }
  const host = bytesToBinary(argv[1]!);
  const current = target.configuredMaster;
  if (current && current.host.toLowerCase() === host.toLowerCase() && current.port === port) {
    writeSimple(c.out, "OK Already connected to specified master");
    return;
  }
  target.setMaster(host, port);
  writeSimple(c.out, "OK");
}

export const syncCommands: readonly CommandSpec[] = [
  { name: "slaveof", arity: 3, flags: { admin: true, stale: true }, proc: (node, c, argv) => legacySlaveof(node, c, argv, SyncReplication.of(node)) },
  { name: "sync", arity: 1, flags: { admin: true, noMulti: true }, proc: (node, c) => SyncReplication.of(node).handleSync(c) },
  {
    name: "replconf",
    arity: -1,
    flags: { admin: true, stale: true, loading: true },
    proc: (node, c, argv) => SyncReplication.of(node).masterSide.handleReplconf(c, argv, { capa: false, onAck: null }),
  },
];
