/* lua_time.c: Lua binding of the time part of the C core (placeholder until it is built). */
#include "lua_core.h"

int kwlua_open_time(lua_State *L)
{
  lua_newtable(L);
  return 1;
}
