/**
 * Redis 2.8.24's configuration as the lab models it: 2.6's settings plus the backlog, the
 * min-slaves checks, diskless sync (off by default) and HyperLogLog's sparse limit, under their 2.8
 * names; CONFIG REWRITE.
 */
import { legacyConfigSchema, type ConfigName } from "../../redis/config.ts";
import { LEGACY_CONFIG_NAMES, LEGACY_MAXMEMORY_POLICY } from "../redis-2.6/config.ts";

/** What 2.8 added to 2.6's settings (4.0 has them too). */
export const PSYNC_CONFIG_NAMES: readonly (readonly [string, ConfigName])[] = [
  ...LEGACY_CONFIG_NAMES,
  ["repl-backlog-size", "repl-backlog-size"],
  ["repl-backlog-ttl", "repl-backlog-ttl"],
  ["min-slaves-to-write", "min-replicas-to-write"],
  ["min-slaves-max-lag", "min-replicas-max-lag"],
  ["repl-diskless-sync", "repl-diskless-sync"],
  ["repl-diskless-sync-delay", "repl-diskless-sync-delay"],
  ["hll-sparse-max-bytes", "hll-sparse-max-bytes"],
];

export const CONFIG_2_8 = legacyConfigSchema(PSYNC_CONFIG_NAMES, { "repl-diskless-sync": false, "maxmemory-policy": LEGACY_MAXMEMORY_POLICY }, { rewrite: true });
