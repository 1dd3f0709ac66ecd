--- kwhisk.k8s.podstate: what a pod's status says about starting it (SPEC A6, B, C4), and waiting
-- for it to become Ready by watching it, with polling as the fallback when a watch fails.
--
--   podstate.check(pod)  -> "ready" | nil (still starting) | kind, message (it failed)
--   podstate.wait_ready(pods, name, deadline) -> pod | nil, err   (pods: kwhisk.k8s.pods)
local loop = require "kwhisk.loop"
local json = require "kwhisk.json"
local errors = require "kwhisk.errors"

local type, ipairs, find, ceil, min = type, ipairs, string.find, math.ceil, math.min

local podstate = {}

-- Seconds a watch may stay silent before the pod is fetched directly.
local QUIET = 5

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
function podstate.check(pod)
  local status = table_or_empty(type(pod) == "table" and pod.status)
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

-- Consumes one watch stream until an outcome, the deadline, or the stream's end.
-- Returns pod (Ready) | nil, err (the pod failed) | nil, nil, werr (the watch ended, with
-- werr when it failed: watch again or fall back to polling).
local function watch_once(pods, name, deadline)
  local stream, err = pods:stream(nil, nil, { watch = "true",
    fieldSelector = "metadata.name=" .. name,
    timeoutSeconds = ceil(deadline - loop.now()) })
  if not stream then
    return nil, nil, err
  end
  local buffer = ""
  while true do
    local chunk, rerr = stream:read(min(deadline, loop.now() + QUIET))
    if not chunk and rerr and rerr.deadline and loop.now() < deadline then
      -- a quiet watch: look at the pod itself, in case an event went astray
      local pod, ferr = outcome(pods:get(name))
      if pod or ferr then
        stream:close()
        return pod, ferr
      end
    elseif not chunk then
      stream:close()
      if rerr and rerr.deadline then
        return nil
      end
      return nil, nil, rerr
    end
    chunk = chunk or ""
    buffer = buffer .. chunk
    -- Only the complete lines; the rest waits for its newline. (Matching the rest with a
    -- pattern anchored at the end would rescan the buffer from every position.)
    local last_newline = buffer:find("\n[^\n]*$")
    local complete = last_newline and buffer:sub(1, last_newline) or ""
    buffer = last_newline and buffer:sub(last_newline + 1) or buffer
    for line in complete:gmatch("([^\n]*)\n") do
      local event = json.decode(line)
      if type(event) == "table" and event.type == "ERROR" then
        stream:close()
        return nil, nil, errors.new("gone", "watch of pod " .. name .. " ended with an error")
      end
      if type(event) == "table" and event.type ~= "BOOKMARK" and event.type ~= "DELETED" then
        local pod, ferr = outcome(event.object)
        if pod or ferr then
          stream:close()
          return pod, ferr
        end
      end
    end
  end
end

-- Polling, once a second as the seed does (sooner near the deadline).
local function poll(pods, name, deadline)
  while loop.now() < deadline do
    local pod = pods:get(name)
    if pod then
      local ready, err = outcome(pod)
      if ready or err then
        return ready, err
      end
    end
    loop.sleep(min(1, deadline - loop.now()))
  end
end

--- Waits until the pod is Ready: a watch on it (restarted when the server ends it), polling
-- once the watch failed. Returns the pod, or nil and an error of a fail-fast kind, or
-- "ready_timeout" at the deadline (a loop.now() value).
function podstate.wait_ready(pods, name, deadline)
  local watch_failed = false
  while loop.now() < deadline and not watch_failed do
    local pod, err, werr = watch_once(pods, name, deadline)
    if pod or err then
      return pod, err
    end
    watch_failed = werr ~= nil and werr.kind ~= "gone" -- 410: watch again from now
  end
  if watch_failed then
    local pod, err = poll(pods, name, deadline)
    if pod or err then
      return pod, err
    end
  end
  return nil, errors.new("ready_timeout", "pod " .. name .. " was not ready in time")
end

return podstate
