/**
 * The node kind "7.0": a redis-server 7.0.15 (PSYNC2, the shared replication buffer). It boots a
 * `RedisNode` with 7.0's command table and replication from what the node's disk holds:
 * `redis.conf` (settings and `replicaof`) and `dump.rdb`.
 */
import type { NodeKind } from "../../process/contract.ts";
import { CommandTable, SHARED_COMMAND_FAMILIES } from "../../redis/commands/table.ts";
import { dumpRestoreCommands } from "../../redis/commands/dump-restore.ts";
import { CONFIG_7_0 } from "../../redis/config.ts";
import { DIALECT_7_0 } from "../../redis/dialect.ts";
import { redisKind } from "../../redis/redis-kind.ts";
import type { RedisFlavor } from "../../redis/server.ts";
import { replicationCommands } from "./commands.ts";
import { Psync2Replication } from "./replication.ts";
import { redis70DownView, type Redis70View } from "./view.ts";

/** `redis_version` of this kind. */
export const REDIS_7_0_VERSION = "7.0.15";

let commands: CommandTable | null = null;

const FLAVOR: RedisFlavor<Redis70View> = {
  versionString: REDIS_7_0_VERSION,
  get commands(): CommandTable {
    commands ??= new CommandTable([...SHARED_COMMAND_FAMILIES, replicationCommands, dumpRestoreCommands]);
    return commands;
  },
  config: CONFIG_7_0,
  dialect: DIALECT_7_0,
  createReplication: (node) => new Psync2Replication(node),
};

export const REDIS_7_0: NodeKind<Redis70View> = redisKind({ version: "7.0", label: "Redis 7.0", flavor: FLAVOR, downView: redis70DownView });
