/**
 * Server commands: INFO, CONFIG, SAVE, BGSAVE, LASTSAVE, SHUTDOWN, COMMAND, TIME.
 */
import { writeArrayHeader, writeBulkString, writeInteger, writeSimple, writeBulk } from "../resp/encode.ts";
import { asciiBytes, bytesToBinary } from "../../util/bytes.ts";
import { DENY_LOADING_CONFIGS, HIDDEN_CONFIGS, MIN_BACKLOG_SIZE, formatConfigValue, globMatch, setConfigValue, type ConfigName } from "../config.ts";
import { renderInfo } from "../info.ts";
import { LOADING_ERROR } from "../loading.ts";
import { rewriteConfigFile } from "../config-file.ts";
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";
import type { CommandSpec } from "./command.ts";
import { ERR_SYNTAX, word, replyMapHeader } from "./reply.ts";

function infoCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sections = argv.slice(1).map((a) => bytesToBinary(a));
  writeBulk(c.out, asciiBytes(renderInfo(node, sections)));
}

/** Before 7.0 each CONFIG subcommand takes an exact number of arguments. */
const LEGACY_CONFIG_ARITY: Readonly<Record<string, number>> = { get: 3, set: 4, resetstat: 2, rewrite: 2 };

function configCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  const sub = word(argv[1]!);
  const schema = node.configSchema;
  if (schema.errors === "legacy") {
    const known = schema.rewrite ? ["get", "set", "resetstat", "rewrite"] : ["get", "set", "resetstat"];
    if (!known.includes(sub)) {
      node.replyError(c, `ERR CONFIG subcommand must be one of ${known.map((k) => k.toUpperCase()).join(", ")}`);
      return;
    }
    if (argv.length !== LEGACY_CONFIG_ARITY[sub]) {
      node.replyError(c, `ERR Wrong number of arguments for CONFIG ${bytesToBinary(argv[1]!)}`);
      return;
    }
  }
  switch (sub) {
    case "get": {
      if (argv.length < 3) break;
      // Patterns match canonical names and aliases alike, each reported under the name matched.
      const found = new Map<string, ConfigName>();
      for (let i = 2; i < argv.length; i++) {
        const pattern = bytesToBinary(argv[i]!);
        for (const [shown, canonical] of schema.names) {
          if (HIDDEN_CONFIGS.has(canonical) ? pattern.toLowerCase() === shown : globMatch(pattern, shown, true)) found.set(shown, canonical);
        }
      }
      replyMapHeader(c, found.size);
      for (const [shown, canonical] of found) {
        writeBulkString(c.out, shown);
        writeBulkString(c.out, formatConfigValue(node.config, canonical));
      }
      return;
    }
    case "set": {
      if (argv.length < 4 || argv.length % 2 !== 0) break;
      // All or nothing, as redis 7 does for multi-parameter CONFIG SET.
      const draft = { ...node.config };
      const seen = new Set<string>();
      // A setting loading forbids answers -LOADING, ahead of any other error (redis gives it precedence).
      if (node.loading !== null) {
        for (let i = 2; i < argv.length; i += 2) {
          const canonical = schema.find(bytesToBinary(argv[i]!));
          if (canonical !== undefined && DENY_LOADING_CONFIGS.has(canonical)) {
            node.replyError(c, LOADING_ERROR);
            return;
          }
        }
      }
      for (let i = 2; i < argv.length; i += 2) {
        const name = bytesToBinary(argv[i]!);
        const canonical = schema.find(name) ?? name;
        if (seen.has(canonical)) {
          node.replyError(c, `ERR CONFIG SET failed (possibly related to argument '${name}') - duplicate parameter`);
          return;
        }
        seen.add(canonical);
        const result = setConfigValue(draft, name, bytesToBinary(argv[i + 1]!), {}, schema);
        if (!result.ok) {
          node.replyError(c, `ERR ${result.message}`);
          return;
        }
      }
      // CONFIG SET raises a backlog size under 16 KiB to 16 KiB (a start-up value is kept as given).
      if (draft["repl-backlog-size"] < MIN_BACKLOG_SIZE) draft["repl-backlog-size"] = MIN_BACKLOG_SIZE;
      const backlogChanged = draft["repl-backlog-size"] !== node.config["repl-backlog-size"];
      Object.assign(node.config, draft);
      node.replication.onConfigChanged(backlogChanged);
      writeSimple(c.out, "OK");
      return;
    }
    case "resetstat":
      if (argv.length !== 2) break;
      for (const key of Object.keys(node.stats) as (keyof typeof node.stats)[]) node.stats[key] = 0;
      node.resetCommandStats();
      node.errorStats.clear();
      writeSimple(c.out, "OK");
      return;
    case "rewrite": {
      if (argv.length !== 2) break;
      const file = node.configFile;
      if (file === null) {
        node.replyError(c, "ERR The server is running without a config file");
        return;
      }
      node.disk.writeText(file, rewriteConfigFile(node.disk.readText(file) ?? "", node.config, node.replication.configuredMaster, schema));
      node.trace({ kind: "persistence", action: "config-rewrite", keys: node.keyspace.totalKeys, file, message: `CONFIG REWRITE wrote the running configuration${node.replication.configuredMaster ? ` (${schema.masterDirective} included)` : ""} to ${file}` });
      writeSimple(c.out, "OK");
      return;
    }
    case "help":
      writeArrayHeader(c.out, 1);
      writeSimple(c.out, "CONFIG <subcommand> [<arg> ...]. Subcommands: GET, SET, RESETSTAT, REWRITE.");
      return;
    default:
      node.replyError(c, `ERR unknown subcommand '${bytesToBinary(argv[1]!)}'. Try CONFIG HELP.`);
      return;
  }
  node.replyError(c, `ERR wrong number of arguments for 'config|${sub}' command`);
}

function saveCommand(node: RedisNode, c: Client): void {
  node.save();
  writeSimple(c.out, "OK");
}

function bgsaveCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length > 2 || (argv.length === 2 && word(argv[1]!) !== "schedule")) {
    node.replyError(c, ERR_SYNTAX);
    return;
  }
  // The simulated fork finishes at once.
  node.save();
  writeSimple(c.out, "Background saving started");
}

function lastsaveCommand(node: RedisNode, c: Client): void {
  writeInteger(c.out, node.lastSaveUnixSec);
}

function shutdownCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  let save: boolean | null = null;
  for (let i = 1; i < argv.length; i++) {
    const opt = word(argv[i]!);
    if (opt === "nosave") save = false;
    else if (opt === "save") save = true;
    else if (opt === "now" || opt === "force") continue;
    else if (opt === "abort") {
      node.replyError(c, "ERR No shutdown in progress.");
      return;
    } else {
      node.replyError(c, ERR_SYNTAX);
      return;
    }
  }
  // With save points (7.0.15's by default) SHUTDOWN saves; NOSAVE skips it, SAVE forces it.
  if (save === true || (save === null && node.config.save !== "")) node.save();
  node.exit(save === false ? "SHUTDOWN NOSAVE" : "SHUTDOWN");
}

function commandInfo(c: Client, spec: CommandSpec): void {
  writeArrayHeader(c.out, 10);
  writeBulkString(c.out, spec.name);
  writeInteger(c.out, spec.arity);
  const flags: string[] = [];
  if (spec.flags.write) flags.push("write");
  else flags.push("readonly");
  if (spec.flags.admin) flags.push("admin");
  if (spec.flags.noAuth) flags.push("no_auth");
  if (spec.flags.stale) flags.push("stale");
  if (spec.flags.loading) flags.push("loading");
  if (spec.flags.noAsyncLoading) flags.push("no_async_loading");
  if (spec.flags.noMulti) flags.push("no_multi");
  writeArrayHeader(c.out, flags.length);
  for (const flag of flags) writeSimple(c.out, flag);
  const [first, last, step] = spec.keys ?? [0, 0, 0];
  writeInteger(c.out, first);
  writeInteger(c.out, last);
  writeInteger(c.out, step);
  writeArrayHeader(c.out, 0);
  writeArrayHeader(c.out, 0);
  writeArrayHeader(c.out, 0);
  writeArrayHeader(c.out, 0);
}

function commandCommand(node: RedisNode, c: Client, argv: Uint8Array[]): void {
  if (argv.length === 1) {
    const specs = node.commands.all();
    writeArrayHeader(c.out, specs.length);
    for (const spec of specs) commandInfo(c, spec);
    return;
  }
  const sub = word(argv[1]!);
  switch (sub) {
    case "count":
      writeInteger(c.out, node.commands.all().length);
      return;
    case "info": {
      const names = argv.length === 2 ? node.commands.all().map((s) => s.name) : argv.slice(2).map((a) => bytesToBinary(a).toLowerCase());
      writeArrayHeader(c.out, names.length);
      for (const name of names) {
        const spec = node.commands.lookup(name);
        if (spec) commandInfo(c, spec);
        else writeArrayHeader(c.out, -1);
      }
      return;
    }
    case "docs":
      // redis-cli asks for docs to build its hints; an empty map makes it use its own.
      writeArrayHeader(c.out, 0);
      return;
    case "list": {
      const specs = node.commands.all();
      writeArrayHeader(c.out, specs.length);
      for (const spec of specs) writeBulkString(c.out, spec.name);
      return;
    }
    case "getkeys":
      // COMMAND GETKEYS has arity -3 in 7.0: the command and at least one argument.
      if (argv.length >= 4) commandGetKeys(node, c, argv.slice(2));
      else node.replyError(c, "ERR wrong number of arguments for 'command|getkeys' command");
      return;
    default:
      node.replyError(c, `ERR unknown subcommand '${bytesToBinary(argv[1]!)}'. Try COMMAND HELP.`);
  }
}

/** Scripts and functions: their keys are the `numkeys` arguments after argv[2] (none is fine). */
const NUMKEYS_COMMANDS = new Set(["eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro"]);

/** COMMAND GETKEYS (getKeysSubcommandImpl), from the first/last/step triples and numkeys. */
function commandGetKeys(node: RedisNode, c: Client, args: Uint8Array[]): void {
  const spec = node.commands.lookup(bytesToBinary(args[0]!).toLowerCase());
  if (spec === undefined) return node.replyError(c, "ERR Invalid command specified");
  const numkeys = NUMKEYS_COMMANDS.has(spec.name);
  if (!numkeys && (spec.keys === undefined || spec.keys[0] === 0)) return node.replyError(c, "ERR The command has no key arguments");
  if ((spec.arity > 0 && spec.arity !== args.length) || args.length < -spec.arity) return node.replyError(c, "ERR Invalid number of arguments specified for command");
  let keys: Uint8Array[] = [];
  if (numkeys) {
    const n = Number(bytesToBinary(args[2]!));
    if (Number.isInteger(n) && n > 0 && n <= args.length - 3) keys = args.slice(3, 3 + n);
  } else {
    const [first, last, step] = spec.keys!;
    const end = last < 0 ? args.length + last : last;
    for (let j = first; j <= end && j < args.length; j += step) keys.push(args[j]!);
  }
  if (keys.length === 0 && !numkeys) return node.replyError(c, "ERR Invalid arguments specified for command");
  writeArrayHeader(c.out, keys.length);
  for (const key of keys) writeBulk(c.out, key);
}

function timeCommand(node: RedisNode, c: Client): void {
  const ms = node.unixMs();
  writeArrayHeader(c.out, 2);
  writeBulkString(c.out, String(Math.floor(ms / 1000)));
  writeBulkString(c.out, String((ms % 1000) * 1000));
}

export const serverCommands: readonly CommandSpec[] = [
  { name: "info", arity: -1, flags: { stale: true, loading: true }, proc: infoCommand },
  { name: "config", arity: -2, flags: { admin: true, stale: true, loading: true }, proc: configCommand },
  { name: "save", arity: 1, flags: { admin: true, noMulti: true, noAsyncLoading: true }, proc: saveCommand },
  { name: "bgsave", arity: -1, flags: { admin: true, noAsyncLoading: true }, proc: bgsaveCommand },
  { name: "lastsave", arity: 1, flags: { stale: true, loading: true }, proc: lastsaveCommand },
  { name: "shutdown", arity: -1, flags: { admin: true, stale: true, loading: true, noMulti: true }, proc: shutdownCommand },
  { name: "command", arity: -1, flags: { stale: true, loading: true }, proc: commandCommand },
  { name: "time", arity: 1, flags: { stale: true, loading: true }, proc: timeCommand },
];
