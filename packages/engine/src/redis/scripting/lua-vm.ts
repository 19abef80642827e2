/**
 * The Lua interpreter a node runs scripts and functions in (redis 7.0.15 script_lua.c, eval.c,
 * function_lua.c), on fengari: a Lua 5.3 VM written in JavaScript, so the engine stays sans-IO and
 * deterministic. Only the base, table, string and math libraries are opened (no os, io, package or
 * debug for scripts), and `loadfile`, `dofile` and `print` are removed as redis 7.0 does.
 *
 * The lab runs many labs in one process, so a runaway script must not freeze it: a count hook
 * stops a script after {@link DEFAULT_INSTRUCTION_BUDGET} VM instructions (a lab-only limit, where
 * redis would keep running and answer BUSY to other clients until SCRIPT KILL).
 */
import { lauxlib, lua, lualib, to_luastring, type LuaCFunction, type LuaState } from "fengari";
import { bytesToBinary } from "../../util/bytes.ts";
import { sha1 } from "../../util/sha1.ts";
import { installLua51Sort } from "./lua51-sort.ts";
import type { Reply } from "../resp/reply.ts";

/**
 * Lab-only: VM instructions a single script or function call may run before it is stopped with an
 * error (one to two seconds of fengari on one core). Redis has no such limit.
 */
export const DEFAULT_INSTRUCTION_BUDGET = 20_000_000;

/** How often (in instructions) the budget hook runs. */
const HOOK_PERIOD = 100_000;

const S = (text: string): Uint8Array => to_luastring(text);

/** A value converted from Lua for a reply (luaReplyToRedisReply's cases). */
export type LuaReply =
  | { readonly kind: "bulk"; readonly value: Uint8Array }
  | { readonly kind: "integer"; readonly value: number }
  | { readonly kind: "null" }
  | { readonly kind: "bool"; readonly value: boolean }
  | { readonly kind: "status"; readonly value: string }
  | { readonly kind: "error"; readonly message: string; readonly countStats: boolean }
  | { readonly kind: "array"; readonly items: readonly LuaReply[] };

/** What a running script asks of its host (the node): run one command for redis.call/pcall. */
export interface ScriptHost {
  /** Runs a command; returns its reply, or an error string in luaPushError's format (`-CODE msg` or `msg`). */
  call(argv: Uint8Array[]): Reply | { readonly kind: "rejected"; readonly message: string };
  /** redis.setresp: only RESP2 replies are modelled, so 3 is refused by the caller. */
  log(level: number, message: string): void;
}

/** A function registered by `redis.register_function` while a library loads. */
export interface RegisteredFunction {
  readonly name: string;
  readonly description: string | null;
  readonly flags: readonly string[];
  /** Registry key the callback is stored under. */
  readonly ref: string;
}

/** The five script flags of 7.0 (scripts_flags_def). */
export const SCRIPT_FLAGS = ["no-writes", "allow-oom", "allow-stale", "no-cluster", "allow-cross-slot-keys"] as const;

/** Lower-case hex SHA-1 of a script body (redis sha1hex). */
export function sha1hex(body: Uint8Array): string {
  let hex = "";
  for (const b of sha1(body)) hex += b.toString(16).padStart(2, "0");
  return hex;
}

/** Formats a Lua number as `%.17g` does, as redis.call passes numbers to commands. */
export function formatG17(n: number): string {
  if (Number.isNaN(n)) return "nan";
  if (!Number.isFinite(n)) return n > 0 ? "inf" : "-inf";
  if (Number.isInteger(n) && Math.abs(n) < 1e17) return Object.is(n, -0) ? "-0" : String(n);
  const text = n.toPrecision(17);
  const e = text.indexOf("e");
  if (e < 0) return text.includes(".") ? text.replace(/0+$/, "").replace(/\.$/, "") : text;
  const mantissa = text.slice(0, e).includes(".") ? text.slice(0, e).replace(/0+$/, "").replace(/\.$/, "") : text.slice(0, e);
  const sign = text[e + 1]!;
  const digits = text.slice(e + 2).padStart(2, "0");
  return `${mantissa}e${sign}${digits}`;
}

/** luaPushErrorBuff's `CODE msg` from `-CODE msg` or a bare `msg` (then code ERR). */
export function errorTableMessage(raw: string): string {
  let code = "ERR";
  let msg = raw;
  if (raw.startsWith("-")) {
    const space = raw.indexOf(" ");
    if (space < 0) msg = raw.slice(1);
    else {
      code = raw.slice(1, space);
      msg = raw.slice(space + 1);
    }
  }
  msg = msg.replace(/^[\r\n]+|[\r\n]+$/g, "");
  return `${code} ${msg}`;
}

/** The state of a call in progress. */
interface Running {
  readonly host: ScriptHost;
  executed: number;
  readonly budget: number;
  stopped: boolean;
}

/** The state of a FUNCTION LOAD in progress. */
interface Loading {
  readonly library: string;
  readonly functions: RegisteredFunction[];
}

/** Result of running a chunk: its reply, or the error redis would answer. */
export type RunResult = { readonly ok: true; readonly reply: LuaReply } | { readonly ok: false; readonly message: string; readonly countStats: boolean };

export class LuaVm {
  readonly L: LuaState;
  private running: Running | null = null;
  private loading: Loading | null = null;
  /** Registry keys of callbacks registered by libraries, for later removal. */
  private nextRef = 1;

  constructor() {
    const L = lauxlib.luaL_newstate();
    this.L = L;
    this.open("_G", lualib.luaopen_base);
    this.open("table", lualib.luaopen_table);
    this.open("string", lualib.luaopen_string);
    this.open("math", lualib.luaopen_math);
    for (const name of ["loadfile", "dofile", "print"]) {
      lua.lua_pushnil(L);
      lua.lua_setglobal(L, S(name));
    }
    // Lua 5.1 names redis scripts use (redis embeds 5.1; fengari is 5.3).
    this.runSetup("unpack = table.unpack; loadstring = load; math.mod = math.fmod");
    installLua51Sort(L);
    this.installRandom();
    this.installBit();
    this.installRedisApi();
    this.installErrorHandler();
    this.protectGlobals();
  }

  /**
   * 7.0's read-only globals: a script can neither create a global nor read one that does not
   * exist (redis patches Lua for this; here a metatable on _G does it). KEYS and ARGV are set raw.
   */
  private protectGlobals(): void {
    const L = this.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, 2 /* LUA_RIDX_GLOBALS */);
    this.pushErrorMetatable();
    lua.lua_setmetatable(L, -2);
    lua.lua_pop(L, 1);
  }

  /**
   * luaSetErrorMetatable and the read-only guard: reading a missing field or writing any raises.
   * The metamethods are JS functions, so the error handler looks past them to the script's own
   * line, as it does past redis's C-level check.
   */
  private pushErrorMetatable(missingRaises = true): void {
    const L = this.L;
    const fail = (l: LuaState, message: string): never => {
      lauxlib.luaL_where(l, 1);
      const where = lua.lua_tolstring(l, -1) ?? new Uint8Array(0);
      lua.lua_pushstring(l, binaryToLua(bytesToBinary(where) + message));
      return lua.lua_error(l);
    };
    lua.lua_newtable(L);
    lua.lua_pushjsfunction(L, (l) => fail(l, "Attempt to modify a readonly table"));
    lua.lua_setfield(L, -2, S("__newindex"));
    if (missingRaises) {
      lua.lua_pushjsfunction(L, (l) => {
        const name = lua.lua_tolstring(l, 2);
        return fail(l, `Script attempted to access nonexistent global variable '${name === null ? "?" : bytesToBinary(name)}'`);
      });
      lua.lua_setfield(L, -2, S("__index"));
    }
    lua.lua_pushboolean(L, false);
    lua.lua_setfield(L, -2, S("__metatable"));
  }

  /**
   * The environment of every library's code (function_lua.c): an empty table whose metatable
   * sends reads to the load API while FUNCTION LOAD runs the code (a `redis` table with
   * register_function, log and the version, and nothing else: no math, no string) and to the
   * ordinary globals when a function runs. Pushes the environment table.
   */
  private pushFunctionEnv(): void {
    const L = this.L;
    if (lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, S("__FUNCTION_ENV__")) === lua.LUA_TTABLE) return;
    lua.lua_pop(L, 1);
    // The load API's globals: only `redis`.
    lua.lua_newtable(L);
    lua.lua_newtable(L);
    lua.lua_pushjsfunction(L, (l) => this.registerFunction(l));
    lua.lua_setfield(L, -2, S("register_function"));
    lua.lua_getglobal(L, S("redis"));
    for (const name of ["log", "LOG_DEBUG", "LOG_VERBOSE", "LOG_NOTICE", "LOG_WARNING", "REDIS_VERSION", "REDIS_VERSION_NUM"]) {
      lua.lua_getfield(L, -1, S(name));
      lua.lua_setfield(L, -3, S(name));
    }
    lua.lua_pop(L, 1);
    this.pushErrorMetatable();
    lua.lua_setmetatable(L, -2);
    lua.lua_setfield(L, -2, S("redis"));
    this.pushErrorMetatable();
    lua.lua_setmetatable(L, -2);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, S("__LIBRARY_API__"));
    // The environment and its switchable metatable.
    lua.lua_newtable(L);
    lua.lua_newtable(L);
    lua.lua_pushjsfunction(L, (l) => {
      lauxlib.luaL_where(l, 1);
      const where = lua.lua_tolstring(l, -1) ?? new Uint8Array(0);
      lua.lua_pushstring(l, binaryToLua(`${bytesToBinary(where)}Attempt to modify a readonly table`));
      return lua.lua_error(l);
    });
    lua.lua_setfield(L, -2, S("__newindex"));
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, 2 /* LUA_RIDX_GLOBALS */);
    lua.lua_setfield(L, -2, S("__index"));
    lua.lua_pushvalue(L, -1);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, S("__FUNCTION_ENV_MT__"));
    lua.lua_setmetatable(L, -2);
    lua.lua_pushvalue(L, -1);
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, S("__FUNCTION_ENV__"));
  }

  /** Points the library environment's reads at the load API (true) or the globals (false). */
  private setFunctionEnvLoading(loading: boolean): void {
    const L = this.L;
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, S("__FUNCTION_ENV_MT__"));
    if (loading) lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, S("__LIBRARY_API__"));
    else lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, 2 /* LUA_RIDX_GLOBALS */);
    lua.lua_setfield(L, -2, S("__index"));
    lua.lua_pop(L, 1);
  }

  /** Sets a global without the read-only guard. */
  private setGlobalRaw(name: string): void {
    const L = this.L;
    lua.lua_rawgeti(L, lua.LUA_REGISTRYINDEX, 2 /* LUA_RIDX_GLOBALS */);
    lua.lua_pushstring(L, S(name));
    lua.lua_pushvalue(L, -3);
    lua.lua_rawset(L, -3);
    lua.lua_pop(L, 2);
  }

  /** redisLrand48's state (rand.c): a 48-bit LCG, the same sequence as a real server's. */
  private rand48 = 0x1234abcd330en;

  /**
   * math.random and math.randomseed as redis 7.0 replaces them (redis_math_random): a seeded
   * sequence rather than fengari's Math.random, so a node's scripts stay deterministic.
   */
  private installRandom(): void {
    const L = this.L;
    const next = (): number => {
      this.rand48 = (this.rand48 * 0x5deece66dn + 0xbn) & 0xffffffffffffn;
      return Number(this.rand48 >> 17n);
    };
    lua.lua_getglobal(L, S("math"));
    lua.lua_pushjsfunction(L, (l) => {
      const r = (next() % 0x7fffffff) / 0x7fffffff;
      const argc = lua.lua_gettop(l);
      if (argc === 0) lua.lua_pushnumber(l, r);
      else if (argc === 1) {
        const u = Math.trunc(lua.lua_tonumber(l, 1));
        if (u < 1) return lauxlib.luaL_error(l, S("bad argument #1 to 'random' (interval is empty)"));
        lua.lua_pushnumber(l, Math.floor(r * u) + 1);
      } else if (argc === 2) {
        const lo = Math.trunc(lua.lua_tonumber(l, 1));
        const up = Math.trunc(lua.lua_tonumber(l, 2));
        if (lo > up) return lauxlib.luaL_error(l, S("bad argument #2 to 'random' (interval is empty)"));
        lua.lua_pushnumber(l, Math.floor(r * (up - lo + 1)) + lo);
      } else return lauxlib.luaL_error(l, S("wrong number of arguments"));
      return 1;
    });
    lua.lua_setfield(L, -2, S("random"));
    lua.lua_pushjsfunction(L, (l) => {
      const seed = Math.trunc(lua.lua_tonumber(l, 1)) | 0;
      this.rand48 = (BigInt(seed >>> 0) << 16n) | 0x330en;
      return 0;
    });
    lua.lua_setfield(L, -2, S("randomseed"));
    lua.lua_pop(L, 1);
  }

  /** The `bit` library redis ships (LuaBitOp): 32-bit operations on numbers, results signed. */
  private installBit(): void {
    const L = this.L;
    const tobit = (l: LuaState, i: number): number => {
      if (lua.lua_type(l, i) !== lua.LUA_TNUMBER) return lauxlib.luaL_error(l, S(`bad argument #${i} (number expected)`));
      const n = lua.lua_tonumber(l, i);
      // LuaBitOp adds 2^52+2^51 and keeps the low word: round half to even, then modulo 2^32.
      const r = Math.round(n);
      const even = Math.abs(n % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
      return Number(BigInt.asIntN(32, BigInt(even)));
    };
    const ops: readonly [string, (l: LuaState) => number][] = [
      ["tobit", (l) => tobit(l, 1)],
      ["bnot", (l) => ~tobit(l, 1)],
      ["band", (l) => fold(l, (a, b) => a & b)],
      ["bor", (l) => fold(l, (a, b) => a | b)],
      ["bxor", (l) => fold(l, (a, b) => a ^ b)],
      ["lshift", (l) => tobit(l, 1) << (tobit(l, 2) & 31)],
      ["rshift", (l) => (tobit(l, 1) >>> (tobit(l, 2) & 31)) | 0],
      ["arshift", (l) => tobit(l, 1) >> (tobit(l, 2) & 31)],
      ["rol", (l) => {
        const x = tobit(l, 1);
        const n = tobit(l, 2) & 31;
        return (x << n) | (x >>> ((32 - n) & 31) & (n === 0 ? 0 : -1));
      }],
      ["ror", (l) => {
        const x = tobit(l, 1);
        const n = tobit(l, 2) & 31;
        return (x >>> n) | ((n === 0 ? 0 : x << (32 - n)) | 0);
      }],
      ["bswap", (l) => {
        const x = tobit(l, 1);
        return ((x & 0xff) << 24) | ((x & 0xff00) << 8) | ((x >>> 8) & 0xff00) | ((x >>> 24) & 0xff);
      }],
    ];
    const fold = (l: LuaState, op: (a: number, b: number) => number): number => {
      let acc = tobit(l, 1);
      for (let i = 2; i <= lua.lua_gettop(l); i++) acc = op(acc, tobit(l, i));
      return acc;
    };
    lua.lua_newtable(L);
    for (const [name, op] of ops) {
      lua.lua_pushjsfunction(L, (l) => {
        lua.lua_pushinteger(l, op(l) | 0);
        return 1;
      });
      lua.lua_setfield(L, -2, S(name));
    }
    lua.lua_pushjsfunction(L, (l) => {
      const x = tobit(l, 1) >>> 0;
      let n = lua.lua_gettop(l) >= 2 ? tobit(l, 2) : 8;
      const upper = n < 0;
      if (upper) n = -n;
      n = Math.min(n, 8);
      let hex = x.toString(16).padStart(8, "0").slice(8 - n);
      if (upper) hex = hex.toUpperCase();
      lua.lua_pushstring(l, S(hex));
      return 1;
    });
    lua.lua_setfield(L, -2, S("tohex"));
    lua.lua_setglobal(L, S("bit"));
  }

  private open(name: string, opener: LuaCFunction): void {
    lauxlib.luaL_requiref(this.L, S(name), opener, 1);
    lua.lua_pop(this.L, 1);
  }

  private runSetup(code: string): void {
    if (lauxlib.luaL_loadbuffer(this.L, S(code), null, S("=setup")) !== lua.LUA_OK || lua.lua_pcall(this.L, 0, 0, 0) !== lua.LUA_OK) {
      throw new Error(`lua setup failed: ${this.popString()}`);
    }
  }

  private popString(): string {
    const s = lua.lua_tolstring(this.L, -1);
    lua.lua_pop(this.L, 1);
    return s === null ? "" : bytesToBinary(s);
  }

  /**
   * eval.c's `__redis__err__handler`: turns any error into a table {err, source, line}. It needs
   * debug.getinfo, which scripts themselves never see (the library is opened into a local only).
   */
  private installErrorHandler(): void {
    const L = this.L;
    lauxlib.luaL_requiref(L, S("debug"), lualib.luaopen_debug, 0);
    const code =
      "local dbg = ...\n" +
      "return function(err)\n" +
      "  local i = dbg.getinfo(2,'nSl')\n" +
      "  if i and (i.what == 'C' or i.what == 'J') then i = dbg.getinfo(3,'nSl') end\n" +
      "  if type(err) ~= 'table' then err = {err='ERR ' .. tostring(err)} end\n" +
      "  if i then err['source'] = i.source; err['line'] = i.currentline end\n" +
      "  return err\n" +
      "end\n";
    if (lauxlib.luaL_loadbuffer(L, S(code), null, S("@err_handler_def")) !== lua.LUA_OK) throw new Error(this.popString());
    lua.lua_insert(L, -2);
    if (lua.lua_pcall(L, 1, 1, 0) !== lua.LUA_OK) throw new Error(this.popString());
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, S("__redis__err__handler"));
    // luaL_requiref with glb 0 still records the module in package.loaded-less _LOADED; drop it.
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, S("_LOADED"));
    lua.lua_pushnil(L);
    lua.lua_setfield(L, -2, S("debug"));
    lua.lua_pop(L, 1);
  }

  private installRedisApi(): void {
    const L = this.L;
    lua.lua_newtable(L);
    const fn = (name: string, f: LuaCFunction): void => {
      lua.lua_pushjsfunction(L, f);
      lua.lua_setfield(L, -2, S(name));
    };
    fn("call", (l) => this.redisCommand(l, true));
    fn("pcall", (l) => this.redisCommand(l, false));
    fn("sha1hex", (l) => {
      if (lua.lua_gettop(l) !== 1) return this.raise(l, "wrong number of arguments");
      const s = lua.lua_tolstring(l, 1) ?? new Uint8Array(0);
      lua.lua_pushstring(l, S(sha1hex(s)));
      return 1;
    });
    fn("error_reply", (l) => {
      if (lua.lua_gettop(l) !== 1 || lua.lua_type(l, -1) !== lua.LUA_TSTRING) {
        this.pushError(l, "wrong number or type of arguments");
        return 1;
      }
      const text = bytesToBinary(lua.lua_tolstring(l, -1)!);
      this.pushError(l, text.startsWith("-") ? text : `-${text}`);
      return 1;
    });
    fn("status_reply", (l) => {
      if (lua.lua_gettop(l) !== 1 || lua.lua_type(l, -1) !== lua.LUA_TSTRING) {
        this.pushError(l, "wrong number or type of arguments");
        return 1;
      }
      lua.lua_newtable(l);
      lua.lua_pushvalue(l, -2);
      lua.lua_setfield(l, -2, S("ok"));
      return 1;
    });
    fn("log", (l) => {
      const argc = lua.lua_gettop(l);
      if (argc < 2) return this.raise(l, "redis.log() requires two arguments or more.");
      if (lua.lua_type(l, 1) !== lua.LUA_TNUMBER) return this.raise(l, "First argument must be a number (log level).");
      const level = lua.lua_tonumber(l, 1);
      if (level < 0 || level > 3) return this.raise(l, "Invalid debug level.");
      const parts: string[] = [];
      for (let j = 2; j <= argc; j++) {
        const s = lua.lua_tolstring(l, j);
        if (s !== null) parts.push(bytesToBinary(s));
      }
      this.running?.host.log(level, parts.join(" "));
      return 0;
    });
    fn("setresp", (l) => {
      if (this.running === null) return this.raise(l, "redis.setresp can only be called inside a script invocation");
      if (lua.lua_gettop(l) !== 1) return this.raise(l, "redis.setresp() requires one argument.");
      const resp = lua.lua_tonumber(l, -1);
      if (resp !== 2 && resp !== 3) return this.raise(l, "RESP version must be 2 or 3.");
      // Lab: replies are always converted as RESP2 (the lab has no RESP3 conversion for scripts).
      return 0;
    });
    fn("set_repl", (l) => {
      if (this.running === null) return this.raise(l, "redis.set_repl can only be called inside a script invocation");
      if (lua.lua_gettop(l) !== 1) return this.raise(l, "redis.set_repl() requires two arguments.");
      return 0;
    });
    fn("replicate_commands", (l) => {
      lua.lua_pushboolean(l, true);
      return 1;
    });
    const constants: readonly [string, number][] = [
      ["LOG_DEBUG", 0],
      ["LOG_VERBOSE", 1],
      ["LOG_NOTICE", 2],
      ["LOG_WARNING", 3],
      ["REPL_NONE", 0],
      ["REPL_AOF", 1],
      ["REPL_SLAVE", 2],
      ["REPL_REPLICA", 2],
      ["REPL_ALL", 3],
    ];
    for (const [name, value] of constants) {
      lua.lua_pushinteger(L, value);
      lua.lua_setfield(L, -2, S(name));
    }
    lua.lua_pushstring(L, S("7.0.15"));
    lua.lua_setfield(L, -2, S("REDIS_VERSION"));
    lua.lua_pushinteger(L, 0x07000f);
    lua.lua_setfield(L, -2, S("REDIS_VERSION_NUM"));
    // Read-only, but a missing field reads as nil (only the globals and the load API raise).
    this.pushErrorMetatable(false);
    lua.lua_setmetatable(L, -2);
    lua.lua_setglobal(L, S("redis"));
  }

  /** luaPushError: pushes {err = "CODE msg"}. */
  private pushError(l: LuaState, raw: string): void {
    lua.lua_newtable(l);
    lua.lua_pushstring(l, binaryToLua(errorTableMessage(raw)));
    lua.lua_setfield(l, -2, S("err"));
  }

  /** luaPushError then luaError: raises {err = ...}. */
  private raise(l: LuaState, raw: string): never {
    this.pushError(l, raw);
    return lua.lua_error(l);
  }

  /** luaRedisGenericCommand: redis.call (raise) and redis.pcall. */
  private redisCommand(l: LuaState, raiseError: boolean): number {
    const running = this.running;
    if (running === null) return this.raise(l, "redis.call/pcall can only be called inside a script invocation");
    const argc = lua.lua_gettop(l);
    if (argc === 0) {
      this.pushError(l, "Please specify at least one argument for this redis lib call");
      return raiseError ? lua.lua_error(l) : 1;
    }
    const argv: Uint8Array[] = [];
    for (let j = 1; j <= argc; j++) {
      const type = lua.lua_type(l, j);
      if (type === lua.LUA_TNUMBER) argv.push(S(formatG17(lua.lua_tonumber(l, j))));
      else if (type === lua.LUA_TSTRING) argv.push(lua.lua_tolstring(l, j)!.slice());
      else break;
    }
    lua.lua_settop(l, 0);
    if (argv.length !== argc) {
      this.pushError(l, "Lua redis lib command arguments must be strings or integers");
      return raiseError ? lua.lua_error(l) : 1;
    }
    const reply = running.host.call(argv);
    if (reply.kind === "rejected") {
      this.pushError(l, reply.message);
      lua.lua_pushboolean(l, true);
      lua.lua_setfield(l, -2, S("ignore_error_stats_update"));
      return raiseError ? lua.lua_error(l) : 1;
    }
    pushReply(l, reply);
    if (raiseError && reply.kind === "error") {
      lua.lua_pushboolean(l, true);
      lua.lua_setfield(l, -2, S("ignore_error_stats_update"));
      return lua.lua_error(l);
    }
    return 1;
  }

  /** redis.register_function (function_lua.c luaRegisterFunction), both call forms. */
  private registerFunction(l: LuaState): number {
    const loading = this.loading;
    if (loading === null) return this.raise(l, "redis.register_function can only be called on FUNCTION LOAD command");
    const argc = lua.lua_gettop(l);
    let name: string | null = null;
    let description: string | null = null;
    let flags: string[] = [];
    if (argc === 1) {
      if (lua.lua_type(l, 1) !== lua.LUA_TTABLE) {
        return this.raise(l, "calling redis.register_function with a single argument is only applicable to Lua table (representing named arguments).");
      }
      lua.lua_pushnil(l);
      lua.lua_setfield(l, lua.LUA_REGISTRYINDEX, S("__pending_callback"));
      const fields = tableStringKeys(l, 1);
      if (fields === null) return this.raise(l, "named argument key given to redis.register_function is not a string");
      for (const key of fields) {
        lua.lua_getfield(l, 1, binaryToLua(key));
        const type = lua.lua_type(l, -1);
        switch (key.toLowerCase()) {
          case "function_name":
            if (type !== lua.LUA_TSTRING) return this.raise(l, "function_name argument given to redis.register_function must be a string");
            name = bytesToBinary(lua.lua_tolstring(l, -1)!);
            lua.lua_pop(l, 1);
            break;
          case "description":
            if (type !== lua.LUA_TSTRING) return this.raise(l, "description argument given to redis.register_function must be a string");
            description = bytesToBinary(lua.lua_tolstring(l, -1)!);
            lua.lua_pop(l, 1);
            break;
          case "callback":
            if (type !== lua.LUA_TFUNCTION) return this.raise(l, "callback argument given to redis.register_function must be a function");
            lua.lua_setfield(l, lua.LUA_REGISTRYINDEX, S("__pending_callback"));
            break;
          case "flags": {
            if (type !== lua.LUA_TTABLE) return this.raise(l, "flags argument to redis.register_function must be a table representing function flags");
            const list = tableStrings(l, -1);
            if (list === null || list.some((f) => !(SCRIPT_FLAGS as readonly string[]).includes(f))) return this.raise(l, "unknown flag given");
            flags = list;
            lua.lua_pop(l, 1);
            break;
          }
          default:
            return this.raise(l, "unknown argument given to redis.register_function");
        }
      }
      if (name === null) return this.raise(l, "redis.register_function must get a function name argument");
      lua.lua_getfield(l, lua.LUA_REGISTRYINDEX, S("__pending_callback"));
      if (lua.lua_type(l, -1) !== lua.LUA_TFUNCTION) return this.raise(l, "redis.register_function must get a callback argument");
    } else if (argc === 2) {
      if (lua.lua_type(l, 1) !== lua.LUA_TSTRING) return this.raise(l, "first argument to redis.register_function must be a string");
      if (lua.lua_type(l, 2) !== lua.LUA_TFUNCTION) return this.raise(l, "second argument to redis.register_function must be a function");
      name = bytesToBinary(lua.lua_tolstring(l, 1)!);
      lua.lua_pushvalue(l, 2);
    } else {
      return this.raise(l, "wrong number of arguments to redis.register_function");
    }
    if (!/^[A-Za-z0-9_]+$/.test(name)) {
      return this.raise(l, "Library names can only contain letters, numbers, or underscores(_) and must be at least one character long");
    }
    const lower = name.toLowerCase();
    if (loading.functions.some((f) => f.name.toLowerCase() === lower)) return this.raise(l, "Function already exists in the library");
    const ref = `__fn_${this.nextRef++}`;
    lua.lua_setfield(l, lua.LUA_REGISTRYINDEX, S(ref));
    loading.functions.push({ name, description, flags, ref });
    return 0;
  }

  /** Forgets a registry entry (a dropped script or function). */
  dropRef(ref: string): void {
    lua.lua_pushnil(this.L);
    lua.lua_setfield(this.L, lua.LUA_REGISTRYINDEX, S(ref));
  }

  /** Compiles `body` and stores the chunk under `ref`; returns the compile error text on failure. */
  compile(body: Uint8Array, chunkName: string, ref: string): string | null {
    const L = this.L;
    if (lauxlib.luaL_loadbuffer(L, body, body.length, S(chunkName)) !== lua.LUA_OK) return this.popString();
    lua.lua_setfield(L, lua.LUA_REGISTRYINDEX, S(ref));
    return null;
  }

  /**
   * Runs a library's code so that it registers its functions (luaEngineCreate). Returns the
   * functions, or an error in FUNCTION LOAD's wording.
   */
  loadLibrary(library: string, code: Uint8Array, budget: number): { ok: true; functions: RegisteredFunction[] } | { ok: false; message: string } {
    const L = this.L;
    if (lauxlib.luaL_loadbuffer(L, code, code.length, S("@user_function")) !== lua.LUA_OK) return { ok: false, message: `Error compiling function: ${this.popString()}` };
    this.loading = { library, functions: [] };
    // The chunk's _ENV is the library environment, reading the load API while it runs.
    this.pushFunctionEnv();
    lua.lua_setupvalue(L, -2, 1);
    this.setFunctionEnvLoading(true);
    const running: Running = { host: NO_HOST, executed: 0, budget, stopped: false };
    this.running = null;
    this.setBudgetHook(running);
    const status = lua.lua_pcall(L, 0, 0, 0);
    lua.lua_sethook(L, null, 0, 0);
    this.setFunctionEnvLoading(false);
    const loading = this.loading;
    this.loading = null;
    let result: ReturnType<LuaVm["loadLibrary"]> = { ok: true, functions: loading.functions };
    if (status !== lua.LUA_OK || running.stopped) {
      // Redis stops a load after 500 ms with this error; the lab stops it at its instruction budget.
      const message = running.stopped ? "ERR FUNCTION LOAD timeout" : this.errorInfo().message;
      for (const f of loading.functions) this.dropRef(f.ref);
      result = { ok: false, message: `Error registering functions: ${message}` };
    }
    lua.lua_settop(L, 0);
    return result;
  }

  private setBudgetHook(running: Running): void {
    lua.lua_sethook(
      this.L,
      (l) => {
        if (!running.stopped) {
          running.executed += HOOK_PERIOD;
          if (running.executed < running.budget) return;
          running.stopped = true;
          // Like SCRIPT KILL: from now on every instruction fails, so pcall cannot swallow it.
          lua.lua_sethook(l, this.stopHook, lua.LUA_MASKCOUNT, 1);
        }
        this.raise(l, budgetMessage(running.budget));
      },
      lua.LUA_MASKCOUNT,
      HOOK_PERIOD,
    );
  }

  private readonly stopHook = (l: LuaState): void => {
    this.raise(l, "Script stopped by the lab's instruction budget");
  };

  /** luaExtractErrorInformation on the error value at the top of the stack (popped). */
  private errorInfo(): { message: string; source: string | null; line: string | null; countStats: boolean } {
    const L = this.L;
    let message = "";
    let source: string | null = null;
    let line: string | null = null;
    let countStats = true;
    if (lua.lua_type(L, -1) === lua.LUA_TSTRING || lua.lua_type(L, -1) === lua.LUA_TNUMBER) {
      message = `ERR ${bytesToBinary(lua.lua_tolstring(L, -1)!)}`;
    } else if (lua.lua_type(L, -1) === lua.LUA_TTABLE) {
      const field = (name: string): string | null => {
        lua.lua_getfield(L, -1, S(name));
        const t = lua.lua_type(L, -1);
        const value = t === lua.LUA_TSTRING || t === lua.LUA_TNUMBER ? bytesToBinary(lua.lua_tolstring(L, -1)!) : null;
        lua.lua_pop(L, 1);
        return value;
      };
      message = field("err") ?? "";
      source = field("source");
      line = field("line");
      lua.lua_getfield(L, -1, S("ignore_error_stats_update"));
      if (lua.lua_type(L, -1) === lua.LUA_TBOOLEAN) countStats = !lua.lua_toboolean(L, -1);
      lua.lua_pop(L, 1);
    }
    lua.lua_pop(L, 1);
    return { message, source, line, countStats };
  }

  /**
   * luaCallFunction: calls the chunk or callback stored under `ref`, with KEYS and ARGV as globals
   * (EVAL) or as its two arguments (FCALL), and converts its result or error as redis does.
   */
  callFunction(ref: string, funcname: string, keys: readonly Uint8Array[], args: readonly Uint8Array[], evalMode: boolean, host: ScriptHost, budget: number): RunResult {
    const L = this.L;
    lua.lua_settop(L, 0);
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, S("__redis__err__handler"));
    lua.lua_getfield(L, lua.LUA_REGISTRYINDEX, S(ref));
    const running: Running = { host, executed: 0, budget, stopped: false };
    this.running = running;
    this.setBudgetHook(running);
    pushStringArray(L, keys);
    if (evalMode) this.setGlobalRaw("KEYS");
    pushStringArray(L, args);
    if (evalMode) this.setGlobalRaw("ARGV");
    const status = evalMode ? lua.lua_pcall(L, 0, 1, 1) : lua.lua_pcall(L, 2, 1, 1);
    lua.lua_sethook(L, null, 0, 0);
    this.running = null;
    let result: RunResult;
    if (running.stopped) {
      lua.lua_settop(L, 0);
      result = { ok: false, message: `ERR ${budgetMessage(budget)} script: ${funcname}`, countStats: true };
    } else if (status !== lua.LUA_OK) {
      if (lua.lua_type(L, -1) !== lua.LUA_TTABLE) {
        const msg = lua.lua_type(L, -1) === lua.LUA_TSTRING ? bytesToBinary(lua.lua_tolstring(L, -1)!) : "execution failure";
        lua.lua_settop(L, 0);
        result = { ok: false, message: `ERR Error running script ${funcname}, ${msg.slice(0, 100)}`, countStats: true };
      } else {
        const info = this.errorInfo();
        let message = info.message;
        if (info.line !== null && info.source !== null) message += ` script: ${funcname}, on ${info.source}:${info.line}.`;
        result = { ok: false, message, countStats: info.countStats };
      }
    } else {
      result = { ok: true, reply: toReply(L) };
    }
    lua.lua_settop(L, 0);
    // Lua's own collector runs incrementally; a step per call keeps a long-lived VM small.
    lua.lua_gc(L, 5 /* LUA_GCSTEP */, 50);
    return result;
  }
}

const NO_HOST: ScriptHost = {
  call: () => ({ kind: "rejected", message: "redis.call/pcall can only be called inside a script invocation" }),
  log: () => undefined,
};

function budgetMessage(budget: number): string {
  return `Script exceeded the lab's instruction budget (${budget} Lua instructions, lab-only lua-instruction-budget) and was stopped`;
}

function binaryToLua(text: string): Uint8Array {
  const out = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) out[i] = text.charCodeAt(i) & 0xff;
  return out;
}

function pushStringArray(L: LuaState, items: readonly Uint8Array[]): void {
  lua.lua_createtable(L, items.length, 0);
  for (let i = 0; i < items.length; i++) {
    lua.lua_pushstring(L, items[i]!);
    lua.lua_rawseti(L, -2, i + 1);
  }
}

/** The string keys of the table at `index`, or null when one is not a string. */
function tableStringKeys(L: LuaState, index: number): string[] | null {
  const keys: string[] = [];
  lua.lua_pushnil(L);
  while (luaNext(L, index)) {
    lua.lua_pop(L, 1);
    if (lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
      lua.lua_pop(L, 1);
      return null;
    }
    keys.push(bytesToBinary(lua.lua_tolstring(L, -1)!));
  }
  return keys;
}

/** The string values of the array table at `index`, or null when one is not a string. */
function tableStrings(L: LuaState, index: number): string[] | null {
  const abs = index < 0 ? lua.lua_gettop(L) + index + 1 : index;
  const out: string[] = [];
  lua.lua_pushnil(L);
  while (luaNext(L, abs)) {
    if (lua.lua_type(L, -1) !== lua.LUA_TSTRING) {
      lua.lua_pop(L, 2);
      return null;
    }
    out.push(bytesToBinary(lua.lua_tolstring(L, -1)!));
    lua.lua_pop(L, 1);
  }
  return out;
}

function luaNext(L: LuaState, index: number): boolean {
  return lua.lua_next(L, index) !== 0;
}

/** redisProtocolToLuaType: a command's reply as the Lua value redis.call returns. */
function pushReply(L: LuaState, reply: Reply): void {
  switch (reply.kind) {
    case "integer":
      lua.lua_pushinteger(L, reply.value);
      return;
    case "bulk":
      if (reply.value === null) lua.lua_pushboolean(L, false);
      else lua.lua_pushstring(L, reply.value);
      return;
    case "simple":
      lua.lua_newtable(L);
      lua.lua_pushstring(L, binaryToLua(reply.value));
      lua.lua_setfield(L, -2, S("ok"));
      return;
    case "error":
      lua.lua_newtable(L);
      lua.lua_pushstring(L, binaryToLua(reply.message));
      lua.lua_setfield(L, -2, S("err"));
      return;
    case "array":
      if (reply.items === null) {
        lua.lua_pushboolean(L, false);
        return;
      }
      lua.lua_checkstack(L, 4);
      lua.lua_createtable(L, reply.items.length, 0);
      for (let i = 0; i < reply.items.length; i++) {
        pushReply(L, reply.items[i]!);
        lua.lua_rawseti(L, -2, i + 1);
      }
      return;
  }
}

/** luaReplyToRedisReply: the value at the top of the stack as a reply (popped). */
function toReply(L: LuaState): LuaReply {
  const type = lua.lua_type(L, -1);
  let reply: LuaReply;
  if (type === lua.LUA_TSTRING) {
    reply = { kind: "bulk", value: lua.lua_tolstring(L, -1)!.slice() };
  } else if (type === lua.LUA_TBOOLEAN) {
    reply = lua.lua_toboolean(L, -1) ? { kind: "integer", value: 1 } : { kind: "null" };
  } else if (type === lua.LUA_TNUMBER) {
    reply = { kind: "integer", value: lua.lua_isinteger(L, -1) ? lua.lua_tointeger(L, -1) : Math.trunc(lua.lua_tonumber(L, -1)) };
  } else if (type === lua.LUA_TTABLE) {
    reply = tableReply(L);
  } else {
    reply = { kind: "null" };
  }
  lua.lua_pop(L, 1);
  return reply;
}

function tableReply(L: LuaState): LuaReply {
  lua.lua_checkstack(L, 4);
  const field = (name: string): number => {
    lua.lua_pushstring(L, S(name));
    return lua.lua_rawget(L, -2);
  };
  if (field("err") === lua.LUA_TSTRING) {
    lua.lua_pop(L, 1);
    lua.lua_pushvalue(L, -1);
    let message = "";
    let countStats = true;
    lua.lua_getfield(L, -1, S("err"));
    message = bytesToBinary(lua.lua_tolstring(L, -1)!);
    lua.lua_pop(L, 1);
    lua.lua_getfield(L, -1, S("ignore_error_stats_update"));
    if (lua.lua_type(L, -1) === lua.LUA_TBOOLEAN) countStats = !lua.lua_toboolean(L, -1);
    lua.lua_pop(L, 2);
    return { kind: "error", message: message.replace(/[\r\n]/g, " "), countStats };
  }
  lua.lua_pop(L, 1);
  if (field("ok") === lua.LUA_TSTRING) {
    const ok = bytesToBinary(lua.lua_tolstring(L, -1)!).replace(/[\r\n]/g, " ");
    lua.lua_pop(L, 1);
    return { kind: "status", value: ok };
  }
  lua.lua_pop(L, 1);
  const items: LuaReply[] = [];
  for (let j = 1; ; j++) {
    if (lua.lua_rawgeti(L, -1, j) === lua.LUA_TNIL) {
      lua.lua_pop(L, 1);
      break;
    }
    items.push(toReply(L));
  }
  return { kind: "array", items };
}
