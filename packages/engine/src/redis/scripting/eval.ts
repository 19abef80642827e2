/**
 * EVAL, EVALSHA, EVAL_RO, EVALSHA_RO and SCRIPT (redis 7.0.15 eval.c): scripts are cached by the
 * SHA-1 of their body and compiled once, as `f_<sha>`; a `#!lua flags=...` shebang declares what
 * the script may do (scripts without one run in compatibility mode, checked command by command).
 */
import { writeArrayHeader, writeBulkString, writeInteger, writeSimple } from "../resp/encode.ts";
import { bytesToBinary, lowerAscii } from "../../util/bytes.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "../commands/command.ts";
import { word } from "../commands/reply.ts";
import { SCRIPT_FLAGS, sha1hex } from "./lua-vm.ts";
import { runScript, scriptingOf, splitArgs, splitKeys, type CachedScript } from "./runner.ts";

const NOSCRIPT_ERROR = "NOSCRIPT No matching script. Please use EVAL.";

/**
 * evalExtractShebangFlags: the flags of a `#!lua` first line (null without a shebang) and how
 * many bytes the line takes (the newline stays, so line numbers do not move).
 */
export function shebangFlags(body: Uint8Array): { ok: true; flags: string[] | null; length: number } | { ok: false; message: string } {
  if (body.length < 2 || body[0] !== 0x23 || body[1] !== 0x21) return { ok: true, flags: null, length: 0 };
  const end = body.indexOf(0x0a);
  if (end < 0) return { ok: false, message: "Invalid script shebang" };
  const parts = splitArgs(bytesToBinary(body, 0, end));
  if (parts === null || parts.length === 0) return { ok: false, message: "Invalid engine in script shebang" };
  if (parts[0] !== "#!lua") return { ok: false, message: `Unexpected engine in script shebang: ${parts[0]!}` };
  const flags: string[] = [];
  for (const part of parts.slice(1)) {
    if (!part.startsWith("flags=")) return { ok: false, message: `Unknown lua shebang option: ${part}` };
    for (const flag of part.slice(6).split(",")) {
      if (flag === "") continue;
      if (!(SCRIPT_FLAGS as readonly string[]).includes(flag)) return { ok: false, message: `Unexpected flag in script shebang: ${flag}` };
      flags.push(flag);
    }
  }
  return { ok: true, flags, length: end };
}

/** luaCreateFunction: caches and compiles a body; returns its sha, or null after replying with the error. */
function createScript(node: RedisNode, c: Client, body: Uint8Array): string | null {
  const state = scriptingOf(node);
  const sha = sha1hex(body);
  if (state.scripts.has(sha)) return sha;
  const shebang = shebangFlags(body);
  if (!shebang.ok) {
    node.replyError(c, `ERR ${shebang.message}`);
    return null;
  }
  const error = state.vm.compile(body.subarray(shebang.length), "@user_script", `f_${sha}`);
  if (error !== null) {
    node.replyError(c, `ERR Error compiling script (new function): ${error}`);
    return null;
  }
  const script: CachedScript = { body: body.slice(), flags: shebang.flags };
  state.scripts.set(sha, script);
  return sha;
}

function evalGeneric(node: RedisNode, c: Client, argv: Uint8Array[], evalsha: boolean, ro: boolean): void {
  const split = splitKeys(node, c, argv, false);
  if (split === null) return;
  const state = scriptingOf(node);
  let sha: string;
  if (evalsha) {
    sha = lowerAscii(argv[1]!);
    if (argv[1]!.length !== 40 || !state.scripts.has(sha)) {
      node.replyError(c, NOSCRIPT_ERROR);
      return;
    }
  } else {
    const created = createScript(node, c, argv[1]!);
    if (created === null) return;
    sha = created;
  }
  const script = state.scripts.get(sha)!;
  runScript(node, c, { ref: `f_${sha}`, funcname: sha, flags: script.flags, ro, evalMode: true, keys: split.keys, args: split.args });
}

function scriptLoad(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sha = createScript(node, c, argv[2]!);
  if (sha !== null) writeBulkString(c.out, sha);
}

function scriptExists(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const state = scriptingOf(node);
  writeArrayHeader(c.out, argv.length - 2);
  for (let j = 2; j < argv.length; j++) writeInteger(c.out, state.scripts.has(lowerAscii(argv[j]!)) ? 1 : 0);
}

function scriptFlush(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length > 3 || (argv.length === 3 && word(argv[2]!) !== "sync" && word(argv[2]!) !== "async")) {
    node.replyError(c, "ERR SCRIPT FLUSH only support SYNC|ASYNC option");
    return;
  }
  const state = scriptingOf(node);
  for (const sha of state.scripts.keys()) state.vm.dropRef(`f_${sha}`);
  state.scripts.clear();
  writeSimple(c.out, "OK");
}

function scriptKill(node: RedisNode, c: Client): void {
  // Scripts run to completion within one step of the node: none is ever running when KILL arrives.
  node.replyError(c, "NOTBUSY No scripts in execution right now.");
}

function scriptCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sub = bytesToBinary(argv[1]!, 0, Math.min(128, argv[1]!.length));
  node.replyError(c, `ERR unknown subcommand '${sub}'. Try SCRIPT HELP.`);
}

const evalFlags = { noPropagate: true, stale: true } as const;

/** EVAL, EVALSHA, their _RO forms and SCRIPT, for the command table. */
export const evalCommands: readonly CommandSpec[] = [
  { name: "eval", arity: -3, flags: evalFlags, proc: (n, c, a) => evalGeneric(n, c, a, false, false) },
  { name: "evalsha", arity: -3, flags: evalFlags, proc: (n, c, a) => evalGeneric(n, c, a, true, false) },
  { name: "eval_ro", arity: -3, flags: evalFlags, proc: (n, c, a) => evalGeneric(n, c, a, false, true) },
  { name: "evalsha_ro", arity: -3, flags: evalFlags, proc: (n, c, a) => evalGeneric(n, c, a, true, true) },
  {
    name: "script",
    arity: -2,
    flags: {},
    proc: scriptCommand,
    subcommands: new Map<string, CommandSpec>([
      ["load", { name: "load", arity: 3, flags: { noPropagate: true, stale: true }, proc: scriptLoad }],
      ["exists", { name: "exists", arity: -3, flags: { stale: true }, proc: scriptExists }],
      ["flush", { name: "flush", arity: -2, flags: { noPropagate: true }, proc: scriptFlush }],
      ["kill", { name: "kill", arity: 2, flags: { stale: true }, proc: scriptKill }],
    ]),
  },
];
