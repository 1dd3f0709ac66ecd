--- kwhisk.core_ffi: the one FFI view of the C core. It loads kwhisk.core's shared object
-- once and declares, under their C names, every struct and function the Lua hot paths call
-- directly (timestamps, the log reader, writer and collector). Each struct is checked field
-- by field against the layout the C compiler chose (core.ffi.layout, from src/lua_ffi.c):
-- a declaration that drifts from its header fails here, when the module loads.
--
-- kwhisk_time is the one Lua-side type: the value kwhisk.time hands out. It has kwtime's
-- layout (checked too) but its own field names, so that t.sec and t.nsec can be the exact
-- Lua numbers the API promises (an FFI field named sec would read as an int64 cdata).
-- C functions take it through a cast to kwtime * (M.as_kwtime).
local ffi = require "ffi"
local core = require "kwhisk.core"

local pairs, error, cast = pairs, error, ffi.cast

if not pcall(ffi.typeof, "kwlog_collector") then
  ffi.cdef [[
    typedef struct kwtime { int64_t sec; int32_t nsec; } kwtime;
    typedef struct kwtime_error { size_t pos; const char *expected; } kwtime_error;
    int kwtime_parse(const char *s, size_t n, int grammar, kwtime *out, kwtime_error *err);
    size_t kwtime_format(kwtime t, int style, int offset_minutes, char *out);

    typedef struct kwhisk_time { int64_t s; int32_t ns; } kwhisk_time;

    typedef struct kwlog_options {
      size_t max_line; int cursor; kwtime since; int64_t resume_sec; uint64_t resume_count;
    } kwlog_options;
    typedef struct kwlog_record {
      int64_t sec; int32_t nsec; int32_t truncated; const char *msg; size_t len;
    } kwlog_record;
    typedef struct kwlog_stats {
      uint64_t lines, delivered, skipped, empty, malformed, truncated;
    } kwlog_stats;
    typedef struct kwlog_reader kwlog_reader;
    kwlog_reader *kwlog_reader_new(const kwlog_options *opts);
    void kwlog_reader_free(kwlog_reader *r);
    int kwlog_reader_feed(kwlog_reader *r, const char *bytes, size_t n);
    void kwlog_reader_finish(kwlog_reader *r);
    int kwlog_reader_next(kwlog_reader *r, kwlog_record *out);
    const kwlog_stats *kwlog_reader_stats(const kwlog_reader *r);
    int kwlog_reader_cursor(const kwlog_reader *r, int64_t *sec, uint64_t *count);
    size_t kwlog_reader_error(const kwlog_reader *r, size_t i, const char **text, size_t *len);

    typedef struct kwlog_writer kwlog_writer;
    kwlog_writer *kwlog_writer_new(int fd, int format, const char *stream, size_t stream_len);
    void kwlog_writer_free(kwlog_writer *w);
    long kwlog_writer_drain(kwlog_writer *w, kwlog_reader *r);
    int kwlog_writer_flush(kwlog_writer *w);
    int kwlog_writer_last(const kwlog_writer *w, kwtime *out);

    typedef struct kwlog_collector kwlog_collector;
    kwlog_collector *kwlog_collector_new(uint64_t limit, const char *stream, size_t stream_len);
    void kwlog_collector_free(kwlog_collector *c);
    long kwlog_collector_drain(kwlog_collector *c, kwlog_reader *r);
    int kwlog_collector_state(const kwlog_collector *c);
    size_t kwlog_collector_count(const kwlog_collector *c);
    int kwlog_collector_line(const kwlog_collector *c, size_t i, const char **text, size_t *len);
    int kwlog_collector_cursor(const kwlog_collector *c, int64_t *sec, uint64_t *count);
    int kwlog_collector_last(const kwlog_collector *c, kwtime *out);
    uint64_t kwlog_collector_used(const kwlog_collector *c);

    char *strerror(int errnum);
  ]]
end

local M = {
  C = ffi.load(package.searchpath("kwhisk.core", package.cpath)),
  layout = core.ffi.layout,
  constants = { default_max_line = core.ffi.default_max_line,
                format_text = core.ffi.format_text, format_json = core.ffi.format_json,
                collecting = core.ffi.collecting, collected = core.ffi.collected,
                over_limit = core.ffi.over_limit,
                sentinel = core.ffi.sentinel },
  -- Lua-side types and the C struct whose layout each one must have.
  mirrors = { kwhisk_time = { of = "kwtime", fields = { s = "sec", ns = "nsec" } } },
}

--- Where a declaration differs from the C layout: a message, or nil when all match.
function M.mismatch(layout, mirrors)
  for name, l in pairs(layout) do
    if ffi.sizeof(name) ~= l.size then
      return ("%s: %d bytes in Lua, %d in C"):format(name, ffi.sizeof(name), l.size)
    end
    for field, offset in pairs(l.fields) do
      local ok, lua_offset = pcall(ffi.offsetof, name, field)
      if not ok or lua_offset ~= offset then
        return ("%s.%s: at %s in Lua, %d in C"):format(name, field, tostring(lua_offset), offset)
      end
    end
  end
  for name, m in pairs(mirrors) do
    local l = layout[m.of]
    if ffi.sizeof(name) ~= l.size then
      return ("%s: %d bytes, %s has %d"):format(name, ffi.sizeof(name), m.of, l.size)
    end
    for field, c_field in pairs(m.fields) do
      if ffi.offsetof(name, field) ~= l.fields[c_field] then
        return ("%s.%s: not at %s.%s's offset"):format(name, field, m.of, c_field)
      end
    end
  end
end

local why = M.mismatch(M.layout, M.mirrors)
if why then
  error("kwhisk.core_ffi: the FFI declarations do not match the C core: " .. why)
end

local kwtime_p = ffi.typeof("kwtime *")

--- The kwtime * view of a kwhisk_time value, for the C functions that take one.
function M.as_kwtime(t)
  return cast(kwtime_p, t)
end

return M
