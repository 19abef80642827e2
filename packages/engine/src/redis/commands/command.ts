/**
 * The shape of a command in the table, and the reply helpers every command uses.
 */
import type { RedisNode } from "../server.ts";
import type { Client } from "../client.ts";

/** Command flags that change how the node treats a command (a subset of redis's). */
export interface CommandFlags {
  /** Changes data: refused on read-only replicas and by min-replicas-to-write. */
  readonly write?: boolean;
  /** Allowed while a replica's link is down with replica-serve-stale-data no. */
  readonly stale?: boolean;
  /** Allowed before AUTH. */
  readonly noAuth?: boolean;
  /**
   * Refused inside MULTI with "Command not allowed inside a transaction" (redis CMD_NO_MULTI:
   * SAVE, SHUTDOWN, SYNC, PSYNC). MULTI, EXEC, DISCARD, WATCH, QUIT and RESET run at once inside
   * MULTI by name, as processCommand has them; everything else is queued.
   */
  readonly noMulti?: boolean;
  /** Administrative (CONFIG, SHUTDOWN...). */
  readonly admin?: boolean;
  /** Refused unless `enable-debug-command` allows it (redis CMD_PROTECTED: DEBUG). */
  readonly protected?: boolean;
  /** Allowed while loading. */
  readonly loading?: boolean;
  /** Refused while async loading (redis CMD_NO_ASYNC_LOADING: REPLICAOF, SAVE, BGSAVE, SYNC, PSYNC). */
  readonly noAsyncLoading?: boolean;
  /** Never propagated even if it changed data (EXEC propagates its parts instead). */
  readonly noPropagate?: boolean;
  /**
   * redis CMD_TOUCHES_ARBITRARY_KEYS (7.0.15: RANDOMKEY and SCAN): run directly (not from EXEC or a
   * script), the DELs of the expired keys it meets go to replicas bare, without MULTI/EXEC
   * (propagatePendingCommands). Hidden from COMMAND INFO, as in redis.
   */
  readonly touchesArbitraryKeys?: boolean;
}

export type CommandProc = (node: RedisNode, client: Client, argv: Uint8Array[]) => void;

export interface CommandSpec {
  /** Lower-case name. */
  readonly name: string;
  /** redis arity: n means exactly n arguments including the name, -n means at least n. */
  readonly arity: number;
  readonly flags: CommandFlags;
  readonly proc: CommandProc;
  /** First key, last key and step, as COMMAND reports them (0 when the command has no keys). */
  readonly keys?: readonly [number, number, number];
  /** Subcommand table for container commands (CONFIG, CLIENT, COMMAND). */
  readonly subcommands?: ReadonlyMap<string, CommandSpec>;
}

/** Checks a redis arity against an argument count. */
export function arityOk(arity: number, argc: number): boolean {
  return arity >= 0 ? argc === arity : argc >= -arity;
}
