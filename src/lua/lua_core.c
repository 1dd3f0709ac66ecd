/* lua_core.c: luaopen_kwhisk_core, the entry point of the C module kwhisk.core.
 * It builds the module table from the sub-tables of each binding file. */
#include "lua_core.h"

#include <lauxlib.h>

static const struct {
  const char *name;
  lua_CFunction open;
} parts[] = {
  {"time", kwlua_open_time},
  {"ffi", kwlua_open_ffi},
  {"logrecord", kwlua_open_logrecord},
  {"yaml", kwlua_open_yaml},
  {"json", kwlua_open_json},
  {"http", kwlua_open_http},
  {"portforward", kwlua_open_portforward},
};

int luaopen_kwhisk_core(lua_State *L)
{
  lua_createtable(L, 0, (int)(sizeof parts / sizeof parts[0]) + 1);
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++) {
    parts[i].open(L);
    lua_setfield(L, -2, parts[i].name);
  }
  lua_pushliteral(L, KWHISK_VERSION);
  lua_setfield(L, -2, "version");
  return 1;
}
