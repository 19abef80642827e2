/**
 * Redis 4.0.14's configuration as the lab models it: 2.8's settings plus the announced address
 * (slave-announce-ip, slave-announce-port) and the request limits (client-query-buffer-limit,
 * proto-max-bulk-len), under their 4.0 names; diskless sync off and maxmemory-policy noeviction
 * by default (config.c, server.h CONFIG_DEFAULT_*).
 */
import { legacyConfigSchema, type ConfigName } from "../../redis/config.ts";
import { PSYNC_CONFIG_NAMES } from "../redis-2.8/config.ts";

export const PSYNC2_RING_CONFIG_NAMES: readonly (readonly [string, ConfigName])[] = [
  ...PSYNC_CONFIG_NAMES,
  ["slave-announce-ip", "replica-announce-ip"],
  ["slave-announce-port", "replica-announce-port"],
  ["client-query-buffer-limit", "client-query-buffer-limit"],
  ["proto-max-bulk-len", "proto-max-bulk-len"],
];

export const CONFIG_4_0 = legacyConfigSchema(PSYNC2_RING_CONFIG_NAMES, { "repl-diskless-sync": false }, { rewrite: true });
