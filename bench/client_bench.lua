-- client_bench: collecting one activation's logs from the simulated cluster (a separate
-- process), follow mode beside poll mode and the seed's own polling, in one run: API
-- requests, bytes transferred, time from the end of the run (the runtime has written the
-- sentinels) to logs() returning, and client CPU, each per activation.
local kwhisk = require "kwhisk"

local ACTIVATIONS = 40
local LINES = 20

local sim = assert(kwhisk.sim.start({}))
local client = assert(kwhisk.client({ kubeconfig = sim.kubeconfig,
  ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
local now = kwhisk.loop.now

local function median(xs)
  table.sort(xs)
  return xs[math.floor((#xs + 1) / 2)]
end

local function measure(mode, seed)
  local c = assert(kwhisk.container.create(client, "bench-" .. mode .. (seed and "-seed" or ""),
    "kwhisk/action-lua"))
  assert(c:init([[function main(a)
    for i = 1, a.n do print("activation line " .. i) end
    return {}
  end]]))
  local latencies, cpu = {}, 0
  for i = 1, ACTIVATIONS do
    assert(c:run({ n = LINES }, now() + 10))
    local t0, c0 = now(), os.clock()
    local records = c:logs(1024 * 1024, true, { mode = mode, seed = seed })
    latencies[i] = now() - t0
    cpu = cpu + os.clock() - c0
    assert(#records == LINES or seed, mode .. ": got " .. #records .. " records")
  end
  c:destroy()
  return { requests = c.requests / ACTIVATIONS, bytes = c.bytes / ACTIVATIONS,
           ms = median(latencies) * 1000, cpu_us = cpu / ACTIVATIONS * 1e6 }
end

local ok, err = pcall(function()
  local follow, poll, seed = measure("follow"), measure("poll"), measure("poll", true)
  print(string.format("%d activations of %d lines each; medians of sentinel-to-return", ACTIVATIONS,
    LINES))
  print(string.format("%-28s %12s %12s %12s", "per activation", "follow", "poll", "seed poll"))
  for _, row in ipairs({ { "API requests", "requests", "%12.2f" },
      { "bytes transferred", "bytes", "%12.0f" }, { "sentinel to return (ms)", "ms", "%12.2f" },
      { "client CPU (us)", "cpu_us", "%12.0f" } }) do
    print(string.format("%-28s" .. row[3]:rep(3, " "), row[1], follow[row[2]], poll[row[2]],
      seed[row[2]]))
  end
  print(string.format("ratios poll/follow: requests %.1fx, bytes %.1fx, time %.1fx, CPU %.1fx",
    poll.requests / follow.requests, poll.bytes / follow.bytes, poll.ms / follow.ms,
    poll.cpu_us / follow.cpu_us))
end)
sim:stop()
assert(ok, err)
