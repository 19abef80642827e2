/**
 * The part of fengari's API (a Lua 5.3 VM in JavaScript, MIT) the scripting engine uses. fengari
 * ships no types; Lua strings are byte arrays there, so binary keys and values pass unchanged.
 */
declare module "fengari" {
  /** A Lua thread (lua_State). */
  export interface LuaState {
    readonly __luaState: unique symbol;
  }
  /** A JavaScript function Lua can call (lua_CFunction): returns how many results it pushed. */
  export type LuaCFunction = (L: LuaState) => number;
  export type LuaHook = (L: LuaState, ar: unknown) => void;

  export const lua: {
    readonly LUA_OK: number;
    readonly LUA_TNIL: number;
    readonly LUA_TBOOLEAN: number;
    readonly LUA_TNUMBER: number;
    readonly LUA_TSTRING: number;
    readonly LUA_TTABLE: number;
    readonly LUA_TFUNCTION: number;
    readonly LUA_MASKCOUNT: number;
    readonly LUA_MASKLINE: number;
    readonly LUA_REGISTRYINDEX: number;
    readonly LUA_OPLT: number;
    lua_gettop(L: LuaState): number;
    lua_settop(L: LuaState, index: number): void;
    lua_pop(L: LuaState, n: number): void;
    lua_type(L: LuaState, index: number): number;
    lua_pushnil(L: LuaState): void;
    lua_pushboolean(L: LuaState, b: boolean): void;
    lua_pushinteger(L: LuaState, n: number): void;
    lua_pushnumber(L: LuaState, n: number): void;
    lua_pushstring(L: LuaState, s: Uint8Array): Uint8Array;
    lua_pushjsfunction(L: LuaState, f: LuaCFunction): void;
    lua_pushvalue(L: LuaState, index: number): void;
    lua_createtable(L: LuaState, narr: number, nrec: number): void;
    lua_newtable(L: LuaState): void;
    lua_setfield(L: LuaState, index: number, key: Uint8Array): void;
    lua_getfield(L: LuaState, index: number, key: Uint8Array): number;
    lua_rawgeti(L: LuaState, index: number, n: number): number;
    lua_rawseti(L: LuaState, index: number, n: number): void;
    lua_rawget(L: LuaState, index: number): number;
    lua_rawset(L: LuaState, index: number): void;
    lua_setmetatable(L: LuaState, index: number): void;
    lua_setglobal(L: LuaState, name: Uint8Array): void;
    lua_getglobal(L: LuaState, name: Uint8Array): number;
    lua_toboolean(L: LuaState, index: number): boolean;
    lua_tonumber(L: LuaState, index: number): number;
    lua_isinteger(L: LuaState, index: number): boolean;
    lua_tointeger(L: LuaState, index: number): number;
    lua_tolstring(L: LuaState, index: number): Uint8Array | null;
    lua_isstring(L: LuaState, index: number): boolean;
    lua_pcall(L: LuaState, nargs: number, nresults: number, msgh: number): number;
    lua_call(L: LuaState, nargs: number, nresults: number): void;
    lua_compare(L: LuaState, index1: number, index2: number, op: number): boolean;
    lua_rawlen(L: LuaState, index: number): number;
    lua_error(L: LuaState): never;
    lua_sethook(L: LuaState, f: LuaHook | null, mask: number, count: number): void;
    lua_checkstack(L: LuaState, n: number): boolean;
    lua_remove(L: LuaState, index: number): void;
    lua_insert(L: LuaState, index: number): void;
    lua_gc(L: LuaState, what: number, data: number): number;
    lua_next(L: LuaState, index: number): number;
    lua_setupvalue(L: LuaState, funcindex: number, n: number): Uint8Array | null;
  };

  export const lauxlib: {
    luaL_newstate(): LuaState;
    luaL_loadbuffer(L: LuaState, buff: Uint8Array, size: number | null, name: Uint8Array): number;
    luaL_requiref(L: LuaState, name: Uint8Array, open: LuaCFunction, glb: number): void;
    luaL_error(L: LuaState, message: Uint8Array): never;
    luaL_where(L: LuaState, level: number): void;
    luaL_checktype(L: LuaState, arg: number, type: number): void;
    luaL_checkstack(L: LuaState, space: number, message: Uint8Array | null): void;
  };

  export const lualib: {
    readonly luaopen_base: LuaCFunction;
    readonly luaopen_table: LuaCFunction;
    readonly luaopen_string: LuaCFunction;
    readonly luaopen_math: LuaCFunction;
    readonly luaopen_debug: LuaCFunction;
  };

  export function to_luastring(text: string): Uint8Array;
  export function to_jsstring(bytes: Uint8Array): string;
}
