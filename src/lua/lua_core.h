/* lua_core.h: the parts of the Lua module kwhisk.core.
 *
 * kwhisk.core is one C module made of sub-tables, one per concept of the C core
 * (core.time, core.logreader, ...). Each lua_<part>.c binding file defines the
 * opener below that pushes its sub-table; lua_core.c gathers them. */
#ifndef KWHISK_LUA_CORE_H
#define KWHISK_LUA_CORE_H

#include <lua.h>

int kwlua_open_time(lua_State *L);
int kwlua_open_ffi(lua_State *L);
int kwlua_open_logrecord(lua_State *L);
int kwlua_open_yaml(lua_State *L);
int kwlua_open_json(lua_State *L);
int kwlua_open_http(lua_State *L);
int kwlua_open_portforward(lua_State *L);

int luaopen_kwhisk_core(lua_State *L);

#endif
