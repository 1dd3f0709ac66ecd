--- kwhisk.sim.lifecycle: what a kubelet would do to a pod, as kwok fakes it. A pod goes
-- Pending -> scheduled -> ContainerCreating -> Running + Ready, or into a failure mode chosen by
-- its annotations (`sim.kwhisk.io/...`) or its image name, and records the events a real
-- cluster records. The steps run through a context (timers, store updates, events, runtimes)
-- so the same code is driven by the server and by specs. Container events (a start, an exit)
-- reach the status after the kubelet's sync (ctx.lag), as PLEG and the status manager do.
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

--- The kubelet's crash back-off: 10 s, doubled after every failure up to 5 minutes
-- (pkg/kubelet/kubelet.go backOffPeriod and MaxContainerBackOff).
lifecycle.BACKOFF, lifecycle.MAX_BACKOFF = 10, 300

--- Whether the pod's process exits on SIGTERM (annotation sim.kwhisk.io/sigterm: exit);
-- by default it ignores it, as a PID 1 without a handler does.
function lifecycle.exits_on_sigterm(pod)
  return (pod.metadata.annotations or {})[PREFIX .. "sigterm"] == "exit"
end

local function check_annotations(annotations)
  local sigterm = annotations[PREFIX .. "sigterm"]
  if sigterm ~= nil and sigterm ~= "exit" and sigterm ~= "ignore" then
    return PREFIX .. "sigterm must be \"exit\" or \"ignore\", got " .. tostring(sigterm)
  end
  local scale = annotations[PREFIX .. "time-scale"]
  if scale ~= nil and not (tonumber(scale) and tonumber(scale) > 0) then
    return PREFIX .. "time-scale must be a number > 0, got " .. tostring(scale)
  end
end

--- How a pod will behave: { failure, schedule_delay, start_delay, ready_delay, runtime,
-- pull_error }, or nil and a message for a bad annotation. runtime: the name of the action
-- runtime the image serves (kwhisk.sim.runtimes); when its program is missing here, the pod
-- fails as an image that cannot be pulled, pull_error saying what to install.
function lifecycle.behaviour(pod)
  local annotations = pod.metadata.annotations or {}
  local bad = check_annotations(annotations)
  if bad then
    return nil, bad
  end
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
    fn(pod.status.containerStatuses[i], c, i)
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

local function schedule(pod, ctx, node, bound)
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
  if not bound then
    ctx.event(pod, "Normal", "Scheduled", "Successfully assigned " .. pod.metadata.namespace
      .. "/" .. pod.metadata.name .. " to " .. name)
  end
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
  ["container-config"] = { "CreateContainerConfigError", function()
    return "secret \"action-credentials\" not found"
  end },
}

-- Failures to start the container's process (the runtime's StartError), by failure mode.
local START_ERRORS = {
  ["command-not-found"] = function(c)
    return OCI .. "unable to start container process: exec: \""
      .. ((c.command and c.command[1]) or "/action/exec")
      .. "\": executable file not found in $PATH: unknown"
  end,
  ["run-container"] = function()
    return OCI .. "error during container init: error mounting \"/var/lib/kubelet/pods/"
      .. "volumes/action\" to rootfs at \"/action\": not a directory: unknown"
  end,
}

-- A duration as Go prints it (10s, 1m20s, 5m0s).
local function go_duration(seconds)
  if seconds < 60 then
    return seconds .. "s"
  end
  return math.floor(seconds / 60) .. "m" .. seconds % 60 .. "s"
end

local function pod_ref(pod)
  local meta = pod.metadata
  return meta.name .. "_" .. meta.namespace .. "(" .. meta.uid .. ")"
end

-- The pod has an IP and its containers have been started at least once.
local function sandbox(pod, ctx)
  pod.status.phase = "Running"
  pod.status.podIP = ctx.pod_ip(pod)
  pod.status.podIPs = { { ip = pod.status.podIP } }
end

-- After a failed attempt: CrashLoopBackOff for backoff seconds (the kubelet's texts from
-- pkg/kubelet/kuberuntime/kuberuntime_manager.go doBackOff), then retry(next back-off).
local function back_off(pod, ctx, backoff, retry)
  each_container(pod, function(cs, c)
    cs.restartCount = cs.restartCount + 1
    cs.state = { waiting = { reason = "CrashLoopBackOff", message = "back-off "
      .. go_duration(backoff) .. " restarting failed container=" .. c.name .. " pod="
      .. pod_ref(pod) } }
    cs.ready, cs.started = false, false
    ctx.event(pod, "Warning", "BackOff", "Back-off restarting failed container " .. c.name
      .. " in pod " .. pod_ref(pod))
  end)
  set_ready(pod, ctx)
  ctx.update(pod)
  ctx.after(ctx.scaled(pod, backoff), function()
    retry(math.min(backoff * 2, lifecycle.MAX_BACKOFF))
  end)
end

local function settled(pod)
  return pod.gone or pod.metadata.deletionTimestamp
end

-- A container whose process cannot start: RunContainerError with the runtime's message,
-- then CrashLoopBackOff with lastState.terminated StartError (exit code 128), alternating as
-- the back-off doubles (pkg/kubelet/kuberuntime/kuberuntime_container.go startContainer).
local function start_error(pod, ctx, message_of, backoff)
  if settled(pod) then
    return
  end
  local last = {}
  each_container(pod, function(_, c)
    local text = message_of(c)
    ctx.event(pod, "Warning", "Failed", "Error: " .. text)
    last[c.name] = { terminated = { exitCode = 128, reason = "StartError", message = text,
      startedAt = "1970-01-01T00:00:00Z", finishedAt = ctx.now(),
      containerID = "containerd://" .. ids.hex(32) } }
  end)
  ctx.after(ctx.lag(pod), function()
    if settled(pod) then
      return
    end
    each_container(pod, function(cs, c)
      cs.state = { waiting = { reason = "RunContainerError",
        message = last[c.name].terminated.message } }
    end)
    sandbox(pod, ctx)
    ctx.update(pod)
    ctx.after(ctx.lag(pod), function()
      if settled(pod) then
        return
      end
      each_container(pod, function(cs, c) cs.lastState = last[c.name] end)
      back_off(pod, ctx, backoff, function(next_backoff)
        start_error(pod, ctx, message_of, next_backoff)
      end)
    end)
  end)
end

-- A container that exits with code 1 right after each start (reason Error in lastState),
-- restarted after a back-off that doubles.
local function crash_loop(pod, ctx, backoff)
  if settled(pod) then
    return
  end
  local started = ctx.now()
  each_container(pod, function(cs, c, i)
    cs.containerID = "containerd://" .. ids.hex(32)
    cs.state = { running = { startedAt = started } }
    cs.started = true
    ctx.live(pod, i, true)
    ctx.event(pod, "Normal", "Started", "Started container " .. c.name)
  end)
  sandbox(pod, ctx)
  ctx.update(pod)
  ctx.after(ctx.scaled(pod, 0.5), function()
    each_container(pod, function(_, _, i) ctx.live(pod, i, false) end)
    ctx.after(ctx.lag(pod), function()
      if settled(pod) then
        return
      end
      each_container(pod, function(cs)
        cs.lastState = { terminated = { exitCode = 1, reason = "Error", startedAt = started,
          finishedAt = ctx.now(), containerID = cs.containerID } }
      end)
      back_off(pod, ctx, backoff, function(next_backoff)
        crash_loop(pod, ctx, next_backoff)
      end)
    end)
  end)
end

local function running(pod, ctx, b)
  pulled(pod, ctx)
  sandbox(pod, ctx)
  each_container(pod, function(cs, c, i)
    cs.containerID = "containerd://" .. ids.hex(32)
    cs.state = { running = { startedAt = ctx.now() } }
    cs.started = true
    ctx.live(pod, i, true)
    ctx.event(pod, "Normal", "Created", "Created container " .. c.name)
    ctx.event(pod, "Normal", "Started", "Started container " .. c.name)
  end)
  ctx.update(pod)
  if b.failure == "never-ready" then
    return
  end
  local function ready()
    if settled(pod) or pod.status.phase ~= "Running" then
      return
    end
    each_container(pod, function(cs) cs.ready = true end)
    set_ready(pod, ctx)
    ctx.update(pod)
  end
  -- Ready shows after the kubelet's next sync.
  if b.runtime then
    ctx.start_runtime(pod, b.runtime, function() ctx.after(b.ready_delay + ctx.lag(pod), ready) end)
  else
    ctx.serve_nothing(pod)
    ctx.after(b.ready_delay + ctx.lag(pod), ready)
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
  elseif START_ERRORS[b.failure] then
    pulled(pod, ctx)
    start_error(pod, ctx, START_ERRORS[b.failure], lifecycle.BACKOFF)
  elseif b.failure == "crash-loop" then
    pulled(pod, ctx)
    crash_loop(pod, ctx, lifecycle.BACKOFF)
  else
    running(pod, ctx, b)
  end
end

--- Drives a new pod (already stored, status Pending) through its life: the scheduler places it
-- (ctx.place), unless it was created with spec.nodeName, and the kubelet of its node starts it.
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
    local bound = pod.spec.nodeName
    local node, message
    if bound then
      -- created bound to a node: the scheduler skips it, and only that node's kubelet runs it;
      -- bound to no node, it stays Pending until PodGC deletes it
      node = ctx.node_named(bound)
      if not node then
        return ctx.orphaned(pod)
      end
    else
      node, message = ctx.place(pod)
      if not node then
        unschedulable(pod, ctx, message)
        return ctx.unscheduled(pod, attempt)
      end
    end
    schedule(pod, ctx, node, bound)
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
  return next(pod.sim.live) == nil
end

--- The status after the pod's containers exited (exit_code, reason: 137 Error for a kill).
function lifecycle.terminated(pod, ctx, exit_code, reason)
  each_container(pod, function(cs)
    if cs.state and cs.state.running then
      cs.state = { terminated = { exitCode = exit_code, reason = reason,
        startedAt = cs.state.running.startedAt, finishedAt = ctx.now(),
        containerID = cs.containerID } }
      cs.ready, cs.started = false, false
    end
  end)
  set_ready(pod, ctx)
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
