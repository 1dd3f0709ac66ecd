/* lua_logrecord.c: Lua binding of the logrecord part of the C core (placeholder until it is built). */
#include "lua_core.h"

int kwlua_open_logrecord(lua_State *L)
{
  lua_newtable(L);
  return 1;
}
