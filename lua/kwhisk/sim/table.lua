--- kwhisk.sim.table: server-side printing, what kubectl asks for with
-- `Accept: application/json;as=Table;g=meta.k8s.io;v=v1`: a meta.k8s.io/v1 Table with the
-- columns and cells of kubernetes/kubernetes pkg/printers/internalversion/printers.go for pods,
-- nodes and events (and the default Name / Created At columns for other kinds), ages as
-- apimachinery's duration.HumanDuration writes them.
local json = require "kwhisk.json"
local ktime = require "kwhisk.time"

local tables = {}

local function column(name, priority, format)
  return { name = name, type = "string", format = format or "", description = "",
    priority = priority or 0 }
end

local COLUMNS = {
  pods = { column("Name", 0, "name"), column("Ready"), column("Status"), column("Restarts"),
    column("Age"), column("IP", 1), column("Node", 1), column("Nominated Node", 1),
    column("Readiness Gates", 1) },
  nodes = { column("Name", 0, "name"), column("Status"), column("Roles"), column("Age"),
    column("Version"), column("Internal-IP", 1), column("External-IP", 1),
    column("OS-Image", 1), column("Kernel-Version", 1), column("Container-Runtime", 1) },
  events = { column("Last Seen"), column("Type"), column("Reason"), column("Object"),
    column("Subobject", 1), column("Source", 1), column("Message"), column("First Seen", 1),
    column("Count", 1), column("Name", 1, "name") },
}
local DEFAULT_COLUMNS = { column("Name", 0, "name"),
  { name = "Created At", type = "date", format = "", description = "", priority = 0 } }

--- The Table options a request asks for: nil for plain JSON, else {include = "None" |
-- "Metadata" | "Object"} (the `includeObject` query parameter, Metadata by default).
function tables.wanted(req)
  local accept = req.headers:get("accept") or ""
  for media in accept:gmatch("[^,]+") do
    local params = {}
    for k, v in media:gmatch(";%s*([%w]+)=([^;%s]+)") do
      params[k] = v
    end
    if params.as == "Table" and params.g == "meta.k8s.io"
        and (params.v == "v1" or params.v == "v1beta1") then
      return { include = req.query.includeObject or "Metadata", version = params.v }
    end
    if media:match("^%s*application/json%s*$") or media:match("^%s*%*/%*") then
      return nil
    end
  end
end

--- duration.HumanDuration (k8s.io/apimachinery/pkg/util/duration) of seconds.
function tables.human_duration(seconds)
  local s = math.floor(seconds)
  if s < -1 then
    return "<invalid>"
  elseif s < 0 then
    return "0s"
  elseif s < 120 then
    return s .. "s"
  end
  local m = math.floor(s / 60)
  local function two(a, ua, b, ub)
    return b == 0 and a .. ua or a .. ua .. b .. ub
  end
  if m < 10 then
    return two(m, "m", s % 60, "s")
  elseif m < 180 then
    return m .. "m"
  end
  local h = math.floor(s / 3600)
  if h < 8 then
    return two(h, "h", m % 60, "m")
  elseif h < 48 then
    return h .. "h"
  elseif h < 24 * 8 then
    return two(math.floor(h / 24), "d", h % 24, "h")
  elseif h < 24 * 365 * 2 then
    return math.floor(h / 24) .. "d"
  elseif h < 24 * 365 * 8 then
    return two(math.floor(h / 24 / 365), "y", math.floor(h / 24) % 365, "d")
  end
  return math.floor(h / 24 / 365) .. "y"
end

-- translateTimestampSince: the age of an RFC 3339 time, "<unknown>" without one.
local function since(stamp)
  local t = stamp and ktime.parse(stamp)
  if not t then
    return "<unknown>"
  end
  return tables.human_duration(ktime.now().sec - t.sec)
end

local function condition_true(obj, type_)
  for _, c in ipairs(obj.status.conditions or {}) do
    if c.type == type_ then
      return c.status == "True"
    end
  end
  return false
end

-- printPod's STATUS: the phase or status.reason, then the last container's waiting or
-- terminated reason, Terminating (Unknown for NodeLost) once a deletionTimestamp is set.
local function pod_reason(pod)
  local st = pod.status
  local reason = st.reason or st.phase or ""
  local ready, restarts, running, last_restart = 0, 0, false, nil
  local statuses = st.containerStatuses or {}
  for i = #statuses, 1, -1 do
    local cs = statuses[i]
    restarts = restarts + (cs.restartCount or 0)
    local lt = cs.lastState and cs.lastState.terminated
    if lt and lt.finishedAt and (not last_restart or lt.finishedAt > last_restart) then
      last_restart = lt.finishedAt
    end
    local state = cs.state or {}
    if state.waiting and (state.waiting.reason or "") ~= "" then
      reason = state.waiting.reason
    elseif state.terminated and (state.terminated.reason or "") ~= "" then
      reason = state.terminated.reason
    elseif state.terminated then
      reason = state.terminated.signal and "Signal:" .. state.terminated.signal
        or "ExitCode:" .. tostring(state.terminated.exitCode)
    elseif cs.ready and state.running then
      running = true
      ready = ready + 1
    end
  end
  if reason == "Completed" and running then
    reason = condition_true(pod, "Ready") and "Running" or "NotReady"
  end
  for _, c in ipairs(st.conditions or {}) do
    if c.type == "PodScheduled" and c.reason == "SchedulingGated" then
      reason = "SchedulingGated"
    end
  end
  local terminal = st.phase == "Succeeded" or st.phase == "Failed"
  if pod.metadata.deletionTimestamp and st.reason == "NodeLost" then
    reason = "Unknown"
  elseif pod.metadata.deletionTimestamp and not terminal then
    reason = "Terminating"
  end
  local restarts_text = tostring(restarts)
  if restarts > 0 and last_restart then
    restarts_text = restarts .. " (" .. since(last_restart) .. " ago)"
  end
  return reason, ready, restarts_text
end

local function readiness_gates(pod)
  local gates = pod.spec.readinessGates or {}
  if #gates == 0 then
    return "<none>"
  end
  local n = 0
  for _, g in ipairs(gates) do
    n = n + (condition_true(pod, g.conditionType) and 1 or 0)
  end
  return n .. "/" .. #gates
end

local function pod_cells(pod)
  local reason, ready, restarts = pod_reason(pod)
  local ips = pod.status.podIPs or {}
  return { pod.metadata.name, ready .. "/" .. #pod.spec.containers, reason, restarts,
    since(pod.metadata.creationTimestamp), ips[1] and ips[1].ip or "<none>",
    pod.spec.nodeName or "<none>", pod.status.nominatedNodeName or "<none>",
    readiness_gates(pod) }
end

-- printNode: Ready or NotReady (SchedulingDisabled when cordoned), roles from node-role labels.
local function node_cells(node)
  local ready = condition_true(node, "Ready") and "Ready" or "NotReady"
  if node.spec.unschedulable then
    ready = ready .. ",SchedulingDisabled"
  end
  local roles = {}
  for k, v in pairs(node.metadata.labels or {}) do
    local role = k:match("^node%-role%.kubernetes%.io/(.+)$")
    if k == "kubernetes.io/role" and v ~= "" then
      role = v
    end
    roles[#roles + 1] = role
  end
  table.sort(roles)
  local info, ip = node.status.nodeInfo, "<none>"
  for _, a in ipairs(node.status.addresses or {}) do
    if a.type == "InternalIP" then
      ip = a.address
    end
  end
  return { node.metadata.name, ready, #roles > 0 and table.concat(roles, ",") or "<none>",
    since(node.metadata.creationTimestamp), info.kubeletVersion, ip, "<none>", info.osImage,
    info.kernelVersion, info.containerRuntimeVersion }
end

-- printEvent: "LAST SEEN" with "(xN over AGE)" for repeated events, Object as kind/name.
local function event_cells(ev)
  local first, last = since(ev.firstTimestamp or ev.metadata.creationTimestamp),
    since(ev.lastTimestamp or ev.metadata.creationTimestamp)
  local count = ev.count or 1
  local seen = count > 1 and last .. " (x" .. count .. " over " .. first .. ")" or last
  local io_ = ev.involvedObject or {}
  local source = ev.source or {}
  local from = source.component or ""
  if source.host and source.host ~= "" then
    from = from .. ", " .. source.host
  end
  local object = (io_.kind or ""):lower() .. "/" .. (io_.name or "")
  return { seen, ev.type or "", ev.reason or "", object,
    io_.fieldPath or "", from, ev.message or "", first, count, ev.metadata.name }
end

local CELLS = { pods = pod_cells, nodes = node_cells, events = event_cells }

local function row(resource, obj, want)
  local cells = CELLS[resource] and CELLS[resource](obj)
    or { obj.metadata.name, obj.metadata.creationTimestamp }
  local r = { cells = json.array(cells) }
  if want.include == "Object" then
    r.object = obj
  elseif want.include ~= "None" then
    r.object = { kind = "PartialObjectMetadata", apiVersion = "meta.k8s.io/v1",
      metadata = obj.metadata }
  end
  return r
end

--- A Table of objects (public forms) of resource; rv is the list's resourceVersion.
function tables.list(resource, objects, rv, want)
  local rows = json.array({})
  for i, obj in ipairs(objects) do
    rows[i] = row(resource, obj, want)
  end
  return { kind = "Table", apiVersion = "meta.k8s.io/" .. want.version,
    metadata = { resourceVersion = tostring(rv) },
    columnDefinitions = COLUMNS[resource] or DEFAULT_COLUMNS, rows = rows }
end

return tables
