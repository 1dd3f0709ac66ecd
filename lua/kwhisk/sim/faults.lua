--- kwhisk.sim.faults: faults on demand. A fault matches the next `count` requests with a
-- method and a path prefix and says what goes wrong with them (an error status, a reset, a
-- stall, an idle cut of log streams, a 410 on watches, 401s until the token rotates). Every
-- time a fault fires it is counted, so a test can assert that it happened.
local faults = {}
faults.__index = faults

-- The kinds of fault and the fields each one needs beside method/path/count.
local KINDS = {
  status = true,        -- code (429, 500, 503, ...), plain (429 as plain text), retry_after
  reset = true,         -- after_bytes: the connection is closed after that many body bytes
  stall = true,         -- seconds: the answer is held back that long
  idle_cut = true,      -- seconds: a log stream with no output for that long is cut
  watch_gone = true,    -- mode: "event" (an ERROR event with code 410) or "http" (a 410)
  rotate_token = true,  -- token: the old token gets 401 until a client sends this one
  kubelet_log = true,   -- error: pods/log fails as the kubelet fails it (KUBELET_LOG_ERRORS)
}

--- The kubelet's log failures a kubelet_log fault arms, each answered as the API server
-- relays it (pkg/kubelet/kubelet_pods.go validateContainerLogStatus,
-- pkg/kubelet/kuberuntime/kuberuntime_container.go GetContainerLogs,
-- pkg/kubelet/server/server.go getContainerLogs).
faults.KUBELET_LOG_ERRORS = { unretrievable = true, ["pull-backoff"] = true,
  creating = true, terminated = true, ["pod-missing"] = true }

--- A new, empty fault set.
function faults.new()
  return setmetatable({ list = {}, next_id = 1 }, faults)
end

local function number_field(spec, name, default)
  local v = spec[name]
  if v == nil then
    return default
  end
  if type(v) ~= "number" or v < 0 then
    return nil, name .. " must be a number >= 0"
  end
  return v
end

local function check(spec)
  if type(spec) ~= "table" then
    return "a fault must be an object"
  end
  if not KINDS[spec.kind] then
    return "unknown fault kind: " .. tostring(spec.kind)
  end
  for _, name in ipairs({ "method", "path", "token", "mode", "error" }) do
    if spec[name] ~= nil and type(spec[name]) ~= "string" then
      return name .. " must be a string"
    end
  end
  if spec.kind == "status" and (type(spec.code) ~= "number" or spec.code < 400
      or spec.code > 599) then
    return "code must be an HTTP error status (400-599)"
  end
  if spec.kind == "watch_gone" and spec.mode ~= "event" and spec.mode ~= "http" then
    return "mode must be \"event\" or \"http\""
  end
  if spec.kind == "rotate_token" and (spec.token or "") == "" then
    return "token must be the new token"
  end
  if spec.kind == "kubelet_log" and not faults.KUBELET_LOG_ERRORS[spec.error] then
    return "error must be one of unretrievable, pull-backoff, creating, terminated, "
      .. "pod-missing"
  end
end

--- Adds a fault; returns it (with `id`, `remaining`, `hits`) or nil and what is wrong.
function faults:add(spec)
  local problem = check(spec)
  if problem then
    return nil, problem
  end
  local f = { kind = spec.kind, method = spec.method and spec.method:upper(),
    path = spec.path or "/", code = spec.code, plain = spec.plain == true, mode = spec.mode,
    token = spec.token, error = spec.error, hits = 0 }
  for _, name in ipairs({ "count", "retry_after", "after_bytes", "seconds" }) do
    local v, err = number_field(spec, name, name == "count" and 1 or nil)
    if err then
      return nil, err
    end
    f[name] = v
  end
  f.remaining = f.count
  f.id = self.next_id
  self.next_id = self.next_id + 1
  self.list[#self.list + 1] = f
  return f
end

--- The first armed fault of one of the kinds in `kinds` (a set) matching method and path;
-- it is counted and used up. Returns nil when none matches.
function faults:take(kinds, method, path)
  for _, f in ipairs(self.list) do
    if kinds[f.kind] and f.remaining > 0 and (not f.method or f.method == method)
        and path:sub(1, #f.path) == f.path then
      f.remaining = f.remaining - 1
      f.hits = f.hits + 1
      return f
    end
  end
end

--- Every fault added so far, used up or not, in order.
function faults:all()
  return self.list
end

--- Forgets every fault.
function faults:clear()
  self.list = {}
end

return faults
