/**
 * Clients blocked on keys (blocked.c): BLPOP, BRPOP, BLMOVE, BRPOPLPUSH, BLMPOP, BZPOPMIN,
 * BZPOPMAX, BZMPOP. A blocked client reads no further input; it waits in its db's
 * `blockingKeys` until a command creates one of its keys as a list or sorted set (the key is then
 * "ready"), or until its deadline passes in virtual time (null array).
 *
 * After each top-level command the node serves ready keys (handleClientsBlockedOnKeys): waiters
 * in the order they blocked, each as the pop it becomes, and that pop is what replicas get: a
 * served BLPOP reaches them as LPOP, a BLMOVE as LMOVE, a BZPOPMIN as ZPOPMIN.
 */
import {  } from "./resp/encode.ts";
import type { Client } from "./client.ts";
import type { Database } from "./store/keyspace.ts";
import type { RedisNode } from "./server.ts";
import { serveClientBlockedOnList } from "./commands/lists.ts";
import { serveClientBlockedOnZset } from "./commands/zsets.ts";
import { replyNullArray } from "./commands/reply.ts";

/** What a blocked client waits for. */
export interface BlockedOnKeys {
  readonly type: "list" | "zset";
  readonly db: Database;
  /** Distinct keys, in the order given. */
  readonly keys: readonly string[];
  /** Unix ms after which it times out; 0 waits forever. */
  readonly deadlineMs: number;
  /** Which end to pop: left (head, ZPOPMIN) or right (tail, ZPOPMAX). */
  readonly from: "left" | "right";
  /** BLMOVE / BRPOPLPUSH: where to push, and the destination key. */
  readonly to: "left" | "right";
  readonly target: Uint8Array | null;
  /** BLMPOP / BZMPOP / BZPOPMIN's COUNT; -1 for a single-element pop. */
  readonly count: number;
  /** The blocking command's name (its reply shape and propagation depend on it). */
  readonly command: string;
  /** The command as the client sent it, for the propagation trace. */
  readonly argv: readonly Uint8Array[];
}

/** Blocks `c` on the keys of `spec` (blockForKeys). */
export function blockForKeys(node: RedisNode, c: Client, spec: BlockedOnKeys): void {
  c.blocked = spec;
  for (const key of spec.keys) {
    const waiters = spec.db.blockingKeys.get(key);
    if (waiters) waiters.push(c);
    else spec.db.ownBlockingKeys().set(key, [c]);
  }
  node.blockedClients.add(c);
}

/** Unblocks `c` (served, timed out, or freed); its next requests run at the end of this step. */
export function unblockClient(node: RedisNode, c: Client): void {
  const spec = c.blocked;
  if (!spec) return;
  for (const key of spec.keys) {
    const waiters = spec.db.blockingKeys.get(key);
    if (!waiters) continue;
    const at = waiters.indexOf(c);
    if (at >= 0) waiters.splice(at, 1);
    if (waiters.length === 0) spec.db.blockingKeys.delete(key);
  }
  c.blocked = null;
  node.blockedClients.delete(c);
  node.unblockedClients.add(c);
  node.markOutput(c);
}

/**
 * disconnectAllBlockedClients (a master becoming a replica): clients blocked on keys get the
 * UNBLOCKED error and are closed once it is written, so a later write from the new master cannot
 * serve them here and make this replica's data differ from its master's.
 */
export function disconnectAllBlockedClients(node: RedisNode): void {
  for (const c of [...node.blockedClients]) {
    node.replyError(c, "UNBLOCKED force unblock from blocking operation, instance state changed (master -> replica?)");
    unblockClient(node, c);
    node.closeClientAfterReply(c);
  }
}

/** handleClientsBlockedOnKeys: serves every key made ready by the command that just ran. */
export function handleClientsBlockedOnKeys(node: RedisNode): void {
  const queue = node.keyspace.readyKeys;
  while (queue.length > 0) {
    const batch = queue.splice(0, queue.length);
    for (const { db, key } of batch) {
      db.unreadyKey(key);
      const value = node.lookupRead(db, key);
      if (value === undefined || value instanceof Uint8Array) continue;
      if (value.type !== "list" && value.type !== "zset") continue;
      const waiters = db.blockingKeys.get(key);
      if (!waiters) continue;
      for (const receiver of [...waiters]) {
        const spec = receiver.blocked;
        if (!spec || spec.type !== value.type) continue;
        const saved = node.currentClient;
        node.currentClient = receiver;
        const deleted = value.type === "list" ? serveClientBlockedOnList(node, receiver, spec, value, key) : serveClientBlockedOnZset(node, receiver, spec, value, key);
        node.currentClient = saved;
        unblockClient(node, receiver);
        if (deleted) break;
      }
    }
  }
}

/** Clients whose deadline has passed get a null array and are unblocked. */
export function handleBlockedTimeouts(node: RedisNode): void {
  if (node.blockedClients.size === 0) return;
  const now = node.unixMs();
  for (const c of [...node.blockedClients]) {
    const deadline = c.blocked!.deadlineMs;
    if (deadline !== 0 && deadline <= now) {
      replyNullArray(c);
      unblockClient(node, c);
    }
  }
}

/** Virtual time of the earliest blocked client's deadline, or Infinity. */
export function nextBlockedDeadlineMs(node: RedisNode): number {
  let next = Infinity;
  for (const c of node.blockedClients) {
    const deadline = c.blocked!.deadlineMs;
    if (deadline !== 0 && deadline < next) next = deadline;
  }
  return next === Infinity ? Infinity : next - node.epochMs;
}

/** processUnblockedClients: requests a client sent while it was blocked now run. */
export function processUnblockedClients(node: RedisNode): void {
  while (node.unblockedClients.size > 0) {
    const [c] = node.unblockedClients;
    node.unblockedClients.delete(c!);
    if (node.clients.has(c!.conn) && !c!.blocked) node.processInput(c!);
  }
}
