/* lua_logreader.c: Lua binding of logreader. The reader is driven from
 * lua/kwhisk/logs.lua through LuaJIT's FFI, so that delivering a record into Lua costs
 * no Lua/C API round trip; this table holds the sizes of the structs logs.lua declares,
 * which it checks against its own declarations when it loads. */
#include <lauxlib.h>

#include "logreader.h"
#include "lua_core.h"

int kwlua_open_logreader(lua_State *L)
{
  lua_createtable(L, 0, 4);
  lua_pushinteger(L, (lua_Integer)sizeof(kwlog_options));
  lua_setfield(L, -2, "sizeof_options");
  lua_pushinteger(L, (lua_Integer)sizeof(kwlog_record));
  lua_setfield(L, -2, "sizeof_record");
  lua_pushinteger(L, (lua_Integer)sizeof(kwlog_stats));
  lua_setfield(L, -2, "sizeof_stats");
  lua_pushinteger(L, KWLOG_DEFAULT_MAX_LINE);
  lua_setfield(L, -2, "default_max_line");
  return 1;
}
