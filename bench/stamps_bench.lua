--- bench/stamps_bench.lua: timestamp parsing, kwhisk against peers on the same 1 million
-- timestamps (issue 9, part 2): half with 9 fraction digits, half trimmed to 1-9, made by
-- bench/tools/stampparse.c into BUILD/bench-data. Peers: glibc strptime + timegm, Go's
-- time.Parse(RFC3339Nano) (bench/go, golang-go), Java's DateTimeFormatter with the seed's
-- exact format (bench/java, the JDK's javac); plus kwhisk.time.parse called from Lua. Each
-- parses every timestamp in 5 passes and reports its best pass; all must agree on the sum
-- of seconds and nanoseconds. The peers' processes run interleaved, ROUNDS rounds
-- (KWHISK_BENCH_ROUNDS, default 3): medians, and the ratio to Go taken within each round.
-- A missing peer is reported as skipped.
-- Usage (make bench): luajit bench/stamps_bench.lua [BUILD]
local u = require "benchutil"
local time = require "kwhisk.time"

local BUILD = arg[1] or "build"
local COUNT = 1000000
local ROUNDS = tonumber(os.getenv("KWHISK_BENCH_ROUNDS") or "3")
local TOOLS = BUILD .. "/bench-tools"

local function stamps_file()
  local path = BUILD .. "/bench-data/stamps.txt"
  if not io.open(path) then
    os.execute("mkdir -p " .. BUILD .. "/bench-data")
    assert(os.execute(TOOLS .. "/stampparse gen " .. path .. " " .. COUNT) == 0, "gen failed")
  end
  return path
end

-- Builds the Go and Java peers: a command prefix each, or nil, why.
local function go_peer()
  if not u.have("go") then
    return nil, "go is not installed (golang-go)"
  end
  local ok = os.execute("cd bench/go && GOCACHE=" .. u.quote(u.sh("readlink -f " .. BUILD)
    :match("[^\n]+") .. "/go-cache") .. " GO111MODULE=off go build -o ../../" .. TOOLS
    .. "/stamps-go stamps.go") == 0
  return ok and TOOLS .. "/stamps-go" or nil, "go build failed"
end

local function java_peer()
  if not (u.have("javac") and u.have("java")) then
    return nil, "no JDK (javac) on the machine"
  end
  local ok = os.execute("mkdir -p " .. TOOLS .. "/java && javac -d " .. TOOLS
    .. "/java bench/java/Stamps.java") == 0
  return ok and "java -cp " .. TOOLS .. "/java Stamps" or nil, "javac failed"
end

-- kwhisk.time.parse from Lua, in this process: best ns per parse of 5 passes, checksum.
local function lua_parse(path)
  local lines = {}
  for line in io.lines(path) do
    lines[#lines + 1] = line
  end
  local parse, best, check = time.parse, math.huge, 0
  for _ = 1, 5 do
    local sum = 0
    local t0 = os.clock()
    for i = 1, #lines do
      local t = parse(lines[i])
      sum = sum + tonumber(t.sec) + t.nsec
    end
    best = math.min(best, (os.clock() - t0) / #lines * 1e9)
    check = sum
  end
  return best, ("%.0f"):format(check)
end

local function main()
  local path = stamps_file()
  local go, go_why = go_peer()
  local java, java_why = java_peer()
  local peers = {
    { "kwhisk kwtime_parse (C)", TOOLS .. "/stampparse kwhisk" },
    { "glibc strptime+timegm", TOOLS .. "/stampparse strptime" },
    { "Go time.Parse", go, go_why },
    { "Java DateTimeFormatter", java, java_why },
  }
  -- ROUNDS interleaved rounds, each peer's process once a round (the order turning): a peer's
  -- figure is its median, the ratio to Go the median of the ratios within each round.
  local live, check, runs = {}, nil, {}
  for _, p in ipairs(peers) do
    if p[2] then
      live[#live + 1] = p
      runs[p[1]] = {}
    else
      print(("  %-26s skipped: %s"):format(p[1], p[3]))
    end
  end
  for round = 1, ROUNDS do
    for i = 1, #live do
      local p = live[(i + round - 2) % #live + 1]
      local out = u.sh(p[2] .. " " .. path .. " 2>&1")
      local ns, sum = out:match("^([%d%.]+) (%d+)")
      assert(ns, p[1] .. " failed: " .. out:sub(1, 200))
      check = check or sum
      assert(sum == check, p[1] .. " disagrees on the timestamps' values")
      runs[p[1]][round] = tonumber(ns)
    end
  end
  local rows = {}
  for _, p in ipairs(live) do
    rows[#rows + 1] = { p[1], u.median(runs[p[1]]) }
  end
  local lua_ns, lua_sum = lua_parse(path)
  -- A double sums 1e6 values below 2^53 with rounding; the C peers' exact sum is close.
  assert(not check or math.abs(tonumber(lua_sum) - tonumber(check)) < 1e6, "Lua disagrees")
  rows[#rows + 1] = { "kwhisk.time.parse (Lua)", lua_ns }
  local ours = rows[1][1]:find("^kwhisk") and rows[1][2]
  print(("timestamp parsing, %d timestamps (9-digit and trimmed), best of 5 passes a process, "
    .. "median of %d interleaved rounds; every parser's sum of the values %s"):format(COUNT,
    ROUNDS, check or lua_sum))
  print(("  %-26s %10s %16s"):format("parser", "ns/parse", "vs kwtime_parse"))
  for _, r in ipairs(rows) do
    print(("  %-26s %10.1f %15.1fx"):format(r[1], r[2], r[2] / ours))
  end
  local go_x
  if runs["Go time.Parse"] then
    local ratios = {}
    for round = 1, ROUNDS do
      ratios[round] = runs["Go time.Parse"][round] / runs[live[1][1]][round]
    end
    go_x = u.median(ratios)
  end
  local function goal(text, ok, shown)
    print(("  goal: %-50s %-8s %s"):format(text, ok == nil and "not measured" or ok and "met"
      or "MISSED", shown or ""))
  end
  goal("kwtime_parse <= 20 ns per parse (1 M mixed widths)", ours <= 20, ("%.1f ns"):format(ours))
  goal("kwtime_parse >= 8x faster than Go's time.Parse", go_x and go_x >= 8,
    go_x and ("%.1fx"):format(go_x))
end

main()
