--- kwhisk: run serverless actions as Kubernetes pods, from Lua.
-- This facade loads each part on first use (`kwhisk.time`, `kwhisk.logs`, ...), so a
-- program pays only for what it touches. The parts are also plain modules
-- (`require "kwhisk.time"`).
-- The C core is reached through LuaJIT's FFI: under another Lua, say so in one line.
if not jit then
  error("kwhisk needs LuaJIT (the FFI)", 0)
end
local core = require "kwhisk.core"

local kwhisk = { version = core.version }

-- Parts reachable as kwhisk.<name>, and the module each one is. The Lua tree has sections
-- (logs/, k8s/, policy/, cli/, sim/); the facade keeps the flat names of the API contract.
local parts = {
  time = "kwhisk.time", json = "kwhisk.json", yaml = "kwhisk.yaml", names = "kwhisk.names",
  quantity = "kwhisk.quantity", errors = "kwhisk.errors", fs = "kwhisk.fs",
  loop = "kwhisk.loop", http = "kwhisk.http", config = "kwhisk.config",
  policy = "kwhisk.policy", container = "kwhisk.container", sim = "kwhisk.sim",
  signals = "kwhisk.signals", testing = "kwhisk.testing",
  logs = "kwhisk.logs", logline = "kwhisk.logs.record", logstream = "kwhisk.logs.stream",
  collect = "kwhisk.logs.collect",
  api = "kwhisk.k8s.api", kubeconfig = "kwhisk.k8s.kubeconfig", podstate = "kwhisk.k8s.podstate",
  portforward = "kwhisk.k8s.portforward", action = "kwhisk.action",
  pool = "kwhisk.pool",
}

--- A client of the cluster the configuration names (kwhisk.client.new).
function kwhisk.client(cfg, options)
  return require("kwhisk.client").new(cfg, options)
end

--- Runs fn(...) as a task (kwhisk.loop); task:wait() returns fn's results.
function kwhisk.spawn(fn, ...)
  return require("kwhisk.loop").spawn(fn, ...)
end

--- Sleeps: yields inside a task, blocks (running other tasks) outside one.
function kwhisk.sleep(seconds)
  return require("kwhisk.loop").sleep(seconds)
end

return setmetatable(kwhisk, {
  __index = function(t, name)
    local module = parts[name]
    if not module then
      return nil
    end
    local part = require(module)
    rawset(t, name, part)
    return part
  end,
})
