/**
 * The command table: every command the node understands, by lower-case name.
 */
import type { CommandSpec } from "./command.ts";
import { stringCommands } from "./strings.ts";
import { keyCommands } from "./keys.ts";
import { transactionCommands } from "./transactions.ts";
import { connectionCommands } from "./connection.ts";
import { serverCommands } from "./server.ts";
import { replicationCommands } from "./replication.ts";

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

/** Every command, for COMMAND and COMMAND COUNT. */
export function allCommands(): CommandSpec[] {
  table ??= build();
  return [...table.values()];
}
