/**
 * A command table: every command a node understands, by lower-case name. Each node kind builds
 * one from the families every Redis version shares plus its own replication commands.
 */
import type { CommandSpec } from "./command.ts";
import { stringCommands } from "./strings.ts";
import { keyCommands } from "./keys.ts";
import { transactionCommands } from "./transactions.ts";
import { connectionCommands } from "./connection.ts";
import { serverCommands } from "./server.ts";
import { listCommands } from "./lists.ts";
import { hashCommands } from "./hashes.ts";
import { setCommands } from "./sets.ts";
import { zsetCommands } from "./zsets.ts";
import { keyspaceCommands } from "./keyspace-commands.ts";
import { debugCommands } from "./debug.ts";
import { functionCommands } from "../scripting/functions.ts";
import { evalCommands } from "../scripting/eval.ts";
import { memoryCommands } from "./memory.ts";
import { bitCommands } from "./bits.ts";
import { hyperLogLogCommands } from "./hyperloglog.ts";
import { slowlogCommands } from "../slowlog.ts";
import { pubsubCommands } from "./pubsub.ts";
import { sortCommands } from "./sort.ts";

/**
 * The command families every Redis version shares: 7.0.15's strings, keys, the four data types,
 * HyperLogLog, transactions, connection, server and DEBUG commands (a kind may leave out what its
 * version lacks).
 */
export const SHARED_COMMAND_FAMILIES: readonly (readonly CommandSpec[])[] = [
  stringCommands,
  keyCommands,
  keyspaceCommands,
  listCommands,
  hashCommands,
  setCommands,
  zsetCommands,
  transactionCommands,
  connectionCommands,
  serverCommands,
  debugCommands,
  functionCommands,
  evalCommands,
  memoryCommands,
  bitCommands,
  hyperLogLogCommands,
  slowlogCommands,
  pubsubCommands,
  sortCommands,
];

/**
 * The shared families as an older version has them: only the commands in its own command table
 * (`present`: the names of its redisCommandTable, so the commands newer versions added are
 * unknown there), with the STALE flag on the commands it let a stale replica run (PING had it
 * before 7.0).
 */
export function sharedFamiliesFor(options: { readonly present: readonly string[]; readonly stale: readonly string[] }): CommandSpec[][] {
  const present = new Set(options.present);
  return SHARED_COMMAND_FAMILIES.map((family) =>
    family.filter((spec) => present.has(spec.name)).map((spec) => (options.stale.includes(spec.name) ? { ...spec, flags: { ...spec.flags, stale: true } } : spec)),
  );
}

/** Names up to this long are found by their bytes packed into one number (exact below 2^53). */
const PACKED_NAME_BYTES = 6;
/** The length rides above the packed bytes, so a name with leading NUL bytes stays apart. */
const PACKED_LENGTH_UNIT = 2 ** 48;

/** A lower-case name of at most {@link PACKED_NAME_BYTES} bytes as one number: bytes, then length. */
function packName(name: string): number {
  let packed = 0;
  for (let i = 0; i < name.length; i++) packed = packed * 256 + name.charCodeAt(i);
  return packed + name.length * PACKED_LENGTH_UNIT;
}

/** Most used first within a length, so the common case matches on the first try. */
const HOT = ["set", "get", "del", "incr", "ping", "exec", "multi", "replconf", "select"];

export class CommandTable {
  private readonly byName = new Map<string, CommandSpec>();
  private readonly byLength: CommandSpec[][] = [];
  /** Short names (most of them, and the busy ones: hset, lpush, zadd...) by {@link packName}. */
  private readonly byPacked = new Map<number, CommandSpec>();

  constructor(families: readonly (readonly CommandSpec[])[]) {
    for (const family of families) {
      for (const spec of family) {
        if (this.byName.has(spec.name)) throw new Error(`command ${spec.name} defined twice`);
        this.byName.set(spec.name, spec);
      }
    }
    const rank = (name: string): number => {
      const i = HOT.indexOf(name);
      return i < 0 ? HOT.length : i;
    };
    const specs = [...this.byName.values()].sort((a, b) => rank(a.name) - rank(b.name));
    for (const spec of specs) {
      (this.byLength[spec.name.length] ??= []).push(spec);
      if (spec.name.length <= PACKED_NAME_BYTES) this.byPacked.set(packName(spec.name), spec);
    }
  }

  /** Finds a command by its lower-case name. */
  lookup(name: string): CommandSpec | undefined {
    return this.byName.get(name);
  }

  /**
   * Finds a command by its name as the client sent it (any case), without building a string: the
   * hot path of every request.
   */
  lookupBytes(name: Uint8Array): CommandSpec | undefined {
    if (name.length <= PACKED_NAME_BYTES) {
      // One map lookup instead of comparing with every command of the same length (there are
      // dozens of four-letter ones).
      let packed = 0;
      for (let i = 0; i < name.length; i++) {
        let c = name[i]!;
        if (c >= 65 && c <= 90) c |= 0x20;
        packed = packed * 256 + c;
      }
      return this.byPacked.get(packed + name.length * PACKED_LENGTH_UNIT);
    }
    const candidates = this.byLength[name.length];
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

  /** Every command, for COMMAND and COMMAND COUNT. */
  all(): CommandSpec[] {
    return [...this.byName.values()];
  }
}
