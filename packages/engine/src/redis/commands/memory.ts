/**
 * MEMORY (object.c memoryCommand, 7.0.15) as far as the lab's memory model goes: USAGE answers
 * what the node's accounting counts for the key (its bytes plus a fixed overhead per key, a flat
 * estimate per element for aggregates), not jemalloc's size classes, which is why INFO reports
 * `mem_allocator:libc` (redis's tests then treat MEMORY USAGE figures as approximate). PURGE has
 * nothing to give back; DOCTOR and STATS are not modelled.
 */
import { writeInteger, writeSimple } from "../resp/encode.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import { ERR_NOT_INTEGER, ERR_SYNTAX, keyOf, parseInt64, replyNullBulk, word } from "./reply.ts";

function usageCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  for (let j = 3; j < argv.length; j++) {
    if (word(argv[j]!) === "samples" && j + 1 < argv.length) {
      const samples = parseInt64(argv[++j]!);
      if (samples === undefined) {
        node.replyError(c, ERR_NOT_INTEGER);
        return;
      }
      if (samples < 0n) {
        node.replyError(c, ERR_SYNTAX);
        return;
      }
    } else {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
  }
  // A plain dict lookup, as redis does it: a key past its TTL is still measured.
  const bytes = node.selectedDb(c).dict.sizeOf(keyOf(argv[2]!));
  if (bytes === undefined) replyNullBulk(c);
  else writeInteger(c.out, bytes);
}

function purgeCommand(_node: RedisNode, c: Client): void {
  writeSimple(c.out, "OK");
}

function memoryCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sub = bytesToBinary(argv[1]!, 0, Math.min(128, argv[1]!.length));
  node.replyError(c, `ERR unknown subcommand '${sub}'. Try MEMORY HELP.`);
}

/** MEMORY USAGE and MEMORY PURGE. */
export const memoryCommands: readonly CommandSpec[] = [
  {
    name: "memory",
    arity: -2,
    flags: {},
    proc: memoryCommand,
    subcommands: new Map<string, CommandSpec>([
      ["usage", { name: "usage", arity: -3, flags: {}, proc: usageCommand, keys: [2, 2, 1] }],
      ["purge", { name: "purge", arity: 2, flags: {}, proc: purgeCommand }],
    ]),
  },
];
