/**
 * The node kind "7.0": a redis-server 7.0.15 (PSYNC2, the shared replication buffer). It boots a
 * `RedisNode` with 7.0's command table and replication from what the node's disk holds:
 * `redis.conf` (settings and `replicaof`) and `dump.rdb`.
 */
import type { BootContext, NodeKind } from "../../process/contract.ts";
import { CommandTable, SHARED_COMMAND_FAMILIES } from "../../redis/commands/table.ts";
import { initialConfigFile, parseConfigFile, setConfigFileMaster } from "../../redis/config-file.ts";
import { RedisNode, type RedisFlavor } from "../../redis/server.ts";
import { replicationCommands } from "./commands.ts";
import { Psync2Replication } from "./replication.ts";
import { redis70DownView, type Redis70View } from "./view.ts";

/** `redis_version` of this kind. */
export const REDIS_7_0_VERSION = "7.0.15";

const CONFIG_FILE = "redis.conf";

let commands: CommandTable | null = null;

const FLAVOR: RedisFlavor<Redis70View> = {
  versionString: REDIS_7_0_VERSION,
  get commands(): CommandTable {
    commands ??= new CommandTable([...SHARED_COMMAND_FAMILIES, replicationCommands]);
    return commands;
  },
  createReplication: (node) => new Psync2Replication(node),
};

export const REDIS_7_0: NodeKind<Redis70View> = {
  version: "7.0",
  label: "Redis 7.0",
  configFile: CONFIG_FILE,
  initialConfig: (settings) => {
    const result = initialConfigFile(settings);
    return "error" in result ? { error: result.error } : { text: result.text };
  },
  withMaster: setConfigFileMaster,
  boot(context: BootContext): RedisNode<Redis70View> {
    const parsed = parseConfigFile(context.disk.readText(CONFIG_FILE) ?? "");
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
        configFile: CONFIG_FILE,
      },
      FLAVOR,
    );
    if (!parsed.ok) node.trace({ kind: "warning", code: "bad-config-file", message: `${CONFIG_FILE} line ${parsed.line}: ${parsed.message}; started with the defaults` });
    return node;
  },
  downView: (disk) => redis70DownView(disk, CONFIG_FILE),
};
