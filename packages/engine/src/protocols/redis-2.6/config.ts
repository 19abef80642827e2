/**
 * Redis 2.6.17's configuration as the lab models it: the replication settings under their 2.6
 * names (config.c configGetCommand), its defaults, `slaveof` in redis.conf, no CONFIG REWRITE.
 */
import { legacyConfigSchema, type ConfigName } from "../../redis/config.ts";

/** The settings every version before 5.0 has, under their old names. */
export const LEGACY_CONFIG_NAMES: readonly (readonly [string, ConfigName])[] = [
  ["repl-ping-slave-period", "repl-ping-replica-period"],
  ["repl-timeout", "repl-timeout"],
  ["slave-priority", "replica-priority"],
  ["slave-serve-stale-data", "replica-serve-stale-data"],
  ["slave-read-only", "replica-read-only"],
  ["repl-disable-tcp-nodelay", "repl-disable-tcp-nodelay"],
  ["masterauth", "masterauth"],
  ["requirepass", "requirepass"],
  ["rdbcompression", "rdbcompression"],
  ["rdbchecksum", "rdbchecksum"],
  ["save", "save"],
  ["dbfilename", "dbfilename"],
  ["maxclients", "maxclients"],
  ["hz", "hz"],
  ["appendonly", "appendonly"],
  ["maxmemory", "maxmemory"],
  ["maxmemory-policy", "maxmemory-policy"],
  ["client-output-buffer-limit", "client-output-buffer-limit"],
];

/** maxmemory-policy's default before 3.0 (REDIS_DEFAULT_MAXMEMORY_POLICY; noeviction from 3.0). */
export const LEGACY_MAXMEMORY_POLICY = "volatile-lru";

/**
 * Defaults as 7.0's (save points included: `3600 1 300 100 60 10000` are compiled into 2.6 too),
 * but for maxmemory-policy.
 */
export const CONFIG_2_6 = legacyConfigSchema(LEGACY_CONFIG_NAMES, { "maxmemory-policy": LEGACY_MAXMEMORY_POLICY }, { rewrite: false });
