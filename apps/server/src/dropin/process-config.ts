/**
 * CONFIG SET and CONFIG GET of the settings the engine node does not hold: the process's own
 * (port, dir, logfile, loglevel …, which this driver acts on) and the redis 7.0 settings the lab
 * does not model (lua-time-limit, watchdog-period …), which are kept and
 * reported as a real server would, with no effect on the node. A command naming only such
 * settings is answered here; everything else goes to the node.
 */
import { splitConfigArgs } from "@replica-lab/engine";
import { quoteConfigArg } from "./command-line.ts";
import type { ConfigLine } from "./directives.ts";

/**
 * Redis 7.0 settings a client may set on a drop-in node although the lab does not model them (the
 * ones redis's replication tests set). Unknown names still get redis's error from the node.
 */
const ACCEPTED_UNMODELED = new Set([
  "lua-time-limit",
  "busy-reply-threshold",
  "dynamic-hz",
  "watchdog-period",
  "shutdown-timeout",
  "shutdown-on-sigterm",
  "shutdown-on-sigint",
  "propagation-error-behavior",
  "latency-monitor-threshold",
  "latency-tracking",
  "notify-keyspace-events",
  "activerehashing",
  "lazyfree-lazy-user-flush",
  "timeout",
  "repl-diskless-sync-period",
]);

/** Settings the driver acts on, with how CONFIG GET shows them. */
const PROCESS_NAMES = new Set(["port", "bind", "dir", "logfile", "loglevel", "pidfile", "daemonize", "unixsocket", "unixsocketperm", "always-show-logo"]);

/** What the driver needs to act on a changed setting. */
export interface ProcessConfigHooks {
  /** `loglevel` changed. */
  loglevel(level: string): string | null;
  /** `dir` changed: returns an error message or null. */
  dir(path: string): string | null;
}

const LOG_LEVELS = new Set(["debug", "verbose", "notice", "warning", "nothing"]);

function bulk(text: string): string {
  return `$${Buffer.byteLength(text)}\r\n${text}\r\n`;
}

export class ProcessConfig {
  private readonly values = new Map<string, string>();

  constructor(
    lines: readonly ConfigLine[],
    initial: Readonly<Record<string, string>>,
    private readonly hooks: ProcessConfigHooks,
  ) {
    for (const [name, value] of Object.entries(initial)) this.values.set(name, value);
    for (const line of lines) {
      // The process's own settings come with their running values; the rest keep the file's.
      if (line.owner === "engine" || (line.owner === "process" && line.name in initial)) continue;
      // The value as redis holds it: the line's arguments unquoted (command-line ones come quoted).
      this.values.set(line.name, (splitConfigArgs(line.text) ?? []).slice(1).join(" "));
    }
  }

  /** True if CONFIG SET/GET of `name` is answered here. */
  owns(name: string): boolean {
    const lower = name.toLowerCase();
    return PROCESS_NAMES.has(lower) || ACCEPTED_UNMODELED.has(lower) || this.values.has(lower);
  }

  /** The lines CONFIG REWRITE writes for these settings. */
  rewriteLines(): string[] {
    return [...this.values].map(([name, value]) => (name === "bind" ? `bind ${value}` : `${name} ${quoteConfigArg(value)}`));
  }

  /**
   * Answers `argv` if it is a CONFIG SET or GET that names only settings held here (RESP bytes of
   * the reply), or returns null to let the node answer.
   */
  answer(argv: readonly string[]): string | null {
    if (argv.length < 3 || argv[0]!.toLowerCase() !== "config") return null;
    const sub = argv[1]!.toLowerCase();
    if (sub === "get") {
      const names = argv.slice(2);
      if (!names.every((name) => this.owns(name) && !/[*?[]/.test(name))) return null;
      const found = names.map((name) => name.toLowerCase()).filter((name) => this.values.has(name));
      return `*${found.length * 2}\r\n${found.map((name) => bulk(name) + bulk(this.values.get(name)!)).join("")}`;
    }
    if (sub === "set") {
      const pairs = argv.slice(2);
      if (pairs.length % 2 !== 0) return null;
      for (let i = 0; i < pairs.length; i += 2) if (!this.owns(pairs[i]!)) return null;
      for (let i = 0; i < pairs.length; i += 2) {
        const error = this.set(pairs[i]!.toLowerCase(), pairs[i + 1]!);
        if (error !== null) return `-ERR CONFIG SET failed (possibly related to argument '${pairs[i]}') - ${error}\r\n`;
      }
      return "+OK\r\n";
    }
    return null;
  }

  private set(name: string, value: string): string | null {
    switch (name) {
      case "port":
      case "bind":
      case "unixsocket":
      case "daemonize":
      case "pidfile":
      case "always-show-logo":
        return "can't set immutable config";
      case "loglevel":
        if (!LOG_LEVELS.has(value.toLowerCase())) return "argument(s) must be one of the following: debug, verbose, notice, warning, nothing";
        this.hooks.loglevel(value.toLowerCase());
        break;
      case "dir": {
        const error = this.hooks.dir(value);
        if (error !== null) return error;
        break;
      }
    }
    this.values.set(name, value);
    return null;
  }
}

/**
 * The command in `chunk` if the chunk is exactly one RESP multibulk command (what an interactive
 * client such as redis's own test client sends per write), else null: pipelined or partial input
 * always goes to the node as it is.
 */
export function singleCommand(chunk: Uint8Array): string[] | null {
  // Quick refusal for anything not a CONFIG command: the bytes "onfig" or "ONFIG" must be there.
  if (chunk.length < 20 || chunk[0] !== 0x2a) return null;
  // The command's name comes first (`*3\r\n$6\r\nCONFIG\r\n`): look there before reading the rest,
  // so a pipeline of SETs costs one short look per chunk.
  if (!/^\*\d+\r\n\$6\r\nconfig\r\n/i.test(Buffer.from(chunk.buffer, chunk.byteOffset, Math.min(24, chunk.length)).toString("latin1"))) return null;
  const text = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length).toString("latin1");
  let pos = 0;
  const line = (): string | null => {
    const end = text.indexOf("\r\n", pos);
    if (end < 0) return null;
    const value = text.slice(pos, end);
    pos = end + 2;
    return value;
  };
  const header = line();
  const count = header === null ? NaN : Number(header.slice(1));
  if (!Number.isInteger(count) || count < 1 || count > 64) return null;
  const argv: string[] = [];
  for (let i = 0; i < count; i++) {
    const size = line();
    if (size === null || size[0] !== "$") return null;
    const length = Number(size.slice(1));
    if (!Number.isInteger(length) || length < 0 || pos + length + 2 > text.length) return null;
    argv.push(Buffer.from(text.slice(pos, pos + length), "latin1").toString("utf8"));
    pos += length + 2;
  }
  return pos === text.length ? argv : null;
}
