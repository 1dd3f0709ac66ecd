/* lua_json.c: Lua binding of the JSON decoder (jsondec.h) and the json sub-table of
 * kwhisk.core: decode, encode (lua_jsonenc.c), null and the array/object marks. */
#include "lua_json.h"

#include <lauxlib.h>

#include "jsondec.h"
#include "lua_class.h"
#include "lua_core.h"

/* The decoder state, a userdata so a Lua error cannot leak its buffer. */
#define DECODER_MT "kwhisk.json.decoder"

/* The decoder's state on the Lua stack: a container table per open level, and for an
 * object the key waiting for its value. idx[d] counts the elements of the array at
 * depth d. The marks are upvalues of decode. */
typedef struct builder {
  lua_State *L;
  int busy; /* in use by a decode (one builder is kept and reused) */
  kwbuf scratch; /* freed by __gc too, as a Lua error may unwind the decoder */
  int depth;
  int idx[KWJSON_MAX_DEPTH + 1];
  char in_array[KWJSON_MAX_DEPTH + 1];
} builder;

/* Stores the value on top of the stack into its container (the root stays). */
static int store(builder *b)
{
  if (b->depth == 0)
    return 0;
  if (b->in_array[b->depth])
    lua_rawseti(b->L, -2, ++b->idx[b->depth]);
  else
    lua_rawset(b->L, -3);
  return 0;
}

static int on_null(void *ud)
{
  builder *b = ud;
  lua_pushlightuserdata(b->L, NULL);
  return store(b);
}

static int on_boolean(void *ud, int v)
{
  builder *b = ud;
  lua_pushboolean(b->L, v);
  return store(b);
}

static int on_number(void *ud, double v)
{
  builder *b = ud;
  lua_pushnumber(b->L, v);
  return store(b);
}

static int on_string(void *ud, const char *s, size_t n)
{
  builder *b = ud;
  lua_pushlstring(b->L, s, n);
  return store(b);
}

static int on_key(void *ud, const char *s, size_t n)
{
  builder *b = ud;
  lua_pushlstring(b->L, s, n);
  return 0;
}

static int begin(builder *b, int is_array)
{
  /* Each level holds a table and a key: make sure the stack has room. */
  if (!lua_checkstack(b->L, 4))
    return -1;
  lua_newtable(b->L);
  lua_pushvalue(b->L, lua_upvalueindex(is_array ? 1 : 2));
  lua_setmetatable(b->L, -2);
  b->depth++;
  b->idx[b->depth] = 0;
  b->in_array[b->depth] = (char)is_array;
  return 0;
}

static int end(builder *b)
{
  b->depth--;
  return store(b);
}

static int on_begin_array(void *ud) { return begin(ud, 1); }
static int on_begin_object(void *ud) { return begin(ud, 0); }
static int on_end(void *ud) { return end(ud); }

static const kwjson_handler lua_builder = {
  on_null, on_boolean, on_number, on_string, on_key,
  on_begin_array, on_end, on_begin_object, on_end,
};

static int decoder_gc(lua_State *L)
{
  builder *b = luaL_checkudata(L, 1, DECODER_MT);
  kwbuf_free(&b->scratch);
  return 0;
}

static int decoder_tostring(lua_State *L)
{
  builder *b = luaL_checkudata(L, 1, DECODER_MT);
  lua_pushfstring(L, DECODER_MT " (depth %d)", b->depth);
  return 1;
}

/* Pushes a new idle builder. */
static builder *new_builder(lua_State *L)
{
  /* no methods: the decoder state is internal to decode */
  static const kwlua_class decoder_class = {DECODER_MT, NULL, decoder_gc, decoder_tostring};
  builder *b = kwlua_class_new(L, &decoder_class, sizeof *b);
  kwbuf_init(&b->scratch, 0);
  return b;
}

/* core.json.decode(text) -> value | nil, "json:<line>:<column>: <problem> (byte offset N)" */
static int json_decode(lua_State *L)
{
  size_t n;
  const char *text = luaL_checklstring(L, 1, &n);
  builder *b = lua_touserdata(L, lua_upvalueindex(3));
  if (b->busy) /* called from a __gc during a decode */
    b = new_builder(L);
  b->L = L;
  b->busy = 1;
  b->depth = 0;
  b->in_array[0] = 0;
  int top = lua_gettop(L);
  kwjson_error err;
  int rc = kwjson_decode(text, n, &lua_builder, b, &b->scratch, &err);
  b->busy = 0;
  if (b->scratch.cap > 64 * 1024)
    kwbuf_free(&b->scratch);
  if (rc != 0) {
    lua_settop(L, top);
    lua_pushnil(L);
    lua_pushfstring(L, "json:%s", err.message);
    return 2;
  }
  return 1;
}

void kwlua_json_push_marks(lua_State *L)
{
  if (luaL_newmetatable(L, KWLUA_JSON_ARRAY_MT)) {
    lua_pushliteral(L, "array");
    lua_setfield(L, -2, "__jsontype");
  }
  if (luaL_newmetatable(L, KWLUA_JSON_OBJECT_MT)) {
    lua_pushliteral(L, "object");
    lua_setfield(L, -2, "__jsontype");
  }
}

int kwlua_open_json(lua_State *L)
{
  lua_createtable(L, 0, 6);
  kwlua_json_push_marks(L);
  lua_pushvalue(L, -2);
  lua_setfield(L, -4, "array_mt");
  lua_pushvalue(L, -1);
  lua_setfield(L, -4, "object_mt");
  lua_pushvalue(L, -2);
  lua_pushvalue(L, -2);
  new_builder(L);
  lua_pushcclosure(L, json_decode, 3);
  lua_setfield(L, -4, "decode");
  kwlua_json_push_encoder(L);
  lua_pushcclosure(L, kwlua_json_encode, 3);
  lua_setfield(L, -2, "encode");
  lua_pushlightuserdata(L, NULL);
  lua_setfield(L, -2, "null");
  return 1;
}
