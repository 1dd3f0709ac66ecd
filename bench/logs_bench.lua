-- logs_bench: records per second delivered into Lua by kwhisk.logs' reader, beside the
-- same records built by a plain Lua loop (string.find + kwhisk.time.parse), in one run.
local logs = require "kwhisk.logs"
local time = require "kwhisk.time"
local logline = require "kwhisk.logline"

local clock = os.clock

local function body(lines)
  local out = {}
  for i = 1, lines do
    local t = time.new(1517875218 + math.floor(i / 1000), (i * 7919) % 1e9)
    out[i] = time.format(t, "fixed") .. " " .. ("message number " .. i .. " "):rep(1 + i % 4)
  end
  return table.concat(out, "\n") .. "\n"
end

local function best_of(runs, fn)
  local best = math.huge
  for _ = 1, runs do
    collectgarbage()
    local t0 = clock()
    fn()
    best = math.min(best, clock() - t0)
  end
  return best
end

local LINES = 200000
local text = body(LINES)

local n_reader = 0
local reader_s = best_of(5, function()
  local r = logs.reader()
  local out = {}
  for i = 1, #text, 65536 do
    r:feed(text:sub(i, i + 65535))
    r:drain(out)
  end
  r:finish()
  r:drain(out)
  n_reader = #out
end)

local n_lua = 0
local new = logline.new
local lua_s = best_of(5, function()
  local out, n, pos = {}, 0, 1
  while true do
    local nl = text:find("\n", pos, true)
    if not nl then break end
    local sp = text:find(" ", pos, true)
    local t = time.parse(text:sub(pos, sp - 1))
    n = n + 1
    out[n] = new(t, "stdout", text:sub(sp + 1, nl - 1))
    pos = nl + 1
  end
  n_lua = #out
end)

local parse_s = best_of(5, function()
  local s = "2018-02-06T00:09:35.382671930Z"
  for _ = 1, 1e6 do time.parse(s) end
end)

assert(n_reader == LINES and n_lua == LINES, "record counts differ")
print(("records into Lua (%d lines, %.0f bytes a line, fed in 64 KiB chunks):"):format(
  LINES, #text / LINES))
print(("  kwhisk.logs reader         %6.2f M records/s"):format(LINES / reader_s / 1e6))
print(("  Lua find + time.parse loop %6.2f M records/s   (reader is %.1fx faster)"):format(
  LINES / lua_s / 1e6, lua_s / reader_s))
print(("kwhisk.time.parse from Lua: %.0f ns per parse"):format(parse_s / 1e6 * 1e9))
