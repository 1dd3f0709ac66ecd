/* lua_portforward.c: Lua binding of the port-forward core (core.portforward).
 *
 * core.portforward.open(loop, options) -> forward | nil, message. The forward's pumping
 * happens in C inside the loop's steps; Lua only opens, inspects and closes it. */
#include <lauxlib.h>
#include <string.h>

#include "lua_class.h"
#include "lua_core.h"
#include "lua_http.h"
#include "portforward.h"

#define PF_MT "kwhisk.portforward"

typedef struct {
  kwpf *pf;
} lpf;

static const kwlua_class pf_class; /* at the end, with its methods */

static kwpf *check_pf(lua_State *L)
{
  lpf *p = luaL_checkudata(L, 1, PF_MT);
  if (p->pf == NULL)
    luaL_argerror(L, 1, "the port-forward is freed");
  return p->pf;
}

/* A required string option. */
static const char *required_string(lua_State *L, const char *key)
{
  const char *s = kwlua_opt_string(L, 2, key, NULL);
  if (s == NULL)
    kwlua_opt_error(L, 2, key, "required");
  return s;
}

static int pf_open(lua_State *L)
{
  kwhttp_loop *loop = kwlua_http_checkloop(L, 1);
  kwpf_options o;
  memset(&o, 0, sizeof o);
  kwlua_http_options(L, &o.http);
  o.host = required_string(L, "host");
  o.target = required_string(L, "target");
  o.port = (uint16_t)kwlua_opt_number(L, 2, "port", 1, 65535);
  if (o.port == 0)
    kwlua_opt_error(L, 2, "port", "required");
  o.local_port = (uint16_t)kwlua_opt_number(L, 2, "local_port", 0, 65535);
  o.buffer = (size_t)kwlua_opt_number(L, 2, "buffer", 0, 1 << 30);
  o.probe = kwlua_opt_boolean(L, 2, "probe");
  lpf *p = kwlua_class_new(L, &pf_class, sizeof *p);
  lua_createtable(L, 1, 0); /* the forward keeps its loop alive */
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
  lua_setfenv(L, -2);
  char err[256];
  p->pf = kwpf_open(loop, &o, err, sizeof err);
  if (p->pf == NULL) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  return 1;
}

static int pf_local_port(lua_State *L)
{
  lua_pushinteger(L, kwpf_local_port(check_pf(L)));
  return 1;
}

static int pf_connections(lua_State *L)
{
  lua_pushinteger(L, (lua_Integer)kwpf_connections(check_pf(L)));
  return 1;
}

static int pf_accepted(lua_State *L)
{
  lua_pushnumber(L, (lua_Number)kwpf_accepted(check_pf(L)));
  return 1;
}

/* pf:probe() -> nil (running) | true (accepted) | false (failed: see errors) */
static int pf_probe(lua_State *L)
{
  int r = kwpf_probe_result(check_pf(L));
  if (r == 0)
    return 0;
  lua_pushboolean(L, r > 0);
  return 1;
}

static int pf_probe_id(lua_State *L)
{
  lua_pushnumber(L, (lua_Number)kwpf_probe_id(check_pf(L)));
  return 1;
}

/* pf:errors(cursor) -> { {seq, kind, message, status, body}, ... }, new cursor */
static int pf_errors(lua_State *L)
{
  kwpf *pf = check_pf(L);
  uint64_t cursor = (uint64_t)luaL_optnumber(L, 2, 0);
  kwpf_error e;
  lua_newtable(L);
  for (int i = 1; kwpf_next_error(pf, &cursor, &e); i++) {
    lua_createtable(L, 0, 5);
    lua_pushnumber(L, (lua_Number)e.seq);
    lua_setfield(L, -2, "seq");
    lua_pushstring(L, e.kind);
    lua_setfield(L, -2, "kind");
    lua_pushstring(L, e.message);
    lua_setfield(L, -2, "message");
    if (e.status != 0) {
      lua_pushinteger(L, e.status);
      lua_setfield(L, -2, "status");
      lua_pushlstring(L, e.body != NULL ? e.body : "", e.body_len);
      lua_setfield(L, -2, "body");
    }
    lua_rawseti(L, -2, i);
  }
  lua_pushnumber(L, (lua_Number)cursor);
  return 2;
}

static int pf_close(lua_State *L)
{
  kwpf_close(check_pf(L));
  return 0;
}

static int pf_gc(lua_State *L)
{
  lpf *p = luaL_checkudata(L, 1, PF_MT);
  kwpf_free(p->pf);
  p->pf = NULL;
  return 0;
}

static int pf_tostring(lua_State *L)
{
  lpf *p = luaL_checkudata(L, 1, PF_MT);
  if (p->pf == NULL)
    lua_pushliteral(L, "kwhisk.portforward (freed)");
  else
    lua_pushfstring(L, "kwhisk.portforward 127.0.0.1:%d (%d connections)",
                    (int)kwpf_local_port(p->pf), (int)kwpf_connections(p->pf));
  return 1;
}

static const luaL_Reg pf_methods[] = {
  {"local_port", pf_local_port}, {"connections", pf_connections}, {"accepted", pf_accepted},
  {"probe", pf_probe}, {"probe_id", pf_probe_id}, {"errors", pf_errors}, {"close", pf_close},
  {NULL, NULL},
};
static const kwlua_class pf_class = {PF_MT, pf_methods, pf_gc, pf_tostring};

int kwlua_open_portforward(lua_State *L)
{
  kwlua_class_register(L, &pf_class);
  lua_newtable(L);
  lua_pushcfunction(L, pf_open);
  lua_setfield(L, -2, "open");
  return 1;
}
