--- kwhisk.errors: error values. Every runtime failure in kwhisk is a table with a stable
-- `kind` (SPEC C3), a `message`, and where there was one the HTTP `code` and the Kubernetes
-- `status` table; tostring(err) is its message. Messages never carry a credential.
local type, pairs, setmetatable, getmetatable, error, tostring, format =
  type, pairs, setmetatable, getmetatable, error, tostring, string.format

local errors = {}

--- The kinds kwhisk reports; errors.new refuses any other (a typo would break callers).
errors.kinds = {
  -- HTTP and Kubernetes Status (SPEC B, C3)
  bad_request = true, unauthorized = true, forbidden = true, not_found = true,
  conflict = true, gone = true, invalid = true, too_many_requests = true,
  server = true, http = true,
  -- transport
  timeout = true, transport = true, tls = true, too_large = true,
  -- configuration and credentials
  config = true,
  -- the client's operations (SPEC A6, A7, C3)
  pod_api = true, image_pull = true, command_not_found = true, ready_timeout = true,
  unschedulable = true, crash_loop = true, run_container = true, container_config = true,
  agent = true,
  -- a pod that went away while run waited: deleted (Terminating or gone), evicted (node
  -- pressure), node_lost (its node stopped reporting)
  deleted = true, evicted = true, node_lost = true,
  -- a port-forward's connection that the server ended with a message on the error channel
  port_forward = true,
  -- a pod policy that failed or built an invalid pod
  policy = true,
  -- the warm pool (kwhisk.pool): no memory before the deadline, an action's own error, an
  -- init that failed, a container that failed under an activation (removed, never reused)
  pool_full = true, action = true, init = true, container = true,
  -- the server kept refusing the log of a running container (the kubelet cannot read it)
  log_unavailable = true,
  -- writing local output (a log written to a file descriptor) failed
  io = true,
}

local Error = {}
Error.__index = Error
Error.__tostring = function(e) return e.message end

-- Defence in depth: whatever a message quotes, a bearer token or an Authorization value
-- never survives into it.
local function scrub(message)
  return (message:gsub("(Bearer)%s+[^%s\"',;]+", "%1 ***")
                 :gsub("([Aa]uthorization%s*:%s*)[^\r\n\"]+", "%1***"))
end
errors.scrub = scrub

--- A new error value. extra (optional) adds fields such as `code`, `status`, `retry_after`.
function errors.new(kind, message, extra)
  if type(kind) ~= "string" or not errors.kinds[kind] then
    error("bad argument #1 to 'errors.new' (unknown error kind " .. tostring(kind) .. ")", 2)
  end
  if type(message) ~= "string" then
    error("bad argument #2 to 'errors.new' (string expected, got " .. type(message) .. ")", 2)
  end
  local e = {}
  if extra ~= nil then
    if type(extra) ~= "table" then
      error("bad argument #3 to 'errors.new' (table expected, got " .. type(extra) .. ")", 2)
    end
    for k, v in pairs(extra) do
      e[k] = v
    end
  end
  e.kind = kind
  e.message = scrub(message)
  return setmetatable(e, Error)
end

--- Raises a programming error in the one wording kwhisk uses for a wrong argument, Lua's
-- own (luaL_argerror's): "bad argument #n to 'fname' (detail)". level 1 (the default)
-- blames the caller of the function that calls this, as error(message, 2) would.
function errors.bad_argument(n, fname, detail, level)
  error(format("bad argument #%d to '%s' (%s)", n, fname, detail), (level or 1) + 2)
end

--- Whether v is a kwhisk error value (of the given kind, if one is given).
function errors.is(v, kind)
  return type(v) == "table" and getmetatable(v) == Error and (kind == nil or v.kind == kind)
end

-- Kubernetes Status reasons, which say more than the HTTP code.
local by_reason = {
  BadRequest = "bad_request", Unauthorized = "unauthorized", Forbidden = "forbidden",
  NotFound = "not_found", AlreadyExists = "conflict", Conflict = "conflict",
  Gone = "gone", Expired = "gone", Invalid = "invalid", TooManyRequests = "too_many_requests",
  Timeout = "timeout", ServerTimeout = "timeout", InternalError = "server",
  ServiceUnavailable = "server",
}

local by_code = {
  [400] = "bad_request", [401] = "unauthorized", [403] = "forbidden", [404] = "not_found",
  [409] = "conflict", [410] = "gone", [422] = "invalid", [429] = "too_many_requests",
  [504] = "timeout",
}

--- The kind of an HTTP error: from the Status reason when known, else from the code.
function errors.kind_for(code, reason)
  return by_reason[reason] or by_code[code] or (code >= 500 and "server") or "http"
end

return errors
