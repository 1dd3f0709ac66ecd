/* lua_logrecord.c: Lua binding of logrecord: the JSON form, its UTF-16 size, the text form
 * and the form OpenWhisk stores, each over (sec, nsec, stream, log) as
 * lua/kwhisk/logs/record.lua passes them. The three forms are written into one scratch buffer
 * owned by a userdata (an upvalue with __gc): no allocation per record, and nothing leaks if
 * pushing the result raises; the size is counted without writing. */
#include <lauxlib.h>

#include "logrecord.h"
#include "lua_class.h"
#include "lua_core.h"

/* Buffers that grew past this for one huge record are given back after it. */
#define SCRATCH_KEEP ((size_t)1 << 20)

typedef struct record {
  kwtime t;
  const char *stream, *log;
  size_t stream_len, log_len;
} record;

/* Reads the record arguments at stack positions 1-4. */
static record check_record(lua_State *L)
{
  record r;
  lua_Number sec = luaL_checknumber(L, 1);
  lua_Integer nsec = luaL_checkinteger(L, 2);
  luaL_argcheck(L, sec == (lua_Number)(int64_t)sec, 1, "integer seconds expected");
  luaL_argcheck(L, nsec >= 0 && nsec <= 999999999, 2, "nanoseconds 0-999999999 expected");
  r.t.sec = (int64_t)sec;
  r.t.nsec = (int32_t)nsec;
  r.stream = luaL_checklstring(L, 3, &r.stream_len);
  r.log = luaL_checklstring(L, 4, &r.log_len);
  return r;
}

/* The scratch buffer (upvalue 1), emptied. */
static kwbuf *scratch(lua_State *L)
{
  kwbuf *b = lua_touserdata(L, lua_upvalueindex(1));
  kwbuf_reset(b);
  return b;
}

static int out_of_memory(lua_State *L, kwbuf *b)
{
  kwbuf_free(b);
  lua_pushnil(L);
  lua_pushliteral(L, "out of memory");
  return 2;
}

/* Pushes the buffer's bytes, then gives a huge buffer's memory back. */
static int push_scratch(lua_State *L, kwbuf *b)
{
  lua_pushlstring(L, b->data, b->len);
  if (b->cap > SCRATCH_KEEP)
    kwbuf_free(b);
  return 1;
}

/* One of logrecord's forms of a record, as every form is written. */
typedef int (*record_form)(kwbuf *b, kwtime t, const char *stream, size_t stream_len,
                           const char *log, size_t log_len);

/* Pushes the form of the record at stack positions 1-4. */
static int push_form(lua_State *L, record_form form)
{
  record r = check_record(L);
  kwbuf *b = scratch(L);
  if (form(b, r.t, r.stream, r.stream_len, r.log, r.log_len) != 0)
    return out_of_memory(L, b);
  return push_scratch(L, b);
}

static int l_json(lua_State *L)
{
  return push_form(L, kwrec_append_json);
}

static int l_text(lua_State *L)
{
  return push_form(L, kwrec_append_text);
}

static int l_formatted(lua_State *L)
{
  return push_form(L, kwrec_append_formatted);
}

static int l_json_size(lua_State *L)
{
  record r = check_record(L);
  char when[KWTIME_FORMAT_MAX];
  size_t when_len = kwtime_format(r.t, KWTIME_STYLE_OPENWHISK, 0, when);
  lua_pushnumber(L, (lua_Number)kwrec_json_size(when_len, r.stream, r.stream_len, r.log,
                                                r.log_len));
  return 1;
}

static int scratch_gc(lua_State *L)
{
  kwbuf_free(lua_touserdata(L, 1));
  return 0;
}

int kwlua_open_logrecord(lua_State *L)
{
  static const luaL_Reg fns[] = {
    {"json", l_json},
    {"json_size", l_json_size},
    {"text", l_text},
    {"formatted", l_formatted},
    {NULL, NULL},
  };
  static const kwlua_class scratch_class = {"kwhisk.logrecord.scratch", NULL, scratch_gc, NULL};
  lua_createtable(L, 0, 4);
  kwbuf *b = kwlua_class_new(L, &scratch_class, sizeof *b);
  kwbuf_init(b, 0);
  luaL_setfuncs(L, fns, 1); /* each function gets the scratch buffer as upvalue 1 */
  return 1;
}
