/**
 * Running scripts and functions on a node (redis 7.0.15 script.c): one Lua VM per node, made when
 * first needed; the caller's checks before a run (scriptPrepareForRun); and `redis.call`, which
 * runs a command through the node's own dispatch (call()) as the script's client, so replication,
 * keyspace changes, WATCH and INFO stats follow as for any client. What a script wrote reaches
 * replicas as its effects: the outer call() wraps two or more writes in MULTI/EXEC (7.0).
 */
import { writeArrayHeader, writeBulk, writeError, writeInteger, writeSimple } from "../resp/encode.ts";
import { ReplyParser } from "../resp/reply-parser.ts";
import type { Reply } from "../resp/reply.ts";
import { Client } from "../client.ts";
import type { ConnId } from "../../process/effects.ts";
import { arityOk } from "../commands/command.ts";
import { lowerAscii } from "../../util/bytes.ts";
import { replyNullBulk } from "../commands/reply.ts";
import type { RedisNode } from "../server.ts";
import { isDenyOom, OOM_ERROR } from "../memory.ts";
import { DEFAULT_INSTRUCTION_BUDGET, LuaVm, type LuaReply, type RegisteredFunction } from "./lua-vm.ts";

/** A script EVAL has seen (redis luaScript): its body and its shebang flags (null: no shebang). */
export interface CachedScript {
  readonly body: Uint8Array;
  readonly flags: readonly string[] | null;
}

/** A library FUNCTION LOAD created (functionLibInfo). */
export interface FunctionLibrary {
  readonly name: string;
  /** The whole payload, shebang included, as FUNCTION LIST WITHCODE and the RDB hold it. */
  readonly code: Uint8Array;
  readonly functions: readonly RegisteredFunction[];
}

/** A node's scripting state: the VM, the EVAL script cache and the function libraries. */
export class Scripting {
  private vmInstance: LuaVm | null = null;
  readonly scripts = new Map<string, CachedScript>();
  /** Libraries by name. */
  readonly libraries = new Map<string, FunctionLibrary>();
  /** Every function of every library, by lower-case name (names are case-insensitive). */
  readonly functions = new Map<string, { readonly library: FunctionLibrary; readonly fn: RegisteredFunction }>();
  /** What the next RDB load does with the libraries (DEBUG RELOAD NOFLUSH / MERGE). */
  nextRdbPolicy: "replace" | "keep" | "merge" = "replace";
  /** Lab-only: VM instructions one call may run (see lua-vm.ts). */
  instructionBudget = DEFAULT_INSTRUCTION_BUDGET;
  /** The client scripts run their commands as (redis lctx.lua_client). */
  private luaClient: Client | null = null;

  get vm(): LuaVm {
    this.vmInstance ??= new LuaVm();
    return this.vmInstance;
  }

  client(node: RedisNode): Client {
    this.luaClient ??= new Client(0, -1 as ConnId, "lua", node.nowMs, true, node.config);
    return this.luaClient;
  }
}

const states = new WeakMap<RedisNode, Scripting>();

/** The scripting state of a node. */
export function scriptingOf(node: RedisNode): Scripting {
  let state = states.get(node);
  if (state === undefined) {
    state = new Scripting();
    states.set(node, state);
  }
  return state;
}

/**
 * Commands a script may not call (CMD_NOSCRIPT in 7.0.15's command table): scripting and
 * transactions themselves, blocking-forever and connection-state commands, replication commands.
 */
const NOSCRIPT = new Set([
  "auth", "hello", "multi", "exec", "discard", "watch", "unwatch", "eval", "evalsha", "eval_ro", "evalsha_ro",
  "fcall", "fcall_ro", "script", "function", "sync", "psync", "replconf", "subscribe", "psubscribe", "unsubscribe",
  "punsubscribe", "ssubscribe", "sunsubscribe", "monitor", "save", "shutdown", "wait", "failover", "reset", "quit",
  "slaveof", "replicaof", "debug", "bgsave", "bgrewriteaof",
  // Blocking commands are NOSCRIPT in 7.0.
  "blpop", "brpop", "brpoplpush", "blmove", "blmpop", "bzpopmin", "bzpopmax", "bzmpop",
]);

/** How one run is set up: what scriptPrepareForRun decided. */
export interface RunSpec {
  readonly ref: string;
  /** `f_<sha>` for EVAL, the function's name for FCALL (error messages say it). */
  readonly funcname: string;
  /** Shebang or function flags; null for an EVAL script without a shebang (compatibility mode). */
  readonly flags: readonly string[] | null;
  /** EVAL_RO, EVALSHA_RO, FCALL_RO. */
  readonly ro: boolean;
  readonly evalMode: boolean;
  readonly keys: readonly Uint8Array[];
  readonly args: readonly Uint8Array[];
}

/** Parses `numkeys key... arg...` from argv[2] on; replies with redis's errors and returns null on failure. */
export function splitKeys(node: RedisNode, c: Client, argv: Uint8Array[], fcall: boolean): { keys: Uint8Array[]; args: Uint8Array[] } | null {
  const text = lowerAscii(argv[2]!);
  if (!/^-?[0-9]+$/.test(text) || (text.length > 1 && /^-?0/.test(text)) || Math.abs(Number(text)) > 2 ** 63) {
    node.replyError(c, fcall ? "ERR Bad number of keys provided" : "ERR value is not an integer or out of range");
    return null;
  }
  const numkeys = Number(text);
  if (numkeys > argv.length - 3) {
    node.replyError(c, "ERR Number of keys can't be greater than number of args");
    return null;
  }
  if (numkeys < 0) {
    node.replyError(c, "ERR Number of keys can't be negative");
    return null;
  }
  return { keys: argv.slice(3, 3 + numkeys), args: argv.slice(3 + numkeys) };
}

/** scriptPrepareForRun, then the run, then the reply to the caller. */
export function runScript(node: RedisNode, caller: Client, spec: RunSpec): void {
  const state = scriptingOf(node);
  const flags = spec.flags;
  const obey = caller.kind === "master";
  const writes = flags === null || !flags.includes("no-writes");
  if (flags !== null) {
    const stale = node.isReplica && !node.replication.masterLinkUp && !node.config["replica-serve-stale-data"];
    if (stale && !flags.includes("allow-stale")) {
      node.replyError(caller, "MASTERDOWN Link with MASTER is down, replica-serve-stale-data is set to 'no' and 'allow-stale' flag is not set on the script.");
      return;
    }
    if (writes) {
      if (node.isReplica && node.config["replica-read-only"] && !obey) {
        node.replyError(caller, "READONLY Can not run script with write flag on readonly replica");
        return;
      }
      if (spec.ro) {
        node.replyError(caller, "ERR Can not execute a script with write flag using *_ro command.");
        return;
      }
      if (!node.isReplica && node.replication.minReplicasNotMet()) {
        node.replyError(caller, "NOREPLICAS Not enough good replicas to write.");
        return;
      }
    }
  }
  // server.pre_command_oom_state: over maxmemory (after evictions) when the script starts.
  const oom = node.memory.limited && !obey && !node.isReplica && node.memory.outOfMemory() && !node.memory.performEvictions();
  const allowOom = flags !== null && (flags.includes("allow-oom") || !writes);
  if (flags !== null && oom && !allowOom) {
    node.replyError(caller, "OOM allow-oom flag is not set on the script, can not run it when used memory > 'maxmemory'");
    return;
  }
  const readOnly = spec.ro || (flags !== null && !writes);
  const lc = state.client(node);
  lc.db = caller.db;
  lc.resp = 2;
  let writeDirty = false;
  const parser = new ReplyParser();
  const wasExec = node.inExec;
  // Commands a script runs never block (CLIENT_DENY_BLOCKING), as inside EXEC.
  node.inExec = true;
  const result = state.vm.callFunction(
    spec.ref,
    spec.funcname,
    spec.keys,
    spec.args,
    spec.evalMode,
    {
      call: (argv) => {
        const cmd = node.commands.lookupBytes(argv[0]!);
        if (cmd === undefined) return reject(node, "Unknown Redis command called from script");
        let target = cmd;
        if (!arityOk(cmd.arity, argv.length)) return reject(node, "Wrong number of args calling Redis command from script");
        if (cmd.subcommands && argv.length >= 2) {
          const sub = cmd.subcommands.get(lowerAscii(argv[1]!));
          if (sub !== undefined) {
            if (!arityOk(sub.arity, argv.length)) return reject(node, "Wrong number of args calling Redis command from script");
            target = sub;
          }
        }
        if (NOSCRIPT.has(cmd.name)) return reject(node, "This Redis command is not allowed from script");
        if (node.isReplica && !node.replication.masterLinkUp && !node.config["replica-serve-stale-data"] && !target.flags.stale) {
          return reject(node, "Can not execute the command on a stale replica");
        }
        const isWrite = target.flags.write === true;
        if (readOnly && isWrite) return reject(node, "Write commands are not allowed from read-only scripts.");
        if (isWrite && !writeDirty) {
          if (node.isReplica && node.config["replica-read-only"] && !obey) return reject(node, `-${node.replication.readOnlyError}`);
          if (!node.isReplica && node.replication.minReplicasNotMet()) return reject(node, "-NOREPLICAS Not enough good replicas to write.");
        }
        // scriptVerifyOOM: a denyoom command is refused until the script has written something.
        if (oom && !(flags !== null && flags.includes("allow-oom")) && !writeDirty && isDenyOom(target.name)) return reject(node, `-${OOM_ERROR}`);
        if (isWrite) writeDirty = true;
        lc.lastCommand = target.name;
        node.call(lc, target, argv);
        const bytes = lc.out.take();
        parser.push(bytes);
        const reply = parser.next();
        if (reply === undefined || reply.kind === "protocol-error") return { kind: "error", message: "ERR reply could not be read" } satisfies Reply;
        return reply;
      },
      log: () => undefined,
    },
    state.instructionBudget,
  );
  node.inExec = wasExec;
  if (result.ok) writeLuaReply(node, caller, result.reply);
  else if (result.countStats) node.replyError(caller, result.message);
  else writeError(caller.out, result.message);
}

function reject(node: RedisNode, message: string): { kind: "rejected"; message: string } {
  // afterErrorReply for the script's client: the rejection counts in INFO as an error reply.
  node.stats.totalErrorReplies++;
  return { kind: "rejected", message };
}

/** Writes a converted Lua value to the caller. */
export function writeLuaReply(node: RedisNode, c: Client, reply: LuaReply): void {
  switch (reply.kind) {
    case "bulk":
      writeBulk(c.out, reply.value);
      return;
    case "integer":
      writeInteger(c.out, reply.value);
      return;
    case "null":
      replyNullBulk(c);
      return;
    case "bool":
      writeInteger(c.out, reply.value ? 1 : 0);
      return;
    case "status":
      writeSimple(c.out, reply.value);
      return;
    case "error": {
      if (reply.countStats) node.replyError(c, reply.message);
      else writeError(c.out, reply.message);
      return;
    }
    case "array":
      writeArrayHeader(c.out, reply.items.length);
      for (const item of reply.items) writeLuaReply(node, c, item);
      return;
  }
}

/**
 * sdssplitargs, as shebang lines are split: words separated by spaces, where "double quotes"
 * (with \n \r \t \b \a \xhh escapes) and 'single quotes' may appear inside a word; a closing quote
 * must end the word. Null for unbalanced quotes.
 */
export function splitArgs(line: string): string[] | null {
  const out: string[] = [];
  let i = 0;
  const isSpace = (ch: string | undefined): boolean => ch === " " || ch === "\n" || ch === "\r" || ch === "\t" || ch === "\v" || ch === "\f";
  for (;;) {
    while (isSpace(line[i])) i++;
    if (i >= line.length) return out;
    let word = "";
    let quote: '"' | "'" | null = null;
    for (;;) {
      const ch = line[i];
      if (quote !== null) {
        if (ch === undefined) return null;
        const escaped = quote === '"' ? doubleQuoteEscape(line, i) : ch === "\\" && line[i + 1] === "'" ? { text: "'", length: 2 } : null;
        if (escaped !== null) {
          word += escaped.text;
          i += escaped.length;
          continue;
        }
        if (ch === quote) {
          if (i + 1 < line.length && !isSpace(line[i + 1])) return null;
          i++;
          break;
        }
        word += ch;
        i++;
        continue;
      }
      if (ch === undefined || isSpace(ch)) break;
      if (ch === '"' || ch === "'") quote = ch;
      else word += ch;
      i++;
    }
    out.push(word);
  }
}

/** An escape inside double quotes at `i` (\xhh, \n \r \t \b \a, or a quoted character), or null. */
function doubleQuoteEscape(line: string, i: number): { text: string; length: number } | null {
  if (line[i] !== "\\" || i + 1 >= line.length) return null;
  if (line[i + 1] === "x" && /^[0-9a-fA-F]{2}$/.test(line.slice(i + 2, i + 4))) return { text: String.fromCharCode(parseInt(line.slice(i + 2, i + 4), 16)), length: 4 };
  const next = line[i + 1]!;
  return { text: ({ n: "\n", r: "\r", t: "\t", b: "\b", a: "\x07" } as Record<string, string>)[next] ?? next, length: 2 };
}
