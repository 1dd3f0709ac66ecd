-- The action runtime process of kwhisk/action-lua pods (kwhisk.sim.runtime): it serves on
-- podIP:8080 and never outlives the sim that started it.
local shell = require "helpers.shell"
local fs = require "kwhisk.fs"
local simh = require "helpers.sim"

local http = simh.http

-- The bytes of a file, or "" when it is gone (/proc entries vanish with their process).
local function read(path)
  return fs.read_file(path) or ""
end

-- The pids of the action runtimes among the children of pid.
local function runtimes_of(pid)
  local out = {}
  for child in read("/proc/" .. pid .. "/task/" .. pid .. "/children"):gmatch("%d+") do
    if read("/proc/" .. child .. "/cmdline"):find("kwhisk.sim.runtime", 1, true) then
      out[#out + 1] = tonumber(child)
    end
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
    local runtimes = runtimes_of(sim.pid)
    assert.equal(2, #runtimes)
    local info = assert(sim:info())
    local id = p.status.containerStatuses[1].containerID:gsub("^containerd://", "")
    assert.equal(204, (http("GET", "http://" .. info.hostIP .. ":" .. info.agentPort
      .. "/suspend/" .. id)))
    -- The handle's directory holds the logs, so stop() leaves nothing behind a killed sim.
    local status, files = shell.run("ls " .. shell.quote(sim.dir .. "/logs"))
    assert.equal(0, status, files)
    assert.matches("default_rt1_%S+_user%-action%.log", files)
    assert.equal(0, (shell.run("kill -KILL " .. sim.pid)))
    simh.wait_for(function()
      return not alive(runtimes[1]) and not alive(runtimes[2])
    end, 5)
  end)

  it("goes, with its runtimes, when the process that started it is killed", function()
    local pipe = assert(io.popen("exec luajit -e " .. shell.quote(string.format("package.path = %q "
      .. "package.cpath = %q local s = assert(require('kwhisk.sim').start{}) "
      .. "print(require('posix.unistd').getpid(), s.pid, s.dir) io.stdout:flush() "
      .. "require('posix.unistd').sleep(30)", package.path, package.cpath))))
    local starter, sim_pid, dir = pipe:read("*l"):match("^(%d+)%s+(%d+)%s+(%S+)$")
    assert.truthy(starter)
    assert.is_true(alive(sim_pid))
    assert.equal(0, (shell.run("kill -KILL " .. starter)))
    pipe:close()
    simh.wait_for(function() return not alive(sim_pid) end, 5)
    os.execute("rm -rf " .. shell.quote(dir))
  end)
end)
