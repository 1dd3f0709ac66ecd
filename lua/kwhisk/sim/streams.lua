--- kwhisk.sim.streams: the sim's long-lived answers: watches (chunked JSON events with
-- ADDED/MODIFIED/DELETED, BOOKMARK, ERROR 410, timeoutSeconds) and `pods/log` (the kubelet's
-- rules, follow, limitBytes, idle-cut faults).
local cqueues = require "cqueues"
local condition = require "cqueues.condition"
local json = require "kwhisk.json"
local ktime = require "kwhisk.time"
local podlog = require "kwhisk.sim.podlog"
local resources = require "kwhisk.sim.resources"
local status = require "kwhisk.sim.status"
local tables = require "kwhisk.sim.table"

local streams = {}

local PREFIX = "sim.kwhisk.io/"
-- How often (seconds) an idle watch checks that its client is still there.
local CLIENT_CHECK = 1

local function gone_status(rv, current)
  return status.new(410, "too old resource version: " .. rv .. " (" .. current .. ")", "Expired")
end

local function event_line(type_, obj)
  return json.encode({ type = type_, object = obj }) .. "\n"
end

-- How long a watch lasts (staging/src/k8s.io/apiserver/pkg/endpoints/handlers/get.go
-- ListResource): timeoutSeconds when given, else a random point between min-request-timeout
-- and twice it, so watches of many clients do not all end at once.
local function watch_seconds(sim, q)
  local given = tonumber(q.timeoutSeconds or "")
  if given and given > 0 then
    return given
  end
  return sim.min_request_timeout * (1 + math.random())
end

-- Replays what a watch starts with: ADDED for every object (no RV) or the changes since RV.
local function backlog(sim, resource, ns, keep, rv)
  local store = sim.cluster.store
  if not rv or rv == 0 then
    local out = {}
    for _, obj in ipairs(store:list(resource, ns, keep)) do
      out[#out + 1] = { type = "ADDED", object = resources.public(obj) }
    end
    return out, store.rv
  end
  local entries = store:since(resource, rv)
  if not entries then
    return nil
  end
  local out = {}
  for _, e in ipairs(entries) do
    if (ns == nil or e.object.metadata.namespace == ns) and keep(e.object) then
      out[#out + 1] = { type = e.type, object = resources.public(e.object) }
    end
  end
  return out, store.rv
end

function streams.watch(sim, req, resource, ns)
  local q = req.query
  local keep, err = resources.filter(resource, q)
  if not keep then
    return req:fail(err)
  end
  local rv = tonumber(q.resourceVersion or "")
  local fault = sim.faults:take({ watch_gone = true }, req.method, req.path)
  local initial = backlog(sim, resource, ns, keep, rv)
  if fault and fault.mode == "http" or not fault and not initial then
    return req:fail(gone_status(q.resourceVersion or "0", sim.cluster.store.rv))
  end
  req:write_headers(200, "application/json", { ["cache-control"] = "no-cache, private" })
  if fault then
    req:write(event_line("ERROR", gone_status(q.resourceVersion or "0", sim.cluster.store.rv)),
      true)
    return
  end
  local queue, cond = {}, condition.new()
  local unsubscribe = sim.cluster.store:subscribe(function(e)
    if e.kind == resource and (ns == nil or e.object.metadata.namespace == ns)
        and keep(e.object) then
      queue[#queue + 1] = { type = e.type, object = resources.public(e.object) }
      cond:signal()
    end
  end)
  local deadline = cqueues.monotime() + watch_seconds(sim, q)
  local bookmarks = req:bool("allowWatchBookmarks")
  local want = tables.wanted(req)
  local function line(type_, obj)
    if want and type_ ~= "BOOKMARK" and type_ ~= "ERROR" then
      obj = tables.list(resource, { obj }, obj.metadata.resourceVersion, want)
    end
    return event_line(type_, obj)
  end
  local next_bookmark = cqueues.monotime() + sim.bookmark_interval
  local kind = resources.kinds[resource]
  local ok = true
  for _, e in ipairs(initial) do
    ok = ok and req:write(line(e.type, e.object))
  end
  while ok do
    local left = deadline - cqueues.monotime()
    if left <= 0 then
      break
    end
    if #queue == 0 then
      local signalled = cond:wait(math.max(0.01, math.min(left,
        next_bookmark - cqueues.monotime(), CLIENT_CHECK)))
      ok = signalled or not req:client_gone()
      if ok and bookmarks and #queue == 0 and cqueues.monotime() >= next_bookmark then
        ok = req:write(event_line("BOOKMARK", { kind = kind.kind, apiVersion = kind.version,
          metadata = { resourceVersion = tostring(sim.cluster.store.rv) } }))
      end
      if cqueues.monotime() >= next_bookmark then
        next_bookmark = cqueues.monotime() + sim.bookmark_interval
      end
    end
    local batch = queue
    queue = {}
    for _, e in ipairs(batch) do
      ok = ok and req:write(line(e.type, e.object))
    end
  end
  unsubscribe()
  if ok then
    req:write("", true)
  end
end

-- The pods/log options, or nil and a 422/400 Status.
local function log_options(sim, req, pod)
  local q = req.query
  local causes = {}
  local function bad(fieldname, value, message)
    causes[#causes + 1] = { reason = "FieldValueInvalid", field = fieldname,
      message = "Invalid value: " .. value .. ": " .. message }
  end
  local o = { timestamps = req:bool("timestamps"), follow = req:bool("follow") }
  if q.sinceSeconds and q.sinceTime then
    causes[#causes + 1] = { reason = "FieldValueForbidden", field = "sinceSeconds",
      message = "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified" }
  end
  o.tail = tonumber(q.tailLines)
  if q.tailLines and (not o.tail or o.tail < 0) then
    bad("tailLines", q.tailLines, "must be greater than or equal to 0")
  end
  o.limit = tonumber(q.limitBytes)
  if q.limitBytes and (not o.limit or o.limit < 1) then
    bad("limitBytes", q.limitBytes, "must be greater than 0")
  end
  local since_seconds = tonumber(q.sinceSeconds)
  if q.sinceSeconds and (not since_seconds or since_seconds < 1) then
    bad("sinceSeconds", q.sinceSeconds, "must be greater than 0")
  elseif since_seconds then
    o.since = ktime.new(ktime.now().sec - math.floor(since_seconds), 0)
  end
  if q.sinceTime then
    o.since = ktime.parse(q.sinceTime)
    if not o.since then
      bad("sinceTime", '"' .. q.sinceTime .. '"', "must be an RFC 3339 time")
    end
  end
  -- The API server's ValidatePodLogOptions: with the PodLogsQuerySplitStreams gate a
  -- `stream` is checked, without it (1.32 on) any `stream` is refused.
  local stream = q.stream
  if stream and not sim.split_streams then
    causes[#causes + 1] = { reason = "FieldValueForbidden", field = "stream",
      message = "Forbidden: may not be specified" }
  elseif stream then
    local streams_ = { All = false, Stdout = "stdout", Stderr = "stderr" }
    if streams_[stream] == nil then
      causes[#causes + 1] = { reason = "FieldValueNotSupported", field = "stream",
        message = "Unsupported value: \"" .. stream .. "\": supported values: \"All\", "
          .. "\"Stdout\", \"Stderr\"" }
    elseif streams_[stream] and o.tail then
      causes[#causes + 1] = { reason = "FieldValueForbidden", field = "",
        message = "Forbidden: `tailLines` and specific `stream` are mutually exclusive for now" }
    end
    o.stream = streams_[stream] or nil
  end
  if #causes > 0 then
    local name = pod.metadata.name
    local parts = {}
    for i, c in ipairs(causes) do
      parts[i] = c.field .. ": " .. c.message
    end
    local list = #parts == 1 and parts[1] or "[" .. table.concat(parts, ", ") .. "]"
    return nil, status.invalid("PodLogOptions", name, "PodLogOptions \"" .. name
      .. "\" is invalid: " .. list, causes)
  end
  return o
end

-- The container a log request names, or nil and a 400 Status.
local function log_container(pod, name)
  local containers = pod.spec.containers
  if not name then
    if #containers == 1 then
      return containers[1], 1
    end
    local names = {}
    for i, c in ipairs(containers) do
      names[i] = c.name
    end
    return nil, status.new(400, "a container name must be specified for pod "
      .. pod.metadata.name .. ", choose one of: [" .. table.concat(names, " ") .. "]")
  end
  for i, c in ipairs(containers) do
    if c.name == name then
      return c, i
    end
  end
  return nil, status.new(400, "container " .. name .. " is not valid for pod "
    .. pod.metadata.name)
end

-- validateContainerLogStatus (pkg/kubelet/kubelet_pods.go): what a waiting container says.
local WAITING_TEXT = { ErrImagePull = "image can't be pulled",
  ImagePullBackOff = "trying and failing to pull image" }

local function waiting_error(c, name, reason)
  return status.new(400, "container \"" .. c.name .. "\" in pod \"" .. name
    .. "\" is waiting to start: " .. (WAITING_TEXT[reason] or reason))
end

-- The kubelet's log errors a kubelet_log fault stands for, as Status bodies.
local KUBELET_LOG_ERRORS = {
  unretrievable = function(_, _, cs)
    return status.new(400, "unable to retrieve container logs for " .. tostring(cs.containerID))
  end,
  ["pull-backoff"] = function(c, name) return waiting_error(c, name, "ImagePullBackOff") end,
  creating = function(c, name) return waiting_error(c, name, "ContainerCreating") end,
  terminated = function(c, name)
    return status.new(400, "container \"" .. c.name .. "\" in pod \"" .. name
      .. "\" is terminated")
  end,
  ["pod-missing"] = function(_, name)
    return status.new(404, "pod \"" .. name .. "\" does not exist")
  end,
}

-- Whether the container's process runs (the kubelet knows before the status shows it).
local function running(pod, index)
  return not pod.gone and pod.sim.live[index] ~= nil
end

local function offset_minutes(text)
  local sign, h, m = (text or ""):match("^([+-])(%d%d):(%d%d)$")
  if not sign then
    return 0
  end
  return (sign == "-" and -1 or 1) * (tonumber(h) * 60 + tonumber(m))
end

-- Follows the log until the container stops: each write to the file wakes the request (the
-- sim's log watch), a change of the pod too; the client is looked for at least once a second.
-- true when the container stopped, false when limitBytes ended the answer, nil when the
-- connection is over (the client has gone, or an idle_cut fault cut it).
local function follow(sim, req, pod, index, reader, o, generation, emit)
  local path = reader.path
  local pod_changed = condition.new()
  local unsubscribe = sim.cluster.store:subscribe(function(e)
    if e.object == pod then
      pod_changed:signal()
    end
  end)
  local cut = sim.faults:take({ idle_cut = true }, req.method, req.path)
  local idle_since, ok = cqueues.monotime(), true
  while ok and running(pod, index) do
    local wait = CLIENT_CHECK
    if cut then
      wait = math.max(0, math.min(wait, idle_since + (cut.seconds or 0) - cqueues.monotime()))
    end
    sim.logwatch:wait(path, generation, wait, pod_changed, pod.sim.changed)
    if req:client_gone() then
      ok = nil
      break
    end
    generation = sim.logwatch:generation(path)
    local batch = podlog.select(reader:poll(), { stream = o.stream, since = o.since })
    if #batch > 0 then
      idle_since = cqueues.monotime()
      ok = emit(batch)
    elseif cut and cqueues.monotime() - idle_since >= (cut.seconds or 0) then
      req.stream.connection:shutdown()
      ok = nil
    end
  end
  unsubscribe()
  return ok
end

function streams.log(sim, req, ns, name)
  local pod = sim.cluster.store:get("pods", ns, name)
  if not pod then
    return req:fail(status.not_found("pods", name))
  end
  local c, index = log_container(pod, req.query.container)
  if not c then
    return req:fail(index)
  end
  local o, err = log_options(sim, req, pod)
  if not o then
    return req:fail(err)
  end
  if not pod.spec.nodeName then
    return req:send(204, "", nil)
  end
  -- A pod created bound to a node: the API server finds no kubelet for a node that does not
  -- exist (pkg/registry/core/pod/strategy.go LogLocation), and the kubelet does not know the
  -- pod before it admits it (pkg/kubelet/server/server.go getContainerLogs).
  if not sim.cluster:node_named(pod.spec.nodeName) then
    return req:fail(status.not_found("nodes", pod.spec.nodeName))
  elseif not pod.status.containerStatuses then
    return req:fail(KUBELET_LOG_ERRORS["pod-missing"](c, name))
  end
  local cs = pod.status.containerStatuses[index]
  local waiting = cs.state and cs.state.waiting
  if waiting and not cs.lastState.terminated then
    return req:fail(waiting_error(c, name, waiting.reason))
  end
  local fault = sim.faults:take({ kubelet_log = true }, req.method, req.path)
  if fault then
    return req:fail(KUBELET_LOG_ERRORS[fault.error](c, name, cs))
  end
  local annotations = pod.metadata.annotations or {}
  local style = ({ trimmed = "trimmed", seconds = "seconds" })[
    annotations[PREFIX .. "log-timestamps"]] or "fixed"
  local offset = offset_minutes(annotations[PREFIX .. "log-offset"])
  local path = sim.cluster:log_path(pod, c.name)
  local reader = podlog.reader(path)
  local generation = o.follow and sim.logwatch:generation(path)
  local lines = podlog.select(reader:poll(), o)
  local left = o.limit or math.huge
  req:write_headers(200, "text/plain", { ["cache-control"] = "no-cache, private" })
  local function emit(batch)
    for _, l in ipairs(batch) do
      local text = podlog.render(l, o.timestamps, style, offset)
      if #text >= left then
        req:write(text:sub(1, left))
        return false
      end
      left = left - #text
      if not req:write(text) then
        return false
      end
    end
    return true
  end
  local ok = emit(lines)
  if ok and o.follow then
    ok = follow(sim, req, pod, index, reader, o, generation, emit)
    if ok == nil then
      reader:close()
      return
    end
  end
  if ok and o.follow then
    emit(podlog.select(reader:poll(), { stream = o.stream, since = o.since }))
  end
  reader:close()
  req:write("", true)
end

return streams
