-- The pod lifecycle state machine of the sim (kwhisk.sim.lifecycle), driven by a fake context.
describe("kwhisk.sim.lifecycle", function()
  local lifecycle = require "kwhisk.sim.lifecycle"

  local function context()
    local node = { metadata = { name = "n1" },
      status = { addresses = { { address = "127.9.0.1" } } } }
    local ctx = { timers = {}, events = {},
      now = function() return "2024-01-01T00:00:00Z" end, null = false,
      array = function(t) return t or {} end, object = function(t) return t or {} end }
    function ctx.place() return node end
    function ctx.after(seconds, fn) ctx.timers[#ctx.timers + 1] = { seconds, fn } end
    function ctx.update(p) if ctx.on_update then ctx.on_update(p) end end
    function ctx.event(_, _, reason) ctx.events[#ctx.events + 1] = reason end
    function ctx.pod_ip() return "127.9.1.1" end
    function ctx.start_runtime(_, name, ready) ctx.runtime = name; ready() end
    function ctx.serve_nothing() ctx.nothing = true end
    function ctx.scaled(_, seconds) return seconds end
    function ctx.lag() return 1 end
    function ctx.live(p, i, on) p.sim.live[i] = on or nil end
    -- Runs the timers in order (at most limit of them: failure modes loop for ever).
    function ctx.run_all(limit)
      limit = limit or 50
      while #ctx.timers > 0 and limit > 0 do
        local t = table.remove(ctx.timers, 1)
        ctx.delays[#ctx.delays + 1] = t[1]
        t[2]()
        limit = limit - 1
      end
    end
    ctx.delays = {}
    return ctx
  end

  local function pod(image, annotations)
    return { metadata = { name = "p", namespace = "default", uid = "u", annotations = annotations },
      spec = { containers = { { name = "c", image = image } } }, sim = { live = {} } }
  end

  local function drive(p, limit, on_update)
    local ctx = context()
    ctx.on_update = on_update
    local b = assert(lifecycle.behaviour(p))
    lifecycle.pending(p, ctx)
    lifecycle.run(p, ctx, b)
    ctx.run_all(limit)
    return ctx
  end

  -- The container states a pod goes through: "reason restartCount lastState-reason".
  local function states(image, limit)
    local seen = {}
    local p = pod(image)
    local ctx = drive(p, limit, function(q)
      local cs = q.status.containerStatuses[1]
      local state = cs.state.waiting and cs.state.waiting.reason or next(cs.state)
      local last = cs.lastState.terminated
      local row = state .. " " .. cs.restartCount .. " " .. (last and last.reason or "-")
      if seen[#seen] ~= row then
        seen[#seen + 1] = row
      end
    end)
    return seen, p, ctx
  end

  local function condition(p, t)
    for _, c in ipairs(p.status.conditions) do
      if c.type == t then return c end
    end
  end

  it("brings a pod to Running and Ready with its events", function()
    local p = pod("nginx")
    local ctx = drive(p)
    assert.equal("Running", p.status.phase)
    assert.equal("127.9.1.1", p.status.podIP)
    assert.equal("127.9.0.1", p.status.hostIP)
    assert.equal("True", condition(p, "Ready").status)
    assert.matches("^containerd://%x+$", p.status.containerStatuses[1].containerID)
    assert.same({ "Scheduled", "Pulling", "Pulled", "Created", "Started" }, ctx.events)
    assert.is_false(lifecycle.idle(p))
  end)

  it("starts the action runtime for the action image and is Ready after it", function()
    local p = pod("kwhisk/action-lua:latest")
    local ctx = drive(p)
    assert.equal("lua", ctx.runtime)
    assert.equal("True", condition(p, "Ready").status)
  end)

  it("chooses the runtime by image name as OpenWhisk names its images", function()
    local cases = {
      ["openwhisk/action-nodejs-v20"] = "nodejs", ["docker.io/openwhisk/action-nodejs-v18:1.2"] =
        "nodejs", ["openwhisk/action-python-v3.11:nightly"] = "python",
      ["openwhisk/python3action"] = "python", ["kwhisk/action-lua@sha256:ab"] = "lua",
    }
    for image, name in pairs(cases) do
      local ctx = drive(pod(image))
      assert.equal(name, ctx.runtime, image)
      assert.is_nil(ctx.nothing)
    end
    for _, image in ipairs({ "nginx", "openwhisk/action-java-v8", "openwhisk/action-python-v2",
      "example.com/openwhisk/action-nodejs-v20x" }) do
      local ctx = drive(pod(image))
      assert.is_nil(ctx.runtime, image)
      assert.is_true(ctx.nothing, image)
    end
  end)

  it("fails a runtime image whose program is missing as an image pull, saying what to install",
    function()
      local path = os.getenv("PATH")
      local stdlib = require "posix.stdlib"
      -- kwhisk.sim.runtimes looks programs up once per process: a fresh copy sees this PATH.
      package.loaded["kwhisk.sim.runtimes"], package.loaded["kwhisk.sim.lifecycle"] = nil, nil
      stdlib.setenv("PATH", "/nonexistent")
      finally(function()
        stdlib.setenv("PATH", path)
        package.loaded["kwhisk.sim.runtimes"], package.loaded["kwhisk.sim.lifecycle"] = nil, nil
      end)
      local fresh = require "kwhisk.sim.lifecycle"
      local p = pod("openwhisk/action-nodejs-v20")
      local ctx = context()
      local b = assert(fresh.behaviour(p))
      fresh.pending(p, ctx)
      fresh.run(p, ctx, b)
      ctx.run_all(2)
      local waiting = p.status.containerStatuses[1].state.waiting
      assert.equal("ErrImagePull", waiting.reason)
      assert.matches("with node, which is not on PATH: install it %(Debian: apt%-get install "
        .. "nodejs%)", waiting.message)
      assert.is_nil(ctx.runtime)
      b = assert(fresh.behaviour(pod("openwhisk/action-python-v3.11")))
      assert.matches("apt%-get install python3", b.pull_error)
    end)

  it("fails image pulls into ImagePullBackOff", function()
    local p = pod("x/doesnotexist")
    drive(p)
    assert.equal("ImagePullBackOff", p.status.containerStatuses[1].state.waiting.reason)
    assert.equal("Pending", p.status.phase)
  end)

  it("follows the failure annotation", function()
    local p = pod("nginx", { ["sim.kwhisk.io/failure"] = "unschedulable" })
    drive(p)
    assert.equal("Unschedulable", condition(p, "PodScheduled").reason)
    assert.is_true(lifecycle.idle(p))
    p = pod("nginx", { ["sim.kwhisk.io/failure"] = "command-not-found" })
    drive(p)
    assert.matches("executable file not found",
      p.status.containerStatuses[1].lastState.terminated.message)
    p = pod("nginx", { ["sim.kwhisk.io/failure"] = "never-ready" })
    drive(p)
    assert.equal("False", condition(p, "Ready").status)
    local none, err = lifecycle.behaviour(pod("nginx", { ["sim.kwhisk.io/failure"] = "x" }))
    assert.is_nil(none)
    assert.equal("unknown sim.kwhisk.io/failure: x", err)
  end)

  it("alternates RunContainerError and CrashLoopBackOff for a missing command, the back-off "
    .. "doubling to 5 minutes", function()
    local seen, p, ctx = states("x/nocommand", 60)
    assert.same({ "ContainerCreating 0 -", "RunContainerError 0 -",
      "CrashLoopBackOff 1 StartError", "RunContainerError 1 StartError",
      "CrashLoopBackOff 2 StartError" }, { unpack(seen, 1, 5) })
    local cs = p.status.containerStatuses[1]
    assert.equal(128, cs.lastState.terminated.exitCode)
    assert.matches("executable file not found in %$PATH", cs.lastState.terminated.message)
    assert.equal("Running", p.status.phase)
    local backoffs = {}
    for _, d in ipairs(ctx.delays) do
      if d >= 10 then backoffs[#backoffs + 1] = d end
    end
    assert.same({ 10, 20, 40, 80, 160, 300, 300 }, { unpack(backoffs, 1, 7) })
  end)

  it("restarts a crashing container after the back-off, keeping lastState Error", function()
    local seen, p = states("crashloop", 40)
    assert.same({ "ContainerCreating 0 -", "running 0 -", "CrashLoopBackOff 1 Error",
      "running 1 Error", "CrashLoopBackOff 2 Error" }, { unpack(seen, 1, 5) })
    assert.equal(1, p.status.containerStatuses[1].lastState.terminated.exitCode)
    assert.matches("^back%-off %d+m?%d*s restarting failed container=c pod=p_default%(u%)$",
      p.status.containerStatuses[1].state.waiting.message)
  end)

  it("refuses bad sigterm and time-scale annotations", function()
    assert.equal("sim.kwhisk.io/sigterm must be \"exit\" or \"ignore\", got stop",
      select(2, lifecycle.behaviour(pod("nginx", { ["sim.kwhisk.io/sigterm"] = "stop" }))))
    assert.equal("sim.kwhisk.io/time-scale must be a number > 0, got 0",
      select(2, lifecycle.behaviour(pod("nginx", { ["sim.kwhisk.io/time-scale"] = "0" }))))
  end)
end)
