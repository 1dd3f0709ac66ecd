--- kwhisk.k8s.podstate: what a pod's status says about starting it (SPEC A6, B, C4), and waiting
-- for it to become Ready by watching it, with polling as the fallback when a watch fails.
--
--   podstate.check(pod)  -> "ready" | nil (still starting) | kind, message (it failed)
--   podstate.wait_ready(pods, name, deadline) -> pod | nil, err   (pods: kwhisk.k8s.pods)
local loop = require "kwhisk.loop"
local json = require "kwhisk.json"
local errors = require "kwhisk.errors"
local api = require "kwhisk.k8s.api"

local type, ipairs, find, ceil, min, max, concat =
  type, ipairs, string.find, math.ceil, math.min, math.max, table.concat

local podstate = {}

-- Seconds a watch may stay silent before the pod is fetched directly.
local QUIET = 5
-- The longest watch event line, as client-go bounds one (16 MiB): a longer one fails the
-- watch instead of growing the client without limit.
podstate.MAX_WATCH_LINE = 16 * 1024 * 1024

-- Waiting reasons that never resolve by themselves, by error kind (SPEC B, C4).
local IMAGE_REASONS = { ErrImagePull = true, ImagePullBackOff = true, InvalidImageName = true,
                        ErrImageNeverPull = true }
local STUCK_REASONS = { CrashLoopBackOff = "crash_loop",
  RunContainerError = "run_container", CreateContainerConfigError = "container_config" }

-- A server may send anything: fields of the wrong type count as absent.
local function table_or_empty(v)
  return type(v) == "table" and v or {}
end

local function text(v)
  return type(v) == "string" and v or ""
end

local function is_ready(status)
  for _, c in ipairs(table_or_empty(status.conditions)) do
    if type(c) == "table" and c.type == "Ready" and c.status == "True" then
      return true
    end
  end
  return false
end

local function unschedulable(status)
  for _, c in ipairs(table_or_empty(status.conditions)) do
    if type(c) == "table" and c.type == "PodScheduled" and c.status == "False"
        and c.reason == "Unschedulable" then
      return type(c.message) == "string" and c.message or "the pod cannot be scheduled"
    end
  end
end

-- The failure a container's waiting state shows, in the seed's order: image pulls first,
-- then a missing command, then the other reasons that never resolve.
local function waiting_of(cs)
  local w = type(cs) == "table" and type(cs.state) == "table" and cs.state.waiting
  return type(w) == "table" and w or nil
end

-- The message of the container's last start failure (lastState.terminated with reason
-- StartError: the runtime could not start its process), or nil.
local function start_error(cs)
  local last = type(cs) == "table" and type(cs.lastState) == "table" and cs.lastState.terminated
  if type(last) == "table" and last.reason == "StartError" then
    return text(last.message)
  end
end

local function waiting_failure(statuses)
  for _, cs in ipairs(table_or_empty(statuses)) do
    local w = waiting_of(cs)
    if w and IMAGE_REASONS[w.reason] then
      return "image_pull", w.reason .. ": " .. text(w.message)
    end
  end
  for _, cs in ipairs(table_or_empty(statuses)) do
    local w = waiting_of(cs)
    if w then
      local message = text(w.message)
      local start = start_error(cs)
      if find(message, "executable file not found", 1, true) then
        return "command_not_found", text(w.reason) .. ": " .. message
      elseif start and find(start, "executable file not found", 1, true) then
        -- CrashLoopBackOff between attempts: the start's own error is in lastState
        return "command_not_found", text(w.reason) .. " after StartError: " .. start
      elseif start and w.reason == "CrashLoopBackOff" then
        return "run_container", w.reason .. " after StartError: " .. start
      end
      if STUCK_REASONS[w.reason] then
        return STUCK_REASONS[w.reason], w.reason .. ": " .. message
      end
    end
  end
end

--- Classifies a pod: "ready", nil while it is still starting, or an error kind and a message.
-- A pod with a deletionTimestamp is `deleted` (its grace period is not waited out); phase
-- Failed with reason Evicted is `evicted` with the kubelet's message.
function podstate.check(pod)
  local status = table_or_empty(type(pod) == "table" and pod.status)
  local meta = table_or_empty(type(pod) == "table" and pod.metadata)
  if type(meta.deletionTimestamp) == "string" then
    return "deleted", "pod " .. text(meta.name) .. " is being deleted (deletionTimestamp "
      .. meta.deletionTimestamp .. ")"
  end
  if status.phase == "Failed" and status.reason == "Evicted" then
    return "evicted", "Evicted: " .. text(status.message)
  end
  if is_ready(status) then
    return "ready"
  end
  local kind, message = waiting_failure(status.containerStatuses)
  if kind then
    return kind, message
  end
  if status.phase == "Failed" then
    return "crash_loop", "phase Failed: " .. text(status.message or status.reason)
  end
  local why = unschedulable(status)
  if why then
    return "unschedulable", "Unschedulable: " .. why
  end
  return nil
end

local function outcome(pod)
  local state, message = podstate.check(pod)
  if state == "ready" then
    return pod
  elseif state then
    return nil, errors.new(state, message)
  end
end

-- Node loss: a pod's node whose Ready condition is not True (or which is gone) for
-- NODE_LOST_AFTER seconds is lost. Nodes are looked at every NODE_CHECK seconds while run
-- waits; a server that does not let kwhisk read nodes (403) leaves this check out.
podstate.NODE_CHECK = 2
podstate.NODE_LOST_AFTER = 10

local function node_ready(node)
  for _, c in ipairs(table_or_empty(table_or_empty(node.status).conditions)) do
    if type(c) == "table" and c.type == "Ready" then
      return c.status == "True", text(c.reason) .. ": " .. text(c.message)
    end
  end
  return false, "no Ready condition"
end

-- Watches the node of the pod being waited for: check(pod) returns nil, or errors "node_lost".
local function node_watch(conn)
  local self = { next_check = 0 }
  function self.check(pod)
    local spec = table_or_empty(type(pod) == "table" and pod.spec)
    local node_name = spec.nodeName
    if type(node_name) ~= "string" or self.disabled or loop.now() < self.next_check then
      return nil
    end
    self.next_check = loop.now() + podstate.NODE_CHECK
    local node, err = conn:get(api.path("api", "v1", "nodes", node_name))
    local ok, why = true, nil
    if node and type(node) == "table" then
      ok, why = node_ready(node)
    elseif err and err.kind == "not_found" then
      ok, why = false, "the node no longer exists"
    elseif err and (err.kind == "forbidden" or err.kind == "unauthorized") then
      self.disabled = true
    end
    if ok then
      self.bad_since = nil
      return nil
    end
    self.bad_since = self.bad_since or loop.now()
    if why and loop.now() - self.bad_since >= podstate.NODE_LOST_AFTER then
      return errors.new("node_lost", "node " .. node_name .. " of pod "
        .. text(table_or_empty(pod.metadata).name) .. " is not ready (" .. why .. ") for "
        .. podstate.NODE_LOST_AFTER .. " s")
    end
  end
  return self
end

-- The complete lines of a stream, each at most MAX_WATCH_LINE bytes: feed(chunk) returns
-- the list of finished lines, or nil and a too_large error. The unfinished rest is kept in
-- parts, so a long line costs no quadratic copying.
function podstate.line_splitter(what)
  local parts, size = {}, 0
  return function(chunk)
    local lines = {}
    local start = 1
    while true do
      local nl = chunk:find("\n", start, true)
      if not nl then
        break
      end
      parts[#parts + 1] = chunk:sub(start, nl - 1)
      lines[#lines + 1] = concat(parts)
      parts, size = {}, 0
      start = nl + 1
    end
    local rest = chunk:sub(start)
    if rest ~= "" then
      parts[#parts + 1] = rest
      size = size + #rest
    end
    if size > podstate.MAX_WATCH_LINE then
      return nil, errors.new("too_large", what .. ": an event line is longer than "
        .. podstate.MAX_WATCH_LINE .. " bytes")
    end
    return lines
  end
end

-- What one watch event says: pod (Ready) | nil, err (the pod failed or went) | nil, nil,
-- werr (the watch failed) | nothing (go on).
local function event_outcome(event, name, nodes)
  if type(event) ~= "table" or event.type == "BOOKMARK" then
    return
  end
  if event.type == "ERROR" then -- 410 Gone: watch again from now; anything else: poll
    local code = type(event.object) == "table" and event.object.code
    return nil, nil, errors.new(code == 410 and "gone" or "server",
      "watch of pod " .. name .. " ended with an error" .. (code and (" " .. tostring(code)) or ""))
  end
  if event.type == "DELETED" then
    return nil, errors.new("deleted", "pod " .. name .. " was deleted while it started")
  end
  local pod, err = outcome(event.object)
  if pod or err then
    return pod, err
  end
  return nil, nodes.check(event.object)
end

-- A quiet watch: the pod itself, in case an event went astray, and its node.
local function look(pods, name, nodes)
  local current, gerr = pods:get(name)
  if not current and gerr and gerr.kind == "not_found" then
    return nil, errors.new("deleted", "pod " .. name .. " is gone")
  end
  local pod, err = outcome(current)
  return pod, err or (current and nodes.check(current))
end

-- Consumes one watch stream until an outcome, the deadline, or the stream's end.
-- Returns pod (Ready) | nil, err (the pod failed or went) | nil, nil, werr (the watch ended,
-- with werr when it failed: watch again or fall back to polling).
local function watch_once(pods, name, deadline, nodes)
  local stream, err = pods:stream(nil, nil, { watch = "true",
    fieldSelector = "metadata.name=" .. name,
    timeoutSeconds = ceil(deadline - loop.now()) })
  if not stream then
    return nil, nil, err
  end
  local split = podstate.line_splitter("watch of pod " .. name)
  local function finish(...)
    stream:close()
    return ...
  end
  while true do
    local chunk, rerr = stream:read(min(deadline, loop.now() + min(QUIET, podstate.NODE_CHECK)))
    if not chunk and rerr and rerr.deadline and loop.now() < deadline then
      local pod, ferr = look(pods, name, nodes)
      if pod or ferr then
        return finish(pod, ferr)
      end
    elseif not chunk then
      stream:close()
      if rerr and rerr.deadline then
        return nil
      end
      return nil, nil, rerr
    end
    local lines, lerr = split(chunk or "")
    if not lines then
      return finish(nil, nil, lerr)
    end
    for _, line in ipairs(lines) do
      local pod, oerr, werr = event_outcome(json.decode(line), name, nodes)
      if pod or oerr or werr then
        return finish(pod, oerr, werr)
      end
    end
  end
end

-- Polling, once a second as the seed does (sooner near the deadline).
local function poll(pods, name, deadline, nodes)
  while loop.now() < deadline do
    local ready, err = look(pods, name, nodes)
    if ready or err then
      return ready, err
    end
    loop.sleep(min(1, deadline - loop.now()))
  end
end

--- Waits until the pod is Ready: a watch on it (restarted when the server ends it), polling
-- once the watch failed. Returns the pod, or nil and an error of a fail-fast kind, or
-- "ready_timeout" at the deadline (a loop.now() value).
function podstate.wait_ready(pods, name, deadline)
  local watch_failed = false
  local nodes = node_watch(pods.conn)
  local pause = 0.1
  while loop.now() < deadline and not watch_failed do
    local started = loop.now()
    local pod, err, werr = watch_once(pods, name, deadline, nodes)
    if pod or err then
      return pod, err
    end
    watch_failed = werr ~= nil and werr.kind ~= "gone" -- 410: watch again from now
    if not watch_failed and loop.now() - started < 1 then
      -- a server that ends watches at once gets them again at a growing pace, not a loop
      loop.sleep(min(pause, max(0, deadline - loop.now())))
      pause = min(pause * 2, 1)
    else
      pause = 0.1
    end
  end
  if watch_failed then
    local pod, err = poll(pods, name, deadline, nodes)
    if pod or err then
      return pod, err
    end
  end
  return nil, errors.new("ready_timeout", "pod " .. name .. " was not ready in time")
end

return podstate
