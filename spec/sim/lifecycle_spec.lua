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
    function ctx.after(_, fn) ctx.timers[#ctx.timers + 1] = fn end
    function ctx.update() end
    function ctx.event(_, _, reason) ctx.events[#ctx.events + 1] = reason end
    function ctx.pod_ip() return "127.9.1.1" end
    function ctx.start_runtime(_, name, ready) ctx.runtime = name; ready() end
    function ctx.serve_nothing() ctx.nothing = true end
    function ctx.run_all()
      while #ctx.timers > 0 do
        table.remove(ctx.timers, 1)()
      end
    end
    return ctx
  end

  local function pod(image, annotations)
    return { metadata = { name = "p", namespace = "default", uid = "u", annotations = annotations },
      spec = { containers = { { name = "c", image = image } } } }
  end

  local function drive(p)
    local ctx = context()
    local b = assert(lifecycle.behaviour(p))
    lifecycle.pending(p, ctx)
    lifecycle.run(p, ctx, b)
    ctx.run_all()
    return ctx
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
      table.remove(ctx.timers, 1)()
      table.remove(ctx.timers, 1)()
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
      p.status.containerStatuses[1].state.waiting.message)
    p = pod("nginx", { ["sim.kwhisk.io/failure"] = "never-ready" })
    drive(p)
    assert.equal("False", condition(p, "Ready").status)
    p = pod("crashloop")
    drive(p)
    assert.equal("CrashLoopBackOff", p.status.containerStatuses[1].state.waiting.reason)
    local none, err = lifecycle.behaviour(pod("nginx", { ["sim.kwhisk.io/failure"] = "x" }))
    assert.is_nil(none)
    assert.equal("unknown sim.kwhisk.io/failure: x", err)
  end)
end)
