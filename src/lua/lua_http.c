/* lua_http.c: Lua binding of the HTTP transport (core.http).
 *
 * core.http.loop() -> a loop (one curl_multi, one connection cache). The Lua scheduler
 * (lua/kwhisk/loop.lua) starts requests on it and calls loop:step(seconds), which
 * returns the ids of the requests that progressed. No Lua code runs inside libcurl. */
#include <lauxlib.h>
#include <stdint.h>
#include <string.h>

#include "http.h"
#include "lua_class.h"
#include "lua_core.h"
#include "lua_http.h"

#define LOOP_MT "kwhisk.http.loop"
#define REQ_MT "kwhisk.http.request"

typedef struct {
  kwhttp_loop *loop;
} lloop;

typedef struct {
  kwhttp_req *req;
} lreq;

static const kwlua_class loop_class, req_class; /* at the end, with their methods */

static kwhttp_loop *check_loop(lua_State *L, int idx)
{
  lloop *l = luaL_checkudata(L, idx, LOOP_MT);
  if (l->loop == NULL)
    luaL_argerror(L, idx, "the loop is closed");
  return l->loop;
}

static kwhttp_req *check_req(lua_State *L, int idx)
{
  lreq *r = luaL_checkudata(L, idx, REQ_MT);
  if (r->req == NULL)
    luaL_argerror(L, idx, "the request is closed");
  return r->req;
}

/* The largest number an option takes: every integer below it is exact in a double, and
 * a timeout of that many seconds still fits a long of milliseconds. */
#define OPT_MAX 9007199254740992.0 /* 2^53 */

static lua_Number opt_count(lua_State *L, const char *key)
{
  return kwlua_opt_number(L, 2, key, 0, OPT_MAX);
}

static void opt_headers(lua_State *L, kwhttp_options *o)
{
  lua_getfield(L, 2, "headers");
  if (lua_isnil(L, -1)) {
    lua_pop(L, 1);
    return;
  }
  if (!lua_istable(L, -1))
    kwlua_opt_error(L, 2, "headers", "an array of strings expected");
  size_t n = lua_objlen(L, -1);
  const char **lines = lua_newuserdata(L, (n + 1) * sizeof *lines); /* freed by the GC */
  for (size_t i = 0; i < n; i++) {
    lua_rawgeti(L, -2, (int)i + 1);
    if (lua_type(L, -1) != LUA_TSTRING)
      kwlua_opt_error(L, 2, "headers", lua_pushfstring(L, "entry %d is not a string", (int)i + 1));
    lines[i] = lua_tostring(L, -1);
    lua_pop(L, 1); /* still referenced by the headers table */
  }
  o->headers = lines;
  o->nheaders = n;
  lua_insert(L, -2); /* keep the userdata and the table on the stack until the call ends */
}

kwhttp_loop *kwlua_http_checkloop(lua_State *L, int idx)
{
  return check_loop(L, idx);
}

void kwlua_http_options(lua_State *L, kwhttp_options *o)
{
  luaL_checktype(L, 2, LUA_TTABLE);
  memset(o, 0, sizeof *o);
  o->method = kwlua_opt_string(L, 2, "method", NULL);
  o->url = kwlua_opt_string(L, 2, "url", NULL);
  if (o->url == NULL)
    kwlua_opt_error(L, 2, "url", "required");
  o->token = kwlua_opt_string(L, 2, "token", NULL);
  o->body = kwlua_opt_string(L, 2, "body", &o->body_len);
  o->ca = kwlua_opt_string(L, 2, "ca", &o->ca_len);
  o->cert = kwlua_opt_string(L, 2, "cert", &o->cert_len);
  o->key = kwlua_opt_string(L, 2, "key", &o->key_len);
  o->insecure = kwlua_opt_boolean(L, 2, "insecure");
  o->stream = kwlua_opt_boolean(L, 2, "stream");
  o->connect_timeout_ms = (long)(opt_count(L, "connect_timeout") * 1000);
  double read_timeout = opt_count(L, "read_timeout");
  o->read_timeout_s = read_timeout > 0 && read_timeout < 1 ? 1 : (long)read_timeout;
  o->timeout_ms = (long)(opt_count(L, "timeout") * 1000);
  o->max_body = (size_t)opt_count(L, "max_body");
  o->stream_buffer = (size_t)opt_count(L, "stream_buffer");
  opt_headers(L, o);
}

/* loop:request(options) -> request | nil, message */
static int loop_request(lua_State *L)
{
  kwhttp_loop *loop = check_loop(L, 1);
  kwhttp_options o;
  kwlua_http_options(L, &o);
  lreq *r = kwlua_class_new(L, &req_class, sizeof *r);
  /* The request keeps its loop alive. */
  lua_createtable(L, 1, 0);
  lua_pushvalue(L, 1);
  lua_rawseti(L, -2, 1);
  lua_setfenv(L, -2);
  char err[256];
  r->req = kwhttp_req_start(loop, &o, err, sizeof err);
  if (r->req == NULL) {
    lua_pushnil(L);
    lua_pushstring(L, err);
    return 2;
  }
  return 1;
}

/* loop:step(seconds) -> { id, ... } of the requests that progressed */
static int loop_step(lua_State *L)
{
  kwhttp_loop *loop = check_loop(L, 1);
  double seconds = luaL_optnumber(L, 2, 0);
  int ms = seconds <= 0 ? 0 : seconds > 3600 ? 3600000 : (int)(seconds * 1000 + 0.5);
  char err[256];
  if (kwhttp_loop_step(loop, ms, err, sizeof err) != 0)
    return luaL_error(L, "%s", err);
  size_t n;
  kwhttp_req *const *ready = kwhttp_loop_ready(loop, &n);
  lua_createtable(L, (int)n, 0);
  for (size_t i = 0; i < n; i++) {
    lua_pushnumber(L, (lua_Number)kwhttp_req_id(ready[i]));
    lua_rawseti(L, -2, (int)i + 1);
  }
  return 1;
}

static int loop_active(lua_State *L)
{
  lua_pushinteger(L, (lua_Integer)kwhttp_loop_active(check_loop(L, 1)));
  return 1;
}

static int loop_gc(lua_State *L)
{
  lloop *l = luaL_checkudata(L, 1, LOOP_MT);
  kwhttp_loop_free(l->loop);
  l->loop = NULL;
  return 0;
}

static int loop_watches(lua_State *L)
{
  lua_pushinteger(L, (lua_Integer)kwhttp_loop_watches(check_loop(L, 1)));
  return 1;
}

static int loop_tostring(lua_State *L)
{
  lloop *l = luaL_checkudata(L, 1, LOOP_MT);
  lua_pushfstring(L, "kwhisk.http.loop (%d active)",
                  l->loop != NULL ? (int)kwhttp_loop_active(l->loop) : 0);
  return 1;
}

static int req_id(lua_State *L)
{
  lua_pushnumber(L, (lua_Number)kwhttp_req_id(check_req(L, 1)));
  return 1;
}

static int req_done(lua_State *L)
{
  lua_pushboolean(L, kwhttp_req_done(check_req(L, 1)));
  return 1;
}

static int req_headers_done(lua_State *L)
{
  lua_pushboolean(L, kwhttp_req_headers_done(check_req(L, 1)));
  return 1;
}

static int req_status(lua_State *L)
{
  lua_pushinteger(L, (lua_Integer)kwhttp_req_status(check_req(L, 1)));
  return 1;
}

static int req_headers(lua_State *L)
{
  size_t len;
  const char *h = kwhttp_req_headers(check_req(L, 1), &len);
  lua_pushlstring(L, h, len);
  return 1;
}

static int req_body(lua_State *L)
{
  size_t len;
  const char *b = kwhttp_req_body(check_req(L, 1), &len);
  lua_pushlstring(L, b, len);
  return 1;
}

/* req:failure() -> nil | kind, message */
static int req_failure(lua_State *L)
{
  const char *message;
  kwhttp_fail fail = kwhttp_req_failure(check_req(L, 1), &message);
  if (fail == KWHTTP_OK)
    return 0;
  lua_pushstring(L, kwhttp_fail_name(fail));
  lua_pushstring(L, message);
  return 2;
}

/* req:take() -> the streamed bytes not yet taken, or nil when there are none */
static int req_take(lua_State *L)
{
  kwhttp_req *req = check_req(L, 1);
  size_t len;
  const char *p = kwhttp_req_pending(req, &len);
  if (len == 0)
    return 0;
  lua_pushlstring(L, p, len);
  kwhttp_req_consume(req);
  return 1;
}

/* req:hand() -> pointer (light userdata), length | nil when nothing is pending.
 * The streamed bytes without a Lua string: they stay valid until the next req:hand() or
 * req:close(), for a consumer that reads them in place through the FFI (kwhisk.logs). */
static int req_hand(lua_State *L)
{
  size_t len;
  const char *p = kwhttp_req_hand(check_req(L, 1), &len);
  if (p == NULL)
    return 0;
  lua_pushlightuserdata(L, (void *)(uintptr_t)p);
  lua_pushnumber(L, (lua_Number)len);
  return 2;
}

/* req:pending() -> number of streamed bytes waiting to be taken */
static int req_pending(lua_State *L)
{
  size_t len;
  kwhttp_req_pending(check_req(L, 1), &len);
  lua_pushnumber(L, (lua_Number)len);
  return 1;
}

static int req_closed(lua_State *L)
{
  lreq *r = luaL_checkudata(L, 1, REQ_MT);
  lua_pushboolean(L, r->req == NULL);
  return 1;
}

static int req_close(lua_State *L)
{
  lreq *r = luaL_checkudata(L, 1, REQ_MT);
  kwhttp_req_free(r->req);
  r->req = NULL;
  return 0;
}

static int req_tostring(lua_State *L)
{
  lreq *r = luaL_checkudata(L, 1, REQ_MT);
  if (r->req == NULL)
    lua_pushliteral(L, "kwhisk.http.request (closed)");
  else
    lua_pushfstring(L, "kwhisk.http.request %d (%s)", (int)kwhttp_req_id(r->req),
                    kwhttp_req_done(r->req) ? "done" : "running");
  return 1;
}

static int new_loop(lua_State *L)
{
  lloop *l = kwlua_class_new(L, &loop_class, sizeof *l);
  l->loop = kwhttp_loop_new();
  if (l->loop == NULL)
    return luaL_error(L, "cannot initialise libcurl");
  return 1;
}

static const luaL_Reg loop_methods[] = {
  {"request", loop_request}, {"step", loop_step}, {"active", loop_active},
  {"watches", loop_watches}, {NULL, NULL},
};
static const luaL_Reg req_methods[] = {
  {"id", req_id}, {"done", req_done}, {"headers_done", req_headers_done},
  {"status", req_status}, {"headers", req_headers}, {"body", req_body},
  {"failure", req_failure}, {"take", req_take}, {"hand", req_hand}, {"pending", req_pending},
  {"close", req_close}, {"closed", req_closed},
  {NULL, NULL},
};
static const kwlua_class loop_class = {LOOP_MT, loop_methods, loop_gc, loop_tostring};
static const kwlua_class req_class = {REQ_MT, req_methods, req_close, req_tostring};

int kwlua_open_http(lua_State *L)
{
  kwlua_class_register(L, &loop_class);
  kwlua_class_register(L, &req_class);
  lua_newtable(L);
  lua_pushcfunction(L, new_loop);
  lua_setfield(L, -2, "loop");
  return 1;
}
