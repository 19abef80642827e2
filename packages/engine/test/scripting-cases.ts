/**
 * EVAL / SCRIPT / FUNCTION / FCALL requests whose replies a lab node must give byte for byte as a
 * real redis-server 7.0.15 does (fixtures/scripting-7.0.15.json, recorded by record-scripting.ts;
 * scripting.test.ts also compares with a live server). Cases avoid what differs between redis's
 * Lua 5.1 and the lab's Lua 5.3 by design: float formatting in tostring, parser error texts.
 */
import { Socket } from "node:net";
import { Lab, ReplyParser, encodeCommand, type Reply } from "../src/index.ts";

/** What the fixture holds: the server's version and each request's raw reply. */
export interface ScriptingFixture {
  readonly recordedWith: string;
  readonly replies: readonly { readonly argv: readonly string[]; readonly reply: string }[];
}

const LIB = "#!lua name=mylib\nredis.register_function('getk', function(keys, args) return redis.call('get', keys[1]) end)\n" +
  "redis.register_function{function_name='ro', callback=function(keys, args) return {#keys, #args, args[1]} end, flags={'no-writes'}, description='reads'}\n" +
  "redis.register_function('setk', function(keys, args) redis.call('set', keys[1], args[1]); return redis.call('incr', 'calls') end)\n" +
  "redis.register_function('fails', function(keys, args)\n  local x = 1\n  return redis.call('incr', keys[1])\nend)\n";

const SOLO = "#!lua name=solo\nredis.register_function{function_name='solo', callback=function() return 'alone' end, flags={'allow-stale', 'no-writes', 'allow-oom'}, description='one'}";

/** The requests, in order, on one connection. */
export const SCRIPTING_CASES: readonly (readonly string[])[] = [
  ["EVAL", "return redis.call('set', KEYS[1], ARGV[1])", "1", "k", "v"],
  ["EVAL", "return redis.call('get', KEYS[1])", "1", "k"],
  ["EVAL", "return {1, 2, 3, 'x', nil, 4}", "0"],
  ["EVAL", "return {1, {2, {3, 'deep'}}, 'z'}", "0"],
  ["EVAL", "return 3.99", "0"],
  ["EVAL", "return -3.99", "0"],
  ["EVAL", "return true", "0"],
  ["EVAL", "return false", "0"],
  ["EVAL", "return nil", "0"],
  ["EVAL", "return {err='My Error'}", "0"],
  ["EVAL", "return {ok='Fine'}", "0"],
  ["EVAL", "return redis.error_reply('CODE message here')", "0"],
  ["EVAL", "return redis.error_reply('-PREFIXED message')", "0"],
  ["EVAL", "return redis.status_reply('STATUS')", "0"],
  ["EVAL", "return redis.sha1hex('hello')", "0"],
  ["EVAL", "return redis.call('incr', 'k')", "0"],
  ["EVAL", "return redis.pcall('incr', 'k')", "0"],
  ["EVAL", "local r = redis.pcall('incr', 'k'); return type(r) .. ':' .. r['err']", "0"],
  ["EVAL", "return type(redis.call('get', 'missing'))", "0"],
  ["EVAL", "return redis.call('ping')", "0"],
  ["EVAL", "local t = redis.call('ping'); return t['ok']", "0"],
  ["EVAL", "redis.call('rpush', 'l', 'a', 'b', 'c'); return redis.call('lrange', 'l', 0, -1)", "0"],
  ["EVAL", "redis.call('hset', 'h', 'f', 1); return redis.call('hgetall', 'h')", "0"],
  ["EVAL", "return redis.call('set', 'n', 3.5)", "0"],
  ["EVAL", "redis.call('set', 'n2', 0.1); return redis.call('get', 'n2')", "0"],
  ["EVAL", "redis.call('set', 'n3', 100); return redis.call('get', 'n3')", "0"],
  ["EVAL", "error('boom')", "0"],
  ["EVAL", "error({err='CUSTOM raised'})", "0"],
  ["EVAL", "\n\nreturn redis.call('incr', 'k')", "0"],
  ["EVAL", "return undefined_global", "0"],
  ["EVAL", "newglobal = 1", "0"],
  ["EVAL", "return redis.call('nosuchcommand')", "0"],
  ["EVAL", "return redis.call('get', 'a', 'b')", "0"],
  ["EVAL", "return redis.call('eval', 'return 1', '0')", "0"],
  ["EVAL", "return redis.call()", "0"],
  ["EVAL", "return redis.call('get', {})", "0"],
  ["EVAL", "return redis.pcall('nosuchcommand')", "0"],
  ["EVAL", "return 1", "x"],
  ["EVAL", "return 1", "-1"],
  ["EVAL", "return 1", "2", "a"],
  ["EVAL", "return {KEYS[1], KEYS[2], ARGV[1], ARGV[2], #KEYS, #ARGV}", "2", "k1", "k2", "a1", "a2"],
  ["EVAL_RO", "return redis.call('set', 'x', '1')", "0"],
  ["EVAL_RO", "return redis.call('get', 'k')", "0"],
  ["EVAL", "#!lua flags=no-writes\nreturn redis.call('set', 'x', '1')", "0"],
  ["EVAL", "#!lua flags=no-writes\nreturn redis.call('get', 'k')", "0"],
  ["EVAL", "#!lua\nreturn redis.call('set', 'x', '1')", "0"],
  ["EVAL_RO", "#!lua\nreturn 1", "0"],
  ["EVAL", "#!lua flags=bogus\nreturn 1", "0"],
  ["EVAL", "#!lua nope=1\nreturn 1", "0"],
  ["EVAL", "#!python\nreturn 1", "0"],
  ["EVAL", "#!lua", "0"],
  ["EVAL", "redis.call('select', '5'); redis.call('set', 'in5', '1'); return 1", "0"],
  ["GET", "in5"],
  ["SELECT", "5"],
  ["GET", "in5"],
  ["SELECT", "0"],
  ["SCRIPT", "LOAD", "return 'loaded'"],
  ["EVALSHA", "b534286061d4b9e4026607613b95c06c06015ae8", "0"],
  ["EVALSHA", "nosuchsha", "0"],
  ["EVALSHA", "ffffffffffffffffffffffffffffffffffffffff", "0"],
  ["SCRIPT", "EXISTS", "b534286061d4b9e4026607613b95c06c06015ae8", "ffffffffffffffffffffffffffffffffffffffff"],
  ["SCRIPT", "FLUSH", "bogus"],
  ["SCRIPT", "KILL"],
  ["SCRIPT", "NOPE"],
  ["FUNCTION", "KILL"],
  ["FUNCTION", "FLUSH"],
  ["FUNCTION", "LOAD", LIB],
  ["FUNCTION", "LOAD", LIB],
  ["FUNCTION", "LOAD", "REPLACE", LIB],
  ["FUNCTION", "LOAD", "return 1"],
  ["FUNCTION", "LOAD", "#!lua\nreturn 1"],
  ["FUNCTION", "LOAD", "#!lua name=bad-name\nreturn 1"],
  ["FUNCTION", "LOAD", "#!nope name=x\nreturn 1"],
  ["FUNCTION", "LOAD", "#!lua name=empty\nlocal a = 1"],
  ["FUNCTION", "LOAD", "#!lua name=dup\nredis.register_function('getk', function() return 1 end)"],
  ["FUNCTION", "LOAD", "#!lua name=twice\nredis.register_function('t', function() return 1 end)\nredis.register_function('t', function() return 1 end)"],
  ["FUNCTION", "LOAD", "#!lua name=badf\nredis.register_function('bad name', function() return 1 end)"],
  ["FUNCTION", "LOAD", "#!lua name=badflag\nredis.register_function{function_name='f', callback=function() return 1 end, flags={'nope'}}"],
  ["FUNCTION", "LOAD", "#!lua name=callsredis\nredis.call('set', 'x', 1)"],
  ["FUNCTION", "LOAD", "BOGUS", LIB],
  ["FCALL", "getk", "1", "k"],
  ["FCALL", "ro", "2", "a", "b", "c"],
  ["FCALL", "setk", "1", "fk", "fv"],
  ["FCALL", "fails", "1", "fk"],
  ["FCALL_RO", "ro", "0", "x"],
  ["FCALL_RO", "getk", "1", "k"],
  ["FCALL", "nosuch", "0"],
  ["FCALL", "getk", "x"],
  ["FCALL", "getk", "3", "k"],
  ["FUNCTION", "STATS"],
  ["FUNCTION", "DELETE", "nosuch"],
  ["FUNCTION", "DELETE", "mylib"],
  ["FCALL", "getk", "1", "k"],
  ["FUNCTION", "LIST"],
  // One library of one function at a time: redis lists both from hash tables, in no fixed order.
  ["FUNCTION", "LOAD", SOLO],
  ["FUNCTION", "LIST"],
  ["FUNCTION", "LIST", "WITHCODE"],
  ["FUNCTION", "LIST", "LIBRARYNAME", "so*"],
  ["FUNCTION", "LIST", "LIBRARYNAME", "other*"],
  ["FCALL_RO", "solo", "0"],
  ["FUNCTION", "STATS"],
  ["FUNCTION", "DUMP"],
  ["FUNCTION", "RESTORE", "not a payload"],
  ["FUNCTION", "RESTORE", "x", "NOPE"],
  ["FUNCTION", "RESTORE", "x", "FLUSH", "extra"],
  // Function names are case-insensitive, library names are not.
  ["FCALL_RO", "SOLO", "0"],
  ["FUNCTION", "LOAD", "#!lua name=other\nredis.register_function('SoLo', function() return 1 end)"],
  ["FUNCTION", "LOAD", "#!lua name=SOLO\nredis.register_function('x', function() return 1 end)"],
  ["FUNCTION", "DELETE", "solo"],
  ["FUNCTION", "DELETE", "SOLO"],
  ["FUNCTION", "FLUSH"],
  ["FUNCTION", "LOAD", "#!lua name=plain\nredis.register_function('plainf', function() return redis.REDIS_VERSION end)"],
  ["FUNCTION", "LIST", "WITHCODE"],
  ["FCALL", "plainf", "0"],
  ["EVAL", "return redis.nosuchfield", "0"],
  // Shebang lines are split as sdssplitargs splits: quotes inside words, unbalanced quotes refused.
  ["FUNCTION", "LOAD", "#!lua name=\"quoted\"\nredis.register_function('q1', function() return 1 end)"],
  ["FUNCTION", "LOAD", "#!lua name='single'\nredis.register_function('q2', function() return 2 end)"],
  ["FUNCTION", "LOAD", "#!lua name=\"open\nredis.register_function('q3', function() return 3 end)"],
  ["FUNCTION", "LOAD", "#!lua name=\"a\"b\nredis.register_function('q4', function() return 4 end)"],
  ["EVAL", "#!lua flags=\"no-writes\"\nreturn redis.call('get', 'k')", "0"],
  ["FCALL", "q1", "0"],
  ["FUNCTION", "DELETE", "quoted"],
  ["FUNCTION", "DELETE", "single"],
  // The bit library (LuaBitOp).
  ["EVAL", "return {bit.band(0xff, 0x0f), bit.bor(1, 2, 4), bit.bxor(5, 3), bit.bnot(0), bit.lshift(1, 31), bit.rshift(-1, 28), bit.arshift(-256, 4), bit.rol(0x12345678, 8), bit.ror(0x12345678, 8), bit.bswap(0x12345678), bit.tohex(255), bit.tohex(-1, -4), bit.tobit(2^32 + 5), bit.tobit(0.5), bit.tobit(1.5), bit.tohex(0x7fffffff, 3)}", "0"],
  // COMMAND GETKEYS finds a script's or function's keys by numkeys.
  ["COMMAND", "GETKEYS", "fcall", "test", "1", "x", "foo"],
  ["COMMAND", "GETKEYS", "eval", "return 1", "2", "a", "b", "c"],
  ["COMMAND", "GETKEYS", "eval", "return 1", "0"],
  ["COMMAND", "GETKEYS", "eval", "return 1", "2", "a"],
  ["COMMAND", "GETKEYS", "set", "a", "b"],
  ["COMMAND", "GETKEYS", "nosuch", "x"],
  ["COMMAND", "GETKEYS", "get"],
  // redis's own lrand48 sequence, from a fresh server's state and after a seed.
  ["EVAL", "return {math.random(100), math.random(1, 10), tostring(math.random())}", "0"],
  ["EVAL", "math.randomseed(42); return {math.random(1000), math.random(1000)}", "0"],
  ["EVAL", "return redis.call('function', 'list')", "0"],
  // table.sort as Lua 5.1 sorts: which of equal elements comes first, more than 100 elements
  // (where 5.3 would draw a random pivot), and where an inconsistent comparator is caught.
  ["EVAL", "local t = {} for i = 1, 300 do t[i] = {k = (i * 7) % 5, i = i} end table.sort(t, function(a, b) return a.k < b.k end) local r = {} for i = 1, #t do r[i] = t[i].i end return r", "0"],
  ["EVAL", "local t, x = {}, 1 for i = 1, 250 do x = (x * 75 + 74) % 65537 t[i] = x % 1000 end table.sort(t) return t", "0"],
  ["EVAL", "local t = {} for i = 1, 120 do t[i] = tostring(i % 13) end table.sort(t, function(a, b) return a > b end) return t", "0"],
  ["EVAL", "local t = {} for i = 1, 50 do t[i] = i % 3 end return {tostring(pcall(table.sort, t, function(a, b) return true end))}", "0"],
  ["EVAL", "local t = {} for i = 1, 40 do t[i] = 1 end local ok, err = pcall(table.sort, t, function(a, b) return a <= b end) return {tostring(ok), tostring(err)}", "0"],
  ["EVAL", "local ok, err = pcall(table.sort, {3, 'a', 1}) return {tostring(ok), tostring(err)}", "0"],
  ["EVAL", "local t = {5, 1, 4} table.sort(t, nil) local u = {} table.sort(u) return {t[1], t[2], t[3], #u}", "0"],
];

/** Reads whole replies from raw bytes, keeping each reply's own bytes. */
class RawReplies {
  private readonly parser = new ReplyParser();
  private pending = "";
  private consumedBefore = 0;
  readonly replies: string[] = [];

  push(bytes: Uint8Array): void {
    this.pending += String.fromCharCode(...bytes);
    this.parser.push(bytes);
    for (let reply = this.parser.next(); reply !== undefined; reply = this.parser.next()) {
      if (reply.kind === "protocol-error") throw new Error(reply.message);
      const length = encodedLength(reply);
      this.replies.push(this.pending.slice(this.consumedBefore, this.consumedBefore + length));
      this.consumedBefore += length;
    }
    this.pending = this.pending.slice(this.consumedBefore);
    this.consumedBefore = 0;
  }
}

/** Length of a RESP2 reply's encoding (replies here are canonical, as servers write them). */
function encodedLength(reply: Reply): number {
  const line = (text: string): number => text.length + 3;
  switch (reply.kind) {
    case "simple":
      return line(reply.value);
    case "error":
      return line(reply.message);
    case "integer":
      return line(String(reply.value));
    case "bulk":
      return reply.value === null ? 5 : line(String(reply.value.length)) + reply.value.length + 2;
    case "array":
      return reply.items === null ? 5 : reply.items.reduce((n, item) => n + encodedLength(item), line(String(reply.items.length)));
  }
}

const encode = (argv: readonly string[]): Uint8Array => encodeCommand(argv.map((a) => Uint8Array.from(a, (ch) => ch.charCodeAt(0))));

/** Each case's raw reply from a fresh lab node. */
export function labReplies(cases: readonly (readonly string[])[] = SCRIPTING_CASES, version = "7.0"): string[] {
  const lab = new Lab({ seed: "scripting" });
  const node = lab.addNode({ version, config: { save: "" } }).id;
  lab.runUntilIdle(30_000);
  const raw = new RawReplies();
  const connection = lab.openConnection(node, "127.0.0.1:40100", { onData: (bytes) => raw.push(bytes), onClose: () => undefined });
  for (const argv of cases) {
    connection.send(encode(argv));
    lab.runUntilIdle(30_000);
  }
  return raw.replies;
}

/** Each case's raw reply from a real server on `port`, one request at a time. */
export async function liveReplies(port: number, cases: readonly (readonly string[])[] = SCRIPTING_CASES): Promise<string[]> {
  const socket = new Socket();
  await new Promise<void>((resolve, reject) => socket.connect(port, "127.0.0.1", resolve).once("error", reject));
  const raw = new RawReplies();
  socket.on("data", (chunk: Uint8Array) => raw.push(new Uint8Array(chunk)));
  try {
    for (const [i, argv] of cases.entries()) {
      socket.write(encode(argv));
      for (let waited = 0; raw.replies.length <= i; waited += 5) {
        if (waited > 10_000) throw new Error(`no reply to ${argv.join(" ")}`);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    }
  } finally {
    socket.destroy();
  }
  return raw.replies;
}
