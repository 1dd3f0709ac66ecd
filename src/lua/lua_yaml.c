/* lua_yaml.c: Lua binding of the YAML loader (yamlload.h) and writer (yamldump.h):
 * core.yaml.load(text [, name]) and core.yaml.dump_json(json_text). */
#include <lauxlib.h>
#include <string.h>

#include "kwbuf.h"
#include "lua_class.h"
#include "lua_core.h"
#include "lua_json.h"
#include "yamldump.h"
#include "yamlload.h"

/* A loaded stream while it becomes tables, a userdata so a Lua error cannot leak it. */
#define STREAM_MT "kwhisk.yaml.stream"

static int stream_gc(lua_State *L)
{
  kwyaml_stream_free(luaL_checkudata(L, 1, STREAM_MT));
  return 0;
}

static int stream_tostring(lua_State *L)
{
  kwyaml_stream *s = luaL_checkudata(L, 1, STREAM_MT);
  lua_pushfstring(L, STREAM_MT " (%d documents)", (int)s->n);
  return 1;
}

static const kwlua_class stream_class = {STREAM_MT, NULL, stream_gc, stream_tostring};

/* Pushes node as a Lua value; marks are at stack slots array_mt and object_mt. The
 * loader bounds the height of trees, so the recursion is bounded too. Aliased nodes
 * become separate tables at each place they appear. */
static void push_node(lua_State *L, const kwyaml_node *node, int array_mt, int object_mt)
{
  switch (node->kind) {
  case KWYAML_NULL:
    lua_pushlightuserdata(L, NULL);
    break;
  case KWYAML_BOOL:
    lua_pushboolean(L, node->boolean);
    break;
  case KWYAML_NUMBER:
    lua_pushnumber(L, node->number);
    break;
  case KWYAML_STRING:
    lua_pushlstring(L, node->text, node->len);
    break;
  case KWYAML_SEQUENCE:
    luaL_checkstack(L, 4, "YAML nesting");
    lua_createtable(L, (int)node->n, 0);
    lua_pushvalue(L, array_mt);
    lua_setmetatable(L, -2);
    for (size_t i = 0; i < node->n; i++) {
      push_node(L, node->items[i], array_mt, object_mt);
      lua_rawseti(L, -2, (int)i + 1);
    }
    break;
  case KWYAML_MAPPING:
    luaL_checkstack(L, 4, "YAML nesting");
    lua_createtable(L, 0, (int)(node->n / 2));
    lua_pushvalue(L, object_mt);
    lua_setmetatable(L, -2);
    for (size_t i = 0; i + 1 < node->n; i += 2) {
      lua_pushlstring(L, node->items[i]->text, node->items[i]->len);
      push_node(L, node->items[i + 1], array_mt, object_mt);
      lua_rawset(L, -3); /* a later duplicate key wins */
    }
    break;
  }
}

/* core.yaml.load(text [, name]) -> documents | nil, "<name>:<line>:<column>: <problem>" */
static int yaml_load(lua_State *L)
{
  size_t n;
  const char *text = luaL_checklstring(L, 1, &n);
  const char *name = luaL_optstring(L, 2, "yaml");
  kwyaml_stream *s = kwlua_class_new(L, &stream_class, sizeof *s);
  kwyaml_error err;
  if (kwyaml_load(text, n, s, &err) != 0) {
    lua_pushnil(L);
    lua_pushfstring(L, "%s:%s", name, err.message);
    return 2;
  }
  kwlua_json_push_marks(L);
  int array_mt = lua_gettop(L) - 1, object_mt = lua_gettop(L);
  lua_createtable(L, (int)s->n, 0);
  lua_pushvalue(L, array_mt);
  lua_setmetatable(L, -2);
  for (size_t i = 0; i < s->n; i++) {
    push_node(L, s->docs[i], array_mt, object_mt);
    lua_rawseti(L, -2, (int)i + 1);
  }
  kwyaml_stream_free(s);
  return 1;
}

/* The text dump writes, a userdata so that an error while it becomes a Lua string (out
 * of memory) cannot leak it. */
#define OUTPUT_MT "kwhisk.yaml.output"

static int output_gc(lua_State *L)
{
  kwbuf_free(luaL_checkudata(L, 1, OUTPUT_MT));
  return 0;
}

static int output_tostring(lua_State *L)
{
  kwbuf *out = luaL_checkudata(L, 1, OUTPUT_MT);
  lua_pushfstring(L, OUTPUT_MT " (%d bytes)", (int)out->len);
  return 1;
}

static const kwlua_class output_class = {OUTPUT_MT, NULL, output_gc, output_tostring};

/* core.yaml.dump_json(json_text) -> yaml_text; the JSON comes from kwhisk.json.encode,
 * so a failure here is a programming error (or out of memory): raised. */
static int yaml_dump_json(lua_State *L)
{
  size_t n;
  const char *json = luaL_checklstring(L, 1, &n);
  kwbuf *out = kwlua_class_new(L, &output_class, sizeof *out);
  kwbuf_init(out, 0);
  char err[200];
  if (kwyaml_dump_json(json, n, out, err, sizeof err) != 0)
    return luaL_error(L, "yaml.dump: %s", err);
  lua_pushlstring(L, out->data != NULL ? out->data : "", out->len);
  kwbuf_free(out); /* now rather than at the next collection */
  return 1;
}

int kwlua_open_yaml(lua_State *L)
{
  kwlua_class_register(L, &stream_class);
  kwlua_class_register(L, &output_class);
  lua_createtable(L, 0, 2);
  lua_pushcfunction(L, yaml_load);
  lua_setfield(L, -2, "load");
  lua_pushcfunction(L, yaml_dump_json);
  lua_setfield(L, -2, "dump_json");
  return 1;
}
