/* lua_jsonenc.c: core.json.encode, writing a Lua value as compact JSON text.
 *
 * Tables marked with the array/object metatables encode as such even when empty; an
 * unmarked table is an object ({} when empty) or, when its keys are exactly 1..n, an
 * array. Object keys are written sorted (bytewise) so output is deterministic. A value
 * with no JSON form (a function, NaN, a sparse or mixed table, a cycle, nesting deeper
 * than KWJSON_MAX_DEPTH) is a programming error: encode raises an error naming its
 * path, e.g. `value.spec.containers[2].args` (indexes are Lua's, from 1). */
#include <lauxlib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "jsondec.h"
#include "lua_class.h"
#include "jsonnum.h"
#include "jsonstr.h"
#include "kwbuf.h"
#include "lua_json.h"

#define ENCODER_MT "kwhisk.json.encoder"
#define KEEP_BYTES (64 * 1024) /* largest buffer kept between calls */
#define ARRAY_MARK 1  /* stack slots of the marks, pushed by encode */
#define OBJECT_MARK 2

typedef struct key {
  const char *s;
  size_t n;
} key;

/* One step of the path from the root to the value being written. */
typedef struct step {
  const char *key; /* NULL: an array index */
  size_t n;        /* key length, or the index */
  int table;       /* stack slot of the table this step enters */
} step;

/* The encoder's state, a userdata so a Lua error cannot leak its buffers. One is kept
 * as an upvalue of encode and reused, so a call allocates nothing but its result;
 * a call made while it is busy (from a __gc during an encode) gets a fresh one. */
typedef struct encoder {
  lua_State *L;
  int busy;
  kwbuf out;
  key *keys; /* the keys of every open object, a stack of slices */
  size_t nkeys, cap;
  step *path; /* path[d]: how the value at depth d was reached; grows with depth */
  int npath;
} encoder;

static void release(encoder *e)
{
  kwbuf_free(&e->out);
  free(e->keys);
  e->keys = NULL;
  e->nkeys = e->cap = 0;
  free(e->path);
  e->path = NULL;
  e->npath = 0;
}

/* Ends a call: keeps the buffers for the next one unless they grew large. */
static void finish(encoder *e)
{
  e->busy = 0;
  e->nkeys = 0;
  kwbuf_reset(&e->out);
  if (e->out.cap > KEEP_BYTES || e->cap * sizeof *e->keys > KEEP_BYTES)
    release(e);
}

/* Raises "json.encode: <what> at <path>" for the value at depth. */
static int fail(encoder *e, int depth, const char *what)
{
  lua_State *L = e->L;
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, "json.encode: ");
  luaL_addstring(&b, what);
  luaL_addstring(&b, " at value");
  for (int d = 1; d <= depth; d++) {
    const step *s = &e->path[d];
    if (s->key == NULL) {
      lua_pushfstring(L, "[%d]", (int)s->n);
      luaL_addvalue(&b);
      continue;
    }
    int ident = s->n > 0 && s->n <= 64;
    for (size_t i = 0; i < s->n && ident; i++) {
      char c = s->key[i];
      ident = c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (i > 0 && c >= '0' && c <= '9');
    }
    if (ident) {
      luaL_addchar(&b, '.');
      luaL_addlstring(&b, s->key, s->n);
    } else {
      lua_pushlstring(L, s->key, s->n > 64 ? 64 : s->n);
      lua_pushfstring(L, "[\"%s\"]", lua_tostring(L, -1));
      lua_remove(L, -2);
      luaL_addvalue(&b);
    }
  }
  luaL_pushresult(&b);
  finish(e);
  return lua_error(L);
}

static void out_of_memory(encoder *e)
{
  finish(e);
  luaL_error(e->L, "json.encode: out of memory");
}

static void put(encoder *e, const char *s, size_t n)
{
  if (kwbuf_append(&e->out, s, n) != 0)
    out_of_memory(e);
}

static void put_string(encoder *e, const char *s, size_t n)
{
  if (kwjson_append_string(&e->out, s, n, NULL) != 0)
    out_of_memory(e);
}

static int key_order(const void *a, const void *b)
{
  const key *x = a, *y = b;
  int c = memcmp(x->s, y->s, x->n < y->n ? x->n : y->n);
  return c != 0 ? c : (x->n > y->n) - (x->n < y->n);
}

static void push_key(encoder *e, const char *s, size_t n)
{
  if (e->nkeys == e->cap) {
    size_t cap = e->cap ? e->cap * 2 : 64;
    key *keys = realloc(e->keys, cap * sizeof *keys);
    if (keys == NULL)
      out_of_memory(e);
    e->keys = keys;
    e->cap = cap;
  }
  e->keys[e->nkeys].s = s;
  e->keys[e->nkeys].n = n;
  e->nkeys++;
}

/* What the keys of a table are: counted by one walk, string keys collected. */
typedef struct shape {
  size_t strings, integers, others;
  double max; /* the largest positive integer key */
} shape;

static shape survey(encoder *e, int t)
{
  lua_State *L = e->L;
  shape sh = {0, 0, 0, 0};
  lua_pushnil(L);
  while (lua_next(L, t) != 0) {
    lua_pop(L, 1);
    if (lua_type(L, -1) == LUA_TSTRING) {
      size_t n;
      const char *s = lua_tolstring(L, -1, &n);
      push_key(e, s, n); /* stays valid: the table holds the key */
      sh.strings++;
    } else if (lua_type(L, -1) == LUA_TNUMBER) {
      double k = lua_tonumber(L, -1);
      if (k >= 1 && k == floor(k)) {
        sh.integers++;
        if (k > sh.max)
          sh.max = k;
      } else {
        sh.others++;
      }
    } else {
      sh.others++;
    }
  }
  return sh;
}

static void value(encoder *e, int slot, int depth);

static void array(encoder *e, int t, size_t n, int depth)
{
  lua_State *L = e->L;
  put(e, "[", 1);
  for (size_t i = 1; i <= n; i++) {
    if (i > 1)
      put(e, ",", 1);
    e->path[depth + 1] = (step){NULL, i, 0};
    lua_rawgeti(L, t, (int)i);
    value(e, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
  }
  put(e, "]", 1);
}

static void object(encoder *e, int t, size_t base, int depth)
{
  lua_State *L = e->L;
  size_t n = e->nkeys - base;
  if (n > 1) /* e->keys is NULL until the first object with keys */
    qsort(e->keys + base, n, sizeof *e->keys, key_order);
  put(e, "{", 1);
  for (size_t i = 0; i < n; i++) {
    key k = e->keys[base + i];
    if (i > 0)
      put(e, ",", 1);
    put_string(e, k.s, k.n);
    put(e, ":", 1);
    e->path[depth + 1] = (step){k.s, k.n, 0};
    lua_pushlstring(L, k.s, k.n);
    lua_rawget(L, t);
    value(e, lua_gettop(L), depth + 1);
    lua_pop(L, 1);
  }
  put(e, "}", 1);
  e->nkeys = base;
}

/* The depth of the first table on the path that is one of its own ancestors, or 0. */
static int first_repeat(encoder *e, int depth)
{
  for (int j = 1; j <= depth; j++)
    for (int i = 0; i < j; i++)
      if (lua_rawequal(e->L, e->path[i].table, e->path[j].table))
        return j;
  return 0;
}

static void table(encoder *e, int t, int depth)
{
  lua_State *L = e->L;
  if (depth + 2 > e->npath) {
    int n = e->npath * 2 < KWJSON_MAX_DEPTH + 2 ? e->npath * 2 : KWJSON_MAX_DEPTH + 2;
    step *path = realloc(e->path, (size_t)n * sizeof *path);
    if (path == NULL)
      out_of_memory(e);
    e->path = path;
    e->npath = n;
  }
  e->path[depth].table = t;
  if (depth >= KWJSON_MAX_DEPTH) {
    /* Cycles are only looked for here, so they cost nothing on the way down. */
    int repeat = first_repeat(e, depth);
    if (repeat != 0)
      fail(e, repeat, "table contains itself (a cycle)");
    fail(e, depth, "nesting deeper than 1000 tables");
  }
  if (!lua_checkstack(L, 6))
    out_of_memory(e);
  int mark = 0; /* 1: array, 2: object, 0: unmarked */
  if (lua_getmetatable(L, t)) {
    if (lua_rawequal(L, -1, ARRAY_MARK))
      mark = 1;
    else if (lua_rawequal(L, -1, OBJECT_MARK))
      mark = 2;
    lua_pop(L, 1);
  }
  size_t base = e->nkeys;
  shape sh = survey(e, t);
  int is_sequence = sh.strings == 0 && sh.others == 0 && sh.max == (double)sh.integers;
  if (mark == 1 && !is_sequence)
    fail(e, depth, "array-marked table with keys other than 1..n");
  if (mark == 2 && (sh.integers != 0 || sh.others != 0))
    fail(e, depth, "object-marked table with a key that is not a string");
  if (mark == 0 && sh.others != 0)
    fail(e, depth, "table key that is neither a string nor a positive integer");
  if (mark == 0 && sh.strings != 0 && sh.integers != 0)
    fail(e, depth, "table with both string and integer keys");
  if (mark == 0 && sh.integers != 0 && !is_sequence)
    fail(e, depth, "sparse array (integer keys are not exactly 1..n)");
  if (mark == 1 || (mark == 0 && sh.integers != 0))
    array(e, t, sh.integers, depth);
  else
    object(e, t, base, depth);
}

static void value(encoder *e, int slot, int depth)
{
  lua_State *L = e->L;
  switch (lua_type(L, slot)) {
  case LUA_TNIL:
    put(e, "null", 4);
    break;
  case LUA_TBOOLEAN:
    if (lua_toboolean(L, slot))
      put(e, "true", 4);
    else
      put(e, "false", 5);
    break;
  case LUA_TNUMBER: {
    double v = lua_tonumber(L, slot);
    if (!isfinite(v))
      fail(e, depth, isnan(v) ? "NaN has no JSON form" : "infinity has no JSON form");
    char num[KWJSON_NUMBER_MAX];
    put(e, num, kwjson_format_number(v, num));
    break;
  }
  case LUA_TSTRING: {
    size_t n;
    const char *s = lua_tolstring(L, slot, &n);
    put_string(e, s, n);
    break;
  }
  case LUA_TLIGHTUSERDATA:
    if (lua_touserdata(L, slot) != NULL)
      fail(e, depth, "lightuserdata other than json.null");
    put(e, "null", 4);
    break;
  case LUA_TTABLE:
    table(e, slot, depth);
    break;
  default: {
    const char *what = lua_pushfstring(L, "cannot encode a %s", luaL_typename(L, slot));
    fail(e, depth, what);
  }
  }
}

static int encoder_gc(lua_State *L)
{
  release(luaL_checkudata(L, 1, ENCODER_MT));
  return 0;
}

static int encoder_tostring(lua_State *L)
{
  encoder *e = luaL_checkudata(L, 1, ENCODER_MT);
  lua_pushfstring(L, ENCODER_MT " (%d bytes written)", (int)e->out.len);
  return 1;
}

/* Pushes a new idle encoder. */
static encoder *new_encoder(lua_State *L)
{
  /* no methods: the encoder state is internal to encode */
  static const kwlua_class encoder_class = {ENCODER_MT, NULL, encoder_gc, encoder_tostring};
  encoder *e = kwlua_class_new(L, &encoder_class, sizeof *e);
  e->L = L;
  kwbuf_init(&e->out, 0);
  return e;
}

void kwlua_json_push_encoder(lua_State *L)
{
  new_encoder(L);
}

int kwlua_json_encode(lua_State *L)
{
  lua_settop(L, 1);
  lua_pushvalue(L, lua_upvalueindex(1));
  lua_pushvalue(L, lua_upvalueindex(2));
  lua_insert(L, 1);
  lua_insert(L, 1); /* stack: array mark, object mark, value */
  encoder *e = lua_touserdata(L, lua_upvalueindex(3));
  if (e->busy)
    e = new_encoder(L);
  e->L = L;
  e->busy = 1;
  if (e->npath == 0) {
    e->path = malloc(16 * sizeof *e->path);
    if (e->path == NULL)
      out_of_memory(e);
    e->npath = 16;
  }
  e->path[0] = (step){NULL, 0, 3};
  value(e, 3, 0);
  lua_pushlstring(L, e->out.data != NULL ? e->out.data : "", e->out.len);
  finish(e);
  return 1;
}
