/* lua_class.c: userdata classes and option readers for the bindings (see lua_class.h). */
#include "lua_class.h"

#include <string.h>

/* Pushes the class's metatable, making it on first use. */
static void push_metatable(lua_State *L, const kwlua_class *c)
{
  if (!luaL_newmetatable(L, c->name))
    return;
  lua_newtable(L);
  if (c->methods != NULL)
    luaL_setfuncs(L, c->methods, 0);
  lua_setfield(L, -2, "__index");
  if (c->gc != NULL) {
    lua_pushcfunction(L, c->gc);
    lua_setfield(L, -2, "__gc");
  }
  if (c->tostring != NULL) {
    lua_pushcfunction(L, c->tostring);
    lua_setfield(L, -2, "__tostring");
  }
}

void kwlua_class_register(lua_State *L, const kwlua_class *c)
{
  push_metatable(L, c);
  lua_pop(L, 1);
}

void *kwlua_class_new(lua_State *L, const kwlua_class *c, size_t size)
{
  void *p = lua_newuserdata(L, size);
  memset(p, 0, size); /* what __gc sees if the caller raises before filling it in */
  push_metatable(L, c);
  lua_setmetatable(L, -2);
  return p;
}

int kwlua_opt_error(lua_State *L, int arg, const char *key, const char *what)
{
  return luaL_argerror(L, arg, lua_pushfstring(L, "option '%s': %s", key, what));
}

static int type_error(lua_State *L, int arg, const char *key, const char *expected)
{
  return kwlua_opt_error(L, arg, key, lua_pushfstring(L, "%s expected, got %s", expected,
                                                      luaL_typename(L, -1)));
}

const char *kwlua_opt_string(lua_State *L, int arg, const char *key, size_t *len)
{
  lua_getfield(L, arg, key);
  const char *s = NULL;
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TSTRING)
      type_error(L, arg, key, "string");
    s = lua_tolstring(L, -1, len);
  }
  lua_pop(L, 1); /* the string stays referenced by the options table */
  return s;
}

lua_Number kwlua_opt_number(lua_State *L, int arg, const char *key, lua_Number lo,
                            lua_Number hi)
{
  lua_getfield(L, arg, key);
  lua_Number v = 0;
  if (!lua_isnil(L, -1)) {
    if (lua_type(L, -1) != LUA_TNUMBER)
      type_error(L, arg, key, "number");
    v = lua_tonumber(L, -1);
    if (!(v >= lo && v <= hi)) /* NaN too */
      kwlua_opt_error(L, arg, key, lua_pushfstring(L, "number from %f to %f expected", lo, hi));
  }
  lua_pop(L, 1);
  return v;
}

int kwlua_opt_boolean(lua_State *L, int arg, const char *key)
{
  lua_getfield(L, arg, key);
  if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TBOOLEAN)
    type_error(L, arg, key, "boolean");
  int v = lua_toboolean(L, -1);
  lua_pop(L, 1);
  return v;
}
