/* lua_http.h: what other bindings use of the core.http binding (lua_http.c): its loop
 * userdata and its request options, so a port-forward runs on the same loop with the
 * same TLS and credential options as every request. */
#ifndef KWHISK_LUA_HTTP_H
#define KWHISK_LUA_HTTP_H

#include <lua.h>

#include "http.h"

/* The kwhttp_loop of the loop userdata at idx; raises when it is not one or is closed. */
kwhttp_loop *kwlua_http_checkloop(lua_State *L, int idx);
/* Reads request options from the table at index 2 (raises naming a bad option). String
 * values point into that table: keep it on the stack while o is in use. */
void kwlua_http_options(lua_State *L, kwhttp_options *o);

#endif
