/* lua_time.c: Lua binding of ktime. Parsing, formatting and comparing are reached from
 * lua/kwhisk/time.lua through LuaJIT's FFI (a time value is an FFI struct, declared in
 * lua/kwhisk/core_ffi.lua), so this table holds only the clocks. */
#include <lauxlib.h>

#include "ktime.h"
#include "lua_core.h"

static int l_now(lua_State *L)
{
  kwtime t;
  if (kwtime_now(&t) != 0) {
    lua_pushnil(L);
    lua_pushliteral(L, "the realtime clock failed");
    return 2;
  }
  lua_pushnumber(L, (lua_Number)t.sec);
  lua_pushinteger(L, t.nsec);
  return 2;
}

/* monotonic() -> seconds on the monotonic clock: deadlines of timers and timeouts. */
static int l_monotonic(lua_State *L)
{
  lua_pushnumber(L, kwtime_monotonic());
  return 1;
}

int kwlua_open_time(lua_State *L)
{
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, l_now);
  lua_setfield(L, -2, "now");
  lua_pushcfunction(L, l_monotonic);
  lua_setfield(L, -2, "monotonic");
  return 1;
}
