/**
 * `table.sort` as Lua 5.1 (the Lua redis embeds) does it, in place of fengari's 5.3 version.
 *
 * Two reasons. Determinism: 5.3's sort picks a random pivot (fengari draws it from Math.random)
 * once a partition of more than 100 elements comes out unbalanced, so the comparator calls, the
 * script's instruction count and the order of equal elements changed from run to run, and the
 * engine must not take randomness from anywhere but its inputs. Fidelity: the order in which equal
 * elements come out, and whether an inconsistent comparator raises "invalid order function for
 * sorting", follow from the exact sequence of comparisons; with 5.1's algorithm a lab node's script
 * gives what a real redis-server's does.
 *
 * The algorithm is 5.1's quicksort: median of three (first, middle, last) as the pivot, which is
 * parked at `hi - 1` while the range between is partitioned, the smaller side sorted by recursion
 * and the larger one by the loop. Elements are read and written raw (no metamethods) and the
 * length is the raw length, as 5.1's `luaL_getn` and `lua_rawgeti` have it. The pivot stays on
 * the Lua stack, not re-read from the table, because a comparator may write to the table.
 */
import { lauxlib, lua, to_luastring, type LuaState } from "fengari";

const TABLE = 1;
const COMPARATOR = 2;

/** Is the value at `a` less than the value at `b` (stack indices, negative), by the comparator if any? */
function less(L: LuaState, a: number, b: number): boolean {
  if (lua.lua_type(L, COMPARATOR) === lua.LUA_TNIL) return lua.lua_compare(L, a, b, lua.LUA_OPLT);
  lua.lua_pushvalue(L, COMPARATOR);
  lua.lua_pushvalue(L, a - 1); // one slot further down: the function is above it now
  lua.lua_pushvalue(L, b - 2); // two slots: the function and the first argument
  lua.lua_call(L, 2, 1);
  const result = lua.lua_toboolean(L, -1);
  lua.lua_pop(L, 1);
  return result;
}

/** Stores the two values on top of the stack at `i` (the top one) and `j`, popping both. */
function store(L: LuaState, i: number, j: number): void {
  lua.lua_rawseti(L, TABLE, i);
  lua.lua_rawseti(L, TABLE, j);
}

function invalidOrder(L: LuaState): never {
  return lauxlib.luaL_error(L, to_luastring("invalid order function for sorting"));
}

function quicksort(L: LuaState, lo: number, hi: number): void {
  while (lo < hi) {
    // Order the first and last elements.
    lua.lua_rawgeti(L, TABLE, lo);
    lua.lua_rawgeti(L, TABLE, hi);
    if (less(L, -1, -2)) store(L, lo, hi);
    else lua.lua_pop(L, 2);
    if (hi - lo === 1) return;
    // Bring the middle one between them: the median of three.
    let i = Math.floor((lo + hi) / 2);
    lua.lua_rawgeti(L, TABLE, i);
    lua.lua_rawgeti(L, TABLE, lo);
    if (less(L, -2, -1)) store(L, i, lo);
    else {
      lua.lua_pop(L, 1);
      lua.lua_rawgeti(L, TABLE, hi);
      if (less(L, -1, -2)) store(L, i, hi);
      else lua.lua_pop(L, 2);
    }
    if (hi - lo === 2) return;
    // Park the pivot at hi - 1 and keep a copy on the stack.
    lua.lua_rawgeti(L, TABLE, i);
    lua.lua_pushvalue(L, -1);
    lua.lua_rawgeti(L, TABLE, hi - 1);
    store(L, i, hi - 1);
    // Partition lo+1 .. hi-2 around the pivot: a[lo..i] <= P <= a[j..hi].
    i = lo;
    let j = hi - 1;
    for (;;) {
      for (lua.lua_rawgeti(L, TABLE, ++i); less(L, -1, -2); lua.lua_rawgeti(L, TABLE, ++i)) {
        if (i > hi) invalidOrder(L);
        lua.lua_pop(L, 1);
      }
      for (lua.lua_rawgeti(L, TABLE, --j); less(L, -3, -1); lua.lua_rawgeti(L, TABLE, --j)) {
        if (j < lo) invalidOrder(L);
        lua.lua_pop(L, 1);
      }
      if (j < i) {
        lua.lua_pop(L, 3); // the pivot, a[i] and a[j]
        break;
      }
      store(L, i, j);
    }
    // The pivot goes to its final place i.
    lua.lua_rawgeti(L, TABLE, hi - 1);
    lua.lua_rawgeti(L, TABLE, i);
    store(L, hi - 1, i);
    // Recurse into the smaller side, loop on the larger one.
    if (i - lo < hi - i) {
      quicksort(L, lo, i - 1);
      lo = i + 1;
    } else {
      quicksort(L, i + 1, hi);
      hi = i - 1;
    }
  }
}

/** `table.sort(t [, comp])`. */
function sort(L: LuaState): number {
  lauxlib.luaL_checktype(L, TABLE, lua.LUA_TTABLE);
  const n = lua.lua_rawlen(L, TABLE);
  lauxlib.luaL_checkstack(L, 40, null);
  if (lua.lua_type(L, COMPARATOR) > lua.LUA_TNIL) lauxlib.luaL_checktype(L, COMPARATOR, lua.LUA_TFUNCTION);
  lua.lua_settop(L, 2);
  quicksort(L, 1, n);
  return 0;
}

/** Replaces the `table` library's sort (the library must be open). */
export function installLua51Sort(L: LuaState): void {
  lua.lua_getglobal(L, to_luastring("table"));
  lua.lua_pushjsfunction(L, sort);
  lua.lua_setfield(L, -2, to_luastring("sort"));
  lua.lua_pop(L, 1);
}
