/* lua_json.h: what the json binding shares with the other bindings.
 *
 * Arrays and objects are told apart by two metatables, the "marks", kept in the
 * registry so kwhisk.json and kwhisk.yaml mark tables the same way. */
#ifndef KWHISK_LUA_JSON_H
#define KWHISK_LUA_JSON_H

#include <lua.h>

#define KWLUA_JSON_ARRAY_MT "kwhisk.json.array"
#define KWLUA_JSON_OBJECT_MT "kwhisk.json.object"

/* Pushes the array mark and the object mark (creating them on first use). */
void kwlua_json_push_marks(lua_State *L);

/* core.json.encode(value) -> string; raises an error naming the path of a value that
 * has no JSON form. Upvalues: the array mark, the object mark and an encoder state
 * pushed by kwlua_json_push_encoder. */
int kwlua_json_encode(lua_State *L);
void kwlua_json_push_encoder(lua_State *L);

#endif
