/* lua_ffi.c: what lua/kwhisk/core_ffi.lua checks its declarations against. The hot paths
 * (timestamps, the log reader and writer) are reached from Lua through LuaJIT's FFI, which
 * needs every struct declared again in Lua; this table gives the size of each and the
 * offset of every field as the C compiler laid them out, so a declaration that drifts from
 * its header fails at load time (and in spec/core_ffi_spec.lua), not in memory. */
#include <lauxlib.h>
#include <stddef.h>

#include "ktime.h"
#include "logcollect.h"
#include "logreader.h"
#include "logwriter.h"
#include "lua_core.h"

typedef struct field {
  const char *name;
  size_t offset;
} field;

#define FIELD(type, f) {#f, offsetof(type, f)}

static void push_struct(lua_State *L, const char *name, size_t size, const field *fields,
                        size_t n)
{
  lua_createtable(L, 0, 2);
  lua_pushinteger(L, (lua_Integer)size);
  lua_setfield(L, -2, "size");
  lua_createtable(L, 0, (int)n);
  for (size_t i = 0; i < n; i++) {
    lua_pushinteger(L, (lua_Integer)fields[i].offset);
    lua_setfield(L, -2, fields[i].name);
  }
  lua_setfield(L, -2, "fields");
  lua_setfield(L, -2, name);
}

#define STRUCT(L, type, fields) \
  push_struct(L, #type, sizeof(type), fields, sizeof fields / sizeof fields[0])

static void push_layout(lua_State *L)
{
  static const field time_f[] = {FIELD(kwtime, sec), FIELD(kwtime, nsec)};
  static const field error_f[] = {FIELD(kwtime_error, pos), FIELD(kwtime_error, expected)};
  static const field options_f[] = {
    FIELD(kwlog_options, max_line), FIELD(kwlog_options, cursor), FIELD(kwlog_options, since),
    FIELD(kwlog_options, resume_sec), FIELD(kwlog_options, resume_count)};
  static const field record_f[] = {
    FIELD(kwlog_record, sec), FIELD(kwlog_record, nsec), FIELD(kwlog_record, truncated),
    FIELD(kwlog_record, msg), FIELD(kwlog_record, len)};
  static const field stats_f[] = {
    FIELD(kwlog_stats, lines), FIELD(kwlog_stats, delivered), FIELD(kwlog_stats, skipped),
    FIELD(kwlog_stats, empty), FIELD(kwlog_stats, malformed), FIELD(kwlog_stats, truncated)};
  lua_createtable(L, 0, 5);
  STRUCT(L, kwtime, time_f);
  STRUCT(L, kwtime_error, error_f);
  STRUCT(L, kwlog_options, options_f);
  STRUCT(L, kwlog_record, record_f);
  STRUCT(L, kwlog_stats, stats_f);
}

int kwlua_open_ffi(lua_State *L)
{
  lua_createtable(L, 0, 8);
  push_layout(L);
  lua_setfield(L, -2, "layout");
  static const struct {
    const char *name;
    lua_Integer value;
  } constants[] = {
    {"default_max_line", (lua_Integer)KWLOG_DEFAULT_MAX_LINE},
    {"format_text", KWLOG_FORMAT_TEXT},
    {"format_json", KWLOG_FORMAT_JSON},
    {"collecting", KWLOG_COLLECTING},
    {"collected", KWLOG_COLLECTED},
    {"over_limit", KWLOG_OVER_LIMIT},
  };
  for (size_t i = 0; i < sizeof constants / sizeof constants[0]; i++) {
    lua_pushinteger(L, constants[i].value);
    lua_setfield(L, -2, constants[i].name);
  }
  lua_pushliteral(L, KWLOG_SENTINEL);
  lua_setfield(L, -2, "sentinel");
  return 1;
}
