/**
 * The commands an SSDB node answers (`src/serv.cpp` `reg_procs`, `src/proc_*.cpp`), each turning a
 * request's blocks into reply blocks: a status word first (`ok`, `not_found`, `error`,
 * `client_error`), then values. Requests and replies are byte strings (one char per byte) or bytes.
 *
 * `sync140` is not here: it turns the connection over to the master side (`BackendSync`).
 */
import { binaryToBytes, bytesToBinary } from "../../util/bytes.ts";
import { parseInt64, type SsdbDatabase } from "./database.ts";

/** A reply block: a byte string, or bytes as stored. */
export type ReplyBlock = string | Uint8Array;

/** What a command may reach beyond the database. */
export interface CommandHost {
  readonly db: SsdbDatabase;
  /** Unix time in ms (`time_ms()`): expiry times are absolute. */
  unixMs(): number;
  /** The `info` reply (after `ok`). */
  info(args: readonly string[]): ReplyBlock[];
  /** `slaveof id host port [auth last_seq last_key]`: starts another upstream link. */
  slaveOf(id: string, host: string, port: number, auth: string, lastSeq: number, lastKey: string): void;
  /** A replication link exists in either direction (flushdb is refused then). */
  replicationInUse(): boolean;
  /** The current version string (`SSDB_VERSION`). */
  readonly version: string;
}

export interface SsdbCommand {
  readonly name: string;
  /** Registered with "w": refused on a `readonly: yes` server. */
  readonly write: boolean;
  proc(host: CommandHost, req: readonly string[]): ReplyBlock[];
}

const WRONG_ARGS: ReplyBlock[] = ["client_error", "wrong number of arguments"];
/** Limits given as `Uint64` wrap negative numbers to huge ones: no limit. */
const NO_LIMIT = Number.MAX_SAFE_INTEGER;

function uint64(text: string | undefined): number {
  const v = parseInt64(text ?? "");
  return v < 0 ? NO_LIMIT : v;
}

function okInt(value: number): ReplyBlock[] {
  return ["ok", String(value)];
}

/** `reply_bool`: -1 error, 0 → `ok 0`, otherwise `ok 1`. */
function replyBool(status: number): ReplyBlock[] {
  if (status === -1) return ["error"];
  return ["ok", status === 0 ? "0" : "1"];
}

/** `reply_get`: `ok <value>`, or `not_found`. */
function replyGet(value: Uint8Array | string | undefined): ReplyBlock[] {
  return value === undefined ? ["not_found"] : ["ok", value];
}

function replyInt(status: number, value: number): ReplyBlock[] {
  return status === -1 ? ["error"] : okInt(value);
}

/** A size (-1 when the stored size is corrupt). */
function replySize(size: number): ReplyBlock[] {
  return replyInt(size, size);
}

/** Runs `op` on each item and replies the sum of what it returned; `error` at the first -1. */
function sumOf<T>(items: readonly T[], op: (item: T) => number): ReplyBlock[] {
  let num = 0;
  for (const item of items) {
    const ret = op(item);
    if (ret === -1) return ["error"];
    num += ret;
  }
  return okInt(num);
}

/** The (field, value) pairs after a name: `req[2], req[3]`, `req[4], req[5]`, ... */
function pairsOf(req: readonly string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 2; i + 1 < req.length; i += 2) pairs.push([req[i]!, req[i + 1]!]);
  return pairs;
}

const table = new Map<string, SsdbCommand>();

function def(name: string, write: boolean, minArgs: number, proc: (host: CommandHost, req: readonly string[]) => ReplyBlock[]): void {
  table.set(name, {
    name,
    write,
    proc: (host, req) => (req.length < minArgs ? WRONG_ARGS : proc(host, req)),
  });
}

/** Looks a command up by its exact name (SSDB names are case-sensitive). */
export function lookupCommand(name: string): SsdbCommand | undefined {
  return table.get(name);
}

// ---------------------------------------------------------------------------------------------
// System

def("ping", false, 0, () => ["ok"]);
def("version", false, 0, (h) => ["ok", h.version]);
def("info", false, 0, (h, req) => ["ok", ...h.info(req.slice(1))]);
def("dbsize", false, 0, (h) => ["ok", String(h.db.bytesAtBoot)]);
def("flushdb", true, 0, (h) => {
  if (h.replicationInUse()) return ["error", "flushdb is not allowed when replication is in use!"];
  h.db.flushAll();
  return ["ok"];
});
def("slaveof", true, 4, (h, req) => {
  const port = Math.trunc(parseInt64(req[3]!));
  const lastSeq = req[5] !== undefined && req[5] !== "" ? uint64(req[5]) : 0;
  h.slaveOf(req[1]!, req[2]!, port, req[4] ?? "", lastSeq, req[6] ?? "");
  return ["ok"];
});

// ---------------------------------------------------------------------------------------------
// KV

def("get", false, 2, (h, req) => replyGet(h.db.get(req[1]!)));
def("set", true, 3, (h, req) => (h.db.set(req[1]!, binaryToBytes(req[2]!)) === -1 ? ["error"] : ["ok", "1"]));
def("setnx", true, 3, (h, req) => replyBool(h.db.setnx(req[1]!, binaryToBytes(req[2]!))));
def("getset", true, 3, (h, req) => {
  const result = h.db.getset(req[1]!, binaryToBytes(req[2]!));
  if (result.status === -1) return ["error"];
  return replyGet(result.old);
});
def("setx", true, 4, (h, req) => {
  if (h.db.set(req[1]!, binaryToBytes(req[2]!)) === -1) return ["error"];
  return h.db.setTtl(req[1]!, Math.trunc(parseInt64(req[3]!)), h.unixMs()) === -1 ? ["error"] : ["ok", "1"];
});
def("ttl", false, 2, (h, req) => okInt(h.db.getTtl(req[1]!, h.unixMs())));
def("expire", true, 3, (h, req) => {
  if (h.db.get(req[1]!) === undefined) return ["ok", "0"];
  return h.db.setTtl(req[1]!, Math.trunc(parseInt64(req[2]!)), h.unixMs()) === -1 ? ["error"] : ["ok", "1"];
});
def("exists", false, 2, (h, req) => replyBool(h.db.get(req[1]!) === undefined ? 0 : 1));
def("strlen", false, 2, (h, req) => okInt(h.db.get(req[1]!)?.length ?? 0));
def("del", true, 2, (h, req) => {
  const ret = h.db.delKey(req[1]!);
  if (ret === -1) return ["error"];
  h.db.delTtl(req[1]!);
  return ["ok", "1"];
});
for (const [name, dir] of [["incr", 1], ["decr", -1]] as const) {
  def(name, true, 2, (h, req) => {
    const by = req.length > 2 ? parseInt64(req[2]!) : 1;
    const result = h.db.incr(req[1]!, dir * by);
    if (result.status === 0) return ["error", "value is not an integer or out of range"];
    return replyInt(result.status, result.value);
  });
}
def("multi_set", true, 0, (h, req) => {
  if (req.length < 3 || req.length % 2 !== 1) return ["client_error"];
  const pairs: [string, Uint8Array][] = [];
  for (let i = 1; i < req.length; i += 2) pairs.push([req[i]!, binaryToBytes(req[i + 1]!)]);
  return replyInt(0, h.db.multiSet(pairs));
});
def("multi_del", true, 2, (h, req) => {
  const keys = req.slice(1);
  const ret = h.db.multiDel(keys);
  if (ret === -1) return ["error"];
  for (const key of keys) h.db.delTtl(key);
  return okInt(ret);
});
def("multi_get", false, 2, (h, req) => {
  const out: ReplyBlock[] = ["ok"];
  for (const key of req.slice(1)) {
    const value = h.db.get(key);
    if (value !== undefined) out.push(key, value);
  }
  return out;
});
def("multi_exists", false, 2, (h, req) => {
  const out: ReplyBlock[] = ["ok"];
  for (const key of req.slice(1)) out.push(key, h.db.get(key) === undefined ? "0" : "1");
  return out;
});
def("scan", false, 4, (h, req) => ["ok", ...h.db.scan(req[1]!, req[2]!, uint64(req[3])).flatMap((e) => [e.key, e.value])]);
def("rscan", false, 4, (h, req) => ["ok", ...h.db.rscan(req[1]!, req[2]!, uint64(req[3])).flatMap((e) => [e.key, e.value])]);
def("keys", false, 4, (h, req) => ["ok", ...h.db.scan(req[1]!, req[2]!, uint64(req[3])).map((e) => e.key)]);
def("rkeys", false, 4, (h, req) => ["ok", ...h.db.rscan(req[1]!, req[2]!, uint64(req[3])).map((e) => e.key)]);

// ---------------------------------------------------------------------------------------------
// Hash

def("hget", false, 3, (h, req) => replyGet(h.db.hget(req[1]!, req[2]!)));
def("hset", true, 4, (h, req) => replyBool(h.db.hset(req[1]!, req[2]!, binaryToBytes(req[3]!))));
def("hdel", true, 3, (h, req) => replyBool(h.db.hdel(req[1]!, req[2]!)));
def("hexists", false, 3, (h, req) => replyBool(h.db.hget(req[1]!, req[2]!) === undefined ? 0 : 1));
def("hsize", false, 2, (h, req) => replySize(h.db.hsize(req[1]!)));
for (const [name, dir] of [["hincr", 1], ["hdecr", -1]] as const) {
  def(name, true, 3, (h, req) => {
    const by = req.length > 3 ? parseInt64(req[3]!) : 1;
    const result = h.db.hincr(req[1]!, req[2]!, dir * by);
    if (result.status === 0) return ["error", "value is not an integer or out of range"];
    return replyInt(result.status, result.value);
  });
}
def("hclear", true, 2, (h, req) => okInt(h.db.hclear(req[1]!)));
def("hgetall", false, 2, (h, req) => ["ok", ...h.db.hscan(req[1]!, "", "", NO_LIMIT).flatMap((e) => [e.key, e.value])]);
def("hscan", false, 5, (h, req) => ["ok", ...h.db.hscan(req[1]!, req[2]!, req[3]!, uint64(req[4])).flatMap((e) => [e.key, e.value])]);
def("hkeys", false, 5, (h, req) => ["ok", ...h.db.hscan(req[1]!, req[2]!, req[3]!, uint64(req[4])).map((e) => e.key)]);
def("hvals", false, 5, (h, req) => ["ok", ...h.db.hscan(req[1]!, req[2]!, req[3]!, uint64(req[4])).map((e) => e.value)]);
def("hlist", false, 4, (h, req) => ["ok", ...h.db.hlist(req[1]!, req[2]!, uint64(req[3]))]);
def("multi_hset", true, 0, (h, req) => {
  if (req.length < 4 || req.length % 2 !== 0) return ["client_error"];
  return sumOf(pairsOf(req), ([field, value]) => h.db.hset(req[1]!, field, binaryToBytes(value)));
});
def("multi_hdel", true, 3, (h, req) => sumOf(req.slice(2), (field) => h.db.hdel(req[1]!, field)));
def("multi_hget", false, 3, (h, req) => {
  const out: ReplyBlock[] = ["ok"];
  for (const field of req.slice(2)) {
    const value = h.db.hget(req[1]!, field);
    if (value !== undefined) out.push(field, value);
  }
  return out;
});

// ---------------------------------------------------------------------------------------------
// Zset

def("zget", false, 3, (h, req) => replyGet(h.db.zget(req[1]!, req[2]!)));
def("zset", true, 4, (h, req) => {
  const ret = h.db.zset(req[1]!, req[2]!, req[3]!);
  return replyInt(ret, ret);
});
def("zdel", true, 3, (h, req) => replyBool(h.db.zdel(req[1]!, req[2]!)));
def("zexists", false, 3, (h, req) => replyBool(h.db.zget(req[1]!, req[2]!) === undefined ? 0 : 1));
def("zsize", false, 2, (h, req) => replySize(h.db.zsize(req[1]!)));
for (const [name, dir] of [["zincr", 1], ["zdecr", -1]] as const) {
  def(name, true, 3, (h, req) => {
    const by = req.length > 3 ? parseInt64(req[3]!) : 1;
    const result = h.db.zincr(req[1]!, req[2]!, dir * by);
    return replyInt(result.status, result.value);
  });
}
def("zclear", true, 2, (h, req) => okInt(h.db.zclear(req[1]!)));
def("zlist", false, 4, (h, req) => ["ok", ...h.db.zlist(req[1]!, req[2]!, uint64(req[3]))]);

/** `zscan name key_start score_start score_end limit`: by score, after (score_start, key_start). */
function zscan(h: CommandHost, req: readonly string[]): { member: string; score: number }[] {
  const name = req[1]!;
  const keyStart = req[2]!;
  let scoreStart = req[3]!;
  const scoreEnd = req[4]!;
  if (keyStart !== "" && scoreStart === "") scoreStart = h.db.zget(name, keyStart) ?? "";
  const from = scoreStart === "" ? -Infinity : parseInt64(scoreStart);
  const to = scoreEnd === "" ? Infinity : parseInt64(scoreEnd);
  return h.db.zmembers(name).filter((m) => {
    if (m.score < from || m.score > to) return false;
    // With a start key, the walk begins strictly after (score_start, key_start).
    if (keyStart !== "" && m.score === from && m.member <= keyStart) return false;
    return true;
  });
}
def("zscan", false, 6, (h, req) => {
  let limit = uint64(req[5]);
  let offset = 0;
  if (req.length > 6) {
    offset = limit;
    limit = offset + uint64(req[6]);
  }
  return ["ok", ...zscan(h, req).slice(0, limit).slice(offset).flatMap((m) => [m.member, String(m.score)])];
});
def("zkeys", false, 6, (h, req) => ["ok", ...zscan(h, req).slice(0, uint64(req[5])).map((m) => m.member)]);
def("zcount", false, 4, (h, req) => okInt(zscan(h, [req[0]!, req[1]!, "", req[2]!, req[3]!]).length));
for (const [name, reverse] of [["zrange", false], ["zrrange", true]] as const) {
  def(name, false, 4, (h, req) => {
    const members = h.db.zmembers(req[1]!);
    if (reverse) members.reverse();
    const offset = uint64(req[2]);
    return ["ok", ...members.slice(offset, offset + uint64(req[3])).flatMap((m) => [m.member, String(m.score)])];
  });
}
for (const [name, reverse] of [["redis_zrange", false], ["redis_zrrange", true]] as const) {
  def(name, false, 4, (h, req) => {
    let start = parseInt64(req[2]!);
    let end = parseInt64(req[3]!);
    const size = h.db.zsize(req[1]!);
    if (start < 0) start = Math.max(0, size + start);
    if (end < 0) end = size + end;
    if (end < 0 || start > end) return ["ok"];
    const members = h.db.zmembers(req[1]!);
    if (reverse) members.reverse();
    return ["ok", ...members.slice(start, end + 1).flatMap((m) => [m.member, String(m.score)])];
  });
}
def("multi_zset", true, 0, (h, req) => {
  if (req.length < 4 || req.length % 2 !== 0) return ["client_error"];
  return sumOf(pairsOf(req), ([member, score]) => h.db.zset(req[1]!, member, score));
});
def("multi_zdel", true, 3, (h, req) => sumOf(req.slice(2), (member) => h.db.zdel(req[1]!, member)));

// ---------------------------------------------------------------------------------------------
// Queue

def("qsize", false, 2, (h, req) => replySize(h.db.qsize(req[1]!)));
def("qfront", false, 2, (h, req) => replyGet(h.db.qitems(req[1]!)[0]));
def("qback", false, 2, (h, req) => replyGet(h.db.qitems(req[1]!).at(-1)));
def("qget", false, 3, (h, req) => {
  const items = h.db.qitems(req[1]!);
  const index = parseInt64(req[2]!);
  return replyGet(items[index < 0 ? items.length + index : index]);
});
for (const [name, front] of [["qpush", false], ["qpush_back", false], ["qpush_front", true]] as const) {
  def(name, true, 3, (h, req) => {
    let size = 0;
    for (const item of req.slice(2)) {
      size = h.db.qpush(req[1]!, binaryToBytes(item), front);
      if (size === -1) return ["error"];
    }
    return okInt(size);
  });
}
for (const [name, front] of [["qpop", true], ["qpop_front", true], ["qpop_back", false]] as const) {
  def(name, true, 2, (h, req) => {
    const count = req.length > 2 ? uint64(req[2]) : 1;
    if (count === 1) return replyGet(h.db.qpop(req[1]!, front));
    const out: ReplyBlock[] = ["ok"];
    for (let i = 0; i < count; i++) {
      const item = h.db.qpop(req[1]!, front);
      if (item === undefined) break;
      out.push(item);
    }
    return out;
  });
}
def("qclear", true, 2, (h, req) => okInt(h.db.qclear(req[1]!)));
def("qlist", false, 4, (h, req) => ["ok", ...h.db.qlist(req[1]!, req[2]!, uint64(req[3]))]);

/** Python-like slice of a queue's items, both ends inclusive (`qslice`). */
function qslice(items: readonly Uint8Array[], begin: number, end: number): Uint8Array[] {
  const size = items.length;
  const b = begin < 0 ? Math.max(0, size + begin) : begin;
  const e = end < 0 ? size + end : Math.min(end, size - 1);
  return b > e ? [] : items.slice(b, e + 1);
}
def("qslice", false, 4, (h, req) => ["ok", ...qslice(h.db.qitems(req[1]!), parseInt64(req[2]!), parseInt64(req[3]!))]);
def("qrange", false, 4, (h, req) => {
  const begin = parseInt64(req[2]!);
  const limit = parseInt64(req[3]!);
  const end = limit >= 0 ? begin + limit - 1 : -1;
  return ["ok", ...qslice(h.db.qitems(req[1]!), begin, end)];
});

/** A reply block as a byte string (for RESP conversion and logs). */
export function blockText(block: ReplyBlock): string {
  return typeof block === "string" ? block : bytesToBinary(block);
}

/** A reply block as bytes (for the wire). */
export function blockBytes(block: ReplyBlock): Uint8Array {
  return typeof block === "string" ? binaryToBytes(block) : block;
}
