--- kwhisk.testing: a simulated cluster for a user's busted specs (docs/testing.md). Inside a
-- describe block, `local cluster = require("kwhisk.testing").sim()` starts a sim before the
-- block's first test and stops it after its last, even when a test fails. The cluster hands
-- out clients connected to it (`client(cfg)`), arms faults (`fault(spec)`), reads pods back
-- (`pod(name)`) and waits for conditions (`wait_for(fn, seconds)`).
local testing = {}

local Cluster = {}
Cluster.__index = Cluster

--- The time scale a testing sim runs at unless opts.time_scale says otherwise.
testing.TIME_SCALE = 0.01

--- A cluster for the enclosing describe block. opts: args (extra `kwhisk sim` flags, e.g.
-- {"--tls", "--token", "t"}), timeout (seconds for the sim to start, default 20),
-- time_scale (default 0.01: the sim's real-world durations, a 30 s grace period, 10 s
-- back-offs, 1 s status lag, a hundred times shorter, so a spec never waits out a deleted
-- pod; 1 runs them at full length).
function testing.sim(opts)
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #1 to 'sim' (table expected, got " .. type(opts) .. ")", 2)
  end
  local cluster = setmetatable({ opts = opts or {} }, Cluster)
  local busted = require "busted"
  busted.lazy_setup(function() cluster:start() end)
  busted.lazy_teardown(function() cluster:stop() end)
  return cluster
end

--- Starts the sim (testing.sim does it for the block); raises with the reason if it fails.
function Cluster:start()
  local args = { "--time-scale", tostring(self.opts.time_scale or testing.TIME_SCALE) }
  for _, a in ipairs(self.opts.args or {}) do
    args[#args + 1] = a
  end
  local handle, err = require("kwhisk.sim").start({ args = args, timeout = self.opts.timeout })
  if not handle then
    error(err, 0)
  end
  self.handle, self.url, self.kubeconfig = handle, handle.url, handle.kubeconfig
end

--- Stops the sim and removes its files.
function Cluster:stop()
  if self.handle then
    self.handle:stop()
    self.handle, self.default_client = nil, nil
  end
end

local function check_started(self, what)
  if not self.handle then
    error("kwhisk.testing: " .. what .. " before the sim started (call it inside it())", 3)
  end
end

--- A kwhisk client connected to the sim. cfg: more configuration (docs/configuration.md),
-- e.g. { ["pod-policy"] = "spec/my_policy.lua" }; its kubeconfig is the sim's.
function Cluster:client(cfg)
  check_started(self, "client()")
  local full = {}
  for k, v in pairs(cfg or {}) do full[k] = v end
  full.kubeconfig = self.kubeconfig
  local client, err = require("kwhisk.client").new(full)
  if not client then
    error(tostring(err), 2)
  end
  return client
end

--- Arms a fault (docs/sim.md: kind, count, method, path, ...); returns its record.
function Cluster:fault(spec)
  check_started(self, "fault()")
  local record, err = self.handle:fault(spec)
  if not record then
    error("kwhisk.testing: fault refused: " .. tostring(err), 2)
  end
  return record
end

--- The pod NAME as the API server has it (a table), or nil and an error value (kind
-- not_found when there is none). client: the client whose namespace to look in (default:
-- one of the sim's default namespace).
function Cluster:pod(name, client)
  check_started(self, "pod()")
  if not client then
    self.default_client = self.default_client or self:client()
    client = self.default_client
  end
  return client.conn:get(client:pods_path(name))
end

--- Calls fn every 50 ms (running kwhisk's loop meanwhile) until it returns a true value,
-- which it returns; raises after seconds (default 10).
function Cluster.wait_for(_, fn, seconds)
  local loop = require "kwhisk.loop"
  local deadline = loop.now() + (seconds or 10)
  repeat
    local v = fn()
    if v then
      return v
    end
    loop.sleep(0.05)
  until loop.now() > deadline
  error("kwhisk.testing: condition not met in " .. (seconds or 10) .. " s", 2)
end

return testing
