-- The sim with real-world durations (`--time-scale 1`, as `kwhisk sim` runs by default):
-- a 30 s grace period for a runtime that ignores SIGTERM, a pod that exits on SIGTERM going
-- at once, the kubelet's 10 s crash back-off doubling, and a 1 s status lag. The cases run
-- concurrently (kwhisk tasks against one sim), so the group takes about 35 s.
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"

local now, sleep, spawn = kwhisk.loop.now, kwhisk.loop.sleep, kwhisk.spawn

local function annotate(annotations)
  return function(ctx)
    local pod, pdb = ctx.default()
    pod.metadata.annotations = annotations
    return pod, pdb
  end
end

describe("kwhisk sim with real-world durations", function()
  local sim, client, exiting

  setup(function()
    sim = simh.start({ "--time-scale", "1" })
    local cfg = { kubeconfig = sim.kubeconfig, ["user-pod-node-affinity"] = { enabled = false } }
    client = assert(kwhisk.client(cfg, { log = function() end }))
    cfg.pod_policy = annotate({ ["sim.kwhisk.io/sigterm"] = "exit" })
    exiting = assert(kwhisk.client(cfg, { log = function() end }))
  end)
  teardown(function() sim:stop() end)

  local function gone(name)
    return client.conn:get(client:pods_path(name)) == nil
  end

  -- Seconds from now until fn() is true, polled every 0.1 s (nil after limit seconds).
  local function time_until(fn, limit)
    local t = now()
    while now() - t < limit do
      if fn() then
        return now() - t
      end
      sleep(0.1)
    end
  end

  -- A runtime that ignores SIGTERM: Terminating for the 30 s grace period, then killed.
  local function grace()
    local c = assert(client:run("rw-grace", "kwhisk/action-lua"))
    local t = now()
    assert(client:rm(c))
    local accepted = now() - t
    local terminating = client.conn:get(client:pods_path("rw-grace")).metadata.deletionTimestamp
    local after = time_until(function() return gone("rw-grace") end, 40)
    return { accepted = accepted, terminating = terminating ~= nil, gone = after and after
      + accepted }
  end

  -- A pod whose process exits on SIGTERM goes at once (after the status lag).
  local function sigterm()
    local c = assert(exiting:run("rw-exit", "kwhisk/action-lua"))
    assert(exiting:rm(c))
    return { gone = time_until(function() return gone("rw-exit") end, 10) }
  end

  -- A missing command: the times at which each new waiting state showed.
  local function start_failure()
    local pod = { apiVersion = "v1", kind = "Pod", metadata = { name = "rw-nocmd" },
      spec = { containers = { { name = "user-action", image = "example/nocommand:1" } } } }
    assert(client.conn:create(client:pods_path(), pod))
    local t, rows = now(), {}
    while now() - t < 16 and #rows < 4 do
      local p = client.conn:get(client:pods_path("rw-nocmd"))
      local cs = p.status.containerStatuses
      local w = cs and cs[1].state.waiting
      if w and w.reason ~= "ContainerCreating" then
        local row = w.reason .. " " .. cs[1].restartCount .. " "
          .. ((w.message or ""):match("^back%-off (%w+)") or "-")
        if not rows[#rows] or rows[#rows].row ~= row then
          rows[#rows + 1] = { row = row, at = now() - t }
        end
      end
      sleep(0.1)
    end
    client.conn:delete(client:pods_path("rw-nocmd"))
    return rows
  end

  -- A container that exits: its followed log ends, and the status shows it a second later.
  local function status_lag()
    local pod = { apiVersion = "v1", kind = "Pod", metadata = { name = "rw-lag",
      annotations = { ["sim.kwhisk.io/log-lines"] = "hello" } },
      spec = { containers = { { name = "user-action", image = "example/crashloop:1" } } } }
    assert(client.conn:create(client:pods_path(), pod))
    time_until(function()
      local cs = client.conn:get(client:pods_path("rw-lag")).status.containerStatuses
      return cs and cs[1].state.running
    end, 10)
    local response = assert(client.conn:stream(client:pods_path("rw-lag") .. "/log",
      { follow = "true" }))
    while response:read(now() + 10) do end
    response:close()
    local lag = time_until(function()
      local cs = client.conn:get(client:pods_path("rw-lag")).status.containerStatuses[1]
      return cs.state.running == nil
    end, 5)
    client.conn:delete(client:pods_path("rw-lag"))
    return { lag = lag }
  end

  it("keeps the kubelet's timing: grace period, SIGTERM, back-off and status lag", function()
    local tasks = { spawn(grace), spawn(sigterm), spawn(start_failure), spawn(status_lag) }
    local g, s, f, l = tasks[1]:wait(), tasks[2]:wait(), tasks[3]:wait(), tasks[4]:wait()
    assert.is_true(g.accepted < 1, "rm took " .. g.accepted .. " s")
    assert.is_true(g.terminating)
    assert.is_true(g.gone and g.gone > 29.5 and g.gone < 33, "gone after " .. tostring(g.gone))
    assert.is_true(s.gone and s.gone > 0.5 and s.gone < 3, "gone after " .. tostring(s.gone))
    assert.same({ "RunContainerError 0 -", "CrashLoopBackOff 1 10s", "RunContainerError 1 -",
      "CrashLoopBackOff 2 20s" }, { f[1].row, f[2].row, f[3].row, f[4].row })
    local backoff = f[3].at - f[2].at
    assert.is_true(backoff > 9.5 and backoff < 12, "back-off of " .. backoff .. " s")
    assert.is_true(l.lag and l.lag > 0.7 and l.lag < 1.8, "status lag " .. tostring(l.lag))
  end)
end)
