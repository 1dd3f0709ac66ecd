/* lua_time.c: Lua binding of ktime. Parsing, formatting and comparing are reached from
 * lua/kwhisk/time.lua through LuaJIT's FFI (a time value is an FFI struct), so this
 * table holds only the clock and the struct's size, which time.lua checks against its
 * own declaration. */
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

int kwlua_open_time(lua_State *L)
{
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, l_now);
  lua_setfield(L, -2, "now");
  lua_pushinteger(L, (lua_Integer)sizeof(kwtime));
  lua_setfield(L, -2, "sizeof_time");
  return 1;
}
