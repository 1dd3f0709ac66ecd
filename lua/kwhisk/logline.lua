--- kwhisk.logline: log line records, the seed's TypedLogLine (SPEC A4).
-- A record is a table {time = <kwhisk.time>, stream = "stdout", log = "message"}, with
-- a truncated = true field when the reader cut the line at its maximum. Its JSON form is
-- byte-exact with the seed's; a message that is not valid UTF-8 still gives valid JSON,
-- each invalid byte written as U+FFFD.
local core = require("kwhisk.core").logrecord
local time = require "kwhisk.time"

local type, error, setmetatable, getmetatable = type, error, setmetatable, getmetatable
local is_time = time.is_time

local M = {}
local methods = {}
local record_mt = { __index = methods }
M.record_mt = record_mt

--- The JSON form: {"log":...,"stream":...,"time":...}, keys sorted, no whitespace.
function methods.json(r)
  local t = r.time
  return core.json(t.sec, t.nsec, r.stream, r.log)
end

--- The length of the JSON form in UTF-16 code units (the seed's log-limit measure).
function methods.json_size(r)
  local t = r.time
  return core.json_size(t.sec, t.nsec, r.stream, r.log)
end

record_mt.__tostring = function(r)
  local t = r.time
  return (core.text(t.sec, t.nsec, r.stream, r.log))
end

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
  return getmetatable(v) == record_mt
end

--- Decodes the JSON form. Returns a record, or nil and the seed's message (SPEC A4).
-- The time may use the superset grammar (kwhisk.time.parse).
function M.decode(text)
  if type(text) ~= "string" then
    error("bad argument #1 to 'decode' (string expected, got " .. type(text) .. ")", 2)
  end
  local sec, nsec, stream, log = core.decode(text)
  if not sec then
    return nil, nsec
  end
  return setmetatable({ time = time.new(sec, nsec), stream = stream, log = log }, record_mt)
end

return M
