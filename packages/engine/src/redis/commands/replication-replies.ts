/**
 * What ROLE and WAIT look like in every Redis version that has them (2.8.12 on for ROLE, 3.0 on for
 * WAIT): the reply's shape and the argument checks. The numbers behind them are each version's.
 */
import { writeArrayHeader, writeBulkString, writeInteger } from "../resp/encode.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import { ERR_NOT_INTEGER, parseSafeInt } from "./reply.ts";

/** One attached replica in a master's ROLE reply. */
export interface RoleReplica {
  readonly ip: string;
  readonly port: number;
  readonly ackOffset: number;
}

/** A master's role (its stream offset, its online replicas) or a replica's (its link and offset; -1 before any). */
export type RoleState =
  | { readonly role: "master"; readonly offset: number; readonly replicas: readonly RoleReplica[] }
  | { readonly role: "slave"; readonly host: string; readonly port: number; readonly state: string; readonly offset: number };

/** ROLE: `[master, offset, [[ip, port, ack]…]]` or `[slave, host, port, state, offset]`. */
export function writeRoleReply(c: Client, state: RoleState): void {
  if (state.role === "master") {
    writeArrayHeader(c.out, 3);
    writeBulkString(c.out, "master");
    writeInteger(c.out, state.offset);
    writeArrayHeader(c.out, state.replicas.length);
    for (const replica of state.replicas) {
      writeArrayHeader(c.out, 3);
      writeBulkString(c.out, replica.ip);
      writeBulkString(c.out, String(replica.port));
      writeBulkString(c.out, String(replica.ackOffset));
    }
    return;
  }
  writeArrayHeader(c.out, 5);
  writeBulkString(c.out, "slave");
  writeBulkString(c.out, state.host);
  writeInteger(c.out, state.port);
  writeBulkString(c.out, state.state);
  writeInteger(c.out, state.offset);
}

/**
 * waitCommand's checks before it blocks: refused on a replica (in the version's words, `replicaWord`
 * "slave" before 5.0), then numreplicas and timeout as integers, timeout not negative. Returns the
 * two numbers, or null once an error was replied.
 */
export function parseWaitArgs(node: RedisNode, c: Client, argv: Uint8Array[], replicaWord: "slave" | "replica"): { readonly wanted: number; readonly timeout: number } | null {
  if (node.isReplica) {
    const w = replicaWord;
    node.replyError(c, `ERR WAIT cannot be used with ${w} instances. Please also note that since Redis 4.0 if a ${w} is configured to be writable (which is not the default) writes to ${w}s are just local and are not propagated.`);
    return null;
  }
  const wanted = parseSafeInt(argv[1]!);
  if (wanted === undefined) {
    node.replyError(c, ERR_NOT_INTEGER);
    return null;
  }
  const timeout = parseSafeInt(argv[2]!);
  if (timeout === undefined) {
    node.replyError(c, "ERR timeout is not an integer or out of range");
    return null;
  }
  if (timeout < 0) {
    node.replyError(c, "ERR timeout is negative");
    return null;
  }
  return { wanted, timeout };
}
