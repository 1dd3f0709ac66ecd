/* lua_logrecord.c: Lua binding of logrecord: the JSON form, its UTF-16 size, the text
 * form and decoding, each over (sec, nsec, stream, log) as lua/kwhisk/logline.lua
 * passes them. */
#include <lauxlib.h>

#include "logrecord.h"
#include "lua_core.h"

/* Reads the record arguments at stack positions 1-4. */
static void check_record(lua_State *L, kwtime *t, const char **stream, size_t *stream_len,
                         const char **log, size_t *log_len)
{
  lua_Number sec = luaL_checknumber(L, 1);
  lua_Integer nsec = luaL_checkinteger(L, 2);
  luaL_argcheck(L, sec == (lua_Number)(int64_t)sec, 1, "integer seconds expected");
  luaL_argcheck(L, nsec >= 0 && nsec <= 999999999, 2, "nanoseconds 0-999999999 expected");
  t->sec = (int64_t)sec;
  t->nsec = (int32_t)nsec;
  *stream = luaL_checklstring(L, 3, stream_len);
  *log = luaL_checklstring(L, 4, log_len);
}

static int push_buffer(lua_State *L, kwbuf *b, int rc)
{
  if (rc != 0) {
    kwbuf_free(b);
    lua_pushnil(L);
    lua_pushliteral(L, "out of memory");
    return 2;
  }
  lua_pushlstring(L, b->data, b->len);
  kwbuf_free(b);
  return 1;
}

static int l_json(lua_State *L)
{
  kwtime t;
  const char *stream, *log;
  size_t stream_len, log_len;
  check_record(L, &t, &stream, &stream_len, &log, &log_len);
  kwbuf b;
  kwbuf_init(&b, 0);
  return push_buffer(L, &b, kwrec_append_json(&b, t, stream, stream_len, log, log_len));
}

static int l_json_size(lua_State *L)
{
  kwtime t;
  const char *stream, *log;
  size_t stream_len, log_len;
  check_record(L, &t, &stream, &stream_len, &log, &log_len);
  kwbuf b;
  kwbuf_init(&b, 0);
  if (kwrec_append_json(&b, t, stream, stream_len, log, log_len) != 0)
    return push_buffer(L, &b, -1);
  lua_pushnumber(L, (lua_Number)kwrec_utf16_length(b.data, b.len));
  kwbuf_free(&b);
  return 1;
}

static int l_text(lua_State *L)
{
  kwtime t;
  const char *stream, *log;
  size_t stream_len, log_len;
  check_record(L, &t, &stream, &stream_len, &log, &log_len);
  kwbuf b;
  kwbuf_init(&b, 0);
  return push_buffer(L, &b, kwrec_append_text(&b, t, stream, stream_len, log, log_len));
}

/* decode(json) -> sec, nsec, stream, log | nil, message */
static int l_decode(lua_State *L)
{
  size_t n;
  const char *text = luaL_checklstring(L, 1, &n);
  kwrec_decoded d;
  kwrec_decoded_init(&d);
  if (kwrec_decode(text, n, &d) != 0) {
    lua_pushnil(L);
    lua_pushlstring(L, d.error.data, d.error.len);
    kwrec_decoded_free(&d);
    return 2;
  }
  lua_pushnumber(L, (lua_Number)d.time.sec);
  lua_pushinteger(L, d.time.nsec);
  lua_pushlstring(L, d.stream.data != NULL ? d.stream.data : "", d.stream.len);
  lua_pushlstring(L, d.log.data != NULL ? d.log.data : "", d.log.len);
  kwrec_decoded_free(&d);
  return 4;
}

int kwlua_open_logrecord(lua_State *L)
{
  static const luaL_Reg fns[] = {
    {"json", l_json},
    {"json_size", l_json_size},
    {"text", l_text},
    {"decode", l_decode},
    {NULL, NULL},
  };
  lua_createtable(L, 0, 4);
  luaL_register(L, NULL, fns);
  return 1;
}
