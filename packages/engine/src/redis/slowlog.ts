/**
 * The slow log (slowlog.c, 7.0.15): commands that ran at least `slowlog-log-slower-than`
 * microseconds, newest first, at most `slowlog-max-len` of them, read with SLOWLOG GET / LEN and
 * emptied with RESET. A command's time here is virtual time: a command takes none unless it sleeps
 * (DEBUG SLEEP), so with the default threshold (10 ms) only those are logged, and a threshold of 0
 * logs every command as redis does (the node then leaves its fast paths, which run no call()).
 */
import { writeArrayHeader, writeBulk, writeBulkString, writeInteger, writeSimple } from "./resp/encode.ts";
import { asciiBytes, bytesToBinary } from "../util/bytes.ts";
import type { RedisNode } from "./server.ts";
import type { Client } from "./client.ts";
import type { CommandSpec } from "./commands/command.ts";
import { parseInt64 } from "./commands/reply.ts";

/** SLOWLOG_ENTRY_MAX_ARGC and SLOWLOG_ENTRY_MAX_STRING. */
const MAX_ARGC = 32;
const MAX_STRING = 128;

interface SlowlogEntry {
  readonly id: number;
  readonly unixSec: number;
  readonly durationUs: number;
  readonly argv: readonly Uint8Array[];
  readonly peer: string;
  readonly name: string;
}

export class Slowlog {
  /** Newest first. */
  private entries: SlowlogEntry[] = [];
  private nextId = 0;

  get length(): number {
    return this.entries.length;
  }

  /** slowlogPushEntryIfNeeded: logs the command if it was slow enough, then trims to slowlog-max-len. */
  push(node: RedisNode, client: Client, argv: readonly Uint8Array[], durationUs: number): void {
    const threshold = node.config["slowlog-log-slower-than"];
    if (threshold < 0) return;
    if (durationUs >= threshold) {
      this.entries.unshift({ id: this.nextId++, unixSec: node.unixSec(), durationUs, argv: entryArgv(argv), peer: client.peer, name: client.name });
    }
    const max = node.config["slowlog-max-len"];
    if (this.entries.length > max) this.entries.length = max;
  }

  reset(): void {
    this.entries = [];
  }

  /** SLOWLOG GET: the newest `count` entries. */
  reply(c: Client, count: number): void {
    const sent = this.entries.slice(0, count);
    writeArrayHeader(c.out, sent.length);
    for (const entry of sent) {
      writeArrayHeader(c.out, 6);
      writeInteger(c.out, entry.id);
      writeInteger(c.out, entry.unixSec);
      writeInteger(c.out, entry.durationUs);
      writeArrayHeader(c.out, entry.argv.length);
      for (const arg of entry.argv) writeBulk(c.out, arg);
      writeBulkString(c.out, entry.peer);
      writeBulkString(c.out, entry.name);
    }
  }
}

/** slowlogCreateEntry's argv: at most 32 arguments (the last says how many more), each cut at 128 bytes. */
function entryArgv(argv: readonly Uint8Array[]): Uint8Array[] {
  const argc = Math.min(argv.length, MAX_ARGC);
  const out: Uint8Array[] = [];
  for (let j = 0; j < argc; j++) {
    const arg = argv[j]!;
    if (argc !== argv.length && j === argc - 1) out.push(asciiBytes(`... (${argv.length - argc + 1} more arguments)`));
    else if (arg.length > MAX_STRING) out.push(concat(arg.subarray(0, MAX_STRING), asciiBytes(`... (${arg.length - MAX_STRING} more bytes)`)));
    else out.push(arg.slice());
  }
  return out;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

const SLOWLOG_HELP = [
  "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
  "GET [<count>]",
  "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
  "    Entries are made of:",
  "    id, timestamp, time in microseconds, arguments array, client IP and port,",
  "    client name",
  "LEN",
  "    Return the length of the slowlog.",
  "RESET",
  "    Reset the slowlog.",
  "HELP",
  "    Prints this help.",
];

function syntaxError(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  node.replyError(c, `ERR unknown subcommand or wrong number of arguments for '${bytesToBinary(argv[1]!, 0, Math.min(MAX_STRING, argv[1]!.length))}'. Try SLOWLOG HELP.`);
}

function getCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length > 3) {
    syntaxError(node, c, argv);
    return;
  }
  let count = 10;
  if (argv.length === 3) {
    const parsed = parseInt64(argv[2]!);
    if (parsed === undefined || parsed < -1n) {
      node.replyError(c, "ERR count should be greater than or equal to -1");
      return;
    }
    count = parsed === -1n ? node.slowlog.length : Number(parsed > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : parsed);
  }
  node.slowlog.reply(c, count);
}

function slowlogCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  node.replyError(c, `ERR unknown subcommand '${bytesToBinary(argv[1]!, 0, Math.min(MAX_STRING, argv[1]!.length))}'. Try SLOWLOG HELP.`);
}

const FLAGS = { admin: true, loading: true, stale: true } as const;

/** SLOWLOG GET, LEN, RESET and HELP. */
export const slowlogCommands: readonly CommandSpec[] = [
  {
    name: "slowlog",
    arity: -2,
    flags: {},
    proc: slowlogCommand,
    subcommands: new Map<string, CommandSpec>([
      ["get", { name: "get", arity: -2, flags: FLAGS, proc: getCommand }],
      ["len", { name: "len", arity: 2, flags: FLAGS, proc: (node, c) => writeInteger(c.out, node.slowlog.length) }],
      [
        "reset",
        {
          name: "reset",
          arity: 2,
          flags: FLAGS,
          proc: (node, c) => {
            node.slowlog.reset();
            writeSimple(c.out, "OK");
          },
        },
      ],
      [
        "help",
        {
          name: "help",
          arity: 2,
          flags: { loading: true, stale: true },
          proc: (_node, c) => {
            writeArrayHeader(c.out, SLOWLOG_HELP.length);
            for (const line of SLOWLOG_HELP) writeSimple(c.out, line);
          },
        },
      ],
    ]),
  },
];
