-- logs_bench: records per second delivered into Lua by kwhisk.logs' reader, beside the
-- same records built by a plain Lua loop (string.find + kwhisk.time.parse), in one run; and
-- records over HTTP from a local server through Stream:records, beside curl -o /dev/null.
local logs = require "kwhisk.logs"
local time = require "kwhisk.time"
local logline = require "kwhisk.logs.record"

local clock = os.clock

-- Messages of 2 to 12 words picked at random, as varied as real output. (Messages
-- that differ only in a few inner bytes hit LuaJIT 2.1's sparse string hash and
-- intern several times slower, whoever creates the strings.)
local WORDS = { "GET", "/api/v1/run", "200", "activation", "id=", "user", "ms", "error:",
  "connection", "reset", "by", "peer", "took", "42", "retrying", "{\"ok\":true}", "done",
  "init", "warm", "cold", "start", "payload", "bytes", "ß", "ø", "→" }

local function body(lines)
  local out, seed = {}, 12345
  local function rand(n)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  end
  for i = 1, lines do
    local t = time.new(1517875218 + math.floor(i / 1000), (i * 7919) % 1e9)
    local words = {}
    for w = 1, 2 + rand(11) do
      words[w] = WORDS[1 + rand(#WORDS)] .. (rand(3) == 0 and rand(100000) or "")
    end
    out[i] = time.format(t, "fixed") .. " " .. table.concat(words, " ")
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
local function read_all(body_text)
  local r = logs.reader()
  local out = {}
  for i = 1, #body_text, 65536 do
    r:feed(body_text:sub(i, i + 65535))
    r:drain(out)
  end
  r:finish()
  r:drain(out)
  n_reader = #out
end
local reader_s = best_of(5, function() read_all(text) end)

-- The same count of messages that differ only inside ("message number 17 message ...").
local patterned = {}
for i = 1, LINES do
  patterned[i] = "2018-02-06T00:00:18.419889342Z " .. ("message number " .. i .. " "):rep(1 + i % 4)
end
patterned = table.concat(patterned, "\n") .. "\n"
local patterned_s = best_of(3, function() read_all(patterned) end)

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

-- Over HTTP from a local server (node, serving the text in one chunked body): records
-- through Stream:records (the transport's queue read in place), the same body read as
-- Lua string chunks fed to a reader, and curl -o /dev/null of it (the transport's limit).
local http = require "kwhisk.http"
local loop = require "kwhisk.loop"

local function sh(command)
  local pipe = assert(io.popen(command))
  local out = pipe:read("*a")
  pipe:close()
  return out
end

local dir = sh("mktemp -d"):match("%S+")
local f = assert(io.open(dir .. "/body", "wb"))
f:write(text)
f:close()
local pid = tonumber(sh("node -e \"const fs = require('fs');"
  .. " require('http').createServer((q, s) => fs.createReadStream(process.argv[1]).pipe(s))"
  .. ".listen(0, '127.0.0.1', function () { console.log(this.address().port) })\" "
  .. dir .. "/body >" .. dir .. "/port 2>&1 & echo $!"))
local url
for _ = 1, 500 do
  local pf = io.open(dir .. "/port")
  local port = pf and tonumber((pf:read("*a") or ""):match("^(%d+)\n"))
  if pf then pf:close() end
  if port then url = "http://127.0.0.1:" .. port .. "/" break end
  os.execute("sleep 0.01")
end
assert(url, "the benchmark server did not start")

local function best_wall(runs, fn)
  local best = math.huge
  for _ = 1, runs do
    collectgarbage()
    local t0 = loop.now()
    fn()
    best = math.min(best, loop.now() - t0)
  end
  return best
end

local n_http, n_strings = 0, 0
local http_s = best_wall(3, function()
  local s = assert(http.stream { url = url })
  n_http = 0
  for _ in s:records(logs.reader()) do n_http = n_http + 1 end
  s:close()
end)
local strings_s = best_wall(3, function()
  local s = assert(http.stream { url = url })
  local r, out = logs.reader(), {}
  for chunk in s.read, s do
    r:feed(chunk)
    r:drain(out)
  end
  r:finish()
  r:drain(out)
  n_strings = #out
  s:close()
end)
local curl_s = best_wall(3, function()
  assert(os.execute("curl -sf -o /dev/null " .. url) == 0, "curl failed")
end)
os.execute("kill " .. pid .. "; rm -rf " .. dir)
assert(n_http == LINES and n_strings == LINES, "HTTP record counts differ")

assert(n_reader == LINES and n_lua == LINES, "record counts differ")
print(("records into Lua (%d lines, %.0f bytes a line, fed in 64 KiB chunks):"):format(
  LINES, #text / LINES))
print(("  kwhisk.logs reader         %6.2f M records/s"):format(LINES / reader_s / 1e6))
print(("  Lua find + time.parse loop %6.2f M records/s   (reader is %.1fx faster)"):format(
  LINES / lua_s / 1e6, lua_s / reader_s))
print(("  reader, patterned messages %6.2f M records/s   (string interning, see above)"):format(
  LINES / patterned_s / 1e6))
print(("records over HTTP from a local server (%.1f MB body):"):format(#text / 1e6))
print(("  Stream:records (in place)  %6.2f M records/s   (takes %.2fx the time of curl)"):format(
  LINES / http_s / 1e6, http_s / curl_s))
print(("  chunks as Lua strings      %6.2f M records/s   (Stream:records is %.2fx faster)"):format(
  LINES / strings_s / 1e6, strings_s / http_s))
print(("  curl -o /dev/null          %6.2f M lines/s"):format(LINES / curl_s / 1e6))
print(("kwhisk.time.parse from Lua: %.0f ns per parse"):format(parse_s / 1e6 * 1e9))
