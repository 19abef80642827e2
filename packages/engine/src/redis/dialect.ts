/**
 * Where one Redis version's shared core (commands, replies, INFO, propagation, RDB) behaves
 * differently from another's. A node kind hands its dialect to `RedisNode` in its `RedisFlavor`;
 * the shared commands read it instead of asking which version they run in. Every field says what
 * differs and which versions do what, from their sources (t_string.c, db.c, networking.c,
 * server.c / redis.c, multi.c, rdb.c).
 */
import { bytesToBinary } from "../util/bytes.ts";

/** The RDB file a version writes (and the newest it can load). */
export type RdbVersion = 6 | 8 | 10;

export interface RedisDialect {
  /** The error for a command the table does not have. */
  unknownCommand(argv: readonly Uint8Array[]): string;
  /** "invalid expire time" for SET / SETEX / PSETEX / EXPIRE… named `command` (lower case). */
  invalidExpireTime(command: string): string;
  /** `SELECT` beyond the last database. */
  readonly dbIndexOutOfRange: string;
  /** The -MASTERDOWN text (replica-serve-stale-data no, link down). */
  readonly masterDown: string;
  /**
   * SET's options beyond NX/XX/EX/PX (GET, KEEPTTL, EXAT, PXAT: 6.0–6.2), and whether NX with XX
   * is a syntax error (4.0 on) or both apply, so nothing is ever set (2.6, 2.8).
   */
  readonly set: { readonly modernOptions: boolean; readonly nxWithXxIsError: boolean };
  /**
   * Writes enter the stream rewritten as 7.0 does (SET … EX → SET … PXAT, EXPIRE → PEXPIREAT,
   * SETEX → SET … PXAT, GETSET → SET), or as the client sent them (before 7.0, where only the AOF
   * translated relative expiries).
   */
  readonly streamRewrites: boolean;
  /**
   * A transaction's writes are wrapped in MULTI/EXEC only when there are two or more ops (7.0,
   * propagatePendingCommands), or whenever EXEC ran at least one write (before 7.0,
   * execCommandPropagateMulti). Before 7.0 a lazily expired key's DEL goes out on its own, ahead of
   * the command that found it, never wrapped with it.
   */
  readonly wrapSingleWriteTransactions: boolean;
  /**
   * CLIENT KILL: the filter types `TYPE` accepts (null: 2.6, only `CLIENT KILL ip:port`), and the
   * error 2.6 gives for anything else.
   */
  readonly clientKill: { readonly types: readonly string[] | null; readonly syntaxError: string };
  /** INFO stats prints sync_full / sync_partial_ok / sync_partial_err (2.8 on). */
  readonly syncCounters: boolean;
  /** The RDB version this version writes and the newest it loads. */
  readonly rdbVersion: RdbVersion;
  /**
   * 7.0: a replica client's commands must not touch the keyspace ("Replica can't interact with the
   * keyspace") nor get a reply; one that does is logged and disconnected.
   */
  readonly replicaClientsSilent?: boolean;
  /**
   * 7.0: commands with a subcommand table are containers; an unknown subcommand is refused by
   * processCommand ("unknown subcommand 'x'. Try PUBSUB HELP."), not run (before 7.0 the command's
   * own proc answered it, inside MULTI only at EXEC).
   */
  readonly containerCommands?: boolean;
  /** HyperLogLog's rules (2.8 on; the 2.6 table has no PF commands). */
  readonly hyperLogLog: HyperLogLogRules | null;
}

/** Where the versions' hyperloglog.c differ (the value's bytes are the same in all of them). */
export interface HyperLogLogRules {
  /**
   * PFCOUNT's estimate: 2.8's raw harmonic mean with linear counting below 2.5 m and a polynomial
   * bias correction below 72,000; 4.0's LogLog-Beta; 7.0's (5.0 on) Otmar Ertl's improved estimator.
   */
  readonly estimator: HyperLogLogEstimator;
  /** PFADD adds one to the dirty counter per raised register (7.0) or one per changing PFADD. */
  readonly dirtyPerRegister: boolean;
  /** PFMERGE writes a dense value whatever its inputs (2.8), or keeps a sparse target sparse unless a source is dense. */
  readonly mergeAlwaysDense: boolean;
}

export type HyperLogLogEstimator = "linear-counting" | "loglog-beta" | "ertl";

/**
 * An argument as printf's `%.*s` prints it: at most `max` bytes, and nothing from its first NUL on
 * (redis formats these errors from C strings). Found by the RESP fuzzer against redis-server 7.0.15.
 */
function cString(arg: Uint8Array, max: number): string {
  let end = Math.min(arg.length, Math.max(0, max));
  const nul = arg.subarray(0, end).indexOf(0);
  if (nul >= 0) end = nul;
  return bytesToBinary(arg, 0, end);
}

/**
 * 7.0: ERR unknown command 'FOOBAR', with args beginning with: 'x' (processCommand: the name as
 * `%.128s`, then `'%.*s' ` per argument while the list is under 128 bytes, each cut to what is left).
 */
function unknownCommand70(argv: readonly Uint8Array[]): string {
  let args = "";
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `'${cString(argv[i]!, 128 - args.length)}' `;
  return `ERR unknown command '${cString(argv[0]!, 128)}', with args beginning with: ${args}`;
}

/**
 * 4.0 (up to 6.0): ERR unknown command `FOOBAR`, with args beginning with: `x`, (processCommand: the
 * name as `%s`, whole; then `` `%.*s`, `` per argument while the list is under 128 bytes, each cut to
 * what is left of them).
 */
export function unknownCommand40(argv: readonly Uint8Array[]): string {
  let args = "";
  for (let i = 1; i < argv.length && args.length < 128; i++) args += `\`${cString(argv[i]!, 128 - args.length)}\`, `;
  return `ERR unknown command \`${cString(argv[0]!, argv[0]!.length)}\`, with args beginning with: ${args}`;
}

/** 2.6, 2.8: ERR unknown command 'FOOBAR' (the name as `%s`, whole up to a NUL). */
export function unknownCommand26(argv: readonly Uint8Array[]): string {
  return `ERR unknown command '${cString(argv[0]!, argv[0]!.length)}'`;
}

/** Redis 7.0.15. */
export const DIALECT_7_0: RedisDialect = {
  unknownCommand: unknownCommand70,
  invalidExpireTime: (command) => `ERR invalid expire time in '${command}' command`,
  dbIndexOutOfRange: "ERR DB index is out of range",
  masterDown: "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.",
  set: { modernOptions: true, nxWithXxIsError: true },
  streamRewrites: true,
  wrapSingleWriteTransactions: false,
  clientKill: { types: ["normal", "slave", "replica", "master", "pubsub"], syntaxError: "ERR syntax error" },
  syncCounters: true,
  rdbVersion: 10,
  replicaClientsSilent: true,
  containerCommands: true,
  hyperLogLog: { estimator: "ertl", dirtyPerRegister: true, mergeAlwaysDense: false },
};

/** What 2.6, 2.8 and 4.0 say alike; each kind completes it. */
export const LEGACY_DIALECT_BASE = {
  masterDown: "MASTERDOWN Link with MASTER is down and slave-serve-stale-data is set to 'no'.",
  streamRewrites: false,
  wrapSingleWriteTransactions: true,
} as const;
