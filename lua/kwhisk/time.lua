--- kwhisk.time: timestamps with nanosecond precision (SPEC A2, C1).
-- A time value is a LuaJIT FFI struct of int64 seconds since the epoch and nanoseconds,
-- so no nanosecond is ever lost to a double. Values compare with < <= ==, print with
-- tostring (the seed's format) and expose t.sec and t.nsec as exact Lua numbers. The
-- struct (kwhisk_time) is declared in kwhisk.core_ffi.
local ffi = require "ffi"
local core = require "kwhisk.core"
local cffi = require "kwhisk.core_ffi"

local tonumber, type, error, floor = tonumber, type, error, math.floor
local istype, ffi_string = ffi.istype, ffi.string

local C, as_kwtime = cffi.C, cffi.as_kwtime
local time_ct = ffi.typeof("kwhisk_time")
local parse_error = ffi.new("kwtime_error")
local format_buf = ffi.new("char[64]")

local GRAMMARS = { superset = 0, openwhisk = 1 }
local STYLES = { openwhisk = 0, fixed = 1, trimmed = 2, seconds = 3 }
local MAX_OFFSET = 24 * 60 - 1

local M = { ctype = time_ct }

local function is_time(v)
  return istype(time_ct, v)
end
M.is_time = is_time

local function is_integer(v)
  return type(v) == "number" and v == floor(v) and v - v == 0
end

local function check_time(v, n, fname)
  if not is_time(v) then
    error(("bad argument #%d to '%s' (time expected, got %s)"):format(n, fname, type(v)), 3)
  end
end

--- A time of sec seconds since the epoch (an integer, negative before 1970) and nsec
-- nanoseconds after it (0-999999999, default 0).
function M.new(sec, nsec)
  nsec = nsec or 0
  if not is_integer(sec) then
    error("bad argument #1 to 'new' (integer seconds expected, got " .. tostring(sec) .. ")", 2)
  end
  if not is_integer(nsec) or nsec < 0 or nsec > 999999999 then
    error("bad argument #2 to 'new' (nanoseconds 0-999999999 expected, got "
      .. tostring(nsec) .. ")", 2)
  end
  return time_ct(sec, nsec)
end

--- The current time; nil, err when the clock fails.
function M.now()
  local sec, nsec = core.time.now()
  if not sec then
    return nil, nsec
  end
  return time_ct(sec, nsec)
end

--- Parses s with the superset grammar, or the seed's exact one when grammar is
-- "openwhisk". Returns a time, or nil, a message quoting s, and the reason alone
-- ("expected <what> at byte <n>").
function M.parse(s, grammar)
  if type(s) ~= "string" then
    error("bad argument #1 to 'parse' (string expected, got " .. type(s) .. ")", 2)
  end
  local g = GRAMMARS[grammar or "superset"]
  if not g then
    error("bad argument #2 to 'parse' ('openwhisk' or 'superset' expected, got "
      .. tostring(grammar) .. ")", 2)
  end
  local t = time_ct()
  if C.kwtime_parse(s, #s, g, as_kwtime(t), parse_error) ~= 0 then
    local reason = ("expected %s at byte %d"):format(
      ffi_string(parse_error.expected), tonumber(parse_error.pos))
    return nil, ('invalid timestamp "%s": %s'):format(s:sub(1, 64), reason), reason
  end
  return t
end

--- Formats t in a style ("openwhisk", the default; "fixed", "trimmed", "seconds"),
-- shifted to offset_minutes east of UTC (default 0, printed as Z).
function M.format(t, style, offset_minutes)
  check_time(t, 1, "format")
  local st = STYLES[style or "openwhisk"]
  if not st then
    error("bad argument #2 to 'format' ('openwhisk', 'fixed', 'trimmed' or 'seconds' expected,"
      .. " got " .. tostring(style) .. ")", 2)
  end
  offset_minutes = offset_minutes or 0
  if not is_integer(offset_minutes) or offset_minutes < -MAX_OFFSET
    or offset_minutes > MAX_OFFSET then
    error("bad argument #3 to 'format' (offset minutes -1439..1439 expected, got "
      .. tostring(offset_minutes) .. ")", 2)
  end
  local n = C.kwtime_format(as_kwtime(t)[0], st, offset_minutes, format_buf)
  if n == 0 then
    error("bad argument #1 to 'format' (time out of the printable range)", 2)
  end
  return ffi_string(format_buf, n)
end

local MONTHS = { Jan = 1, Feb = 2, Mar = 3, Apr = 4, May = 5, Jun = 6, Jul = 7, Aug = 8,
                 Sep = 9, Oct = 10, Nov = 11, Dec = 12 }

--- Parses an HTTP date in its one current form, IMF-fixdate (RFC 9110 5.6.7: "Sun, 06 Nov
-- 1994 08:49:37 GMT", as a Retry-After header carries it) through the same C parser as
-- every timestamp. Returns a time, or nil and a message quoting s.
function M.parse_http_date(s)
  if type(s) ~= "string" then
    error("bad argument #1 to 'parse_http_date' (string expected, got " .. type(s) .. ")", 2)
  end
  local d, mon, y, clock = s:match("^%a%a%a, (%d%d) (%a%a%a) (%d%d%d%d) (%d%d:%d%d:%d%d) GMT$")
  if not d or not MONTHS[mon] then
    return nil, ('invalid HTTP date "%s": expected "Day, DD Mon YYYY hh:mm:ss GMT"')
      :format(s:sub(1, 64))
  end
  local t, _, reason = M.parse(("%s-%02d-%sT%sZ"):format(y, MONTHS[mon], d, clock))
  if not t then
    return nil, ('invalid HTTP date "%s": %s'):format(s, reason) -- 29 bytes at most
  end
  return t
end

local methods = {}

--- A new time sec seconds (an integer) and nsec nanoseconds (an integer, default 0;
-- either may be negative) later.
function methods.add(t, sec, nsec)
  check_time(t, 1, "add")
  nsec = nsec or 0
  if not is_integer(sec) then
    error("bad argument #1 to 'add' (integer seconds expected, got " .. tostring(sec) .. ")", 2)
  end
  if not is_integer(nsec) then
    error("bad argument #2 to 'add' (integer nanoseconds expected, got " .. tostring(nsec) .. ")",
      2)
  end
  local ns = t.ns + nsec
  local carry = floor(ns / 1e9)
  return time_ct(t.s + sec + carry, ns - carry * 1e9)
end

--- Seconds from u to t (t - u) as a Lua number (a double).
function methods.seconds_since(t, u)
  check_time(t, 1, "seconds_since")
  check_time(u, 2, "seconds_since")
  -- Whole nanoseconds first: exact for spans under about 100 days.
  return (tonumber(t.s - u.s) * 1e9 + (t.ns - u.ns)) / 1e9
end

local function less(a, b)
  check_time(a, 1, "<")
  check_time(b, 2, "<")
  return a.s < b.s or (a.s == b.s and a.ns < b.ns)
end

ffi.metatype(time_ct, {
  __index = function(t, k)
    if k == "sec" then
      return tonumber(t.s)
    elseif k == "nsec" then
      return t.ns
    end
    return methods[k]
  end,
  __eq = function(a, b)
    return is_time(a) and is_time(b) and a.s == b.s and a.ns == b.ns
  end,
  __lt = less,
  __le = function(a, b)
    return not less(b, a)
  end,
  __tostring = function(t)
    return M.format(t)
  end,
})

return M
