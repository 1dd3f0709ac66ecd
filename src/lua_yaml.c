/* lua_yaml.c: Lua binding of the yaml part of the C core (placeholder until it is built). */
#include "lua_core.h"

int kwlua_open_yaml(lua_State *L)
{
  lua_newtable(L);
  return 1;
}
