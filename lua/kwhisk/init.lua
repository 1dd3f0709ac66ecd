--- kwhisk: run serverless actions as Kubernetes pods, from Lua.
-- This facade loads each part on first use (`kwhisk.time`, `kwhisk.logs`, ...), so a
-- program pays only for what it touches. The parts are also plain modules
-- (`require "kwhisk.time"`).
local core = require "kwhisk.core"

local kwhisk = { version = core.version }

-- Parts reachable as kwhisk.<name>, each the module kwhisk.<name>.
local parts = {
  time = true, logline = true, logs = true, json = true, yaml = true, names = true, sim = true,
  config = true, policy = true, quantity = true,
  errors = true, http = true, loop = true, api = true, kubeconfig = true, fs = true,
  container = true, logstream = true, podstate = true, collect = true, portforward = true,
  pool = true,
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
    if not parts[name] then
      return nil
    end
    local part = require("kwhisk." .. name)
    rawset(t, name, part)
    return part
  end,
})
