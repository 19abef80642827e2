/**
 * Node configuration: the replication settings `CONFIG GET/SET` exposes, with redis 7.0.15's
 * defaults, parsers and error texts. Older versions know fewer of them, under their old names
 * (`slave-read-only`, `repl-ping-slave-period`) and with other defaults: a node kind describes
 * that with a `ConfigSchema` (see `legacyConfigSchema`); every function here defaults to 7.0's.
 */

/** Values a node's configuration holds. Sizes in bytes, periods in seconds as redis has them. */
export interface NodeConfig {
  "repl-backlog-size": number;
  "repl-backlog-ttl": number;
  "repl-ping-replica-period": number;
  "repl-timeout": number;
  "repl-diskless-sync": boolean;
  "repl-diskless-sync-delay": number;
  "repl-diskless-sync-max-replicas": number;
  "min-replicas-to-write": number;
  "min-replicas-max-lag": number;
  "replica-read-only": boolean;
  "replica-serve-stale-data": boolean;
  "replica-priority": number;
  "replica-announced": boolean;
  masterauth: string;
  masteruser: string;
  requirepass: string;
  "rdbcompression": boolean;
  "rdbchecksum": boolean;
  "rdb-del-sync-files": boolean;
  save: string;
  dbfilename: string;
  "proto-max-bulk-len": number;
  /** Bytes a sparse HyperLogLog may grow to before it turns dense. */
  "hll-sparse-max-bytes": number;
  maxclients: number;
  hz: number;
  "replica-announce-ip": string;
  "replica-announce-port": number;
  /** Lab nodes persist with RDB only; reported so that tools that ask (redis-benchmark) get an answer. */
  appendonly: boolean;
  /** Reported only: the simulated network has no Nagle algorithm to turn off. */
  "repl-disable-tcp-nodelay": boolean;
  /** A client whose unparsed input grows past this is closed (redis client_max_querybuf_len). */
  "client-query-buffer-limit": number;
  /**
   * Output buffer limits per client class, as CONFIG GET prints them:
   * `normal <hard> <soft> <seconds> slave <hard> <soft> <seconds> pubsub <hard> <soft> <seconds>`.
   */
  "client-output-buffer-limit": string;
  /** Bytes of memory the node may use before the maxmemory policy applies (0: no limit). */
  maxmemory: number;
  "maxmemory-policy": MaxmemoryPolicy;
  /** Memory all normal and pub/sub clients together may use before the largest is evicted; a negative value is a percentage of maxmemory (0: no limit). */
  "maxmemory-clients": number;
  /** Data-type encodings (7.0): when a hash, set or sorted set leaves its compact form. */
  "hash-max-listpack-entries": number;
  "hash-max-listpack-value": number;
  "set-max-intset-entries": number;
  "zset-max-listpack-entries": number;
  "zset-max-listpack-value": number;
  /** Quicklist node size (negative: a byte limit class, -2 = 8 KiB); shapes the RDB a list is saved as. */
  "list-max-listpack-size": number;
  "list-compress-depth": number;
  /** DEBUG: refused ("no"), allowed ("yes"), or allowed from loopback connections ("local"). */
  "enable-debug-command": "no" | "yes" | "local";
  /**
   * Microseconds an RDB child sleeps per key it writes (a hidden setting redis's tests use to keep a
   * BGSAVE for replication running): the replication RDB is ready that long after the fork.
   */
  "rdb-key-save-delay": number;
  /**
   * How a replica takes a full sync's RDB: `disabled` saves it to disk and loads the file,
   * `on-empty-db` parses it from the socket when the replica holds no keys, `swapdb` always parses
   * it from the socket into a new dataset that replaces the old one at the end (the old one serves
   * reads meanwhile when the master's replication id is ours: async loading).
   */
  "repl-diskless-load": "disabled" | "on-empty-db" | "swapdb";
  /** Microseconds loading an RDB sleeps per key (hidden; negative: 1 µs once in |n| keys). */
  "key-load-delay": number;
  /** While loading, clients are served (and the master kept alive) once per this many RDB bytes. */
  "loading-process-events-interval-bytes": number;
  /** Commands that take at least this many microseconds go to the slow log (negative: none, 0: all). */
  "slowlog-log-slower-than": number;
  /** Entries the slow log keeps. */
  "slowlog-max-len": number;
}

/** What happens when a write would take a node over `maxmemory`. */
export type MaxmemoryPolicy = (typeof MAXMEMORY_POLICIES)[number];

/** The policies in the order redis lists them in its error text. */
export const MAXMEMORY_POLICIES = ["volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl", "allkeys-lru", "allkeys-lfu", "allkeys-random", "noeviction"] as const;

export type ConfigName = keyof NodeConfig;

/** The smallest replication backlog (redis CONFIG_REPL_BACKLOG_MIN_SIZE). */
export const MIN_BACKLOG_SIZE = 16 * 1024;

/**
 * The defaults of redis-server 7.0.15 started without a config file: RDB save points included
 * (`CONFIG GET save` answers "3600 1 300 100 60 10000"), so SHUTDOWN saves and a restarted master
 * keeps its data, as the seed tutorial shows.
 */
export function defaultConfig(): NodeConfig {
  return {
    "repl-backlog-size": 1048576,
    "repl-backlog-ttl": 3600,
    "repl-ping-replica-period": 10,
    "repl-timeout": 60,
    "repl-diskless-sync": true,
    "repl-diskless-sync-delay": 5,
    "repl-diskless-sync-max-replicas": 0,
    "min-replicas-to-write": 0,
    "min-replicas-max-lag": 10,
    "replica-read-only": true,
    "replica-serve-stale-data": true,
    "replica-priority": 100,
    "replica-announced": true,
    masterauth: "",
    masteruser: "",
    requirepass: "",
    rdbcompression: true,
    rdbchecksum: true,
    "rdb-del-sync-files": false,
    save: "3600 1 300 100 60 10000",
    dbfilename: "dump.rdb",
    "proto-max-bulk-len": 536870912,
    "hll-sparse-max-bytes": 3000,
    maxclients: 10000,
    hz: 10,
    "replica-announce-ip": "",
    "replica-announce-port": 0,
    appendonly: false,
    "repl-disable-tcp-nodelay": false,
    "client-query-buffer-limit": 1073741824,
    "client-output-buffer-limit": "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60",
    maxmemory: 0,
    "maxmemory-policy": "noeviction",
    "maxmemory-clients": 0,
    "hash-max-listpack-entries": 512,
    "hash-max-listpack-value": 64,
    "set-max-intset-entries": 512,
    "zset-max-listpack-entries": 128,
    "zset-max-listpack-value": 64,
    "list-max-listpack-size": -2,
    "list-compress-depth": 0,
    "enable-debug-command": "no",
    "rdb-key-save-delay": 0,
    "repl-diskless-load": "disabled",
    "key-load-delay": 0,
    "loading-process-events-interval-bytes": 2 * 1024 * 1024,
    "slowlog-log-slower-than": 10000,
    "slowlog-max-len": 128,
  };
}

type Kind =
  | { type: "bool" }
  | { type: "int"; min: number; max: number; memory?: boolean; percent?: boolean }
  | { type: "enum"; values: readonly string[] }
  | { type: "obuf-limits" }
  | { type: "save-params" }
  | { type: "string"; sensitive?: boolean }
  | { type: "immutable-string" }
  | { type: "immutable-bool" }
  | { type: "immutable-enum"; values: readonly string[] };

interface ConfigSpec {
  readonly name: ConfigName;
  readonly aliases: readonly string[];
  readonly kind: Kind;
  /** HIDDEN_CONFIG: CONFIG GET shows it only when asked by its exact name, never for a pattern. */
  readonly hidden?: boolean;
  /** DENY_LOADING_CONFIG: CONFIG SET answers -LOADING while the node loads an RDB. */
  readonly denyLoading?: boolean;
}

const INT_MAX = 2147483647;
const INT_MIN = -2147483648;
/** LONG_MAX as a JS number (2^63, the nearest double): the bound of size_t settings, printed exactly in errors. */
const LONG_MAX = 2 ** 63;
const LLONG_MAX = Number.MAX_SAFE_INTEGER;

const SPECS: readonly ConfigSpec[] = [
  { name: "repl-backlog-size", aliases: [], kind: { type: "int", min: 1, max: LLONG_MAX, memory: true } },
  { name: "repl-backlog-ttl", aliases: [], kind: { type: "int", min: 0, max: INT_MAX } },
  { name: "repl-ping-replica-period", aliases: ["repl-ping-slave-period"], kind: { type: "int", min: 1, max: INT_MAX } },
  { name: "repl-timeout", aliases: [], kind: { type: "int", min: 1, max: INT_MAX } },
  { name: "repl-diskless-sync", aliases: [], kind: { type: "bool" } },
  { name: "repl-diskless-sync-delay", aliases: [], kind: { type: "int", min: 0, max: INT_MAX } },
  { name: "repl-diskless-sync-max-replicas", aliases: [], kind: { type: "int", min: 0, max: INT_MAX } },
  { name: "min-replicas-to-write", aliases: ["min-slaves-to-write"], kind: { type: "int", min: 0, max: INT_MAX } },
  { name: "min-replicas-max-lag", aliases: ["min-slaves-max-lag"], kind: { type: "int", min: 0, max: INT_MAX } },
  { name: "replica-read-only", aliases: ["slave-read-only"], kind: { type: "bool" } },
  { name: "replica-serve-stale-data", aliases: ["slave-serve-stale-data"], kind: { type: "bool" } },
  { name: "replica-priority", aliases: ["slave-priority"], kind: { type: "int", min: 0, max: INT_MAX } },
  { name: "replica-announced", aliases: [], kind: { type: "bool" } },
  { name: "masterauth", aliases: [], kind: { type: "string", sensitive: true } },
  { name: "masteruser", aliases: [], kind: { type: "string", sensitive: true } },
  { name: "requirepass", aliases: [], kind: { type: "string", sensitive: true } },
  { name: "rdbcompression", aliases: [], kind: { type: "bool" } },
  { name: "rdbchecksum", aliases: [], kind: { type: "bool" } },
  { name: "rdb-del-sync-files", aliases: [], kind: { type: "bool" } },
  { name: "save", aliases: [], kind: { type: "save-params" } },
  { name: "dbfilename", aliases: [], kind: { type: "immutable-string" } },
  { name: "proto-max-bulk-len", aliases: [], kind: { type: "int", min: 1048576, max: LLONG_MAX, memory: true } },
  { name: "hll-sparse-max-bytes", aliases: [], kind: { type: "int", min: 0, max: LONG_MAX, memory: true } },
  { name: "maxclients", aliases: [], kind: { type: "int", min: 1, max: INT_MAX } },
  { name: "hz", aliases: [], kind: { type: "int", min: 0, max: INT_MAX } },
  { name: "replica-announce-ip", aliases: ["slave-announce-ip"], kind: { type: "string" } },
  { name: "replica-announce-port", aliases: ["slave-announce-port"], kind: { type: "int", min: 0, max: 65535 } },
  { name: "appendonly", aliases: [], kind: { type: "immutable-bool" }, denyLoading: true },
  { name: "repl-disable-tcp-nodelay", aliases: [], kind: { type: "bool" } },
  { name: "client-query-buffer-limit", aliases: [], kind: { type: "int", min: 1048576, max: LLONG_MAX, memory: true } },
  { name: "client-output-buffer-limit", aliases: [], kind: { type: "obuf-limits" } },
  { name: "maxmemory", aliases: [], kind: { type: "int", min: 0, max: LLONG_MAX, memory: true } },
  { name: "maxmemory-policy", aliases: [], kind: { type: "enum", values: MAXMEMORY_POLICIES } },
  { name: "maxmemory-clients", aliases: [], kind: { type: "int", min: -100, max: LLONG_MAX, memory: true, percent: true } },
  { name: "hash-max-listpack-entries", aliases: ["hash-max-ziplist-entries"], kind: { type: "int", min: 0, max: LONG_MAX } },
  { name: "hash-max-listpack-value", aliases: ["hash-max-ziplist-value"], kind: { type: "int", min: 0, max: LONG_MAX, memory: true } },
  { name: "set-max-intset-entries", aliases: [], kind: { type: "int", min: 0, max: LONG_MAX } },
  { name: "zset-max-listpack-entries", aliases: ["zset-max-ziplist-entries"], kind: { type: "int", min: 0, max: LONG_MAX } },
  { name: "zset-max-listpack-value", aliases: ["zset-max-ziplist-value"], kind: { type: "int", min: 0, max: LONG_MAX, memory: true } },
  { name: "list-max-listpack-size", aliases: ["list-max-ziplist-size"], kind: { type: "int", min: INT_MIN, max: INT_MAX } },
  { name: "list-compress-depth", aliases: [], kind: { type: "int", min: 0, max: INT_MAX } },
  { name: "enable-debug-command", aliases: [], kind: { type: "immutable-enum", values: ["no", "yes", "local"] } },
  { name: "rdb-key-save-delay", aliases: [], kind: { type: "int", min: INT_MIN, max: INT_MAX }, hidden: true },
  { name: "repl-diskless-load", aliases: [], kind: { type: "enum", values: ["disabled", "on-empty-db", "swapdb"] }, denyLoading: true },
  { name: "key-load-delay", aliases: [], kind: { type: "int", min: INT_MIN, max: INT_MAX }, hidden: true },
  { name: "loading-process-events-interval-bytes", aliases: [], kind: { type: "int", min: 1024, max: INT_MAX }, hidden: true },
  { name: "slowlog-log-slower-than", aliases: [], kind: { type: "int", min: -1, max: LONG_MAX } },
  { name: "slowlog-max-len", aliases: [], kind: { type: "int", min: 0, max: LONG_MAX } },
];

/** Settings CONFIG GET matches only by their exact name. */
export const HIDDEN_CONFIGS: ReadonlySet<ConfigName> = new Set(SPECS.filter((spec) => spec.hidden === true).map((spec) => spec.name));

const SPEC_OF = new Map<ConfigName, ConfigSpec>(SPECS.map((spec) => [spec.name, spec]));

/** Settings CONFIG SET refuses with -LOADING while the node loads an RDB (DENY_LOADING_CONFIG). */
export const DENY_LOADING_CONFIGS: ReadonlySet<ConfigName> = new Set(SPECS.filter((spec) => spec.denyLoading === true).map((spec) => spec.name));

/** Every canonical config name, in a stable order. */
export const CONFIG_NAMES: readonly ConfigName[] = SPECS.map((s) => s.name);

/**
 * What one Redis version's configuration looks like from outside: the names it knows (each with
 * the setting it names), its defaults, the word its config file uses for the master, and how
 * CONFIG SET words its errors.
 */
export interface ConfigSchema {
  /** Every name CONFIG GET can match, with the setting it names; a setting's first name is how files spell it. */
  readonly names: readonly (readonly [string, ConfigName])[];
  readonly defaults: Readonly<NodeConfig>;
  /** `replicaof` (5.0 on) or `slaveof`: the directive CONFIG REWRITE writes. */
  readonly masterDirective: "replicaof" | "slaveof";
  /**
   * CONFIG SET's error texts: 7.0's ("Unknown option or number of arguments for CONFIG SET - 'x'",
   * "CONFIG SET failed (possibly related to argument 'x') - ...") or the older ones
   * ("Unsupported CONFIG parameter: x", "Invalid argument 'v' for CONFIG SET 'x'").
   */
  readonly errors: "7.0" | "legacy";
  /** CONFIG SET takes several name/value pairs at once (7.0) or exactly one. */
  readonly multiSet: boolean;
  /** CONFIG REWRITE exists (2.8 on). */
  readonly rewrite: boolean;
  /** Looks a name up, case-insensitively. */
  find(name: string): ConfigName | undefined;
}

function schema(names: readonly (readonly [string, ConfigName])[], defaults: NodeConfig, rest: Pick<ConfigSchema, "masterDirective" | "errors" | "multiSet" | "rewrite">): ConfigSchema {
  const byName = new Map<string, ConfigName>(names.map(([name, canonical]) => [name, canonical]));
  return { names, defaults, ...rest, find: (name) => byName.get(name.toLowerCase()) };
}

/** Redis 7.0.15's configuration: every setting under its canonical name and its aliases. */
export const CONFIG_7_0: ConfigSchema = schema(
  SPECS.flatMap((s) => [[s.name, s.name] as const, ...s.aliases.map((alias) => [alias, s.name] as const)]),
  defaultConfig(),
  { masterDirective: "replicaof", errors: "7.0", multiSet: true, rewrite: true },
);

/**
 * The configuration of a version older than 5.0: only `names` (each the old spelling of a
 * setting, e.g. `["slave-read-only", "replica-read-only"]`), with `defaults` over 7.0's.
 */
export function legacyConfigSchema(names: readonly (readonly [string, ConfigName])[], defaults: Partial<NodeConfig>, options: { readonly rewrite: boolean }): ConfigSchema {
  return schema(names, { ...defaultConfig(), ...defaults }, { masterDirective: "slaveof", errors: "legacy", multiSet: false, rewrite: options.rewrite });
}

/** Every name CONFIG GET can match (canonical names and aliases), with the setting it names. */
export const CONFIG_NAMES_AND_ALIASES: readonly (readonly [string, ConfigName])[] = CONFIG_7_0.names;

/** Looks a parameter up by name or alias, case-insensitively. */
export function findConfig(name: string, configSchema: ConfigSchema = CONFIG_7_0): ConfigName | undefined {
  return configSchema.find(name);
}

/** How a version's config file spells a setting (its first name for it), or undefined when it has none. */
export function fileNameOf(name: ConfigName, configSchema: ConfigSchema): string | undefined {
  return configSchema.names.find(([, canonical]) => canonical === name)?.[0];
}

/** Renders a value as CONFIG GET prints it. */
export function formatConfigValue(config: NodeConfig, name: ConfigName): string {
  const value = config[name];
  if (typeof value === "boolean") return value ? "yes" : "no";
  // A percentage is kept negative, as redis keeps it, and printed as one.
  if (typeof value === "number" && value < 0 && SPEC_OF.get(name)?.kind.type === "int") return `${-value}%`;
  return String(value);
}

/** KEYS, SCAN and CONFIG GET patterns: see glob.ts (bounded, as redis 7.0.15 bounds them). */
export { globMatch } from "./glob.ts";

export type ConfigSetResult = { ok: true } | { ok: false; message: string };

/**
 * `save` as setConfigSaveOption checks it: an even number of integers, seconds ≥ 1 and changes ≥ 0
 * (`""` alone is no save points). Returns the pairs as CONFIG GET prints them, or null.
 */
export function parseSaveParams(value: string): string | null {
  if (value === "") return "";
  const words = value.split(" ");
  if (words.length % 2 !== 0) return null;
  const numbers: number[] = [];
  for (let i = 0; i < words.length; i++) {
    // strtoll with nothing left after the number: an optional sign and digits.
    if (!/^[+-]?\d+$/.test(words[i]!)) return null;
    const n = Number(words[i]);
    if (i % 2 === 0 ? n < 1 : n < 0) return null;
    numbers.push(n);
  }
  return numbers.join(" ");
}

/**
 * Parses `value` for `name` as CONFIG SET does and stores it. Returns redis's error text (without
 * the `ERR ` prefix) on failure and leaves the config unchanged.
 */
export function setConfigValue(
  config: NodeConfig,
  rawName: string,
  value: string,
  options: { readonly startup?: boolean } = {},
  configSchema: ConfigSchema = CONFIG_7_0,
): ConfigSetResult {
  const name = configSchema.find(rawName);
  const spec = name === undefined ? undefined : SPEC_OF.get(name);
  const legacy = configSchema.errors === "legacy";
  if (!spec) return { ok: false, message: legacy ? `Unsupported CONFIG parameter: ${rawName}` : `Unknown option or number of arguments for CONFIG SET - '${rawName}'` };
  const fail = (reason: string): ConfigSetResult => ({
    ok: false,
    message: legacy ? `Invalid argument '${value}' for CONFIG SET '${rawName}'` : `CONFIG SET failed (possibly related to argument '${rawName}') - ${reason}`,
  });
  switch (spec.kind.type) {
    case "bool": {
      const v = value.toLowerCase();
      if (v !== "yes" && v !== "no") return fail("argument must be 'yes' or 'no'");
      (config as unknown as Record<string, boolean>)[spec.name] = v === "yes";
      return { ok: true };
    }
    case "int": {
      if (spec.kind.percent && value.endsWith("%")) {
        const percent = parseStrictInt(value.slice(0, -1));
        if (percent === undefined || percent < 0) return fail("argument must be a memory or percent value");
        if (percent > 100) return fail("percentage argument must be less or equal to 100");
        (config as unknown as Record<string, number>)[spec.name] = -percent;
        return { ok: true };
      }
      const parsed = spec.kind.memory ? parseMemory(value) : parseStrictInt(value);
      if (parsed === undefined) return fail(spec.kind.memory ? "argument must be a memory value" : "argument couldn't be parsed into an integer");
      if (parsed < spec.kind.min || parsed > spec.kind.max) {
        return fail(`argument must be between ${boundText(spec.kind.min)} and ${boundText(spec.kind.max)} inclusive`);
      }
      (config as unknown as Record<string, number>)[spec.name] = parsed;
      return { ok: true };
    }
    case "string":
      (config as unknown as Record<string, string>)[spec.name] = value;
      return { ok: true };
    case "enum": {
      const v = value.toLowerCase();
      if (!spec.kind.values.includes(v)) return fail(`argument(s) must be one of the following: ${spec.kind.values.join(", ")}`);
      (config as unknown as Record<string, string>)[spec.name] = v;
      return { ok: true };
    }
    case "save-params": {
      const params = parseSaveParams(value);
      if (params === null) return fail("Invalid save parameters");
      config.save = params;
      return { ok: true };
    }
    case "obuf-limits": {
      const merged = mergeOutputBufferLimits(config["client-output-buffer-limit"], value);
      if (typeof merged !== "string") return fail(merged.error);
      config["client-output-buffer-limit"] = merged;
      return { ok: true };
    }
    case "immutable-string":
      if (!options.startup) return fail("can't set immutable config");
      (config as unknown as Record<string, string>)[spec.name] = value;
      return { ok: true };
    case "immutable-enum": {
      const v = value.toLowerCase();
      if (!options.startup) return fail("can't set immutable config");
      if (!spec.kind.values.includes(v)) return fail(`argument(s) must be one of the following: ${spec.kind.values.join(", ")}`);
      (config as unknown as Record<string, string>)[spec.name] = v;
      return { ok: true };
    }
    case "immutable-bool": {
      const v = value.toLowerCase();
      if (!options.startup) return fail("can't set immutable config");
      if (v !== "yes" && v !== "no") return fail("argument must be 'yes' or 'no'");
      (config as unknown as Record<string, boolean>)[spec.name] = v === "yes";
      return { ok: true };
    }
    default:
      return assertNever(spec.kind);
  }
}

/** One client class's output buffer limits (0: none). */
export interface OutputBufferLimit {
  readonly hardBytes: number;
  readonly softBytes: number;
  readonly softSeconds: number;
}

/** The classes `client-output-buffer-limit` configures, in the order CONFIG GET prints them. */
export const OUTPUT_BUFFER_CLASSES = ["normal", "slave", "pubsub"] as const;
export type OutputBufferClass = (typeof OUTPUT_BUFFER_CLASSES)[number];

/** Reads the canonical `client-output-buffer-limit` value (as {@link formatConfigValue} prints it). */
export function outputBufferLimits(value: string): Readonly<Record<OutputBufferClass, OutputBufferLimit>> {
  const words = value.split(" ");
  const limits: Record<string, OutputBufferLimit> = {};
  for (let i = 0; i + 3 < words.length; i += 4) {
    limits[words[i]!] = { hardBytes: Number(words[i + 1]), softBytes: Number(words[i + 2]), softSeconds: Number(words[i + 3]) };
  }
  return limits as Record<OutputBufferClass, OutputBufferLimit>;
}

/**
 * updateClientOutputBufferLimit: `<class> <hard> <soft> <seconds>` groups (class `replica` or
 * `slave`, `normal`, `pubsub`) over the current canonical value; every group is checked before any
 * applies. Returns the new canonical value or redis's error text.
 */
function mergeOutputBufferLimits(current: string, value: string): string | { readonly error: string } {
  const args = value.split(" ").filter((word) => word !== "");
  if (args.length % 4 !== 0) return { error: "Wrong number of arguments in buffer limit configuration." };
  const limits: Record<OutputBufferClass, OutputBufferLimit> = { ...outputBufferLimits(current) };
  const updates: [OutputBufferClass, OutputBufferLimit][] = [];
  for (let i = 0; i < args.length; i += 4) {
    const name = args[i]!.toLowerCase();
    const klass: OutputBufferClass | null = name === "replica" || name === "slave" ? "slave" : name === "normal" || name === "pubsub" ? name : null;
    if (klass === null) return { error: "Invalid client class specified in buffer limit configuration." };
    const hard = parseMemory(args[i + 1]!);
    const soft = parseMemory(args[i + 2]!);
    const seconds = /^\d+$/.test(args[i + 3]!) ? Number(args[i + 3]) : undefined;
    if (hard === undefined || soft === undefined || seconds === undefined) return { error: "Error in hard, soft or soft_seconds setting in buffer limit configuration." };
    updates.push([klass, { hardBytes: hard, softBytes: soft, softSeconds: seconds }]);
  }
  for (const [klass, limit] of updates) limits[klass] = limit;
  return OUTPUT_BUFFER_CLASSES.map((klass) => `${klass} ${limits[klass].hardBytes} ${limits[klass].softBytes} ${limits[klass].softSeconds}`).join(" ");
}

/** LONG_MAX does not survive as a JS number; print it as redis does. */
function boundText(bound: number): string {
  return bound === LONG_MAX ? "9223372036854775807" : String(bound);
}

function parseStrictInt(text: string): number | undefined {
  if (!/^-?\d+$/.test(text)) return undefined;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : undefined;
}

/** Parses memory values as redis's memtoull: plain bytes or with k/kb/m/mb/g/gb suffixes. */
export function parseMemory(text: string): number | undefined {
  const m = /^(\d+)(k|kb|m|mb|g|gb|b)?$/i.exec(text);
  if (!m) return undefined;
  const units: Record<string, number> = { "": 1, b: 1, k: 1000, kb: 1024, m: 1000 ** 2, mb: 1024 ** 2, g: 1000 ** 3, gb: 1024 ** 3 };
  const n = Number(m[1]) * units[(m[2] ?? "").toLowerCase()]!;
  return Number.isSafeInteger(n) ? n : undefined;
}

function assertNever(value: never): never {
  throw new Error(`unexpected value ${JSON.stringify(value)}`);
}
