-- Every example runs against a fresh simulated cluster, so none can rot.
local shell = require "helpers.shell"
local simh = require "helpers.sim"

local function run_example(sim, file, args)
  return shell.run("KUBECONFIG=" .. shell.quote(sim.kubeconfig) ..
    " LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/?.so;;' luajit " .. file ..
    " " .. (args or ""))
end

describe("examples", function()
  local sim
  setup(function() sim = simh.start() end)
  teardown(function() sim:stop() end)

  it("quickstart.lua runs an action and prints its log and result", function()
    local status, out = run_example(sim, "examples/quickstart.lua")
    assert.are.equal(0, status, out)
    assert.matches("Z stdout: hi kwhisk\n", out)
    assert.matches('{"ok":true}\t127%.', out)
  end)

  it("follow_logs.lua follows three activations", function()
    local status, out = run_example(sim, "examples/follow_logs.lua")
    assert.are.equal(0, status, out)
    assert.matches("followed: %S+ stdout: 3%.3\n", out)
    assert.matches("15 records followed", out)
  end)

  it("custom_policy.lua runs a pod from each example policy", function()
    local status, out = run_example(sim, "examples/custom_policy.lua")
    assert.are.equal(0, status, out)
    for _, name in ipairs({ "spot", "sidecar", "gpu", "tenant" }) do
      assert.matches(name .. "%s+%d containers", out)
    end
    assert.matches("spot%s+1 containers, tolerations 1: ready at 127%.", out)
  end)

  it("cleanup.lua removes an invoker's leftover pods", function()
    local status, out = run_example(sim, "examples/cleanup.lua", "3 rel")
    assert.are.equal(0, status, out)
    assert.matches("2 pods of invoker3 before cleanup\n0 pods after cleanup\n"
      .. "0 pods left once gone\n", out)
  end)
end)
