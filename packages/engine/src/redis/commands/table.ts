/**
 * The command table: every command the node understands, by lower-case name.
 */
import type { CommandSpec } from "./command.ts";
import { stringCommands } from "./strings.ts";
import { keyCommands } from "./keys.ts";
import { transactionCommands } from "./transactions.ts";
import { connectionCommands } from "./connection.ts";
import { serverCommands } from "./server.ts";
import { replicationCommands } from "../../protocols/redis-7.0/commands.ts";

let table: Map<string, CommandSpec> | null = null;

function build(): Map<string, CommandSpec> {
  const map = new Map<string, CommandSpec>();
  for (const family of [stringCommands, keyCommands, transactionCommands, connectionCommands, serverCommands, replicationCommands]) {
    for (const spec of family) {
      if (map.has(spec.name)) throw new Error(`command ${spec.name} defined twice`);
      map.set(spec.name, spec);
    }
  }
  return map;
}

/** Finds a command by its lower-case name. */
export function lookupCommand(name: string): CommandSpec | undefined {
  table ??= build();
  return table.get(name);
}

/**
 * Finds a command by its name as the client sent it (any case), without building a string: the
 * hot path of every request.
 */
export function lookupCommandBytes(name: Uint8Array): CommandSpec | undefined {
  table ??= build();
  byLength ??= groupByLength(table);
  const candidates = byLength[name.length];
  if (!candidates) return undefined;
  outer: for (const spec of candidates) {
    const word = spec.name;
    for (let i = 0; i < name.length; i++) {
      let c = name[i]!;
      if (c >= 65 && c <= 90) c |= 0x20;
      if (c !== word.charCodeAt(i)) continue outer;
    }
    return spec;
  }
  return undefined;
}

let byLength: CommandSpec[][] | null = null;

function groupByLength(map: Map<string, CommandSpec>): CommandSpec[][] {
  const groups: CommandSpec[][] = [];
  // Most used first within a length, so the common case matches on the first try.
  const hot = ["set", "get", "del", "incr", "ping", "exec", "multi", "replconf", "select"];
  const specs = [...map.values()].sort((a, b) => rank(a.name) - rank(b.name));
  function rank(name: string): number {
    const i = hot.indexOf(name);
    return i < 0 ? hot.length : i;
  }
  for (const spec of specs) (groups[spec.name.length] ??= []).push(spec);
  return groups;
}

/** Every command, for COMMAND and COMMAND COUNT. */
export function allCommands(): CommandSpec[] {
  table ??= build();
  return [...table.values()];
}
