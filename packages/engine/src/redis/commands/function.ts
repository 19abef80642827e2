/**
 * FUNCTION, as far as a node without a scripting engine goes (functions.c, 7.0.15): there are
 * never any libraries, so FUNCTION LIST is empty and FUNCTION FLUSH has nothing to delete; FLUSH
 * still counts as a write and reaches replicas, as in redis. Redis's own test suite sends
 * FUNCTION FLUSH before every test file. LOAD and the rest need Lua, which the lab does not run.
 */
import { writeArrayHeader, writeSimple } from "../resp/encode.ts";
import { bytesToBinary } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import { word } from "./reply.ts";

function flushCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length > 3) {
    const sub = bytesToBinary(argv[1]!, 0, Math.min(128, argv[1]!.length));
    node.replyError(c, `ERR unknown subcommand or wrong number of arguments for '${sub}'. Try FUNCTION HELP.`);
    return;
  }
  if (argv.length === 3 && word(argv[2]!) !== "sync" && word(argv[2]!) !== "async") {
    node.replyError(c, "ERR FUNCTION FLUSH only supports SYNC|ASYNC option");
    return;
  }
  node.dirty++;
  writeSimple(c.out, "OK");
}

function listCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  // Each option counts once: a second WITHCODE or LIBRARYNAME is an unknown argument, as in redis.
  let withCode = false;
  let libraryName = false;
  for (let j = 2; j < argv.length; j++) {
    const opt = word(argv[j]!);
    if (!withCode && opt === "withcode") {
      withCode = true;
      continue;
    }
    if (!libraryName && opt === "libraryname") {
      if (j === argv.length - 1) {
        node.replyError(c, "ERR library name argument was not given");
        return;
      }
      libraryName = true;
      j++;
      continue;
    }
    node.replyError(c, `ERR Unknown argument ${bytesToBinary(argv[j]!)}`);
    return;
  }
  writeArrayHeader(c.out, 0);
}

function functionCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sub = bytesToBinary(argv[1]!, 0, Math.min(128, argv[1]!.length));
  node.replyError(c, `ERR unknown subcommand '${sub}'. Try FUNCTION HELP.`);
}

const FLUSH: CommandSpec = { name: "flush", arity: -2, flags: { write: true }, proc: flushCommand };
const LIST: CommandSpec = { name: "list", arity: -2, flags: {}, proc: listCommand };

export const functionCommands: readonly CommandSpec[] = [
  {
    name: "function",
    arity: -2,
    flags: {},
    proc: functionCommand,
    subcommands: new Map([
      ["flush", FLUSH],
      ["list", LIST],
    ]),
  },
];
