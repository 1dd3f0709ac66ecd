--- kwhisk.cli.pool_demo: `kwhisk pool-demo`, the warm pool (kwhisk.pool) at work in phases:
-- prewarmed, warm, paused and resumed, cold starts filling the memory and evicting, a
-- concurrent action, idle removal. A progress line on stderr (redrawn on a terminal), a
-- summary table on stdout. Without a cluster option or $KUBECONFIG it runs on an embedded sim.
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"
local loop = require "kwhisk.loop"

local now, format, concat = loop.now, string.format, table.concat

local USAGE = [[
usage: kwhisk pool-demo [--yes] [cluster options]

Runs a warm pool (768 MiB, 2 prewarmed 128 MiB containers, 100 ms pause grace, 3 s idle
timeout) through phases: prewarmed starts, warm starts, pausing, resumed starts, cold
starts that fill the memory and evict, three activations at once in one container, idle
removal. Prints progress on stderr and a table of the phases (starts, latency from invoke
to result with logs) on stdout; removes every pod it made. Without --kubeconfig, --config
or $KUBECONFIG it starts an embedded sim; on a real cluster it needs --yes.
  --yes            run on the configured cluster
]] .. args.CLUSTER_HELP

local OPTIONS = args.with({ ["--yes"] = { "yes", "flag" } }, args.CLUSTER)
local IMAGE = "kwhisk/action-lua"
local MIB = 2 ^ 20

local HELLO = "function main(a) print('hello ' .. tostring(a.n)) return { greeting = "
  .. "'hello ' .. tostring(a.n) } end"
local SLOW = "function main(a) print('start ' .. a.n) require('cqueues').sleep(0.2) "
  .. "print('done ' .. a.n) return { n = a.n } end"

local function action(name, code, concurrency)
  return { name = name, image = IMAGE, memory = "128m", code = code or HELLO,
    concurrency = concurrency }
end

-- The pool now: containers by state, memory, starts, evictions and removals.
local function pool_line(p)
  local s = p:stats()
  local c = s.containers
  return format("prewarmed %d  idle %d  busy %d  paused %d | %3d/%d MiB | cold %d "
    .. "prewarmed %d warm %d | evicted %d removed %d", c.prewarmed + c.starting, c.warm_idle,
    c.busy, c.paused, math.floor(s.memory.used / MIB), math.floor(s.memory.limit / MIB),
    s.starts.cold, s.starts.prewarmed, s.starts.warm, s.evictions, s.removals)
end

local function show(state, tty)
  while not state.done do
    if tty then
      io.stderr:write("\r\27[K", format("%-14s %s", state.phase, pool_line(state.pool)))
    end
    loop.sleep(0.1)
  end
end

local function median(xs)
  local s = {}
  for i, x in ipairs(xs) do s[i] = x end
  table.sort(s)
  return s[math.max(1, math.ceil(#s / 2))]
end

-- One phase's activations (fn returns them), recorded with their starts and latencies.
local function phase(state, name, fn)
  state.phase = name
  local row = { name = name, ms = {}, starts = {}, failed = 0 }
  for _, r in ipairs(fn()) do
    if r.a then
      row.ms[#row.ms + 1] = r.ms
      row.starts[r.a.start] = (row.starts[r.a.start] or 0) + 1
    else
      row.failed = row.failed + 1
      state.errors[#state.errors + 1] = name .. ": " .. tostring(r.err)
    end
  end
  row.after = pool_line(state.pool)
  if not state.tty then io.stderr:write(format("%-14s %s\n", name, row.after)) end
  state.rows[#state.rows + 1] = row
end

local function invoke(p, act, n)
  local t0 = now()
  local a, err = p:invoke(act, { n = n }, { deadline = now() + 60 })
  return { a = a, err = err, ms = (now() - t0) * 1000 }
end

local function until_true(cond, seconds)
  local deadline = now() + seconds
  while not cond() and now() < deadline do loop.sleep(0.02) end
end

local function scenario(state, p)
  local s = function() return p:stats() end
  phase(state, "prewarming", function()
    until_true(function() return s().containers.prewarmed == 2 end, 60)
    return {}
  end)
  phase(state, "prewarmed", function()
    return { invoke(p, action("demo/hello"), 1), invoke(p, action("demo/echo"), 1) }
  end)
  phase(state, "warm", function()
    local out = {}
    for n = 2, 4 do
      out[#out + 1] = invoke(p, action("demo/hello"), n)
      out[#out + 1] = invoke(p, action("demo/echo"), n)
    end
    return out
  end)
  phase(state, "pausing", function()
    until_true(function() return s().containers.paused == 2 end, 10)
    return {}
  end)
  phase(state, "resumed", function()
    return { invoke(p, action("demo/hello"), 5), invoke(p, action("demo/echo"), 5) }
  end)
  phase(state, "fill, evict", function()
    local out = {}
    for i = 1, 6 do out[i] = invoke(p, action("demo/fill-" .. i), i) end
    return out
  end)
  phase(state, "concurrent", function()
    local conc, tasks, out = action("demo/concurrent", SLOW, 3), {}, {}
    out[1] = invoke(p, conc, 0)
    for i = 1, 3 do tasks[i] = loop.spawn(invoke, p, conc, i) end
    for i = 1, 3 do out[#out + 1] = tasks[i]:wait() end
    return out
  end)
  phase(state, "idle removal", function()
    until_true(function() return s().containers.warm_idle + s().containers.paused == 0 end, 15)
    return {}
  end)
end

local function summary(rows)
  local line = "%-14s %5s %-26s %9s %8s  %s\n"
  io.stdout:write(format(line, "PHASE", "ACTS", "STARTS", "MEDIANms", "MAXms", "POOL AFTER"))
  for _, r in ipairs(rows) do
    local starts = {}
    for _, k in ipairs({ "cold", "prewarmed", "warm" }) do
      if r.starts[k] then starts[#starts + 1] = k .. " " .. r.starts[k] end
    end
    if r.failed > 0 then starts[#starts + 1] = "failed " .. r.failed end
    local n = #r.ms
    io.stdout:write(format(line, r.name, n + r.failed, concat(starts, ", "),
      n > 0 and format("%.1f", median(r.ms)) or "-",
      n > 0 and format("%.1f", math.max(unpack(r.ms))) or "-",
      (r.after:gsub("%s+", " "))))
  end
end

local function run(client, agent_on)
  local p = assert(require("kwhisk.pool").new(client, { memory = "768m",
    prewarm = { { image = IMAGE, memory = "128m", count = 2 } },
    pause_grace = "100 ms", idle_timeout = "3 s" }))
  local state = { pool = p, phase = "starting", rows = {}, errors = {},
    tty = os.execute("test -t 2") == 0 }
  if not agent_on then
    io.stderr:write("kwhisk pool-demo: invoker-agent.enabled is false: nothing is paused\n")
  end
  local progress = loop.spawn(show, state, state.tty)
  local ok, err = pcall(scenario, state, p)
  state.done = true
  progress:wait()
  if state.tty then io.stderr:write("\r\27[K") end
  local stats = p:stats()
  local closed, cerr = p:close()
  summary(state.rows)
  io.stdout:write(format("pool: %d activations; starts cold %d, prewarmed %d, warm %d; "
    .. "%d paused, %d evicted, %d removed idle, %d failures; %s\n", stats.activations,
    stats.starts.cold, stats.starts.prewarmed, stats.starts.warm, stats.pauses,
    stats.evictions, stats.removals, stats.failures,
    closed and "all pods removed" or "pods NOT removed: " .. tostring(cerr)))
  for _, e in ipairs(state.errors) do io.stderr:write("kwhisk pool-demo: ", e, "\n") end
  if not ok then error(err, 0) end
  return closed and #state.errors == 0
end

-- The client: the configured cluster (with --yes), else an embedded sim with its agent.
local function connect(opts)
  local sim
  if not (opts.kubeconfig or opts.config or os.getenv("KUBECONFIG")) then
    -- A tenth of real-world time: the pool's close waits for its pods to go, and an action
    -- pod ignores SIGTERM for its 30 s grace period (3 s here).
    sim = assert(require("kwhisk.sim").start({ args = { "--time-scale", "0.1" } }))
    opts.kubeconfig = sim.kubeconfig
    io.stderr:write("kwhisk pool-demo: on the embedded sim (", sim.url, ")\n")
  elseif not opts.yes then
    return nil, nil, "runs pods on the configured cluster; confirm with --yes"
  end
  local cfg, err = common.config(opts)
  if cfg and sim then
    cfg["invoker-agent"] = { enabled = true, port = assert(sim:info()).agentPort }
  end
  local client = cfg and require("kwhisk.client").new(cfg, { log = function() end })
  if not client then
    if sim then sim:stop() end
    return nil, nil, err
  end
  return client, sim
end

return function(argv)
  if args.wants_help(argv) then return common.help(USAGE) end
  local opts, err = args.parse(argv, OPTIONS)
  if opts and #opts.positional > 0 then opts, err = nil, "takes no arguments" end
  if not opts then return common.usage_error("pool-demo", err) end
  local client, sim, cerr = connect(opts)
  if not client then
    return type(cerr) == "string" and common.usage_error("pool-demo", cerr)
      or common.fail("pool-demo", cerr)
  end
  local ok, good = pcall(run, client, client.config["invoker-agent"].enabled)
  if sim then sim:stop() end
  if not ok then return common.fail("pool-demo", good) end
  return good and common.OK or common.FAILED
end
