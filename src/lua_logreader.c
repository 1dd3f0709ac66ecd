/* lua_logreader.c: Lua binding of the logreader part of the C core (placeholder until it is built). */
#include "lua_core.h"

int kwlua_open_logreader(lua_State *L)
{
  lua_newtable(L);
  return 1;
}
