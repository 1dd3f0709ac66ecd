/* lua_class.h: what every binding file shares, in the manner of luaposix's helpers:
 * userdata classes (one metatable per class, registered once under its name, with methods,
 * __gc and __tostring) and readers of option tables whose errors name the argument and the
 * option, e.g. "bad argument #2 to 'request' (option 'url': string expected, got number)".
 * A wrong self is refused by luaL_checkudata with the class name: "bad argument #1 to
 * 'step' (kwhisk.http.loop expected, got table)". */
#ifndef KWHISK_LUA_CLASS_H
#define KWHISK_LUA_CLASS_H

#include <lauxlib.h>
#include <lua.h>
#include <stddef.h>

typedef struct kwlua_class {
  const char *name;        /* registry key, and the type named in errors */
  const luaL_Reg *methods; /* the __index table; NULL for none */
  lua_CFunction gc;        /* NULL for none; must accept a zeroed userdata */
  lua_CFunction tostring;  /* NULL for none */
} kwlua_class;

/* Registers the class's metatable (once; later calls do nothing). */
void kwlua_class_register(lua_State *L, const kwlua_class *c);

/* Pushes a new zeroed userdata of size bytes with the class's metatable; returns it. */
void *kwlua_class_new(lua_State *L, const kwlua_class *c, size_t size);

/* Option readers: field key of the options table at stack index arg. Absent (nil) gives
 * NULL, 0 or 0; a value of the wrong type or out of range raises. */
const char *kwlua_opt_string(lua_State *L, int arg, const char *key, size_t *len);
lua_Number kwlua_opt_number(lua_State *L, int arg, const char *key, lua_Number lo,
                            lua_Number hi);
int kwlua_opt_boolean(lua_State *L, int arg, const char *key);

/* Raises "bad argument #arg to '<fn>' (option '<key>': <what>)". */
int kwlua_opt_error(lua_State *L, int arg, const char *key, const char *what);

#endif
