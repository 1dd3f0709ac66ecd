--- kwhisk.sim.cluster: the sim's cluster state behind the API: the store, the node, pod IPs
-- on loopback, events, action runtimes (child processes) and the pod lifecycle's timers.
-- Handlers ask it to create and delete pods; it keeps everything else consistent.
local cqueues = require "cqueues"
local condition = require "cqueues.condition"
local socket = require "cqueues.socket"
local json = require "kwhisk.json"
local http_server = require "http.server"
local http_headers = require "http.headers"
local ktime = require "kwhisk.time"
local unistd = require "posix.unistd"
local signal = require "posix.signal"
local wait = require "posix.sys.wait"
local fcntl = require "posix.fcntl"
local files = require "kwhisk.sim.files"
local fifo = require "kwhisk.sim.fifo"
local ids = require "kwhisk.sim.ids"
local lifecycle = require "kwhisk.sim.lifecycle"
local lifeline = require "kwhisk.sim.lifeline"
local podlog = require "kwhisk.sim.podlog"
local runtimes = require "kwhisk.sim.runtimes"
local nodes = require "kwhisk.sim.nodes"
local store = require "kwhisk.sim.store"

local cluster = {}
cluster.__index = cluster

local MAX_EVENTS = 10000
-- Events recorded by a controller rather than the pod's kubelet.
local COMPONENTS = { Scheduled = "default-scheduler", FailedScheduling = "default-scheduler",
  NodeNotReady = "node-controller", TaintManagerEviction = "taint-eviction-controller" }
local PREFIX = "sim.kwhisk.io/"

local function now_string()
  return ktime.format(ktime.now(), "seconds")
end

--- A cluster in cq. opts: net (second octet of its 127.net.0.0/16 pod network), log_dir,
-- nodes (node specs, see kwhisk.sim.nodes; default one invoker node), time_scale (factor of
-- the real-world durations: grace periods, back-offs, status lag, the controllers' timers;
-- default 1), status_lag (seconds, default 1), log_max_size and log_max_files (container log
-- rotation).
function cluster.new(cq, opts)
  local self = setmetatable({ cq = cq, store = store.new(), net = opts.net, log_dir = opts.log_dir,
    free_ips = {}, next_ip = 1, runtimes = {}, listeners = {}, events = fifo.new(MAX_EVENTS),
    unscheduled = {}, time_scale = opts.time_scale or 1, status_lag = opts.status_lag or 1,
    log_rotation = { max_size = opts.log_max_size, max_files = opts.log_max_files } }, cluster)
  self.nodes = nodes.objects(opts.nodes or nodes.default_specs(), opts.net, now_string())
  for _, node in ipairs(self.nodes) do
    node.metadata.uid, node.metadata.creationTimestamp = ids.uid(), now_string()
    self.store:create("nodes", node)
  end
  -- The first node: where the sim's invoker agent listens and what /_sim/info names.
  self.node = { name = self.nodes[1].metadata.name, ip = nodes.ip(self.nodes[1]) }
  self.ctx = self:lifecycle_context()
  return self
end

--- The Node object named name, or nil.
function cluster:node_named(name)
  return name and self.store:get("nodes", nil, name)
end

--- What the pods bound to node request (non-terminal pods), for the scheduler.
function cluster:usage(node)
  local used = {}
  for _, pod in ipairs(self.store:list("pods")) do
    local phase = pod.status.phase
    if pod.spec.nodeName == node.metadata.name and phase ~= "Succeeded" and phase ~= "Failed" then
      for r, v in pairs(nodes.requests(pod)) do
        used[r] = (used[r] or 0) + v
      end
    end
  end
  return used
end

-- Scheduling attempts of pods that fit nowhere run again when the cluster changes (a pod goes,
-- a node comes back), as the scheduler's unschedulable queue does.
function cluster:retry_unscheduled()
  local waiting = self.unscheduled
  self.unscheduled = {}
  for pod, retry in pairs(waiting) do
    if not pod.gone then
      retry()
    end
  end
end

function cluster:allocate_ip()
  local n = table.remove(self.free_ips)
  if not n then
    n = self.next_ip
    self.next_ip = n + 1
  end
  -- 127.net.1.1 onwards, skipping .0 and .255 of each /24.
  local ip = string.format("127.%d.%d.%d", self.net, 1 + math.floor((n - 1) / 254),
    1 + (n - 1) % 254)
  return ip, n
end

-- Event names end in an increasing number (the API server uses the time), so they list in
-- the order they happened.
function cluster:event_serial()
  self.serial = (self.serial or ktime.now().sec * 1000000) + 1
  return self.serial
end

function cluster:event(pod, type_, reason, message)
  local meta = pod.metadata
  local now = now_string()
  local ev = {
    apiVersion = "v1", kind = "Event", type = type_, reason = reason, message = message,
    metadata = { name = meta.name .. "." .. string.format("%016x", self:event_serial()),
      namespace = meta.namespace,
      uid = ids.uid(), creationTimestamp = now },
    involvedObject = { apiVersion = "v1", kind = "Pod", name = meta.name,
      namespace = meta.namespace, uid = meta.uid, resourceVersion = meta.resourceVersion },
    source = { component = "kubelet", host = self.node.name },
    firstTimestamp = now, lastTimestamp = now, count = 1,
    reportingComponent = "kubelet", reportingInstance = self.node.name,
  }
  local node = pod.spec.nodeName or self.node.name
  ev.source.host, ev.reportingInstance = node, node
  local component = COMPONENTS[reason]
  if component then
    ev.source = { component = component }
    ev.reportingComponent, ev.reportingInstance = component, nil
  end
  self.store:create("events", ev)
  -- Like the API server's event TTL, old events go: here by count, to bound memory.
  local old = self.events:push(ev)
  if old then
    self.store:delete("events", old.metadata.namespace, old.metadata.name)
  end
end

--- seconds of real-world time as this pod lives them: times the sim's --time-scale, or the
-- pod's annotation sim.kwhisk.io/time-scale.
function cluster:scaled(pod, seconds)
  local annotations = pod.metadata.annotations or {}
  local factor = tonumber(annotations[PREFIX .. "time-scale"])
  return seconds * ((factor and factor > 0) and factor or self.time_scale)
end

--- How long the pod's status takes to show a container event (the kubelet's sync).
function cluster:lag(pod)
  return self:scaled(pod, self.status_lag)
end

function cluster:after(seconds, fn)
  self.cq:wrap(function()
    cqueues.sleep(seconds)
    fn()
  end)
end

-- The log rotation settings of the pod's containers (kwhisk.sim.podlog.writer's options).
function cluster:log_rotation_of(pod)
  local rot = self.log_rotation
  return { max_size = rot.max_size, max_files = rot.max_files,
    interval = self:scaled(pod, podlog.MONITOR_INTERVAL) }
end

--- The CRI log file of a container of pod.
function cluster:log_path(pod, container)
  local meta = pod.metadata
  return self.log_dir .. "/" .. meta.namespace .. "_" .. meta.name .. "_" .. meta.uid .. "_"
    .. container .. ".log"
end

-- Writes the lines of annotation sim.kwhisk.io/log-lines to each container's log at start.
local function initial_logs(self, pod)
  local text = (pod.metadata.annotations or {})[PREFIX .. "log-lines"]
  for _, c in ipairs(pod.spec.containers) do
    local w = assert(podlog.writer(self:log_path(pod, c.name), self:log_rotation_of(pod)))
    if text then
      w:write("stdout", (text:gsub("{container}", c.name)) .. "\n")
    end
    w:close()
  end
end

-- True once pod's podIP:port accepts connections; nil at the deadline or when the pod goes.
local function wait_listening(pod, port, deadline)
  local host = pod.status.podIP
  while cqueues.monotime() < deadline and not pod.gone do
    local ok, s = pcall(socket.connect, { host = host, port = port })
    local connected = false
    if ok then
      local pok, cok = pcall(s.connect, s, 0.2)
      connected = pok and cok
    end
    if ok then
      s:close()
    end
    if connected then
      return true
    end
    cqueues.sleep(0.02)
  end
end

-- Copies what the runtime writes to the pipe fd into the pod's log, as containerd does, until
-- the process closes it; done() after the end.
local function pump(self, fd, log, stream, done)
  self.cq:wrap(function()
    local pipe = socket.fdopen(fd)
    pipe:setmode("bn", "bn")
    while true do
      local data = pipe:read(-65536)
      if not data then
        break
      end
      log:write(stream, data)
    end
    pipe:close()
    done()
  end)
end

-- Forks argv with stdin from /dev/null and stdout and stderr into pipes whose ends it returns.
local function spawn(argv, parent_pid)
  local out_r, out_w = unistd.pipe()
  local err_r, err_w = unistd.pipe()
  local pid = unistd.fork()
  if pid == 0 then
    -- A process group of its own: a Ctrl-C at the sim's terminal is the sim's to handle
    -- (it stops its runtimes).
    unistd.setpid("p", 0, 0)
    lifeline.die_with_parent(parent_pid, signal.SIGKILL)
    local null = fcntl.open("/dev/null", fcntl.O_RDONLY)
    unistd.dup2(null, 0)
    unistd.dup2(out_w, 1)
    unistd.dup2(err_w, 2)
    for _, fd in ipairs({ null, out_r, out_w, err_r, err_w }) do
      unistd.close(fd)
    end
    require("cqueues.signal").unblock(signal.SIGINT, signal.SIGTERM)
    unistd.execp(argv[0], argv)
    unistd._exit(127)
  end
  unistd.close(out_w)
  unistd.close(err_w)
  return pid, out_r, err_r
end

--- Starts the runtime process that serves pod's action on podIP:8080 (runtime: a name of
-- kwhisk.sim.runtimes) and calls on_ready once it listens.
function cluster:start_runtime(pod, runtime, on_ready)
  local c = pod.spec.containers[1]
  local opts = { log_path = self:log_path(pod, c.name), parent_pid = unistd.getpid(),
    workdir = self:workdir(pod), log_rotation = self:log_rotation_of(pod) }
  local argv = runtimes.command(runtime, pod.status.podIP, 8080, opts)
  local pid
  if runtime == "lua" then
    pid = unistd.fork()
    if pid == 0 then
      unistd.setpid("p", 0, 0) -- its own process group, as spawn() gives the others
      -- The sim blocks SIGINT/SIGTERM to take them as events; the runtime must die by them.
      require("cqueues.signal").unblock(signal.SIGINT, signal.SIGTERM)
      unistd.execp(argv[0], argv)
      unistd._exit(127)
    end
  else
    local out, err
    pid, out, err = spawn(argv, opts.parent_pid)
    local log, open = assert(podlog.writer(opts.log_path, opts.log_rotation)), 2
    local function done()
      open = open - 1
      if open == 0 then
        log:close()
      end
    end
    pump(self, out, log, "stdout", done)
    pump(self, err, log, "stderr", done)
  end
  local rt = { pid = pid, id = pod.status.containerStatuses[1].containerID:gsub("^%w+://", ""),
    pod = pod.metadata.name, namespace = pod.metadata.namespace }
  self.runtimes[pod.metadata.uid] = rt
  self.cq:wrap(function()
    -- A loaded machine may take long to start node or python3: Ready when it listens.
    if wait_listening(pod, 8080, cqueues.monotime() + 60) and not pod.gone then
      on_ready()
    end
  end)
end

--- Answers the action protocol at once for a pod whose image serves no action runtime in the
-- sim (a pause-like image): every request on podIP:8080 gets 502 and a message saying so,
-- instead of a connection that nothing accepts.
function cluster:serve_nothing(pod)
  local image = pod.spec.containers[1].image
  local text = json.encode({ error = "the image " .. image .. " serves no action runtime "
    .. "in the sim (it runs kwhisk/action-lua, openwhisk/action-nodejs-v*, "
    .. "openwhisk/action-python-v3* and openwhisk/python3action)" })
  local ok, server = pcall(http_server.listen, { host = pod.status.podIP, port = 8080,
    reuseaddr = true, tls = false, cq = self.cq, onerror = function() end,
    onstream = function(_, stream)
      stream:get_body_as_string(10)
      local headers = http_headers.new()
      headers:append(":status", "502")
      headers:append("content-type", "application/json")
      stream:write_headers(headers, false)
      stream:write_chunk(text, true)
    end })
  if ok and server:listen() then
    self.listeners[pod.metadata.uid] = server
  end
end

--- The directory a runtime keeps pod's files in (zip actions), removed with the pod.
function cluster:workdir(pod)
  return self.log_dir .. "/" .. pod.metadata.uid .. ".d"
end

--- Stops pod's runtime. graceful: SIGTERM only, which the runtimes of OpenWhisk's images
-- ignore as a container's PID 1 without a handler does (kwhisk/action-lua's too);
-- otherwise SIGKILL, as the kubelet does at the end of the grace period.
function cluster:stop_runtime(pod, graceful)
  local listener, rt = self.listeners[pod.metadata.uid], self.runtimes[pod.metadata.uid]
  if listener then
    self.listeners[pod.metadata.uid] = nil
    listener:close()
  end
  if not rt then
    return
  elseif graceful then
    signal.kill(rt.pid, signal.SIGTERM)
    return
  end
  self.runtimes[pod.metadata.uid] = nil
  signal.kill(rt.pid, signal.SIGKILL)
  files.remove_tree(self:workdir(pod))
end

--- The runtime of the container with native id (containerID without scheme), or nil.
function cluster:runtime_by_id(id)
  for _, rt in pairs(self.runtimes) do
    if rt.id == id then
      return rt
    end
  end
end

--- Every action runtime process: {pod, namespace, id, pid, state}, state the kernel's
-- process state letter from /proc (R running, S sleeping, T stopped, ...; "?" when gone).
function cluster:runtime_list()
  local out = {}
  for _, rt in pairs(self.runtimes) do
    local f = io.open("/proc/" .. rt.pid .. "/stat")
    local stat = f and f:read("*a") or ""
    if f then f:close() end
    out[#out + 1] = { pod = rt.pod, namespace = rt.namespace, id = rt.id, pid = rt.pid,
      state = stat:match("^%d+ %b() (%a)") or "?" }
  end
  table.sort(out, function(a, b) return a.pod < b.pod end)
  return out
end

--- Suspends (SIGSTOP) or resumes (SIGCONT) the runtime of the container with native id
-- (containerID without its scheme), as the invoker agent does. Containers without a runtime
-- process have nothing to stop. Returns true, or nil and a message.
function cluster:suspend(id, on)
  local rt = self:runtime_by_id(id)
  if rt then
    signal.kill(rt.pid, on and signal.SIGSTOP or signal.SIGCONT)
    return true
  end
  for _, pod in ipairs(self.store:list("pods")) do
    for _, cs in ipairs(pod.status.containerStatuses or {}) do
      if cs.containerID and cs.containerID:gsub("^%w+://", "") == id then
        return true
      end
    end
  end
  return nil, "container " .. id .. " not found"
end

--- Reaps exited runtime processes (call now and then).
function cluster.reap()
  while true do
    local pid = wait.wait(-1, wait.WNOHANG)
    if not pid or pid == 0 then
      return
    end
  end
end

function cluster:lifecycle_context()
  local ctx = { now = now_string, null = json.null, array = json.array, object = json.object }
  function ctx.place(pod)
    return nodes.schedule(pod, self.store:list("nodes"), function(node)
      return self:usage(node)
    end)
  end
  function ctx.unscheduled(pod, retry) self.unscheduled[pod] = retry end
  function ctx.node_named(name) return self:node_named(name) end
  function ctx.orphaned(pod) self:collect_orphan(pod) end
  function ctx.after(seconds, fn) self:after(seconds, fn) end
  function ctx.update(pod)
    if not pod.gone then
      self.store:update("pods", pod)
    end
  end
  function ctx.event(pod, type_, reason, message) self:event(pod, type_, reason, message) end
  function ctx.pod_ip(pod)
    if not pod.status.podIP then
      local ip, n = self:allocate_ip()
      pod.ip_slot = n
      initial_logs(self, pod)
      return ip
    end
    return pod.status.podIP
  end
  function ctx.start_runtime(pod, runtime, on_ready) self:start_runtime(pod, runtime, on_ready) end
  function ctx.serve_nothing(pod) self:serve_nothing(pod) end
  function ctx.scaled(pod, seconds) return self:scaled(pod, seconds) end
  function ctx.lag(pod) return self:lag(pod) end
  -- The container's process runs (true) or not: followed logs end at once when it stops.
  function ctx.live(pod, index, on)
    pod.sim.live[index] = on or nil
    pod.sim.changed:signal()
  end
  return ctx
end

--- Stores a new (validated, defaulted) pod and starts its life.
function cluster:create_pod(pod, behaviour)
  lifecycle.pending(pod, self.ctx)
  -- What the kubelet knows before the status shows it (never served): which containers run.
  pod.sim = { live = {}, changed = condition.new(), kill = 0 }
  local ok, err = self.store:create("pods", pod)
  if not ok then
    return nil, err
  end
  lifecycle.run(pod, self.ctx, behaviour)
  return pod
end

-- Removes a pod for good: its runtime, its IP, its log files.
function cluster:remove_pod(pod)
  if pod.gone then
    return
  end
  pod.gone = true
  self:stop_runtime(pod)
  if pod.ip_slot then
    self.free_ips[#self.free_ips + 1] = pod.ip_slot
  end
  for _, c in ipairs(pod.spec.containers) do
    local path = self:log_path(pod, c.name)
    os.remove(path)
    for _, old in ipairs(podlog.rotated(path)) do
      os.remove(old)
    end
  end
  if pod.sim then
    pod.sim.changed:signal()
  end
  self.store:delete("pods", pod.metadata.namespace, pod.metadata.name)
  self.unscheduled[pod] = nil
  self:retry_unscheduled()
end

-- The containers of a Terminating pod have exited (exit_code, reason): followed logs end at
-- once, the status shows it after the status lag, and then the pod object goes (the kubelet's
-- final status update confirms the deletion).
function cluster:containers_exited(pod, exit_code, reason)
  if pod.gone or pod.sim.exited then
    return
  end
  pod.sim.exited = true
  self:stop_runtime(pod)
  for i in ipairs(pod.spec.containers) do
    self.ctx.live(pod, i, false)
  end
  self:after(self:lag(pod), function()
    if pod.gone then
      return
    end
    lifecycle.terminated(pod, self.ctx, exit_code, reason)
    self.store:update("pods", pod)
    self:remove_pod(pod)
  end)
end

--- The graceful delete of a pod (the API server's DELETE, an eviction, ...) with a grace
-- period in seconds. Idle pods and grace 0 go at once. Others get deletionTimestamp and
-- deletionGracePeriodSeconds and their containers SIGTERM: a process that exits on it
-- (annotation sim.kwhisk.io/sigterm: exit) stops after sim.kwhisk.io/stop-delay; others, like
-- OpenWhisk's runtimes, are killed (137) at the end of the grace period (scaled by the time
-- scale). A later delete with a shorter grace period shortens it. Returns the pod as the
-- DELETE answers it.
function cluster:delete_pod(pod, grace)
  local meta = pod.metadata
  if meta.deletionTimestamp and grace >= meta.deletionGracePeriodSeconds then
    return pod
  end
  if grace == 0 or lifecycle.idle(pod) then
    self:remove_pod(pod)
    return pod
  end
  local t = ktime.now()
  meta.deletionTimestamp = ktime.format(ktime.new(t.sec + grace, 0), "seconds")
  meta.deletionGracePeriodSeconds = grace
  pod.sim.kill = pod.sim.kill + 1
  local kill = pod.sim.kill
  if kill == 1 then
    lifecycle.kill(pod, self.ctx)
    self:stop_runtime(pod, true)
  end
  self.store:update("pods", pod)
  if lifecycle.exits_on_sigterm(pod) then
    local stop = tonumber((meta.annotations or {})[PREFIX .. "stop-delay"]) or 0.1
    self:after(math.min(stop, self:scaled(pod, grace)), function()
      self:containers_exited(pod, 0, "Completed")
    end)
  end
  self:after(self:scaled(pod, grace), function()
    if pod.sim.kill == kill then
      self:containers_exited(pod, 137, "Error")
    end
  end)
  return pod
end

-- True when the pod's node has been lost (its kubelet no longer reports).
function cluster:node_lost(pod)
  local node = self:node_named(pod.spec.nodeName)
  local ready = node and nodes.condition(node, "Ready")
  return ready ~= nil and ready.status ~= "True"
end

--- The API server's delete of a pod (a DELETE, an eviction, the taint manager), grace in
-- seconds or nil for the pod's own. The kubelet of the pod's node then stops it; on a lost
-- node nobody confirms the kill, so the pod stays Terminating (pkg/registry/core/pod/strategy.go
-- gives unscheduled and terminal pods a grace of 0: they go at once, as does a forced delete
-- with gracePeriodSeconds=0).
function cluster:request_delete(pod, grace)
  grace = grace or pod.spec.terminationGracePeriodSeconds or 30
  local phase = pod.status.phase
  if grace > 0 and pod.spec.nodeName and phase ~= "Succeeded" and phase ~= "Failed"
      and self:node_lost(pod) then
    if not pod.metadata.deletionTimestamp then
      local t = ktime.now()
      pod.metadata.deletionTimestamp = ktime.format(ktime.new(t.sec + grace, 0), "seconds")
      pod.metadata.deletionGracePeriodSeconds = grace
      self.store:update("pods", pod)
    end
    return pod
  end
  return self:delete_pod(pod, grace)
end

local function pod_condition(self, pod, type_, status_, reason, message)
  lifecycle.condition(pod, self.ctx, type_, status_, reason, message)
end

-- PodGC's quarantine before it deletes a pod bound to a node that does not exist
-- (pkg/controller/podgc/gc_controller.go, quarantineTime).
local ORPHAN_QUARANTINE = 40

--- PodGC (pkg/controller/podgc/gc_controller.go gcOrphaned): a pod bound to a node that still
-- does not exist after the quarantine is marked Failed with a DisruptionTarget condition and
-- deleted at once.
function cluster:collect_orphan(pod)
  self:after(self:scaled(pod, ORPHAN_QUARANTINE), function()
    if pod.gone or self:node_named(pod.spec.nodeName) then
      return
    end
    pod_condition(self, pod, "DisruptionTarget", "True", "DeletionByPodGC",
      "PodGC: node no longer exists")
    pod.status.phase = "Failed"
    self.store:update("pods", pod)
    self:delete_pod(pod, 0)
  end)
end

local UNREACHABLE = "node.kubernetes.io/unreachable"

-- The taint manager (pkg/controller/tainteviction): a pod on a node with a NoExecute taint is
-- deleted once its toleration's tolerationSeconds (scaled) are over; none tolerating: at once.
function cluster:taint_evict(pod, taint)
  local t = nodes.toleration(pod, taint)
  if t and t.tolerationSeconds == nil then
    return
  end
  self:after(t and self:scaled(pod, t.tolerationSeconds) or 0, function()
    if pod.gone or pod.metadata.deletionTimestamp or not self:node_lost(pod) then
      return
    end
    pod_condition(self, pod, "DisruptionTarget", "True", "DeletionByTaintManager",
      "Taint manager: deleting due to NoExecute taint")
    self:event(pod, "Normal", "TaintManagerEviction", "Marking for deletion Pod "
      .. pod.metadata.namespace .. "/" .. pod.metadata.name)
    self:request_delete(pod)
  end)
end

-- The node named name and the pods bound to it, or nil and a message.
function cluster:node_and_pods(name)
  local node = self:node_named(name)
  if not node then
    return nil, "no node " .. tostring(name)
  end
  return node, self.store:list("pods", nil, function(p) return p.spec.nodeName == name end)
end

-- The node's taints without the unreachable ones, which the node lifecycle controller
-- adds and removes (the node's own taints, from --nodes, stay).
local function own_taints(node)
  local kept = json.array({})
  for _, t in ipairs(node.spec.taints or {}) do
    if t.key ~= UNREACHABLE then kept[#kept + 1] = t end
  end
  return kept
end

--- Node loss (the fault API): the node lifecycle controller finds the kubelet silent, sets the
-- node's Ready condition Unknown, taints it unreachable and marks its pods not Ready
-- (pkg/controller/nodelifecycle, pkg/controller/util/node MarkPodsNotReady); the taint
-- manager evicts them later. Returns true, or nil and a message.
function cluster:lose_node(name)
  local node, pods = self:node_and_pods(name)
  if not node then
    return nil, pods
  end
  for _, c in ipairs(node.status.conditions) do
    c.status, c.lastTransitionTime = "Unknown", now_string()
    c.reason, c.message = "NodeStatusUnknown", "Kubelet stopped posting node status."
  end
  local taints = own_taints(node)
  local no_execute = { key = UNREACHABLE, effect = "NoExecute", timeAdded = now_string() }
  taints[#taints + 1] = { key = UNREACHABLE, effect = "NoSchedule", timeAdded = now_string() }
  taints[#taints + 1] = no_execute
  node.spec.taints = taints
  self.store:update("nodes", node)
  for _, pod in ipairs(pods) do
    pod_condition(self, pod, "Ready", "False", nil, nil)
    self:event(pod, "Warning", "NodeNotReady", "Node is not ready")
    self.store:update("pods", pod)
    self:taint_evict(pod, no_execute)
  end
  return true
end

--- The node is back: Ready again, without the unreachable taints; its kubelet confirms the
-- deletions that waited for it (Terminating pods go) and reports the other pods Ready again.
function cluster:restore_node(name)
  local node, pods = self:node_and_pods(name)
  if not node then
    return nil, pods
  end
  local taints = own_taints(node)
  node.status.conditions = nodes.healthy_conditions(now_string())
  node.spec.taints = #taints > 0 and taints or nil
  self.store:update("nodes", node)
  for _, pod in ipairs(pods) do
    if pod.metadata.deletionTimestamp then
      self:remove_pod(pod)
    elseif pod.status.phase == "Running" then
      local ready = true
      for _, cs in ipairs(pod.status.containerStatuses or {}) do
        ready = ready and cs.ready
      end
      pod_condition(self, pod, "Ready", ready and "True" or "False", nil, nil)
      self.store:update("pods", pod)
    end
  end
  self:retry_unscheduled()
  return true
end

--- Node-pressure eviction by the kubelet (pkg/kubelet/eviction): the pod's containers are
-- killed, its phase becomes Failed with reason Evicted and the kubelet's message; the pod
-- object stays until someone deletes it. resource: "memory" (default) or
-- "ephemeral-storage". Returns the pod, or nil and a message.
function cluster:evict_for_pressure(pod, resource)
  if not pod.spec.nodeName or pod.status.phase == "Failed" or pod.status.phase == "Succeeded" then
    return nil, "pod " .. pod.metadata.name .. " is not running on a node"
  end
  resource = resource or "memory"
  local c = pod.spec.containers[1]
  local request = ((c.resources or {}).requests or {})[resource] or "0"
  local message = "The node was low on resource: " .. resource .. ". Threshold quantity: "
    .. "100Mi, available: 51200Ki. Container " .. c.name .. " was using 300Mi, request is "
    .. request .. ", has larger consumption of " .. resource .. ". "
  self:stop_runtime(pod)
  for i in ipairs(pod.spec.containers) do
    self.ctx.live(pod, i, false)
  end
  for _, cs in ipairs(pod.status.containerStatuses or {}) do
    local started = cs.state and cs.state.running and cs.state.running.startedAt
    cs.state = { terminated = { exitCode = 137, reason = "Error",
      startedAt = started or now_string(),
      finishedAt = now_string(), containerID = cs.containerID } }
    cs.ready, cs.started = false, false
  end
  pod.status.phase, pod.status.reason, pod.status.message = "Failed", "Evicted", message
  pod_condition(self, pod, "DisruptionTarget", "True", "TerminationByKubelet", message)
  pod_condition(self, pod, "Ready", "False", "PodFailed", nil)
  pod_condition(self, pod, "ContainersReady", "False", "PodFailed", nil)
  self:event(pod, "Warning", "Evicted", message)
  self:event(pod, "Normal", "Killing", "Stopping container " .. c.name)
  self.store:update("pods", pod)
  self:retry_unscheduled()
  return pod
end

--- Stops every runtime (the sim is shutting down).
function cluster:shutdown()
  for _, pod in ipairs(self.store:list("pods")) do
    self:stop_runtime(pod)
  end
  cluster.reap()
end

return cluster
