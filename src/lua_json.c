/* lua_json.c: Lua binding of the json part of the C core (placeholder until it is built). */
#include "lua_core.h"

int kwlua_open_json(lua_State *L)
{
  lua_newtable(L);
  return 1;
}
