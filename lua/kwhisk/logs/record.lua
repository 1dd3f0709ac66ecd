--- kwhisk.logs.record: log line records, the seed's TypedLogLine (SPEC A4).
-- A record is a table {time = <kwhisk.time>, stream = "stdout", log = "message"}, with
-- a truncated = true field when the reader cut the line at its maximum. Its JSON form is
-- byte-exact with the seed's; a message that is not valid UTF-8 still gives valid JSON,
-- each invalid byte written as U+FFFD.
local core = require("kwhisk.core").logrecord
local json = require "kwhisk.json"
local time = require "kwhisk.time"

local type, error, setmetatable, getmetatable = type, error, setmetatable, getmetatable
local is_time = time.is_time

local M = {}
local methods = {}
local record_mt = { __index = methods }
M.record_mt = record_mt

-- A record's methods check it: r.json({}) names the argument instead of failing inside.
local function check_record(r, fname)
  if type(r) ~= "table" or not is_time(r.time) or type(r.stream) ~= "string"
    or type(r.log) ~= "string" then
    error(("bad argument #1 to '%s' (log record expected, got %s)"):format(fname, type(r)), 3)
  end
end

--- The JSON form: {"log":...,"stream":...,"time":...}, keys sorted, no whitespace.
function methods.json(r)
  check_record(r, "json")
  local t = r.time
  return core.json(t.sec, t.nsec, r.stream, r.log)
end

--- The length of the JSON form in UTF-16 code units (the seed's log-limit measure).
function methods.json_size(r)
  check_record(r, "json_size")
  local t = r.time
  return core.json_size(t.sec, t.nsec, r.stream, r.log)
end

--- The line OpenWhisk stores in an activation's logs (its LogLine.toFormattedString over the
-- JSON form): the time padded to 30 columns, the stream, ": " and the message trimmed, each
-- byte that is not valid UTF-8 as U+FFFD.
function methods.formatted(r)
  check_record(r, "formatted")
  local t = r.time
  return (core.formatted(t.sec, t.nsec, r.stream, r.log))
end

record_mt.__tostring = function(r)
  check_record(r, "tostring")
  local t = r.time
  return (core.text(t.sec, t.nsec, r.stream, r.log))
end

-- Records of the stdout stream as the log reader makes them: stream is not a field of
-- the table but inherited from the metatable, which makes a record about twice as cheap
-- to build (bench/logs_bench.lua). Read r.stream; do not expect it from pairs(r).
local stdout_mt = {
  __index = setmetatable({ stream = "stdout" }, { __index = methods }),
  __tostring = record_mt.__tostring,
}
M.stdout_mt = stdout_mt

--- A record of time t, stream name and message msg (strings of any bytes).
function M.new(t, stream, msg)
  if not is_time(t) then
    error("bad argument #1 to 'new' (time expected, got " .. type(t) .. ")", 2)
  end
  if type(stream) ~= "string" then
    error("bad argument #2 to 'new' (string expected, got " .. type(stream) .. ")", 2)
  end
  if type(msg) ~= "string" then
    error("bad argument #3 to 'new' (string expected, got " .. type(msg) .. ")", 2)
  end
  return setmetatable({ time = t, stream = stream, log = msg }, record_mt)
end

--- Whether v is a record made by this module (or the log reader).
function M.is_record(v)
  local mt = getmetatable(v)
  return mt == record_mt or mt == stdout_mt
end

-- The seed's printed name of its timestamp format, part of its decoding messages.
M.TIME_FORMAT_NAME = "ParseCaseSensitive(false)Value(Year)'-'Value(MonthOfYear,2)'-'"
  .. "Value(DayOfMonth,2)'T'Value(HourOfDay,2)':'Value(MinuteOfHour,2)':'"
  .. "Value(SecondOfMinute,2)Fraction(NanoOfSecond,1,9,DecimalPoint)'Z'"

local function string_field(obj, key)
  local v = obj[key]
  if v == nil then
    return nil, "key not found: " .. key
  end
  if type(v) ~= "string" then
    return nil, "Expected String as JsString, but got " .. json.encode(v)
  end
  return v
end

local function time_field(obj)
  local v = obj.time
  if v == nil then
    return nil, "key not found: time"
  end
  local prefix = "Could not parse a java.time.Instant from "
  if type(v) ~= "string" then
    return nil, prefix .. json.encode(v) .. " (Expected in format: " .. M.TIME_FORMAT_NAME .. ")"
  end
  local t, _, reason = time.parse(v)
  if not t then
    -- The seed's message has no closing parenthesis here.
    return nil, prefix .. v .. " (Expected in format: " .. M.TIME_FORMAT_NAME .. ": " .. reason
  end
  return t
end

--- Decodes the JSON form. Returns a record, or nil and the seed's message (SPEC A4).
-- The time may use the superset grammar (kwhisk.time.parse).
function M.decode(text)
  if type(text) ~= "string" then
    error("bad argument #1 to 'decode' (string expected, got " .. type(text) .. ")", 2)
  end
  local obj, err = json.decode(text)
  if err then
    return nil, "invalid JSON: " .. err
  end
  if not json.is_object(obj) then
    return nil, "JSON object expected"
  end
  local t, stream, log
  t, err = time_field(obj)
  if t then
    stream, err = string_field(obj, "stream")
  end
  if stream then
    log, err = string_field(obj, "log")
  end
  if not log then
    return nil, err
  end
  return setmetatable({ time = t, stream = stream, log = log }, record_mt)
end

return M
