--- Spec helper: a simulated cluster (`bin/kwhisk sim`) in a child process on a free port.
-- `sim.start(args)` returns a handle with url, kubeconfig (path), log (path), fault(spec),
-- faults(), info() and stop(); see kwhisk.sim.start. Also a plain HTTP client (`http`), a
-- poller (`wait_for`) and a pod body (`pod`) for specs that talk to it.
local json = require "kwhisk.json"

local sim = {}

--- The time scale specs run the sim at, the one users' specs get from kwhisk.testing:
-- real-world durations (30 s grace periods, 10 s back-offs, 1 s status lag) a hundred times
-- shorter. A spec's own --time-scale wins.
sim.TIME_SCALE = tostring(require("kwhisk.testing").TIME_SCALE)

--- Starts a sim with extra command line flags (a list) and a token (optional, given through
-- the environment); raises when it does not come up.
function sim.start(args, token)
  local argv = { "--time-scale", sim.TIME_SCALE }
  for _, a in ipairs(args or {}) do
    argv[#argv + 1] = a
  end
  return assert(require("kwhisk.sim").start({ args = argv, token = token }))
end

--- A quiet kwhisk client of a started sim (node affinity off: the sim's node has no role
-- label); settings are laid over that.
function sim.client(handle, settings)
  local cfg = { kubeconfig = handle.kubeconfig, ["user-pod-node-affinity"] = { enabled = false } }
  for k, v in pairs(settings or {}) do
    cfg[k] = v
  end
  return assert(require("kwhisk").client(cfg, { log = function() end }))
end

--- Inside a describe block: a sim (started with args) and its client (sim.client with
-- settings) for the block's tests, stopped after them. Returns a table whose `sim` and
-- `client` are set once the block's setup has run.
function sim.fixture(args, settings)
  local env = {}
  local busted = require "busted"
  busted.setup(function()
    env.sim = sim.start(args or {})
    env.client = sim.client(env.sim, settings)
  end)
  busted.teardown(function()
    if env.sim then env.sim:stop() end
  end)
  return env
end

--- Fails the spec when kubectl is missing (scripts/ensure-deps installs it for `make test`):
-- a spec that checks against the real client never turns pending.
function sim.require_kubectl()
  assert(os.execute("command -v kubectl >/dev/null 2>&1") == 0,
    "kubectl is missing: scripts/ensure-deps test installs it")
end

--- One HTTP request (http or https, certificates not checked: the sim's own CA). body: a
-- string, or a table sent as JSON. Returns the status (a number), the body and the headers.
function sim.http(method, url, body, headers)
  local req = require("http.request").new_from_uri(url)
  req.headers:upsert(":method", method)
  for k, v in pairs(headers or {}) do
    req.headers:upsert(k, v)
  end
  if body then
    req:set_body(type(body) == "string" and body or json.encode(body))
    req.headers:upsert("content-type", (headers or {})["content-type"] or "application/json")
  end
  if url:match("^https") then
    req.ctx = require("http.tls").new_client_context()
    req.ctx:setVerify(require("openssl.ssl.context").VERIFY_NONE)
  end
  local h, stream = req:go(10)
  assert(h, tostring(stream))
  local text = stream:get_body_as_string(10) or ""
  return tonumber(h:get(":status")), text, h
end

--- Calls fn every 50 ms until it returns a true value, which it returns; raises after
-- `seconds` (default 10).
function sim.wait_for(fn, seconds)
  local deadline = os.time() + (seconds or 10)
  repeat
    local v = fn()
    if v then
      return v
    end
    os.execute("sleep 0.05")
  until os.time() > deadline
  error("condition not met in time")
end

--- A pod body: name, image (default nginx), extra metadata fields (e.g. annotations).
function sim.pod(name, image, extra)
  local pod = { apiVersion = "v1", kind = "Pod", metadata = { name = name, labels = { app = "t" } },
    spec = { containers = { { name = "user-action", image = image or "nginx" } } } }
  for k, v in pairs(extra or {}) do
    pod.metadata[k] = v
  end
  return pod
end

--- Waits until the pod at url (…/pods/<name>) is Ready; returns it decoded.
function sim.ready(url, seconds)
  return sim.wait_for(function()
    local code, text = sim.http("GET", url)
    local p = code == 200 and json.decode(text)
    for _, c in ipairs(p and p.status.conditions or {}) do
      if c.type == "Ready" and c.status == "True" then
        return p
      end
    end
  end, seconds)
end

return sim
