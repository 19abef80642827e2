/**
 * The node kind "2.6": a redis-server 2.6.17 (SYNC only). A `RedisNode` with 2.6's commands (no
 * SCAN, COMMAND, UNLINK, HELLO…: only its own command table; PING allowed on a stale slave), 2.6's config names and replies,
 * RDB version 6, and `SyncReplication`.
 */
import type { NodeKind } from "../../process/contract.ts";
import { CommandTable, sharedFamiliesFor } from "../../redis/commands/table.ts";
import { LEGACY_DIALECT_BASE, unknownCommand26, type RedisDialect } from "../../redis/dialect.ts";
import { redisKind } from "../../redis/redis-kind.ts";
import type { RedisFlavor } from "../../redis/server.ts";
import { syncCommands } from "./commands.ts";
import { CONFIG_2_6 } from "./config.ts";
import { SyncReplication } from "./replication.ts";
import { redis26DownView, type Redis26View } from "./view.ts";

/** `redis_version` of this kind. */
export const REDIS_2_6_VERSION = "2.6.17";

/** 2.6.17's replies where they differ from 7.0's (t_string.c, db.c, networking.c, redis.c). */
export const DIALECT_2_6: RedisDialect = {
  ...LEGACY_DIALECT_BASE,
  unknownCommand: unknownCommand26,
  // setGenericCommand names SETEX whatever the command was.
  invalidExpireTime: () => "ERR invalid expire time in SETEX",
  dbIndexOutOfRange: "ERR invalid DB index",
  set: { modernOptions: false, nxWithXxIsError: false },
  clientKill: { types: null, syntaxError: "ERR Syntax error, try CLIENT (LIST | KILL ip:port | GETNAME | SETNAME connection-name)" },
  syncCounters: false,
  rdbVersion: 6,
  hyperLogLog: null,
};

/** The commands of 2.6's redisCommandTable (redis.c), QUIT included (processCommand answers it). */
export const REDIS_2_6_COMMANDS: readonly string[] = (
  "append auth bgrewriteaof bgsave bitcount bitop blpop brpop brpoplpush client config dbsize debug decr decrby del discard dump echo eval evalsha exec " +
  "exists expire expireat flushall flushdb get getbit getrange getset hdel hexists hget hgetall hincrby hincrbyfloat hkeys hlen hmget hmset hset hsetnx " +
  "hvals incr incrby incrbyfloat info keys lastsave lindex linsert llen lpop lpush lpushx lrange lrem lset ltrim mget migrate monitor move mset msetnx " +
  "multi object persist pexpire pexpireat ping psetex psubscribe pttl publish punsubscribe quit randomkey rename renamenx replconf restore rpop rpoplpush " +
  "rpush rpushx sadd save scard script sdiff sdiffstore select set setbit setex setnx setrange shutdown sinter sinterstore sismember slaveof slowlog " +
  "smembers smove sort spop srandmember srem strlen subscribe substr sunion sunionstore sync time ttl type unsubscribe unwatch watch zadd zcard zcount " +
  "zincrby zinterstore zrange zrangebyscore zrank zrem zremrangebyrank zremrangebyscore zrevrange zrevrangebyscore zrevrank zscore zunionstore"
).split(" ");

let commands: CommandTable | null = null;

const FLAVOR: RedisFlavor<Redis26View> = {
  versionString: REDIS_2_6_VERSION,
  get commands(): CommandTable {
    commands ??= new CommandTable([...sharedFamiliesFor({ present: REDIS_2_6_COMMANDS, stale: ["ping"] }), syncCommands]);
    return commands;
  },
  config: CONFIG_2_6,
  dialect: DIALECT_2_6,
  createReplication: (node) => new SyncReplication(node),
};

export const REDIS_2_6: NodeKind<Redis26View> = redisKind({ version: "2.6", label: "Redis 2.6", flavor: FLAVOR, downView: redis26DownView });
