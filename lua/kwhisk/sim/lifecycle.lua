--- kwhisk.sim.lifecycle: what a kubelet would do to a pod, as kwok fakes it. A pod goes
-- Pending -> scheduled -> ContainerCreating -> Running + Ready, or into a failure mode chosen by
-- its annotations (`sim.kwhisk.io/...`) or its image name, and records the events a real
-- cluster records. The steps run through a context (timers, store updates, events, runtimes)
-- so the same code is driven by the server and by specs.
local ids = require "kwhisk.sim.ids"
local runtimes = require "kwhisk.sim.runtimes"

local lifecycle = {}

local PREFIX = "sim.kwhisk.io/"

-- Image name fragments that choose a failure mode, as kwok-style tests name images.
local IMAGE_FAILURES = {
  { "doesnotexist", "image-pull" }, { "nocommand", "command-not-found" },
  { "crashloop", "crash-loop" }, { "neverready", "never-ready" },
  { "unschedulable", "unschedulable" }, { "runerror", "run-container" },
  { "badconfig", "container-config" },
}
local FAILURES = {
  ["image-pull"] = true, ["command-not-found"] = true, ["crash-loop"] = true,
  ["never-ready"] = true, unschedulable = true, ["run-container"] = true,
  ["container-config"] = true,
}

local function delay(annotations, name, default)
  local v = tonumber(annotations[PREFIX .. name])
  if v and v >= 0 then
    return v
  end
  return default
end

--- How a pod will behave: { failure, schedule_delay, start_delay, ready_delay, runtime,
-- pull_error }, or nil and a message for a bad annotation. runtime: the name of the action
-- runtime the image serves (kwhisk.sim.runtimes); when its program is missing here, the pod
-- fails as an image that cannot be pulled, pull_error saying what to install.
function lifecycle.behaviour(pod)
  local annotations = pod.metadata.annotations or {}
  local image = pod.spec.containers[1].image
  local b = {
    schedule_delay = delay(annotations, "schedule-delay", 0.05),
    start_delay = delay(annotations, "start-delay", 0.1),
    ready_delay = delay(annotations, "ready-delay", 0),
    runtime = runtimes.for_image(image),
  }
  b.pull_error = b.runtime and runtimes.missing(b.runtime)
  if b.pull_error then
    b.failure = "image-pull"
  end
  if image:find("slowstart", 1, true) then
    b.start_delay = delay(annotations, "start-delay", 3)
  end
  for _, f in ipairs(IMAGE_FAILURES) do
    if image:find(f[1], 1, true) then
      b.failure = f[2]
    end
  end
  local failure = annotations[PREFIX .. "failure"]
  if failure then
    if not FAILURES[failure] then
      return nil, "unknown " .. PREFIX .. "failure: " .. failure
    end
    b.failure = failure
  end
  return b
end

--- Sets a pod condition (its lastTransitionTime moves only when the status changes).
function lifecycle.condition(pod, ctx, type_, status, reason, message)
  local conditions = pod.status.conditions
  local c
  for _, x in ipairs(conditions) do
    if x.type == type_ then
      c = x
    end
  end
  if not c then
    c = { type = type_ }
    conditions[#conditions + 1] = c
  end
  if c.status ~= status then
    c.lastTransitionTime = ctx.now()
  end
  c.status, c.reason, c.message, c.lastProbeTime = status, reason, message, ctx.null
end

local condition = lifecycle.condition

local function each_container(pod, fn)
  for i, c in ipairs(pod.spec.containers) do
    fn(pod.status.containerStatuses[i], c)
  end
end

local function unready_names(pod)
  local names = {}
  each_container(pod, function(cs)
    if not cs.ready then
      names[#names + 1] = cs.name
    end
  end)
  return names
end

local function set_ready(pod, ctx)
  local unready = unready_names(pod)
  if #unready == 0 then
    condition(pod, ctx, "ContainersReady", "True")
    condition(pod, ctx, "Ready", "True")
  else
    local message = "containers with unready status: [" .. table.concat(unready, " ") .. "]"
    condition(pod, ctx, "ContainersReady", "False", "ContainersNotReady", message)
    condition(pod, ctx, "Ready", "False", "ContainersNotReady", message)
  end
end

local function waiting(pod, ctx, reason, message)
  each_container(pod, function(cs)
    cs.state = { waiting = { reason = reason, message = message } }
    cs.ready, cs.started = false, false
  end)
  set_ready(pod, ctx)
end

local function schedule(pod, ctx, node)
  local name = node.metadata.name
  pod.spec.nodeName = name
  pod.status.hostIP = node.status.addresses[1].address
  pod.status.startTime = ctx.now()
  condition(pod, ctx, "PodScheduled", "True")
  condition(pod, ctx, "Initialized", "True")
  pod.status.containerStatuses = {}
  for i, c in ipairs(pod.spec.containers) do
    pod.status.containerStatuses[i] = { name = c.name, image = c.image, imageID = "",
      restartCount = 0, ready = false, started = false, lastState = ctx.object() }
  end
  waiting(pod, ctx, "ContainerCreating")
  ctx.event(pod, "Normal", "Scheduled", "Successfully assigned " .. pod.metadata.namespace
    .. "/" .. pod.metadata.name .. " to " .. name)
  each_container(pod, function(_, c)
    ctx.event(pod, "Normal", "Pulling", "Pulling image \"" .. c.image .. "\"")
  end)
end

-- The scheduler found no node (message: its FitError text); a new message is a new event.
local function unschedulable(pod, ctx, message)
  local before = pod.status.conditions[1]
  if before and before.message == message then
    return
  end
  condition(pod, ctx, "PodScheduled", "False", "Unschedulable", message)
  ctx.event(pod, "Warning", "FailedScheduling", message)
  ctx.update(pod)
end

local function image_pull(pod, ctx, b)
  each_container(pod, function(cs, c)
    local message = "rpc error: code = NotFound desc = failed to pull and unpack image \""
      .. c.image .. "\": " .. (b.pull_error or "failed to resolve reference \"" .. c.image
      .. "\": " .. c.image .. ": not found")
    cs.state = { waiting = { reason = "ErrImagePull", message = message } }
    ctx.event(pod, "Warning", "Failed", "Failed to pull image \"" .. c.image .. "\": " .. message)
    ctx.event(pod, "Warning", "Failed", "Error: ErrImagePull")
  end)
  ctx.update(pod)
  ctx.after(1, function()
    each_container(pod, function(cs, c)
      cs.state = { waiting = { reason = "ImagePullBackOff",
        message = "Back-off pulling image \"" .. c.image .. "\"" } }
      ctx.event(pod, "Normal", "BackOff", "Back-off pulling image \"" .. c.image .. "\"")
      ctx.event(pod, "Warning", "Failed", "Error: ImagePullBackOff")
    end)
    ctx.update(pod)
  end)
end

local function pulled(pod, ctx)
  each_container(pod, function(cs, c)
    cs.imageID = "docker.io/" .. c.image:gsub(":.*", "") .. "@sha256:" .. ids.hex(32)
    ctx.event(pod, "Normal", "Pulled", "Container image \"" .. c.image
      .. "\" already present on machine")
  end)
end

-- A container that stays waiting with reason, the kubelet's message from message(c).
local function stuck(pod, ctx, reason, message)
  pulled(pod, ctx)
  each_container(pod, function(cs, c)
    local text = message(c)
    cs.state = { waiting = { reason = reason, message = text } }
    ctx.event(pod, "Warning", "Failed", "Error: " .. text)
  end)
  ctx.update(pod)
end

local OCI = "failed to create containerd task: failed to create shim task: OCI runtime "
  .. "create failed: runc create failed: "

local WAITING = {
  ["command-not-found"] = { "RunContainerError", function(c)
    return OCI .. "unable to start container process: exec: \""
      .. ((c.command and c.command[1]) or "/action/exec")
      .. "\": executable file not found in $PATH: unknown"
  end },
  ["run-container"] = { "RunContainerError", function()
    return OCI .. "error during container init: error mounting \"/var/lib/kubelet/pods/"
      .. "volumes/action\" to rootfs at \"/action\": not a directory: unknown"
  end },
  ["container-config"] = { "CreateContainerConfigError", function()
    return "secret \"action-credentials\" not found"
  end },
}

local function crash_loop(pod, ctx)
  pulled(pod, ctx)
  each_container(pod, function(cs, c)
    cs.containerID = "containerd://" .. ids.hex(32)
    cs.restartCount = cs.restartCount + 1
    cs.lastState = { terminated = { exitCode = 1, reason = "Error", startedAt = ctx.now(),
      finishedAt = ctx.now(), containerID = cs.containerID } }
    cs.state = { waiting = { reason = "CrashLoopBackOff", message = "back-off 10s restarting "
      .. "failed container=" .. c.name .. " pod=" .. pod.metadata.name .. "_"
      .. pod.metadata.namespace .. "(" .. pod.metadata.uid .. ")" } }
    ctx.event(pod, "Warning", "BackOff", "Back-off restarting failed container " .. c.name
      .. " in pod " .. pod.metadata.name .. "_" .. pod.metadata.namespace)
  end)
  pod.status.phase = "Running"
  pod.status.podIP = ctx.pod_ip(pod)
  pod.status.podIPs = { { ip = pod.status.podIP } }
  ctx.update(pod)
end

local function running(pod, ctx, b)
  pulled(pod, ctx)
  pod.status.phase = "Running"
  pod.status.podIP = ctx.pod_ip(pod)
  pod.status.podIPs = { { ip = pod.status.podIP } }
  each_container(pod, function(cs, c)
    cs.containerID = "containerd://" .. ids.hex(32)
    cs.state = { running = { startedAt = ctx.now() } }
    cs.started = true
    ctx.event(pod, "Normal", "Created", "Created container " .. c.name)
    ctx.event(pod, "Normal", "Started", "Started container " .. c.name)
  end)
  ctx.update(pod)
  if b.failure == "never-ready" then
    return
  end
  local function ready()
    if pod.gone or pod.status.phase ~= "Running" then
      return
    end
    each_container(pod, function(cs) cs.ready = true end)
    set_ready(pod, ctx)
    ctx.update(pod)
  end
  if b.runtime then
    ctx.start_runtime(pod, b.runtime, function() ctx.after(b.ready_delay, ready) end)
  else
    ctx.serve_nothing(pod)
    ctx.after(b.ready_delay, ready)
  end
end

local function start(pod, ctx, b)
  if pod.gone then
    return
  end
  if b.failure == "image-pull" then
    image_pull(pod, ctx, b)
  elseif WAITING[b.failure] then
    stuck(pod, ctx, WAITING[b.failure][1], WAITING[b.failure][2])
  elseif b.failure == "crash-loop" then
    crash_loop(pod, ctx)
  else
    running(pod, ctx, b)
  end
end

--- Drives a new pod (already stored, status Pending) through its life: the scheduler places it
-- (ctx.place) and the kubelet of its node starts it.
-- pod.gone, set by the server on deletion, stops the remaining steps. A pod that fits on no
-- node waits in the scheduler's queue until the cluster changes.
function lifecycle.run(pod, ctx, b)
  local function attempt()
    if pod.gone then
      return
    end
    if b.failure == "unschedulable" then
      return unschedulable(pod, ctx, "0/1 nodes are available: 1 node(s) didn't match Pod's "
        .. "node affinity/selector. preemption: 0/1 nodes are available: 1 Preemption is not "
        .. "helpful for scheduling.")
    end
    local node, message = ctx.place(pod)
    if not node then
      unschedulable(pod, ctx, message)
      return ctx.unscheduled(pod, attempt)
    end
    schedule(pod, ctx, node)
    ctx.update(pod)
    ctx.after(b.start_delay, function() start(pod, ctx, b) end)
  end
  ctx.after(b.schedule_delay, attempt)
end

-- The pod's QoS class (pkg/apis/core/helper/qos/qos.go): Guaranteed when every container's
-- cpu and memory limits equal its requests, BestEffort with none at all, else Burstable.
local function qos(pod)
  local any, guaranteed = false, true
  for _, c in ipairs(pod.spec.containers) do
    local r = c.resources or {}
    local req, lim = r.requests or {}, r.limits or {}
    for _, name in ipairs({ "cpu", "memory" }) do
      any = any or req[name] ~= nil or lim[name] ~= nil
      guaranteed = guaranteed and lim[name] ~= nil and req[name] == lim[name]
    end
  end
  return not any and "BestEffort" or guaranteed and "Guaranteed" or "Burstable"
end

--- The initial status of a new pod.
function lifecycle.pending(pod, ctx)
  pod.status = { phase = "Pending", qosClass = qos(pod), conditions = ctx.array() }
end

--- True when the pod has no running container, so a delete removes it at once.
function lifecycle.idle(pod)
  local spec_node = pod.spec.nodeName
  if not spec_node or pod.status.phase == "Succeeded" or pod.status.phase == "Failed" then
    return true
  end
  for _, cs in ipairs(pod.status.containerStatuses or {}) do
    if cs.state and cs.state.running then
      return false
    end
  end
  return true
end

--- Records that the kubelet stops the pod's containers (a graceful delete began).
function lifecycle.kill(pod, ctx)
  if not pod.spec.nodeName then
    return
  end
  each_container(pod, function(cs, c)
    if cs.state and cs.state.running then
      ctx.event(pod, "Normal", "Killing", "Stopping container " .. c.name)
    end
  end)
end

return lifecycle
