-- The action runtime process of kwhisk/action-lua pods (kwhisk.sim.runtime): it serves on
-- podIP:8080 and never outlives the sim that started it.
local shell = require "helpers.shell"
local simh = require "helpers.sim"

local http = simh.http

local function children(pid)
  local f = io.open("/proc/" .. pid .. "/task/" .. pid .. "/children")
  local out = {}
  for child in (f and f:read("*a") or ""):gmatch("%d+") do
    out[#out + 1] = tonumber(child)
  end
  if f then
    f:close()
  end
  return out
end

local function alive(pid)
  return shell.run("kill -0 " .. pid .. " 2>/dev/null") == 0
end

describe("kwhisk.sim.runtime", function()
  it("dies with its sim, even a suspended one when the sim is killed", function()
    local sim = simh.start()
    finally(function() sim:stop() end)
    local pods = sim.url .. "/api/v1/namespaces/default/pods"
    for _, name in ipairs({ "rt1", "rt2" }) do
      assert.equal(201, (http("POST", pods, simh.pod(name, "kwhisk/action-lua"))))
    end
    local p = simh.ready(pods .. "/rt1")
    simh.ready(pods .. "/rt2")
    local runtimes = children(sim.pid)
    assert.equal(2, #runtimes)
    local info = assert(sim:info())
    local id = p.status.containerStatuses[1].containerID:gsub("^containerd://", "")
    assert.equal(204, (http("GET", "http://" .. info.hostIP .. ":" .. info.agentPort
      .. "/suspend/" .. id)))
    assert.equal(0, (shell.run("kill -KILL " .. sim.pid)))
    simh.wait_for(function()
      return not alive(runtimes[1]) and not alive(runtimes[2])
    end, 5)
  end)
end)
