--- bench/tools/lifecycle.lua: kwhisk's side of the pod lifecycle benchmark (issue 9 part 3).
-- One Lua state runs N pods through client:run (create, watch until Ready) and client:rm,
-- K of them in flight at a time: K kwhisk.loop tasks share one curl_multi. Prints the
-- number of pods seen Ready and deleted. The pods are pause-like (any image but
-- kwhisk/action-lua) with the sim's delays set to 0, so the client's work is what is timed.
-- Usage: luajit bench/tools/lifecycle.lua N K KUBECONFIG
local kwhisk = require "kwhisk"

local N, K, KUBECONFIG = tonumber(arg[1]), tonumber(arg[2]), arg[3]
if not (N and K and K >= 1 and KUBECONFIG) then
  io.stderr:write("usage: luajit bench/tools/lifecycle.lua N K KUBECONFIG\n")
  os.exit(2)
end

-- The same annotations the peers' pods carry (bench/js/lifecycle.mjs, bench/py/lifecycle.py).
local TEMPLATE = [[
apiVersion: v1
kind: Pod
metadata:
  annotations:
    sim.kwhisk.io/schedule-delay: "0"
    sim.kwhisk.io/start-delay: "0"
    sim.kwhisk.io/stop-delay: "0"
]]

local client = assert(kwhisk.client({ kubeconfig = KUBECONFIG, ["pod-template"] = TEMPLATE,
  ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))

local next_i, done = 0, 0

local function worker()
  while next_i < N do
    next_i = next_i + 1
    local name = "lifecycle-" .. next_i
    local c, err = client:run(name, "pause")
    if not c then
      error(name .. ": run: " .. tostring(err))
    end
    local ok, rerr = client:rm(c)
    if not ok then
      error(name .. ": rm: " .. tostring(rerr))
    end
    done = done + 1
  end
end

local tasks = {}
for i = 1, math.min(K, math.max(N, 1)) do
  tasks[i] = kwhisk.loop.spawn(worker)
end
for i = 1, #tasks do
  tasks[i]:wait()
end
print(done)
