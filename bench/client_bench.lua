-- client_bench: collecting one activation's logs from the simulated cluster (a separate
-- process) the way an invoker does: the collector is already waiting (c:logs in a task)
-- while the action runs. Follow mode beside kwhisk's poll mode and the seed's polling loop
-- (100 ms pauses, sinceTime = the last line's time), and follow with stdout and stderr apart
-- (streams = true, two requests, on a second sim with --split-streams), in one run: API
-- requests, bytes transferred, time from the second sentinel being written (its log
-- timestamp) to logs() returning (median, p90), and client CPU, each per activation.
local kwhisk = require "kwhisk"
local benchutil = require "benchutil"

local ACTIVATIONS = 40
local LINES = 20

local function client_of(sim)
  return assert(kwhisk.client({ kubeconfig = sim.kubeconfig,
    ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
end
-- The client's cost, not the kubelet's timing: no status lag, grace periods of 0.3 s.
local sim = assert(kwhisk.sim.start({ args = benchutil.FAST_SIM_ARGS }))
local split_sim = assert(kwhisk.sim.start({ args = { "--split-streams",
  unpack(benchutil.FAST_SIM_ARGS) } }))
local client, split_client = client_of(sim), client_of(split_sim)
local now, wall, spawn = kwhisk.loop.now, kwhisk.time.now, kwhisk.spawn

local ACTION = [[function main(a)
  for i = 1, a.n do print("activation line " .. i) end
  return {}
end]]

local quantile = benchutil.quantile

local function seconds_between(a, b)
  return (b.sec - a.sec) + (b.nsec - a.nsec) / 1e9
end

local function new_container(name, cl)
  local c = assert(kwhisk.container.create(cl or client, name, "kwhisk/action-lua"))
  assert(c:init(ACTION))
  return c
end

-- Client CPU of the runs alone, to take out of each mode's figure.
local function run_cpu()
  local c = new_container("bench-runs")
  local c0 = os.clock()
  for _ = 1, ACTIVATIONS do
    assert(c:run({ n = LINES }, now() + 10))
  end
  local cpu = (os.clock() - c0) / ACTIVATIONS
  c:destroy()
  return cpu
end

local function measure(name, opts, base_cpu, cl)
  local c = new_container(name, cl)
  local latencies, cpu = {}, 0
  for i = 1, ACTIVATIONS do
    local c0 = os.clock()
    local collector = spawn(function()
      local records = c:logs(1024 * 1024, true, opts)
      return records, wall()
    end)
    assert(c:run({ n = LINES }, now() + 10))
    local records, returned = collector:wait()
    cpu = cpu + os.clock() - c0
    assert(#records == LINES, name .. ": got " .. #records .. " records")
    latencies[i] = seconds_between(c.last, returned) * 1000 -- c.last: the second sentinel
  end
  c:destroy()
  return { requests = c.requests / ACTIVATIONS, bytes = c.bytes / ACTIVATIONS,
           median = quantile(latencies, 0.5), p90 = quantile(latencies, 0.9),
           cpu_us = math.max(0, cpu / ACTIVATIONS - base_cpu) * 1e6 }
end

local ok, err = pcall(function()
  local base = run_cpu()
  local follow = measure("bench-follow", { mode = "follow" }, base)
  local poll = measure("bench-poll", { mode = "poll" }, base)
  local seed = measure("bench-seed", { mode = "poll", seed = true }, base)
  local split = measure("bench-split", { mode = "follow", streams = true }, base, split_client)
  print(string.format("%d activations of %d lines each, the collector waiting while the "
    .. "action runs", ACTIVATIONS, LINES))
  print(string.format("%-30s %12s %12s %12s %12s", "per activation", "follow", "poll",
    "seed poll", "streams"))
  for _, row in ipairs({ { "API requests", "requests", "%12.2f" },
      { "bytes transferred", "bytes", "%12.0f" },
      { "sentinel to return, median ms", "median", "%12.2f" },
      { "sentinel to return, p90 ms", "p90", "%12.2f" },
      { "client CPU for logs (us)", "cpu_us", "%12.0f" } }) do
    print(string.format("%-30s" .. row[3]:rep(4, " "), row[1], follow[row[2]], poll[row[2]],
      seed[row[2]], split[row[2]]))
  end
  print(string.format("ratios seed poll/follow: requests %.1fx, bytes %.1fx, median time "
    .. "%.1fx, CPU %.1fx", seed.requests / follow.requests, seed.bytes / follow.bytes,
    seed.median / follow.median, seed.cpu_us / math.max(1, follow.cpu_us)))
  print(string.format("ratios streams/follow: requests %.1fx, median time %.1fx, CPU %.1fx",
    split.requests / follow.requests, split.median / follow.median,
    split.cpu_us / math.max(1, follow.cpu_us)))
end)
sim:stop()
split_sim:stop()
assert(ok, err)
