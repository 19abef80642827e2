/**
 * The node kind "4.0": a redis-server 4.0.14 (PSYNC2 over a ring backlog). A `RedisNode` with
 * 4.0's commands, config names and replies, RDB version 8 with its AUX fields, and
 * `Psync2RingReplication`.
 */
import type { NodeKind } from "../../process/contract.ts";
import { CommandTable, sharedFamiliesFor } from "../../redis/commands/table.ts";
import { LEGACY_DIALECT_BASE, unknownCommand40, type RedisDialect } from "../../redis/dialect.ts";
import { redisKind } from "../../redis/redis-kind.ts";
import type { RedisFlavor } from "../../redis/server.ts";
import { psync2RingCommands } from "./commands.ts";
import { CONFIG_4_0 } from "./config.ts";
import { Psync2RingReplication } from "./replication.ts";
import { redis40DownView, type Redis40View } from "./view.ts";

/** `redis_version` of this kind. */
export const REDIS_4_0_VERSION = "4.0.14";

/** 4.0.14's replies where they differ from 7.0's (t_string.c, db.c, networking.c, server.c). */
export const DIALECT_4_0: RedisDialect = {
  ...LEGACY_DIALECT_BASE,
  unknownCommand: unknownCommand40,
  invalidExpireTime: (command) => `ERR invalid expire time in ${command}`,
  dbIndexOutOfRange: "ERR DB index is out of range",
  set: { modernOptions: false, nxWithXxIsError: true },
  clientKill: { types: ["normal", "slave", "pubsub", "master"], syntaxError: "ERR syntax error" },
  syncCounters: true,
  rdbVersion: 8,
  hyperLogLog: { estimator: "loglog-beta", dirtyPerRegister: false, mergeAlwaysDense: false },
};

/** The commands of 4.0.14's redisCommandTable (server.c), QUIT included (processCommand answers it). */
export const REDIS_4_0_COMMANDS: readonly string[] = (
  "append asking auth bgrewriteaof bgsave bitcount bitfield bitop bitpos blpop brpop brpoplpush client cluster command config dbsize debug decr decrby del " +
  "discard dump echo eval evalsha exec exists expire expireat flushall flushdb geoadd geodist geohash geopos georadius georadiusbymember get getbit " +
  "getrange getset hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hscan hset hsetnx hstrlen hvals incr incrby incrbyfloat info " +
  "keys lastsave latency lindex linsert llen lpop lpush lpushx lrange lrem lset ltrim memory mget migrate module monitor move mset msetnx multi object " +
  "persist pexpire pexpireat pfadd pfcount pfdebug pfmerge pfselftest ping post psetex psubscribe psync pttl publish pubsub punsubscribe quit randomkey " +
  "readonly readwrite rename renamenx replconf restore restore-asking role rpop rpoplpush rpush rpushx sadd save scan scard script sdiff sdiffstore " +
  "select set setbit setex setnx setrange shutdown sinter sinterstore sismember slaveof slowlog smembers smove sort spop srandmember srem sscan strlen " +
  "subscribe substr sunion sunionstore swapdb sync time touch ttl type unlink unsubscribe unwatch wait watch zadd zcard zcount zincrby zinterstore " +
  "zlexcount zrange zrangebylex zrangebyscore zrank zrem zremrangebylex zremrangebyrank zremrangebyscore zrevrange zrevrangebylex zrevrangebyscore " +
  "zrevrank zscan zscore zunionstore"
).split(" ");

let commands: CommandTable | null = null;

const FLAVOR: RedisFlavor<Redis40View> = {
  versionString: REDIS_4_0_VERSION,
  get commands(): CommandTable {
    commands ??= new CommandTable([...sharedFamiliesFor({ present: REDIS_4_0_COMMANDS, stale: ["ping"] }), psync2RingCommands]);
    return commands;
  },
  config: CONFIG_4_0,
  dialect: DIALECT_4_0,
  createReplication: (node) => new Psync2RingReplication(node),
};

export const REDIS_4_0: NodeKind<Redis40View> = redisKind({ version: "4.0", label: "Redis 4.0", flavor: FLAVOR, downView: redis40DownView });
