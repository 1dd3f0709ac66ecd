-- pool_bench: the warm pool (kwhisk.pool) on the simulated cluster (a separate process):
-- the latency from invoke to the result with this activation's logs, for warm, resumed
-- (paused through the invoker agent, then reused), prewarmed and cold starts (median, p90),
-- with the client's CPU per activation; beside it the container layer alone (c:run, then
-- c:logs, a log request per activation), which is what an invoker without a pool does on a
-- warm container. Goal: warm under 3 ms median.
-- Sizes: KWHISK_BENCH_WARM (warm activations, default 400), KWHISK_BENCH_COLD (cold and
-- prewarmed starts each, default 12).
local kwhisk = require "kwhisk"
local u = require "benchutil"

local WARM = tonumber(os.getenv("KWHISK_BENCH_WARM") or "") or 400
local COLD = tonumber(os.getenv("KWHISK_BENCH_COLD") or "") or 12
local IMAGE = "kwhisk/action-lua"
local CODE = "function main(a) print('activation ' .. a.n) return { n = a.n } end"
local now = kwhisk.loop.now

-- The pool's cost, not the kubelet's timing: no status lag, grace periods of 0.3 s.
local sim = assert(kwhisk.sim.start({ args = u.FAST_SIM_ARGS }))
local client = assert(kwhisk.client({ kubeconfig = sim.kubeconfig,
  ["user-pod-node-affinity"] = { enabled = false },
  ["invoker-agent"] = { enabled = true, port = assert(sim:info()).agentPort } },
  { log = function() end }))

local function action(name)
  return { name = name, image = IMAGE, memory = "128m", code = CODE }
end

-- Invokes (after before(i), outside the timing) n times; latencies (ms), CPU per activation
-- (µs), and the start kinds seen.
local function series(p, n, name_of, before)
  local ms, cpu, kinds = {}, 0, {}
  for i = 1, n do
    if before then before(i) end
    local c0, t0 = os.clock(), now()
    local a = assert(p:invoke(action(name_of(i)), { n = i }, { deadline = now() + 30 }))
    ms[i] = (now() - t0) * 1000
    cpu = cpu + os.clock() - c0
    assert(a.ok and #a.logs == 1 and a.logs[1].log == "activation " .. i, "wrong logs")
    kinds[a.start] = (kinds[a.start] or 0) + 1
  end
  return { median = u.quantile(ms, 0.5), p90 = u.quantile(ms, 0.9), cpu_us = cpu / n * 1e6,
    kinds = kinds, n = n }
end

local function same(name) return function() return name end end
local function each(prefix) return function(i) return prefix .. i end end

-- The container layer alone on a warm container: run, then a log request to the sentinels.
local function container_layer(n)
  local c = assert(kwhisk.container.create(client, "bench-layer", IMAGE))
  assert(c:init(CODE))
  local ms, cpu = {}, 0
  for i = 1, n do
    local c0, t0 = os.clock(), now()
    assert(c:run({ n = i }, now() + 10))
    local records = c:logs(1024 * 1024, true)
    ms[i] = (now() - t0) * 1000
    cpu = cpu + os.clock() - c0
    assert(#records == 1, "wrong logs")
  end
  c:destroy()
  return { median = u.quantile(ms, 0.5), p90 = u.quantile(ms, 0.9), cpu_us = cpu / n * 1e6,
    n = n, kinds = { warm = n } }
end

local function wait_prewarmed(p, count)
  local deadline = now() + 30
  while p:stats().containers.prewarmed < count do
    assert(now() < deadline, "prewarmed containers did not come")
    kwhisk.sleep(0.02)
  end
end

local function run()
  local rows = {}
  local p = assert(kwhisk.pool.new(client, { memory = "4g", pause_grace = "10 s" }))
  series(p, 20, same("bench/warm")) -- the cold start and the JIT's warm-up
  rows[#rows + 1] = { "warm", series(p, WARM, same("bench/warm")) }
  assert(p:close())

  p = assert(kwhisk.pool.new(client, { memory = "4g", pause_grace = "20 ms" }))
  series(p, 1, same("bench/resumed"))
  rows[#rows + 1] = { "warm, resumed", series(p, math.max(COLD, 20), same("bench/resumed"),
    function() kwhisk.sleep(0.1) end) }
  assert(p:close())

  p = assert(kwhisk.pool.new(client, { memory = "4g", pause_grace = "10 s",
    prewarm = { { image = IMAGE, memory = "128m", count = 1 } } }))
  rows[#rows + 1] = { "prewarmed", series(p, COLD, each("bench/pre"),
    function() wait_prewarmed(p, 1) end) }
  assert(p:close())

  p = assert(kwhisk.pool.new(client, { memory = "4g", pause_grace = "10 s" }))
  rows[#rows + 1] = { "cold", series(p, COLD, each("bench/cold")) }
  assert(p:close())

  rows[#rows + 1] = { "container layer, warm", container_layer(math.min(WARM, 200)) }
  return rows
end

local ok, rows = pcall(run)
sim:stop()
if not ok then error(rows, 0) end
print(string.format("%-24s %6s %12s %10s %10s  %s", "start", "n", "median ms", "p90 ms",
  "CPU µs", "starts seen"))
for _, r in ipairs(rows) do
  local kinds = {}
  for k, v in pairs(r[2].kinds) do kinds[#kinds + 1] = k .. "=" .. v end
  table.sort(kinds)
  print(string.format("%-24s %6d %12.2f %10.2f %10.0f  %s", r[1], r[2].n, r[2].median, r[2].p90,
    r[2].cpu_us, table.concat(kinds, " ")))
end
local warm = rows[1][2]
print(string.format("warm: %.1fx faster than prewarmed, %.0fx than cold, %.1fx than the "
  .. "container layer alone; goal warm median < 3 ms: %s", rows[3][2].median / warm.median,
  rows[4][2].median / warm.median, rows[5][2].median / warm.median,
  warm.median < 3 and "met" or "NOT met"))
