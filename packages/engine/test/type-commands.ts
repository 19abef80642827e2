/**
 * Random command sequences over every data type, for the differential test against a live
 * redis-server 7.0.15. Keys come from small pools per type, with a share of wrong-type picks, so
 * that WRONGTYPE, conversions between encodings, empty-key deletion and the error paths all come
 * up. Every generated command is deterministic in its effect on the data; a few have replies whose
 * order a real server's hash seed decides (`unordered`), or a clock-dependent reply (`ttl`).
 */
import { Prng } from "../src/sim/prng.ts";

/** How a reply is compared. */
export type ReplyCheck = "exact" | "unordered" | "unordered-pairs" | "ttl" | "length";

export interface GeneratedCommand {
  readonly argv: readonly string[];
  readonly check: ReplyCheck;
  /** A key whose OBJECT ENCODING decides whether an unordered reply must keep its order. */
  readonly orderKey?: string;
}

const STRINGS = ["s0", "s1", "s2"];
const LISTS = ["l0", "l1", "l2", "l3"];
const HASHES = ["h0", "h1", "h2"];
const SETS = ["S0", "S1", "S2", "S3"];
const ZSETS = ["z0", "z1", "z2", "z3"];
/**
 * Sorted sets whose members all score 0, the only kind lex ranges are defined on: over mixed
 * scores, a real server's answer depends on its skiplist's random levels.
 */
const LEX_ZSETS = ["zl0", "zl1"];
const ALL = [...STRINGS, ...LISTS, ...HASHES, ...SETS, ...ZSETS, "missing"];

const WORDS = ["a", "b", "c", "foo", "bar", "baz", "", "x y", "a\u00e9"];
const INTS = ["0", "1", "-1", "7", "42", "100", "-70000", "65536", "5000000000", "9223372036854775807", "-9223372036854775808", "007", "+5", " 5"];
const FLOATS = ["1.5", "-2.25", "0.1", "1e3", "3.0", "1e-5", "-0", "2.5e-3", "123456789.123", "1e20", "0.3"];
const SCORES = [...FLOATS, "0", "1", "-1", "inf", "-inf", "+inf", "(1", "nan", "abc", "10", "1e400"];
const LONG = ["x".repeat(70), "y".repeat(100), `${"z".repeat(30)}1`];

/** A deterministic generator of commands for one seed. */
export class TypeCommandGenerator {
  private readonly prng: Prng;
  /** WATCH/MULTI state, so transactions are well-formed most of the time. */
  private inMulti = false;

  constructor(seed: number | string) {
    this.prng = Prng.fromSeed(seed);
  }

  private pick<T>(items: readonly T[]): T {
    return items[this.prng.int(items.length)]!;
  }

  private chance(p: number): boolean {
    return this.prng.float() < p;
  }

  /** A key of the wanted pool, or now and then any key (wrong types, missing ones). */
  private key(pool: readonly string[]): string {
    return this.chance(0.06) ? this.pick(ALL) : this.pick(pool);
  }

  private value(): string {
    const r = this.prng.float();
    if (r < 0.45) return this.pick(WORDS);
    if (r < 0.75) return this.pick(INTS);
    if (r < 0.9) return this.pick(FLOATS);
    return this.pick(LONG);
  }

  private member(): string {
    // Sets and sorted sets: mostly integers (intsets), some words.
    return this.chance(0.55) ? String(this.prng.int(40) - 10) : this.value();
  }

  private index(): string {
    return this.pick(["0", "1", "2", "-1", "-2", "5", "-100", "100", "3", "abc"]);
  }

  private count(): string {
    return this.pick(["0", "1", "2", "3", "5", "-1", "-3", "100", "abc"]);
  }

  private many(gen: () => string, min: number, max: number): string[] {
    const n = min + this.prng.int(max - min + 1);
    return Array.from({ length: n }, gen);
  }

  next(): GeneratedCommand {
    if (this.inMulti && this.chance(0.2)) {
      this.inMulti = false;
      return { argv: [this.pick(["EXEC", "EXEC", "EXEC", "DISCARD"])], check: "exact" };
    }
    const family = this.prng.int(100);
    let command: GeneratedCommand;
    if (family < 20) command = this.listCommand();
    else if (family < 38) command = this.hashCommand();
    else if (family < 56) command = this.setCommand();
    else if (family < 78) command = this.zsetCommand();
    else if (family < 88) command = this.stringCommand();
    else command = this.keyCommand();
    // Inside MULTI the replies come back in EXEC's array, which is compared exactly.
    if (this.inMulti && command.check !== "exact") return { argv: ["PING"], check: "exact" };
    return command;
  }

  /** Blocking commands that may wait (a real server waits its timeout), kept rare. */
  private blocking(command: readonly string[]): GeneratedCommand {
    return this.chance(0.08) || this.inMulti ? { argv: command, check: "exact" } : { argv: ["PING"], check: "exact" };
  }

  private listCommand(): GeneratedCommand {
    const k = this.key(LISTS);
    const e = (): string => this.value();
    const r = this.prng.int(22);
    const exact = (...argv: string[]): GeneratedCommand => ({ argv, check: "exact" });
    switch (r) {
      case 0:
      case 1:
        return exact("LPUSH", k, ...this.many(e, 1, 4));
      case 2:
      case 3:
        return exact("RPUSH", k, ...this.many(e, 1, 4));
      case 4:
        return exact(this.pick(["LPUSHX", "RPUSHX"]), k, e());
      case 5:
        return exact(this.pick(["LPOP", "RPOP"]), k, ...(this.chance(0.4) ? [this.count()] : []));
      case 6:
      case 7:
        return exact("LRANGE", k, this.index(), this.index());
      case 8:
        return exact("LLEN", k);
      case 9:
        return exact("LINDEX", k, this.index());
      case 10:
        return exact("LSET", k, this.index(), e());
      case 11:
        return exact("LREM", k, this.pick(["0", "1", "-1", "2", "-2"]), e());
      case 12:
        return exact("LTRIM", k, this.index(), this.index());
      case 13:
        return exact("LINSERT", k, this.pick(["BEFORE", "AFTER", "MIDDLE"]), e(), e());
      case 14: {
        const opts: string[] = [];
        if (this.chance(0.4)) opts.push("RANK", this.pick(["1", "2", "-1", "-2", "0"]));
        if (this.chance(0.4)) opts.push("COUNT", this.pick(["0", "1", "2", "-1"]));
        if (this.chance(0.3)) opts.push("MAXLEN", this.pick(["0", "1", "3", "-1"]));
        return exact("LPOS", k, e(), ...opts);
      }
      case 15:
        return exact("LMOVE", k, this.key(LISTS), this.pick(["LEFT", "RIGHT"]), this.pick(["LEFT", "RIGHT", "UP"]));
      case 16:
        return exact("RPOPLPUSH", k, this.key(LISTS));
      case 17:
        return this.blocking([this.pick(["BLPOP", "BRPOP"]), k, this.key(LISTS), this.pick(["0.01", "-1", "abc", "0.02"])]);
      case 18:
        return this.blocking(["BLMOVE", k, this.key(LISTS), this.pick(["LEFT", "RIGHT"]), this.pick(["LEFT", "RIGHT"]), "0.01"]);
      case 19:
        return exact("LMPOP", this.pick(["1", "2", "0"]), k, this.key(LISTS), this.pick(["LEFT", "RIGHT"]), ...(this.chance(0.5) ? ["COUNT", this.count()] : []));
      case 20:
        return this.blocking(["BLMPOP", "0.01", "2", k, this.key(LISTS), this.pick(["LEFT", "RIGHT"]), "COUNT", this.pick(["1", "3"])]);
      default:
        return exact("OBJECT", "ENCODING", k);
    }
  }

  private hashCommand(): GeneratedCommand {
    const k = this.key(HASHES);
    const f = (): string => (this.chance(0.8) ? `f${this.prng.int(12)}` : this.value());
    const exact = (...argv: string[]): GeneratedCommand => ({ argv, check: "exact" });
    switch (this.prng.int(18)) {
      case 0:
      case 1:
      case 2:
        return exact("HSET", k, ...this.many(() => `${f()}\u0000${this.value()}`, 1, 3).flatMap((p) => p.split("\u0000")));
      case 3:
        return exact("HSETNX", k, f(), this.value());
      case 4:
        return exact("HGET", k, f());
      case 5:
        return exact("HMGET", k, f(), f(), f());
      case 6:
        return exact("HDEL", k, ...this.many(f, 1, 3));
      case 7:
        return { argv: ["HGETALL", k], check: "unordered-pairs", orderKey: k };
      case 8:
        return { argv: [this.pick(["HKEYS", "HVALS"]), k], check: "unordered", orderKey: k };
      case 9:
        return exact("HLEN", k);
      case 10:
        return exact("HEXISTS", k, f());
      case 11:
        return exact("HINCRBY", k, f(), this.pick(["1", "-5", "100", "abc", "9223372036854775807"]));
      case 12:
        return exact("HINCRBYFLOAT", k, f(), this.pick([...FLOATS, "inf", "abc", "5"]));
      case 13:
        return exact("HSTRLEN", k, f());
      case 14:
        return this.chance(0.5) ? { argv: ["HRANDFIELD", k, "1000", "WITHVALUES"], check: "unordered-pairs", orderKey: k } : { argv: ["HRANDFIELD", k, "1000"], check: "unordered", orderKey: k };
      case 15:
        return { argv: ["HRANDFIELD", k, this.pick(["-3", "-1", "0"])], check: "length" };
      case 16:
        return { argv: ["HSCAN", k, "0", "COUNT", "1000", ...(this.chance(0.4) ? ["MATCH", this.pick(["f1*", "*", "f?"])] : [])], check: "unordered-pairs", orderKey: k };
      default:
        return exact("OBJECT", "ENCODING", k);
    }
  }

  private setCommand(): GeneratedCommand {
    const k = this.key(SETS);
    const m = (): string => this.member();
    const exact = (...argv: string[]): GeneratedCommand => ({ argv, check: "exact" });
    const unordered = (...argv: string[]): GeneratedCommand => ({ argv, check: "unordered", orderKey: argv[1] });
    switch (this.prng.int(20)) {
      case 0:
      case 1:
      case 2:
        return exact("SADD", k, ...this.many(m, 1, 4));
      case 3:
        return exact("SREM", k, ...this.many(m, 1, 3));
      case 4:
        return exact("SISMEMBER", k, m());
      case 5:
        return exact("SMISMEMBER", k, m(), m(), m());
      case 6:
        return exact("SCARD", k);
      case 7:
        return unordered("SMEMBERS", k);
      case 8:
        return { argv: ["SPOP", k, "1000"], check: "unordered", orderKey: k };
      case 9:
        return { argv: ["SRANDMEMBER", k, this.pick(["1000", "-5"])], check: "length" };
      case 10:
        return exact("SMOVE", k, this.key(SETS), m());
      case 11:
        return { argv: [this.pick(["SINTER", "SUNION", "SDIFF"]), k, this.key(SETS), this.key(SETS)], check: "unordered" };
      case 12:
        return exact(this.pick(["SINTERSTORE", "SUNIONSTORE", "SDIFFSTORE"]), this.key(SETS), k, this.key(SETS));
      case 13:
        return exact("SINTERCARD", this.pick(["2", "1", "3"]), k, this.key(SETS), ...(this.chance(0.4) ? ["LIMIT", this.pick(["0", "1", "-1"])] : []));
      case 14:
        return { argv: ["SSCAN", k, "0", "COUNT", "1000"], check: "unordered", orderKey: k };
      case 15:
        return exact("SPOP", k, "0");
      default:
        return exact("OBJECT", "ENCODING", k);
    }
  }

  private zsetCommand(): GeneratedCommand {
    const k = this.key(ZSETS);
    const m = (): string => (this.chance(0.7) ? `m${this.prng.int(15)}` : this.value());
    const s = (): string => this.pick(SCORES);
    const range = (): [string, string] => [this.pick(["-inf", "0", "(1", "1.5", "-1", "10", "+inf", "(0.1", "abc"]), this.pick(["+inf", "5", "(10", "1.5", "-inf", "3", "1e20"])];
    const lex = (): [string, string] => [this.pick(["-", "[m1", "(m3", "+", "[a", "m"]), this.pick(["+", "[m5", "(m9", "-", "[z"])];
    const lk = this.pick(LEX_ZSETS);
    const exact = (...argv: string[]): GeneratedCommand => ({ argv, check: "exact" });
    switch (this.prng.int(28)) {
      case 0:
      case 1:
      case 2:
      case 3: {
        const flags = this.many(() => this.pick(["NX", "XX", "GT", "LT", "CH", "INCR"]), 0, this.chance(0.3) ? 2 : 0);
        const pairs = flags.includes("INCR") && this.chance(0.8) ? 1 : 1 + this.prng.int(3);
        return exact("ZADD", k, ...flags, ...this.many(() => `${s()}\u0000${m()}`, pairs, pairs).flatMap((p) => p.split("\u0000")));
      }
      case 4:
        return exact("ZINCRBY", k, this.pick([...FLOATS, "inf", "-inf", "abc"]), m());
      case 5:
        return exact("ZREM", k, m(), m());
      case 6:
      case 7:
        return exact("ZRANGE", k, this.index(), this.index(), ...(this.chance(0.5) ? ["WITHSCORES"] : []), ...(this.chance(0.2) ? ["REV"] : []));
      case 8: {
        const [a, b] = range();
        return exact(this.pick(["ZRANGEBYSCORE", "ZREVRANGEBYSCORE"]), k, a, b, ...(this.chance(0.4) ? ["WITHSCORES"] : []), ...(this.chance(0.3) ? ["LIMIT", this.pick(["0", "1", "-1"]), this.pick(["1", "2", "-1", "0"])] : []));
      }
      case 9: {
        const [a, b] = lex();
        return exact(this.pick(["ZRANGEBYLEX", "ZREVRANGEBYLEX"]), lk, a, b, ...(this.chance(0.3) ? ["LIMIT", "0", this.pick(["1", "2"])] : []));
      }
      case 10: {
        const by = this.pick(["BYSCORE", "BYLEX", ""]);
        const [a, b] = by === "BYSCORE" ? range() : by === "BYLEX" ? lex() : [this.index(), this.index()];
        return exact("ZRANGE", by === "BYLEX" ? lk : k, a, b, ...(by ? [by] : []), ...(this.chance(0.4) ? ["REV"] : []), ...(this.chance(0.3) ? ["LIMIT", "0", "2"] : []), ...(this.chance(0.3) ? ["WITHSCORES"] : []));
      }
      case 11:
        return exact("ZREVRANGE", k, this.index(), this.index(), ...(this.chance(0.5) ? ["WITHSCORES"] : []));
      case 12:
        return exact("ZSCORE", k, m());
      case 13:
        return exact("ZMSCORE", k, m(), m());
      case 14:
        return exact("ZCARD", k);
      case 15: {
        const [a, b] = range();
        return exact("ZCOUNT", k, a, b);
      }
      case 16: {
        const [a, b] = lex();
        return this.chance(0.5) ? exact("ZLEXCOUNT", lk, a, b) : exact("ZADD", lk, ...this.many(() => `0\u0000${m()}`, 1, 3).flatMap((p) => p.split("\u0000")));
      }
      case 17:
        return exact(this.pick(["ZRANK", "ZREVRANK"]), k, m());
      case 18:
        return exact(this.pick(["ZPOPMIN", "ZPOPMAX"]), k, ...(this.chance(0.5) ? [this.count()] : []));
      case 19:
        return this.blocking([this.pick(["BZPOPMIN", "BZPOPMAX"]), k, this.key(ZSETS), "0.01"]);
      case 20: {
        const op = this.pick(["ZUNIONSTORE", "ZINTERSTORE", "ZDIFFSTORE"]);
        const extra = op === "ZDIFFSTORE" ? [] : [...(this.chance(0.4) ? ["WEIGHTS", this.pick(["1", "2", "-1", "0.5", "inf"]), this.pick(["1", "3", "0"])] : []), ...(this.chance(0.4) ? ["AGGREGATE", this.pick(["SUM", "MIN", "MAX"])] : [])];
        return exact(op, this.key(ZSETS), "2", k, this.chance(0.2) ? this.pick(SETS) : this.key(ZSETS), ...extra);
      }
      case 21: {
        const op = this.pick(["ZUNION", "ZINTER", "ZDIFF"]);
        return exact(op, "2", k, this.key(ZSETS), ...(this.chance(0.5) ? ["WITHSCORES"] : []));
      }
      case 22:
        return exact("ZRANGESTORE", this.key(ZSETS), k, this.index(), this.index(), ...(this.chance(0.3) ? ["REV"] : []));
      case 23: {
        const [a, b] = range();
        const which = this.pick(["ZREMRANGEBYSCORE", "ZREMRANGEBYRANK", "ZREMRANGEBYLEX"]);
        return which === "ZREMRANGEBYLEX" ? exact(which, lk, ...lex()) : exact(which, k, ...(this.chance(0.5) ? [a, b] : [this.index(), this.index()]));
      }
      case 24:
        return exact("ZMPOP", "2", k, this.key(ZSETS), this.pick(["MIN", "MAX"]), ...(this.chance(0.5) ? ["COUNT", this.pick(["1", "2", "5"])] : []));
      case 25:
        return exact("ZINTERCARD", "2", k, this.key(ZSETS));
      case 26:
        return { argv: ["ZSCAN", k, "0", "COUNT", "1000"], check: "unordered-pairs", orderKey: k };
      default:
        return exact("OBJECT", "ENCODING", k);
    }
  }

  private stringCommand(): GeneratedCommand {
    const k = this.key(STRINGS);
    const exact = (...argv: string[]): GeneratedCommand => ({ argv, check: "exact" });
    switch (this.prng.int(12)) {
      case 0:
        return exact("SET", k, this.value(), ...(this.chance(0.2) ? [this.pick(["NX", "XX", "GET"])] : []));
      case 1:
        return exact("GET", k);
      case 2:
        return exact("INCRBYFLOAT", k, this.pick([...FLOATS, "abc", "inf", "10.5"]));
      case 3:
        return exact("INCRBY", k, this.pick(["1", "-3", "abc"]));
      case 4:
        return exact("SETRANGE", k, this.pick(["0", "2", "5", "-1", "abc"]), this.value());
      case 5:
        return exact("GETRANGE", k, this.index(), this.index());
      case 6:
        return exact("APPEND", k, this.value());
      case 7:
        return exact("STRLEN", k);
      case 8:
        return exact("MGET", k, this.pick(ALL), this.pick(ALL));
      case 9:
        return exact("GETDEL", k);
      case 10:
        return exact("GETSET", k, this.value());
      default:
        return exact("OBJECT", "ENCODING", k);
    }
  }

  private keyCommand(): GeneratedCommand {
    const k = this.pick(ALL);
    const exact = (...argv: string[]): GeneratedCommand => ({ argv, check: "exact" });
    switch (this.prng.int(18)) {
      case 0:
        return exact("TYPE", k);
      case 1:
        return exact("DEL", k);
      case 2:
        return exact("EXISTS", k, this.pick(ALL));
      case 3:
        return exact("RENAME", k, this.pick(ALL));
      case 4:
        return exact("RENAMENX", k, this.pick(ALL));
      case 5:
        return exact("COPY", k, this.pick(ALL), ...(this.chance(0.3) ? ["REPLACE"] : []), ...(this.chance(0.3) ? ["DB", this.pick(["0", "1", "16"])] : []));
      case 6:
        return exact("MOVE", k, this.pick(["1", "0", "2"]));
      case 7:
        // GT/LT against a TTL set moments ago depend on how much real time passed: only NX/XX here.
        return exact("EXPIRE", k, this.pick(["1000", "5000", "-1"]), ...(this.chance(0.3) ? [this.pick(["NX", "XX"])] : []));
      case 8:
        return exact("PEXPIREAT", k, this.pick(["4102444800000", "4102444900123", "1"]), ...(this.chance(0.3) ? [this.pick(["NX", "XX", "GT", "LT"])] : []));
      case 9:
        return { argv: ["TTL", k], check: "ttl" };
      case 10:
        return { argv: ["EXPIRETIME", k], check: "ttl" };
      case 11:
        return exact("PERSIST", k);
      case 12:
        return exact("SELECT", this.pick(["0", "0", "0", "1"]));
      case 13:
        if (this.inMulti) return exact("PING");
        this.inMulti = true;
        return exact("MULTI");
      case 14:
        return exact(this.inMulti ? "PING" : "WATCH", k, this.pick(ALL));
      case 15:
        return exact("UNWATCH");
      case 16:
        return exact("DBSIZE");
      default:
        return exact("OBJECT", this.pick(["ENCODING", "REFCOUNT", "FREQ"]), k);
    }
  }
}
