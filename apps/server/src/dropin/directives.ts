/**
 * Splits a redis.conf (file text plus command-line overrides) between the two parties that run a
 * drop-in node: the process settings this driver owns (where to listen, where the files are, where
 * the log goes) and the settings the engine node models, which it reads from its own config file.
 * Directives neither models (notify-keyspace-events, latency-monitor-threshold …) are kept, so
 * CONFIG REWRITE leaves them in the real file, and reported once in the log.
 */
import { parseConfigFile, splitConfigArgs } from "@replica-lab/engine";
import { REDIS_7_0_DIRECTIVES } from "./redis-directives.ts";

/** The settings the driver itself acts on. */
export interface ProcessSettings {
  port: number;
  /** Addresses to listen on (`bind`), in order. */
  bind: string[];
  dir: string;
  /** Empty: standard output. */
  logfile: string;
  loglevel: "debug" | "verbose" | "notice" | "warning" | "nothing";
  pidfile: string;
  daemonize: boolean;
  unixsocket: string;
  alwaysShowLogo: boolean;
  /** Where the last `dir` was set (redis chdirs as it reads it, and a failure is that line's error). */
  dirLine?: { readonly line: number; readonly text: string };
}

/** A config line of one of the three kinds. */
export type ConfigLine =
  | { readonly owner: "process"; readonly name: string; readonly text: string }
  | { readonly owner: "engine"; readonly name: string; readonly text: string }
  | { readonly owner: "unmodeled"; readonly name: string; readonly text: string };

export type SplitConfig =
  | {
      readonly ok: true;
      readonly settings: ProcessSettings;
      /** The engine's config file: its own directives only, in order. */
      readonly engineText: string;
      readonly lines: readonly ConfigLine[];
    }
  | { readonly ok: false; readonly line: number; readonly text: string; readonly message: string };

const PROCESS_DIRECTIVES = new Set(["port", "bind", "dir", "logfile", "loglevel", "pidfile", "daemonize", "unixsocket", "unixsocketperm", "always-show-logo", "include", "syslog-enabled", "syslog-ident", "syslog-facility"]);
const LOG_LEVELS = new Set(["debug", "verbose", "notice", "warning", "nothing"]);

/**
 * redis 7.0's defaults, but for `bind`: the lab node has no protected mode, so without a `bind` it
 * listens on loopback only (as the redis.conf redis ships has it), never on every interface.
 */
export function defaultProcessSettings(): ProcessSettings {
  return { port: 6379, bind: ["127.0.0.1", "-::1"], dir: ".", logfile: "", loglevel: "notice", pidfile: "", daemonize: false, unixsocket: "", alwaysShowLogo: false };
}

function yesNo(value: string | undefined): boolean | null {
  const lower = value?.toLowerCase();
  return lower === "yes" ? true : lower === "no" ? false : null;
}

/** Applies one process directive; returns an error message for a bad value. */
function applyProcessDirective(settings: ProcessSettings, name: string, args: readonly string[]): string | null {
  const value = args[0];
  switch (name) {
    case "port": {
      const port = Number(value);
      if (args.length !== 1 || !Number.isInteger(port) || port < 0 || port > 65535) return "Invalid port";
      settings.port = port;
      return null;
    }
    case "bind":
      if (args.length === 0) return "wrong number of arguments";
      settings.bind = [...args];
      return null;
    case "dir":
    case "logfile":
    case "pidfile":
    case "unixsocket":
      if (args.length !== 1) return "wrong number of arguments";
      if (name === "dir") settings.dir = value!;
      else if (name === "logfile") settings.logfile = value!;
      else if (name === "pidfile") settings.pidfile = value!;
      else settings.unixsocket = value!;
      return null;
    case "loglevel": {
      const level = value?.toLowerCase();
      if (args.length !== 1 || level === undefined || !LOG_LEVELS.has(level)) return "argument(s) must be one of the following: debug, verbose, notice, warning, nothing";
      settings.loglevel = level as ProcessSettings["loglevel"];
      return null;
    }
    case "daemonize":
    case "always-show-logo": {
      const flag = yesNo(value);
      if (args.length !== 1 || flag === null) return "argument must be 'yes' or 'no'";
      if (name === "daemonize") settings.daemonize = flag;
      else settings.alwaysShowLogo = flag;
      return null;
    }
    default:
      // unixsocketperm, include, syslog-*: accepted and not acted on.
      return null;
  }
}

/** Reads the whole configuration, as redis's loadServerConfigFromString does, line by line. */
export function splitConfig(text: string): SplitConfig {
  const settings = defaultProcessSettings();
  const lines: ConfigLine[] = [];
  const engineLines: string[] = [];
  const rows = text.split(/\r?\n/);
  for (let n = 0; n < rows.length; n++) {
    const raw = rows[n]!.trim();
    if (raw === "" || raw.startsWith("#")) continue;
    const args = splitConfigArgs(raw);
    if (args === null) return { ok: false, line: n + 1, text: raw, message: "Unbalanced quotes in configuration line" };
    if (args.length === 0) continue;
    const name = args[0]!.toLowerCase();
    if (PROCESS_DIRECTIVES.has(name)) {
      const error = applyProcessDirective(settings, name, args.slice(1));
      if (error !== null) return { ok: false, line: n + 1, text: raw, message: error };
      if (name === "dir") settings.dirLine = { line: n + 1, text: raw };
      lines.push({ owner: "process", name, text: raw });
      continue;
    }
    const parsed = parseConfigFile(raw);
    if (parsed.ok) {
      lines.push({ owner: "engine", name, text: raw });
      engineLines.push(raw);
    } else if (parsed.message.startsWith("Bad directive") && REDIS_7_0_DIRECTIVES.has(name)) {
      lines.push({ owner: "unmodeled", name, text: raw });
    } else if (parsed.message.startsWith("Bad directive")) {
      return { ok: false, line: n + 1, text: raw, message: "Bad directive or wrong number of arguments" };
    } else {
      return { ok: false, line: n + 1, text: raw, message: parsed.message };
    }
  }
  return { ok: true, settings, engineText: engineLines.length === 0 ? "" : `${engineLines.join("\n")}\n`, lines };
}
