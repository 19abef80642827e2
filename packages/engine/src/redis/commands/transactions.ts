/**
 * MULTI / EXEC / DISCARD (multi.c). EXEC is never propagated itself: the writes it runs are,
 * wrapped in MULTI/EXEC by the node when there are two or more.
 */
import { writeArrayHeader, writeSimple } from "../resp/encode.ts";
import { lowerAscii } from "../../util/bytes.ts";
import { arityOk, type CommandSpec } from "./command.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";

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
  const dirty = c.multiDirty;
  c.multi = null;
  c.multiDirty = false;
  if (dirty) {
    node.replyError(c, "EXECABORT Transaction discarded because of previous errors.");
    return;
  }
  writeArrayHeader(c.out, queued.length);
  for (const { argv } of queued) {
    const cmd = node.commands.lookup(lowerAscii(argv[0]!))!;
    let spec = cmd;
    if (cmd.subcommands && argv.length >= 2) {
      const sub = cmd.subcommands.get(lowerAscii(argv[1]!));
      if (sub && arityOk(sub.arity, argv.length)) spec = sub;
    }
    node.call(c, spec, argv);
  }
}

function discardCommand(node: RedisNode, c: Client): void {
  if (!c.multi) {
    node.replyError(c, "ERR DISCARD without MULTI");
    return;
  }
  c.multi = null;
  c.multiDirty = false;
  writeSimple(c.out, "OK");
}

export const transactionCommands: readonly CommandSpec[] = [
  { name: "multi", arity: 1, flags: { noMulti: true, stale: true, loading: true }, proc: multiCommand },
  { name: "exec", arity: 1, flags: { noMulti: true, noPropagate: true, stale: true, loading: true }, proc: execCommand },
  { name: "discard", arity: 1, flags: { noMulti: true, stale: true, loading: true }, proc: discardCommand },
];
