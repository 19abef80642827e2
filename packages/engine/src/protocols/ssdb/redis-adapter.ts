/**
 * How ssdb-server answers the Redis protocol on its own port (`src/net/link_redis.cpp`): a Redis
 * request is renamed to an SSDB command (`del` → `multi_del`, `setex` → `setx` with its arguments
 * reordered, ...), run, and the SSDB reply is written back as RESP of the type the table gives.
 * Commands not in the table run under their own (lower-cased) name and answer a multibulk of
 * everything after the status; errors are `-ERR <message>`, `not_found` is a null bulk.
 */
import { asciiBytes, bytesToBinary, concatBytes } from "../../util/bytes.ts";
import { parseInt64 } from "./database.ts";
import { blockBytes, blockText, type ReplyBlock } from "./commands.ts";

type ReplyType = "bulk" | "multi-bulk" | "int" | "status";
type Strategy = "auto" | "ping" | "mget" | "hmget" | "hgetall" | "hkeys" | "hvals" | "setex" | "zrange" | "zrevrange" | "zrangebyscore" | "zrevrangebyscore" | "zadd" | "zincrby" | "remrangebyrank" | "remrangebyscore";

/** One row of `cmds_raw`. */
export interface RedisCommandDesc {
  readonly strategy: Strategy;
  readonly redis: string;
  readonly ssdb: string;
  readonly reply: ReplyType;
}

const ROWS: readonly [Strategy, string, string, ReplyType][] = [
  ["auto", "auth", "auth", "status"],
  ["ping", "ping", "ping", "status"],
  ["auto", "get", "get", "bulk"],
  ["auto", "getset", "getset", "bulk"],
  ["auto", "set", "set", "status"],
  ["auto", "setnx", "setnx", "int"],
  ["auto", "exists", "exists", "int"],
  ["auto", "incr", "incr", "int"],
  ["auto", "decr", "decr", "int"],
  ["auto", "ttl", "ttl", "int"],
  ["auto", "expire", "expire", "int"],
  ["auto", "getbit", "getbit", "int"],
  ["auto", "setbit", "setbit", "int"],
  ["auto", "strlen", "strlen", "int"],
  ["auto", "bitcount", "bitcount", "int"],
  ["auto", "substr", "getrange", "bulk"],
  ["auto", "getrange", "getrange", "bulk"],
  ["auto", "keys", "keys", "multi-bulk"],
  ["auto", "hset", "hset", "int"],
  ["auto", "hget", "hget", "bulk"],
  ["auto", "hexists", "hexists", "int"],
  ["auto", "del", "multi_del", "int"],
  ["auto", "mset", "multi_set", "status"],
  ["auto", "incrby", "incr", "int"],
  ["auto", "decrby", "decr", "int"],
  ["auto", "hmset", "multi_hset", "status"],
  ["auto", "hdel", "multi_hdel", "int"],
  ["auto", "hmdel", "multi_hdel", "int"],
  ["auto", "hlen", "hsize", "int"],
  ["auto", "hincrby", "hincr", "int"],
  ["auto", "zcard", "zsize", "int"],
  ["auto", "zscore", "zget", "bulk"],
  ["auto", "zrem", "multi_zdel", "int"],
  ["auto", "zrank", "zrank", "int"],
  ["auto", "zrevrank", "zrrank", "int"],
  ["auto", "zcount", "zcount", "int"],
  ["remrangebyrank", "zremrangebyrank", "zremrangebyrank", "int"],
  ["remrangebyscore", "zremrangebyscore", "zremrangebyscore", "int"],
  ["mget", "mget", "multi_get", "multi-bulk"],
  ["hmget", "hmget", "multi_hget", "multi-bulk"],
  ["hgetall", "hgetall", "hgetall", "multi-bulk"],
  ["hkeys", "hkeys", "hkeys", "multi-bulk"],
  ["hvals", "hvals", "hvals", "multi-bulk"],
  ["setex", "setex", "setx", "status"],
  ["zrange", "zrange", "zrange", "multi-bulk"],
  ["zrevrange", "zrevrange", "zrrange", "multi-bulk"],
  ["zadd", "zadd", "multi_zset", "int"],
  ["zincrby", "zincrby", "zincr", "bulk"],
  ["zrangebyscore", "zrangebyscore", "zscan", "multi-bulk"],
  ["zrevrangebyscore", "zrevrangebyscore", "zrscan", "multi-bulk"],
  ["auto", "lpush", "qpush_front", "int"],
  ["auto", "rpush", "qpush_back", "int"],
  ["auto", "lpop", "qpop_front", "bulk"],
  ["auto", "rpop", "qpop_back", "bulk"],
  ["auto", "llen", "qsize", "int"],
  ["auto", "lsize", "qsize", "int"],
  ["auto", "lindex", "qget", "bulk"],
  ["auto", "lset", "qset", "status"],
  ["auto", "lrange", "qslice", "multi-bulk"],
];

const TABLE = new Map<string, RedisCommandDesc>(ROWS.map(([strategy, redis, ssdb, reply]) => [redis, { strategy, redis, ssdb, reply }]));

/** A Redis request converted: the SSDB request to run and the row that says how to answer. */
export interface ConvertedRequest {
  readonly req: string[];
  readonly desc: RedisCommandDesc | null;
}

/** `RedisLink::convert_req`: the command name is lower-cased; table rows rename and reorder. */
export function convertRedisRequest(blocks: readonly Uint8Array[]): ConvertedRequest {
  const args = blocks.map((b) => bytesToBinary(b));
  const cmd = (args[0] ?? "").toLowerCase();
  const desc = TABLE.get(cmd) ?? null;
  if (desc === null) return { req: [cmd, ...args.slice(1)], desc: null };
  switch (desc.strategy) {
    case "hkeys":
    case "hvals":
      return { req: args.length === 2 ? [desc.ssdb, args[1]!, "", "", "2000000000"] : [desc.ssdb], desc };
    case "setex":
    case "zincrby":
      return { req: args.length === 4 ? [desc.ssdb, args[1]!, args[3]!, args[2]!] : [desc.ssdb], desc };
    case "zadd": {
      const req = [desc.ssdb];
      if (args.length >= 2) {
        req.push(args[1]!);
        for (let i = 2; i + 1 < args.length; i += 2) req.push(args[i + 1]!, String(Math.trunc(Number.parseFloat(args[i]!) || 0)));
      }
      return { req, desc };
    }
    case "remrangebyrank":
    case "remrangebyscore":
      return { req: args.length >= 4 ? [desc.ssdb, args[1]!, args[2]!, args[3]!] : [desc.ssdb], desc };
    case "zrange":
    case "zrevrange": {
      const req = [`redis_${desc.ssdb}`, args[1] ?? ""];
      if (args.length >= 4) req.push(args[2]!, args[3]!);
      if (args.length >= 5) req.push(args[4]!.toLowerCase());
      return { req, desc };
    }
    case "zrangebyscore":
    case "zrevrangebyscore":
      return { req: convertRangeByScore(desc, args), desc };
    default:
      return { req: [desc.ssdb, ...args.slice(1)], desc };
  }
}

function convertRangeByScore(desc: RedisCommandDesc, args: readonly string[]): string[] {
  const req = [desc.ssdb];
  if (args.length < 4) return req;
  const name = args[1]!;
  let min = args[2]!;
  let max = args[3]!;
  let withscores = "";
  let offset = "";
  let count = "";
  let afterLimit = false;
  for (let i = 4; i < args.length; i++) {
    const s = args[i]!;
    if (afterLimit) {
      if (offset === "") offset = s;
      else {
        count = s;
        afterLimit = false;
      }
    }
    const lower = s.toLowerCase();
    if (lower === "withscores") withscores = lower;
    else if (lower === "limit") afterLimit = true;
  }
  const forward = desc.strategy === "zrangebyscore";
  const exclusive = (bound: string, towardsEnd: boolean): string => {
    if (!bound.startsWith("(")) return bound;
    const n = parseInt64(bound.slice(1));
    return String(forward === towardsEnd ? n - 1 : n + 1);
  };
  req.push(name, "");
  min = min === "-inf" || min === "+inf" ? "" : exclusive(min, false);
  max = max === "-inf" || max === "+inf" ? "" : exclusive(max, true);
  req.push(min, max, offset === "" ? "0" : offset, count === "" ? "2000000000" : count, withscores);
  return req;
}

function bulk(value: ReplyBlock): Uint8Array {
  const bytes = blockBytes(value);
  return concatBytes([asciiBytes(`$${bytes.length}\r\n`), bytes, asciiBytes("\r\n")]);
}

/** `RedisLink::send_resp`: the SSDB reply `resp` to request `converted`, as RESP bytes. */
export function encodeRedisReply(resp: readonly ReplyBlock[], converted: ConvertedRequest): Uint8Array {
  const status = resp.length > 0 ? blockText(resp[0]!) : "";
  if (resp.length === 0) return new Uint8Array(0);
  if (status !== "ok") {
    if (status === "error" || status === "fail" || status === "client_error") return asciiOrBinary(`-ERR ${resp.length >= 2 ? blockText(resp[1]!) : ""}\r\n`);
    if (status === "not_found") return asciiBytes("$-1\r\n");
    if (status === "noauth") return asciiOrBinary(`-NOAUTH ${resp.length >= 2 ? blockText(resp[1]!) : ""}\r\n`);
    return asciiBytes("-ERR server error\r\n");
  }
  const desc = converted.desc;
  if (desc === null) return concatBytes([asciiBytes(`*${resp.length - 1}\r\n`), ...resp.slice(1).map(bulk)]);
  if (desc.strategy === "ping") return asciiBytes("+PONG\r\n");
  if (desc.reply === "status") return asciiBytes("+OK\r\n");
  if (desc.reply === "bulk") return resp.length >= 2 ? bulk(resp[1]!) : asciiBytes("$0\r\n");
  if (desc.reply === "int") return resp.length >= 2 ? asciiOrBinary(`:${blockText(resp[1]!)}\r\n`) : asciiBytes("$0\r\n");
  if (desc.strategy === "mget" || desc.strategy === "hmget") return encodeMget(resp, converted);
  let withscores = true;
  if (desc.strategy === "zrange" || desc.strategy === "zrevrange") withscores = converted.req[4] === "withscores";
  if (desc.strategy === "zrangebyscore" || desc.strategy === "zrevrangebyscore") withscores = converted.req[converted.req.length - 1] === "withscores";
  const items = resp.slice(1).filter((_, i) => withscores || i % 2 === 0);
  return concatBytes([asciiBytes(`*${withscores ? resp.length - 1 : Math.trunc((resp.length - 1) / 2)}\r\n`), ...items.map(bulk)]);
}

/** MGET/HMGET: one entry per requested key, null where the reply skipped it. */
function encodeMget(resp: readonly ReplyBlock[], converted: ConvertedRequest): Uint8Array {
  if (resp.length % 2 !== 1) return asciiBytes("*0");
  const requested = converted.desc?.strategy === "mget" ? converted.req.slice(1) : converted.req.slice(2);
  const parts = [asciiBytes(`*${requested.length}\r\n`)];
  let at = 1;
  for (const key of requested) {
    if (at >= resp.length || blockText(resp[at]!) !== key) {
      parts.push(asciiBytes("$-1\r\n"));
      continue;
    }
    parts.push(bulk(resp[at + 1]!));
    at += 2;
  }
  return concatBytes(parts);
}

function asciiOrBinary(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}
