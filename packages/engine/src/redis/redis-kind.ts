/**
 * A node kind made of a `RedisNode` and a flavor: what every Redis kind does alike. It boots the
 * node from what its disk holds, `redis.conf` (read with the version's names) and `dump.rdb`, and
 * writes new config files the version's way (`slaveof` before 5.0, which had no REPLICAOF: the
 * console's "set master" is SLAVEOF there too).
 */
import type { BootContext, NodeKind, ProcessViewCommon } from "../process/contract.ts";
import type { SimDisk } from "../process/disk.ts";
import { initialConfigFile, parseConfigFile, setConfigFileMaster } from "./config-file.ts";
import { RedisNode, type RedisFlavor } from "./server.ts";

/** The config file every Redis kind keeps on its disk. */
export const REDIS_CONFIG_FILE = "redis.conf";

/** What a Redis kind is besides its flavor. */
export interface RedisKindSpec<V extends ProcessViewCommon> {
  readonly version: string;
  readonly label: string;
  readonly flavor: RedisFlavor<V>;
  downView(disk: SimDisk, configFile: string): V;
}

/** A node kind that boots a `RedisNode` of `spec.flavor`. */
export function redisKind<V extends ProcessViewCommon>(spec: RedisKindSpec<V>): NodeKind<V> {
  const schema = spec.flavor.config;
  return {
    version: spec.version,
    label: spec.label,
    configFile: REDIS_CONFIG_FILE,
    initialConfig: (settings) => {
      const result = initialConfigFile(settings, schema);
      return "error" in result ? { error: result.error } : { text: result.text };
    },
    withMaster: (text, master) => setConfigFileMaster(text, master, schema),
    replicaOfCommand: (master) => {
      const word = schema.masterDirective.toUpperCase();
      return { argv: master === null ? [word, "NO", "ONE"] : [word, master.host, String(master.port)] };
    },
    boot(context: BootContext): RedisNode<V> {
      const parsed = parseConfigFile(context.disk.readText(REDIS_CONFIG_FILE) ?? "", schema);
      // A file the lab wrote is always valid; a broken one (edited by hand) starts with defaults,
      // and says so, where a real server would refuse to start.
      const node = new RedisNode(
        {
          host: context.hostname,
          port: context.port,
          prng: context.prng,
          nowMs: context.nowMs,
          epochMs: context.epochMs,
          disk: context.disk,
          pid: context.pid,
          config: parsed.ok ? parsed.config : {},
          replicaOf: parsed.ok ? parsed.replicaOf : null,
          configFile: REDIS_CONFIG_FILE,
        },
        spec.flavor,
      );
      if (!parsed.ok) node.trace({ kind: "warning", code: "bad-config-file", message: `${REDIS_CONFIG_FILE} line ${parsed.line}: ${parsed.message}; started with the defaults` });
      return node;
    },
    downView: (disk) => spec.downView(disk, REDIS_CONFIG_FILE),
  };
}
