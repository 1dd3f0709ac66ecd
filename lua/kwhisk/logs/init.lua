--- kwhisk.logs: reading a pod's log text into records (SPEC A3, C2).
-- `reader(opts)` wraps the C core's incremental reader: feed it body chunks of any size
-- as they arrive, take records with :next(). `read_lines(text, since, seed)` is the seed's
-- readLines on top of it (superset timestamps; a line without a space is skipped).
-- Records are kwhisk.logs.record records; the hot path reaches the C reader through
-- LuaJIT's FFI so that a record costs one C call and no Lua/C API round trip. The bulk
-- consumers take the reader's records in C with no Lua object per record, as the sinks of a
-- log stream: `writer(opts)` writes them out (kwhisk logs), `collector(opts)` collects one
-- activation's logs as the lines OpenWhisk stores (c:log_lines, the pool).
local ffi = require "ffi"
local cffi = require "kwhisk.core_ffi"
local time = require "kwhisk.time"
local logline = require "kwhisk.logs.record"
local errors = require "kwhisk.errors"

local type, error, tonumber, tostring, setmetatable, getmetatable =
  type, error, tonumber, tostring, setmetatable, getmetatable
local ffi_string, ffi_gc, ffi_cast = ffi.string, ffi.gc, ffi.cast
local time_ct, is_time = time.ctype, time.is_time
local stdout_mt = logline.stdout_mt

local C, constants = cffi.C, cffi.constants
local record_ct = ffi.typeof("kwlog_record")
local bytes_ct = ffi.typeof("const char *")
-- kwlog_cursor_kind; 0 (every line) is the default of a zeroed kwlog_options.
local CURSOR_SINCE, CURSOR_RESUME = 1, 2

local M = { default_max_line = constants.default_max_line }

local Reader = {}
Reader.__index = Reader

-- Every method checks its self and its objects: a method called with another table
-- (r.next({}) instead of r:next()) would hand C a NULL or a stray pointer. Raises unless v is
-- an object of class mt (Reader, Writer or Collector), blaming the method's caller; level:
-- how many functions lie between the method and this check (0 when the method calls it).
local function check_object(v, mt, class, n, fname, level)
  if getmetatable(v) ~= mt then
    errors.bad_argument(n, fname, class .. " expected, got " .. type(v), (level or 0) + 2)
  end
end

local function check_reader(self, fname)
  check_object(self, Reader, "kwhisk.reader", 1, fname, 1)
end

local function is_count(v)
  return type(v) == "number" and v >= 0 and v == math.floor(v) and v < 2 ^ 53
end

local function options(opts)
  local o = ffi.new("kwlog_options")
  if opts == nil then
    return o
  end
  if type(opts) ~= "table" then
    error("bad argument #1 to 'reader' (table or nil expected, got " .. type(opts) .. ")", 3)
  end
  if opts.max_line ~= nil then
    if not is_count(opts.max_line) or opts.max_line < 1 then
      error("bad argument #1 to 'reader' (opts.max_line: positive integer expected)", 3)
    end
    o.max_line = opts.max_line
  end
  if opts.since ~= nil and opts.resume ~= nil then
    error("bad argument #1 to 'reader' (opts.since and opts.resume exclude each other)", 3)
  elseif opts.since ~= nil then
    if not is_time(opts.since) then
      error("bad argument #1 to 'reader' (opts.since: time expected)", 3)
    end
    o.cursor, o.since.sec, o.since.nsec = CURSOR_SINCE, opts.since.s, opts.since.ns
  elseif opts.resume ~= nil then
    local r = opts.resume
    if type(r) ~= "table" or type(r.sec) ~= "number" or r.sec ~= math.floor(r.sec)
      or not is_count(r.count) then
      error("bad argument #1 to 'reader' (opts.resume: {sec = integer, count = integer >= 0}"
        .. " expected)", 3)
    end
    o.cursor, o.resume_sec, o.resume_count = CURSOR_RESUME, r.sec, r.count
  end
  return o
end

--- A new reader. opts (all optional): max_line (bytes of one line kept, timestamp
-- included; default 1 MiB), and one cursor: since (a time: only lines strictly after
-- it, the seed's rule) or resume ({sec =, count =}, from :cursor() of an earlier reader:
-- the first count lines of second sec are skipped as already delivered).
function M.reader(opts)
  local ptr = C.kwlog_reader_new(options(opts))
  if ptr == nil then
    return nil, "out of memory"
  end
  -- rec, sec and count are the C calls' out-parameters, made once: a followed stream asks
  -- for the cursor after every batch of records.
  return setmetatable({ ptr = ffi_gc(ptr, C.kwlog_reader_free), rec = record_ct(),
    sec = ffi.new("int64_t[1]"), count = ffi.new("uint64_t[1]") }, Reader)
end

--- Takes the next chunk of the body. Returns true, or nil and "out of memory".
function Reader:feed(chunk)
  check_reader(self, "feed")
  if type(chunk) ~= "string" then
    error("bad argument #1 to 'feed' (string expected, got " .. type(chunk) .. ")", 2)
  end
  if C.kwlog_reader_feed(self.ptr, chunk, #chunk) ~= 0 then
    return nil, "out of memory"
  end
  -- The C reader points into the chunk: keep it alive until the next feed.
  self.chunk = chunk
  return true
end

--- Takes n bytes at ptr (a pointer or light userdata) without copying them. They must
-- stay valid and unchanged until the next feed or :release(); owner (the object that
-- holds them) is kept alive until then. Returns true, or nil and "out of memory".
function Reader:feed_at(ptr, n, owner)
  check_reader(self, "feed_at")
  local pt = type(ptr)
  if pt ~= "cdata" and pt ~= "userdata" then
    error("bad argument #1 to 'feed_at' (pointer expected, got " .. pt .. ")", 2)
  end
  if not is_count(n) then
    error("bad argument #2 to 'feed_at' (byte count expected, got " .. tostring(n) .. ")", 2)
  end
  if n > 0 and ffi_cast(bytes_ct, ptr) == nil then
    error("bad argument #1 to 'feed_at' (pointer expected, got NULL)", 2)
  end
  if C.kwlog_reader_feed(self.ptr, ptr, n) ~= 0 then
    return nil, "out of memory"
  end
  self.chunk = owner
  return true
end

--- Stops pointing into the bytes last fed: the reader copies what it has not read yet, so
-- their owner may free or reuse them. Returns true, or nil and "out of memory".
function Reader:release()
  check_reader(self, "release")
  if C.kwlog_reader_feed(self.ptr, nil, 0) ~= 0 then
    return nil, "out of memory"
  end
  self.chunk = nil
  return true
end

--- Marks the end of the body: a last line without a newline becomes a record.
function Reader:finish()
  check_reader(self, "finish")
  C.kwlog_reader_finish(self.ptr)
end

local function take(rec)
  local r = setmetatable({ time = time_ct(rec.sec, rec.nsec), log = ffi_string(rec.msg, rec.len) },
    stdout_mt)
  if rec.truncated ~= 0 then
    r.truncated = true
  end
  return r
end

--- The next record, or nil until more is fed (or, after :finish(), at the end).
function Reader:next()
  check_reader(self, "next")
  local rec = self.rec
  if C.kwlog_reader_next(self.ptr, rec) == 0 then
    return nil
  end
  return take(rec)
end

--- Appends every record available now (at most limit of them, when given) to the array
-- out (default a new one); returns out and how many were added.
function Reader:drain(out, limit)
  check_reader(self, "drain")
  if type(out) ~= "nil" and type(out) ~= "table" then
    error("bad argument #1 to 'drain' (table or nil expected, got " .. type(out) .. ")", 2)
  elseif type(limit) ~= "nil" and not is_count(limit) then
    error("bad argument #2 to 'drain' (count or nil expected, got " .. tostring(limit) .. ")", 2)
  end
  out = out or {}
  local ptr, rec, n = self.ptr, self.rec, #out
  local first = n
  local stop = limit and n + limit or math.huge
  while n < stop and C.kwlog_reader_next(ptr, rec) ~= 0 do
    n = n + 1
    out[n] = take(rec)
  end
  return out, n - first
end

--- The resume cursor after what was read: {sec =, count =} (count lines of second sec
-- were met), or nil when no line has set one and no cursor was given.
function Reader:cursor()
  check_reader(self, "cursor")
  local sec, count = self.sec, self.count
  if C.kwlog_reader_cursor(self.ptr, sec, count) == 0 then
    return nil
  end
  return { sec = tonumber(sec[0]), count = tonumber(count[0]) }
end

--- Counters: lines (with a timestamp), delivered, skipped (held back by the cursor),
-- empty, malformed (no space or no valid timestamp, such as an error text the API
-- appends to a broken body), truncated (cut at max_line); errors: the last few
-- malformed lines (up to 4, each up to 256 bytes), oldest first.
function Reader:stats()
  check_reader(self, "stats")
  local s = C.kwlog_reader_stats(self.ptr)
  local lines, text, len = {}, ffi.new("const char *[1]"), ffi.new("size_t[1]")
  local count = tonumber(C.kwlog_reader_error(self.ptr, 0, text, len))
  for i = 0, count - 1 do
    C.kwlog_reader_error(self.ptr, i, text, len)
    lines[i + 1] = ffi_string(text[0], len[0])
  end
  return {
    lines = tonumber(s.lines), delivered = tonumber(s.delivered), skipped = tonumber(s.skipped),
    empty = tonumber(s.empty), malformed = tonumber(s.malformed),
    truncated = tonumber(s.truncated), errors = lines,
  }
end

--- The seed's moving cutoff (SPEC A3.5) over records[first..#records], in place: a record
-- stays only when its time is strictly after last (a time, or nil for none), and each kept
-- record's time becomes last for the next one. Returns the new last.
function M.seed_cutoff(records, first, last)
  if type(records) ~= "table" then
    error("bad argument #1 to 'seed_cutoff' (table expected, got " .. type(records) .. ")", 2)
  elseif not is_count(first) or first < 1 then
    error("bad argument #2 to 'seed_cutoff' (index expected, got " .. tostring(first) .. ")", 2)
  elseif last ~= nil and not is_time(last) then
    error("bad argument #3 to 'seed_cutoff' (time or nil expected, got " .. type(last) .. ")", 2)
  end
  local n = first - 1
  for i = first, #records do
    local r = records[i]
    records[i] = nil
    if last == nil or last < r.time then
      n = n + 1
      records[n], last = r, r.time
    end
  end
  return last
end

-- The time a sink's C `last` function gives for ptr (into buf, a kwtime), or nil for none.
local function last_time(last, ptr, buf)
  if last(ptr, buf) == 0 then
    return nil
  end
  return time_ct(buf.sec, buf.nsec)
end

local Writer = {}
Writer.__index = Writer

local FORMATS = { text = constants.format_text, json = constants.format_json }

local function io_error(what)
  local errno = ffi.errno()
  return nil, errors.new("io", what .. ": " .. ffi_string(C.strerror(errno)), { errno = errno })
end

--- A writer of records in their text or JSON form (SPEC A4) to a file descriptor: the
-- records a reader has ready are formatted in C and written in large writes (each line at
-- once when the descriptor is a terminal), with no Lua object per record. opts (all
-- optional): fd (default 1, standard output), format ("text", the default, or "json"),
-- stream (the stream name the records carry, default "stdout").
function M.writer(opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    errors.bad_argument(1, "writer", "table or nil expected, got " .. type(opts))
  end
  local fd, format, stream = opts.fd or 1, FORMATS[opts.format or "text"], opts.stream or "stdout"
  if not is_count(fd) then
    errors.bad_argument(1, "writer", "opts.fd: file descriptor expected")
  elseif not format then
    errors.bad_argument(1, "writer", "opts.format: 'text' or 'json' expected")
  elseif type(stream) ~= "string" then
    errors.bad_argument(1, "writer", "opts.stream: string expected")
  end
  local ptr = C.kwlog_writer_new(fd, format, stream, #stream)
  if ptr == nil then
    return nil, errors.new("io", "log writer: out of memory")
  end
  return setmetatable({ ptr = ffi_gc(ptr, C.kwlog_writer_free), last_buf = ffi.new("kwtime") },
    Writer)
end

--- Formats every record the reader has ready (writing whenever the buffer is full).
-- Returns how many, or nil, err (kind io) when a write failed.
function Writer:drain(reader)
  check_object(self, Writer, "kwhisk.writer", 1, "drain")
  check_object(reader, Reader, "kwhisk.reader", 2, "drain")
  local n = C.kwlog_writer_drain(self.ptr, reader.ptr)
  if n < 0 then
    return io_error("writing the log")
  end
  return tonumber(n)
end

--- Writes what the writer holds. Returns true, or nil, err (kind io).
function Writer:flush()
  check_object(self, Writer, "kwhisk.writer", 1, "flush")
  if C.kwlog_writer_flush(self.ptr) ~= 0 then
    return io_error("writing the log")
  end
  return true
end

--- The time of the last record taken, or nil before the first.
function Writer:last()
  check_object(self, Writer, "kwhisk.writer", 1, "last")
  return last_time(C.kwlog_writer_last, self.ptr, self.last_buf)
end

--- Sink protocol (kwhisk.logs.stream): the delivered cursor is the reader's own, since every
-- record taken is written; and a writer is never done.
function Writer:cursor(reader)
  check_object(self, Writer, "kwhisk.writer", 1, "cursor")
  check_object(reader, Reader, "kwhisk.reader", 2, "cursor")
  return reader:cursor()
end

function Writer:done()
  check_object(self, Writer, "kwhisk.writer", 1, "done")
  return false
end

local Collector = {}
Collector.__index = Collector

local COLLECT_STATES = { [constants.collecting] = "collecting",
  [constants.collected] = "complete", [constants.over_limit] = "over_limit" }

local function check_collector(self, fname)
  check_object(self, Collector, "kwhisk.collector", 1, fname, 1)
end

--- A collector of one activation's logs (SPEC A7), in C: the sink of a log stream
-- (kwhisk.logs.stream's opts.sink). It takes the records straight from the reader, weighs
-- each by its JSON size + 1 against the limit, counts the two sentinels that end an
-- activation (never kept) and keeps every other record as the line OpenWhisk stores in the
-- activation (record:formatted()), with no Lua object per record. A record that would pass
-- the limit ends the collection and is not kept; the cursor stays before it. opts: limit
-- (bytes, required), stream (the stream name the records carry, default "stdout").
function M.collector(opts)
  if type(opts) ~= "table" then
    errors.bad_argument(1, "collector", "table expected, got " .. type(opts))
  end
  local limit, stream = opts.limit, opts.stream or "stdout"
  if not is_count(limit) then
    errors.bad_argument(1, "collector", "opts.limit: byte count expected")
  elseif type(stream) ~= "string" then
    errors.bad_argument(1, "collector", "opts.stream: string expected")
  end
  local ptr = C.kwlog_collector_new(limit, stream, #stream)
  if ptr == nil then
    return nil, errors.new("io", "log collector: out of memory")
  end
  return setmetatable({ ptr = ffi_gc(ptr, C.kwlog_collector_free),
    sec = ffi.new("int64_t[1]"), count = ffi.new("uint64_t[1]"), last_buf = ffi.new("kwtime") },
    Collector)
end

--- Takes the records the reader has ready while the activation lasts. Returns how many, or
-- nil, err (kind io) when memory ran out.
function Collector:drain(reader)
  check_collector(self, "drain")
  check_object(reader, Reader, "kwhisk.reader", 2, "drain")
  local n = C.kwlog_collector_drain(self.ptr, reader.ptr)
  if n < 0 then
    return nil, errors.new("io", "collecting the log: out of memory")
  end
  return tonumber(n)
end

--- Sink protocol: nothing to write out.
function Collector:flush()
  check_collector(self, "flush")
  return true
end

--- The reader's cursor after the last record kept or counted ({sec =, count =}), or nil
-- when none was.
function Collector:cursor()
  check_collector(self, "cursor")
  if C.kwlog_collector_cursor(self.ptr, self.sec, self.count) == 0 then
    return nil
  end
  return { sec = tonumber(self.sec[0]), count = tonumber(self.count[0]) }
end

--- The time of the last record kept or counted, or nil when none was.
function Collector:last()
  check_collector(self, "last")
  return last_time(C.kwlog_collector_last, self.ptr, self.last_buf)
end

--- "collecting" (more may come), "complete" (both sentinels were read) or "over_limit" (a
-- record would have passed the limit).
function Collector:state()
  check_collector(self, "state")
  return COLLECT_STATES[C.kwlog_collector_state(self.ptr)]
end

--- Whether the collection ended: complete or over the limit.
function Collector:done()
  check_collector(self, "done")
  return C.kwlog_collector_state(self.ptr) ~= constants.collecting
end

--- The bytes weighed so far (kept records and sentinels).
function Collector:used()
  check_collector(self, "used")
  return tonumber(C.kwlog_collector_used(self.ptr))
end

--- The lines kept, in order: an array of strings (no newline).
function Collector:lines()
  check_collector(self, "lines")
  local ptr, text, len = self.ptr, ffi.new("const char *[1]"), ffi.new("size_t[1]")
  local lines = {}
  for i = 0, tonumber(C.kwlog_collector_count(ptr)) - 1 do
    C.kwlog_collector_line(ptr, i, text, len)
    lines[i + 1] = ffi_string(text[0], len[0])
  end
  return lines
end

--- The seed's readLines (SPEC A3): the records of a whole log text, those strictly after
-- since (a time, or nil for all). Each line is compared with since, kwhisk's rule; with
-- seed = true the cutoff moves line by line as the seed's does (M.seed_cutoff).
function M.read_lines(text, since, seed)
  if type(text) ~= "string" then
    error("bad argument #1 to 'read_lines' (string expected, got " .. type(text) .. ")", 2)
  end
  if since ~= nil and not is_time(since) then
    error("bad argument #2 to 'read_lines' (time or nil expected, got " .. type(since) .. ")", 2)
  end
  local r = assert(M.reader({ since = since }))
  assert(r:feed(text))
  r:finish()
  local records = r:drain()
  if seed then
    M.seed_cutoff(records, 1, since)
  end
  return records
end

return M
