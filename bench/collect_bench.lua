--- bench/collect_bench.lua: collecting one activation's logs (SPEC A7) as the lines OpenWhisk
-- stores, two ways over the same log: records into Lua (what c:logs does: records taken 64 at
-- a time from the reader, kwhisk.logs.collect.activation with a cursor per record, then
-- record:formatted()) and the C collector (what c:log_lines does: kwhisk.logs.collector
-- drains the reader after every chunk, then :lines()). The log is 6.5 MB, 70,000 lines of
-- 2-16 words (their JSON forms nearly fill OpenWhisk's 10 MiB log limit), half the timestamps
-- with 9 fraction digits and half trimmed, then the two sentinels; it is fed in 128 KiB
-- chunks, as a stream reads it. Both give the same lines (checked in an untimed first round,
-- which also warms up); then ROUNDS interleaved rounds (KWHISK_BENCH_ROUNDS, default 5), the
-- order turning, timed on the monotonic clock, a full garbage collection before each;
-- medians, and the ratio both as the median of the rounds' ratios and as the medians' ratio.
-- Usage (make bench): luajit bench/collect_bench.lua
local logs = require "kwhisk.logs"
local collect = require "kwhisk.logs.collect"
local time = require "kwhisk.time"
local u = require "benchutil"
local monotonic = require("kwhisk.core").time.monotonic

local ROUNDS = tonumber(os.getenv("KWHISK_BENCH_ROUNDS") or "5")
local LINES, CHUNK, LIMIT = 70000, 128 * 1024, 10 * 1024 * 1024
local WORDS = { "GET", "/api/v1/run", "200", "activation", "id=", "user", "ms", "error:",
  "connection", "reset", "by", "peer", "took", "42", "retrying", "{\"ok\":true}", "done",
  "init", "warm", "cold", "start", "payload", "bytes", "ß", "ø", "→" }

-- The activation's log, as chunks of the body.
local function chunks()
  local seed, out = 7, {}
  local function rand(n)
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed % n
  end
  for i = 1, LINES do
    local words = {}
    for w = 1, 2 + rand(15) do
      words[w] = WORDS[1 + rand(#WORDS)] .. (rand(3) == 0 and rand(100000) or "")
    end
    local t = time.new(1517875218 + math.floor(i / 500), rand(1e9))
    out[i] = time.format(t, i % 2 == 0 and "fixed" or "openwhisk") .. " "
      .. table.concat(words, " ")
  end
  out[#out + 1] = "2018-02-06T23:59:59.000000001Z " .. collect.SENTINEL
  out[#out + 1] = "2018-02-06T23:59:59.000000002Z " .. collect.SENTINEL
  local body, parts = table.concat(out, "\n") .. "\n", {}
  for at = 1, #body, CHUNK do
    parts[#parts + 1] = body:sub(at, at + CHUNK - 1)
  end
  return parts, #body
end

-- Records into Lua, collected and formatted as c:logs' caller would.
local function lua_lines(parts)
  local reader, queue, head, k = assert(logs.reader()), {}, 1, 0
  local function source()
    while not queue[head] do
      queue, head = {}, 1
      if not reader:drain(queue, 64) or #queue == 0 then
        k = k + 1
        if not parts[k] then return nil end
        assert(reader:feed(parts[k]))
      end
    end
    local record = queue[head]
    queue[head], head = nil, head + 1
    return record
  end
  local cursor
  local records, err, complete = collect.activation(source, { limit = LIMIT, timeout = 60,
    on_record = function(r)
      local c = reader:cursor()
      cursor = { sec = c.sec, count = c.count, nsec = r.time.nsec, text = r.log }
    end })
  assert(complete and not err and cursor, "the Lua collection did not complete")
  local lines = {}
  for i = 1, #records do lines[i] = records[i]:formatted() end
  return lines
end

-- The C collector, drained after every chunk.
local function c_lines(parts)
  local reader, collector = assert(logs.reader()), assert(logs.collector({ limit = LIMIT }))
  for k = 1, #parts do
    assert(reader:feed(parts[k]))
    assert(collector:drain(reader))
    if collector:done() then break end
  end
  assert(collector:state() == "complete", "the C collection did not complete")
  return collector:lines()
end

local function timed(fn, parts)
  collectgarbage()
  local t0 = monotonic()
  local lines = fn(parts)
  return monotonic() - t0, lines
end

-- Both ways once, untimed: they must give the same lines (and the JIT and the allocator warm
-- up before the first timed round).
local function check(parts)
  local a, b = lua_lines(parts), c_lines(parts)
  assert(#a == LINES and #b == LINES, "a collection lost lines")
  for i = 1, LINES do
    assert(a[i] == b[i], "the two collections differ at line " .. i)
  end
end

local function main()
  local parts, size = chunks()
  check(parts)
  local ways = { { "records into Lua, then formatted", lua_lines }, { "C collector", c_lines } }
  local times, ratios = { {}, {} }, {}
  for round = 1, ROUNDS do
    for j = 0, 1 do
      local w = (round + j) % 2 + 1
      local lines
      times[w][round], lines = timed(ways[w][2], parts)
      assert(#lines == LINES, "a collection lost lines")
    end
    ratios[round] = times[1][round] / times[2][round]
  end
  print(("collecting one activation: %.1f MB, %d lines; the same lines both ways (checked in "
    .. "an untimed round); %d interleaved rounds, medians"):format(size / 1e6, LINES, ROUNDS))
  local medians = {}
  for w, way in ipairs(ways) do
    medians[w] = u.median(times[w])
    print(("  %-34s %7.1f ms  %6.0f ns/line"):format(way[1], medians[w] * 1e3,
      medians[w] / LINES * 1e9))
  end
  print(("  the C collector takes 1/%.1f of the time (median of the rounds' ratios; the "
    .. "medians' ratio: 1/%.1f)"):format(u.median(ratios), medians[1] / medians[2]))
end

main()
