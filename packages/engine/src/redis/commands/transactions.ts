/**
 * MULTI / EXEC / DISCARD / WATCH / UNWATCH (multi.c). EXEC is never propagated itself: the writes
 * it runs are, wrapped in MULTI/EXEC by the node when there are two or more (7.0), or whenever the
 * transaction holds a write command (before 7.0: `RedisDialect.wrapSingleWriteTransactions`).
 * A WATCHed key that changed (or expired) since makes EXEC answer a null array; blocking commands
 * inside EXEC do not block (they time out at once).
 */
import { writeArrayHeader, writeSimple } from "../resp/encode.ts";
import { lowerAscii } from "../../util/bytes.ts";
import { arityOk, type CommandSpec } from "./command.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import { discardTransaction, isWatchedKeyExpired, unwatchAllKeys, watchKey } from "../watch.ts";
import { keyOf, replyNullArray } from "./reply.ts";

function multiCommand(node: RedisNode, c: Client): void {
  if (c.multi) {
    node.replyError(c, "ERR MULTI calls can not be nested");
    return;
  }
  c.multi = [];
  c.multiDirty = false;
  writeSimple(c.out, "OK");
}

function execCommand(node: RedisNode, c: Client): void {
  const queued = c.multi;
  if (!queued) {
    node.replyError(c, "ERR EXEC without MULTI");
    return;
  }
  if (isWatchedKeyExpired(c, node.unixMs())) c.dirtyCas = true;
  if (c.multiDirty || c.dirtyCas) {
    if (c.multiDirty) node.replyError(c, "EXECABORT Transaction discarded because of previous errors.");
    else replyNullArray(c);
    discardTransaction(c);
    return;
  }
  unwatchAllKeys(c);
  writeArrayHeader(c.out, queued.length);
  node.inExec = true;
  try {
    for (const { argv } of queued) {
      const cmd = node.commands.lookup(lowerAscii(argv[0]!))!;
      let spec = cmd;
      if (cmd.subcommands && argv.length >= 2) {
        const sub = cmd.subcommands.get(lowerAscii(argv[1]!));
        if (sub && arityOk(sub.arity, argv.length)) spec = sub;
      }
      if (spec.flags.write && node.dialect.wrapSingleWriteTransactions) node.beginPropagatedTransaction(c.db);
      node.call(c, spec, argv);
    }
  } finally {
    node.inExec = false;
  }
  discardTransaction(c);
}

function discardCommand(node: RedisNode, c: Client): void {
  if (!c.multi) {
    node.replyError(c, "ERR DISCARD without MULTI");
    return;
  }
  discardTransaction(c);
  writeSimple(c.out, "OK");
}

function watchCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (c.multi) {
    node.replyError(c, "ERR WATCH inside MULTI is not allowed");
    return;
  }
  // No point in watching once the transaction is doomed.
  if (!c.dirtyCas) {
    const db = node.selectedDb(c);
    for (let j = 1; j < argv.length; j++) watchKey(c, db, keyOf(argv[j]!), node.unixMs());
  }
  writeSimple(c.out, "OK");
}

function unwatchCommand(_node: RedisNode, c: Client): void {
  unwatchAllKeys(c);
  c.dirtyCas = false;
  writeSimple(c.out, "OK");
}

export const transactionCommands: readonly CommandSpec[] = [
  { name: "multi", arity: 1, flags: { stale: true, loading: true }, proc: multiCommand },
  { name: "exec", arity: 1, flags: { noPropagate: true, stale: true, loading: true }, proc: execCommand },
  { name: "discard", arity: 1, flags: { stale: true, loading: true }, proc: discardCommand },
  { name: "watch", arity: -2, flags: { stale: true, loading: true }, proc: watchCommand, keys: [1, -1, 1] },
  { name: "unwatch", arity: 1, flags: { stale: true, loading: true }, proc: unwatchCommand },
];
