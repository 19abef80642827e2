/**
 * The node kind "2.8": a redis-server 2.8.24 (PSYNC with a run id, a ring backlog). A `RedisNode`
 * with 2.8's commands, config names and replies, RDB version 6, and `Psync1Replication`.
 */
import type { NodeKind } from "../../process/contract.ts";
import { CommandTable, sharedFamiliesFor } from "../../redis/commands/table.ts";
import { LEGACY_DIALECT_BASE, unknownCommand26, type RedisDialect } from "../../redis/dialect.ts";
import { redisKind } from "../../redis/redis-kind.ts";
import type { RedisFlavor } from "../../redis/server.ts";
import { psync1Commands } from "./commands.ts";
import { CONFIG_2_8 } from "./config.ts";
import { Psync1Replication } from "./replication.ts";
import { redis28DownView, type Redis28View } from "./view.ts";

/** `redis_version` of this kind. */
export const REDIS_2_8_VERSION = "2.8.24";

/** 2.8.24's replies where they differ from 7.0's. */
export const DIALECT_2_8: RedisDialect = {
  ...LEGACY_DIALECT_BASE,
  unknownCommand: unknownCommand26,
  invalidExpireTime: (command) => `ERR invalid expire time in ${command}`,
  dbIndexOutOfRange: "ERR invalid DB index",
  set: { modernOptions: false, nxWithXxIsError: false },
  clientKill: { types: ["normal", "slave", "pubsub"], syntaxError: "ERR syntax error" },
  syncCounters: true,
  rdbVersion: 6,
  hyperLogLog: { estimator: "linear-counting", dirtyPerRegister: false, mergeAlwaysDense: true },
};

/** The commands of 2.8's redisCommandTable (redis.c), QUIT included (processCommand answers it). */
export const REDIS_2_8_COMMANDS: readonly string[] = (
  "append auth bgrewriteaof bgsave bitcount bitop bitpos blpop brpop brpoplpush client command config dbsize debug decr decrby del discard dump echo eval " +
  "evalsha exec exists expire expireat flushall flushdb get getbit getrange getset hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset " +
  "hscan hset hsetnx hvals incr incrby incrbyfloat info keys lastsave latency lindex linsert llen lpop lpush lpushx lrange lrem lset ltrim mget migrate " +
  "monitor move mset msetnx multi object persist pexpire pexpireat pfadd pfcount pfdebug pfmerge pfselftest ping psetex psubscribe psync pttl publish " +
  "pubsub punsubscribe quit randomkey rename renamenx replconf restore role rpop rpoplpush rpush rpushx sadd save scan scard script sdiff sdiffstore " +
  "select set setbit setex setnx setrange shutdown sinter sinterstore sismember slaveof slowlog smembers smove sort spop srandmember srem sscan strlen " +
  "subscribe substr sunion sunionstore sync time ttl type unsubscribe unwatch watch zadd zcard zcount zincrby zinterstore zlexcount zrange zrangebylex " +
  "zrangebyscore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore zrevrank zscan zscore zunionstore"
).split(" ");

let commands: CommandTable | null = null;

const FLAVOR: RedisFlavor<Redis28View> = {
  versionString: REDIS_2_8_VERSION,
  get commands(): CommandTable {
    commands ??= new CommandTable([...sharedFamiliesFor({ present: REDIS_2_8_COMMANDS, stale: ["ping"] }), psync1Commands]);
    return commands;
  },
  config: CONFIG_2_8,
  dialect: DIALECT_2_8,
  createReplication: (node) => new Psync1Replication(node),
};

export const REDIS_2_8: NodeKind<Redis28View> = redisKind({ version: "2.8", label: "Redis 2.8", flavor: FLAVOR, downView: redis28DownView });
