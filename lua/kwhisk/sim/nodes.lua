--- kwhisk.sim.nodes: the sim's nodes and its scheduler. A node is a Node object (labels,
-- taints, allocatable, a Ready condition) read from a YAML or JSON file of Node manifests, or
-- the default one node labelled `openwhisk-role=invoker`. The scheduler runs the filters of
-- the default profile that matter to an action pod (kubernetes/kubernetes
-- pkg/scheduler/framework/plugins: nodeunschedulable, tainttoleration, nodeaffinity,
-- noderesources/fit.go), scores the feasible nodes and words a failure as
-- pkg/scheduler/framework/types.go's FitError does.
local json = require "kwhisk.json"
local selector = require "kwhisk.sim.selector"

local nodes = {}

nodes.DEFAULT_NAME = "kwhisk-sim-node"
nodes.KUBELET_VERSION = "v1.30.0"

local DEFAULT_ALLOCATABLE = { cpu = "8", memory = "32Gi", pods = "110",
  ["ephemeral-storage"] = "100Gi" }

-- resource.Quantity suffixes (k8s.io/apimachinery/pkg/api/resource/suffix.go).
local SUFFIX = { [""] = 1, n = 1e-9, u = 1e-6, m = 1e-3, k = 1e3, M = 1e6, G = 1e9, T = 1e12,
  P = 1e15, E = 1e18, Ki = 2 ^ 10, Mi = 2 ^ 20, Gi = 2 ^ 30, Ti = 2 ^ 40, Pi = 2 ^ 50,
  Ei = 2 ^ 60 }

--- A Kubernetes quantity ("250m", "2", "256Mi", "1e3", a number) as a number, or nil.
function nodes.quantity(v)
  if type(v) == "number" then
    return v
  end
  if type(v) ~= "string" then
    return nil
  end
  local n = v:match("^[+-]?%d*%.?%d+[eE][+-]?%d+$") and tonumber(v)
  if n then
    return n
  end
  local num, suffix = v:match("^([+-]?%d*%.?%d+)(%a*)$")
  local mult = suffix and SUFFIX[suffix]
  return mult and tonumber(num) * mult or nil
end

local function copy_map(t)
  local out = json.object({})
  for k, v in pairs(t or {}) do
    out[k] = v
  end
  return out
end

--- The conditions of a healthy node as its kubelet reports them (pkg/kubelet/nodestatus).
function nodes.healthy_conditions(now)
  local function cond(type_, status, reason, message)
    return { type = type_, status = status, reason = reason, message = message,
      lastHeartbeatTime = now, lastTransitionTime = now }
  end
  return json.array({
    cond("MemoryPressure", "False", "KubeletHasSufficientMemory",
      "kubelet has sufficient memory available"),
    cond("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
    cond("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
    cond("Ready", "True", "KubeletReady", "kubelet is posting ready status") })
end

-- The Node object for a manifest-like spec (metadata.name, labels, spec.taints,
-- spec.unschedulable, status.allocatable or status.capacity), defaults filled in.
local function node_object(m, ip, now)
  local meta = m.metadata or {}
  local labels = copy_map(meta.labels)
  labels["kubernetes.io/hostname"] = labels["kubernetes.io/hostname"] or meta.name
  labels["kubernetes.io/os"] = labels["kubernetes.io/os"] or "linux"
  labels["kubernetes.io/arch"] = labels["kubernetes.io/arch"] or "amd64"
  local status = m.status or {}
  local allocatable = copy_map(DEFAULT_ALLOCATABLE)
  for k, v in pairs(status.allocatable or status.capacity or {}) do
    allocatable[k] = tostring(v)
  end
  local spec = { taints = json.array({}), unschedulable = (m.spec or {}).unschedulable or nil }
  for i, t in ipairs((m.spec or {}).taints or {}) do
    spec.taints[i] = { key = t.key, value = t.value, effect = t.effect }
  end
  if #spec.taints == 0 then
    spec.taints = nil
  end
  return { apiVersion = "v1", kind = "Node",
    metadata = { name = meta.name, labels = labels, annotations = copy_map(meta.annotations) },
    spec = spec,
    status = { capacity = copy_map(allocatable), allocatable = allocatable,
      conditions = nodes.healthy_conditions(now),
      addresses = json.array({ { type = "InternalIP", address = ip },
        { type = "Hostname", address = meta.name } }),
      nodeInfo = { kubeletVersion = nodes.KUBELET_VERSION, kubeProxyVersion = nodes.KUBELET_VERSION,
        containerRuntimeVersion = "containerd://1.7.15", osImage = "kwhisk sim",
        kernelVersion = "6.1.0", operatingSystem = "linux", architecture = "amd64",
        machineID = "", systemUUID = "", bootID = "" },
      daemonEndpoints = { kubeletEndpoint = { Port = 10250 } } } }
end

--- The default node: one node labelled openwhisk-role=invoker, as OpenWhisk's invoker nodes are.
function nodes.default_specs()
  return { { metadata = { name = nodes.DEFAULT_NAME,
    labels = { ["openwhisk-role"] = "invoker" } } } }
end

local EFFECTS = { NoSchedule = true, PreferNoSchedule = true, NoExecute = true }

--- Reads node specs from a YAML (or JSON) file: Node manifests, one per document, or a
-- NodeList / List / plain list. Returns the list or nil and a message naming what is wrong.
function nodes.load(path)
  local docs, err = require("kwhisk.yaml").load_file(path)
  if not docs then
    return nil, err
  end
  local list = {}
  local function add(doc, where)
    if type(doc) ~= "table" then
      return where .. ": a node must be a mapping"
    end
    if #doc > 0 or doc.items then
      for i, item in ipairs(doc.items or doc) do
        local problem = add(item, where .. "[" .. (i - 1) .. "]")
        if problem then
          return problem
        end
      end
      return
    end
    if doc.kind and doc.kind ~= "Node" then
      return where .. ": kind must be Node, got " .. tostring(doc.kind)
    end
    local name = type(doc.metadata) == "table" and doc.metadata.name
    if type(name) ~= "string" or not name:match("^[a-z0-9][-a-z0-9.]*$") then
      return where .. ": metadata.name must be a DNS-1123 name, got " .. tostring(name)
    end
    for _, t in ipairs((doc.spec or {}).taints or {}) do
      if not EFFECTS[t.effect] then
        return where .. ": taint " .. tostring(t.key) .. " needs an effect NoSchedule, "
          .. "PreferNoSchedule or NoExecute"
      end
    end
    list[#list + 1] = doc
  end
  for i, doc in ipairs(docs) do
    local problem = add(doc, path .. ": document " .. i)
    if problem then
      return nil, problem
    end
  end
  if #list == 0 then
    return nil, path .. ": no nodes"
  end
  return list
end

--- Node objects for specs; node i gets the host IP 127.net.0.i.
function nodes.objects(specs, net, now)
  local out = {}
  for i, m in ipairs(specs) do
    out[i] = node_object(m, "127." .. net .. ".0." .. i, now)
  end
  return out
end

--- The node's InternalIP (its host IP).
function nodes.ip(node)
  return node.status.addresses[1].address
end

--- The node's condition of type_, or nil.
function nodes.condition(node, type_)
  for _, c in ipairs(node.status.conditions) do
    if c.type == type_ then
      return c
    end
  end
end

--- The requests of a pod, summed over its containers (the API server has defaulted each
-- container's requests from its limits), as numbers; `pods` is 1.
function nodes.requests(pod)
  local sum = { pods = 1 }
  for _, c in ipairs(pod.spec.containers) do
    for r, v in pairs((c.resources or {}).requests or {}) do
      sum[r] = (sum[r] or 0) + (nodes.quantity(v) or 0)
    end
  end
  return sum
end

-- v1 Toleration.ToleratesTaint (k8s.io/api/core/v1/toleration.go).
local function tolerates(t, taint)
  if (t.effect or "") ~= "" and t.effect ~= taint.effect then
    return false
  end
  if (t.key or "") ~= "" and t.key ~= taint.key then
    return false
  end
  if t.operator == "Exists" then
    return true
  end
  return (t.operator == nil or t.operator == "" or t.operator == "Equal")
    and (t.value or "") == (taint.value or "")
end

--- The first taint of node with one of effects (a set) that the pod does not tolerate, or nil.
function nodes.untolerated(pod, node, effects)
  for _, taint in ipairs(node.spec.taints or {}) do
    if effects[taint.effect] then
      local ok = false
      for _, t in ipairs(pod.spec.tolerations or {}) do
        ok = ok or tolerates(t, taint)
      end
      if not ok then
        return taint
      end
    end
  end
end

--- The toleration of the pod for taint, or nil.
function nodes.toleration(pod, taint)
  for _, t in ipairs(pod.spec.tolerations or {}) do
    if tolerates(t, taint) then
      return t
    end
  end
end

local function term_matches(term, node)
  local exprs, fields = term.matchExpressions or {}, term.matchFields or {}
  if #exprs == 0 and #fields == 0 then
    return false
  end
  for _, e in ipairs(exprs) do
    if not selector.match_expression(e, node.metadata.labels) then
      return false
    end
  end
  for _, f in ipairs(fields) do
    if f.key ~= "metadata.name"
        or not selector.match_expression(f, { ["metadata.name"] = node.metadata.name }) then
      return false
    end
  end
  return true
end

-- nodeSelector and required node affinity (component-helpers/scheduling/corev1/nodeaffinity).
local function affinity_matches(pod, node)
  for k, v in pairs(pod.spec.nodeSelector or {}) do
    if node.metadata.labels[k] ~= v then
      return false
    end
  end
  local na = (pod.spec.affinity or {}).nodeAffinity or {}
  local required = na.requiredDuringSchedulingIgnoredDuringExecution
  if not required then
    return true
  end
  for _, term in ipairs(required.nodeSelectorTerms or {}) do
    if term_matches(term, node) then
      return true
    end
  end
  return false
end

local NO_SCHEDULE = { NoSchedule = true, NoExecute = true }
local ORDER = { "pods", "cpu", "memory", "ephemeral-storage" }

-- noderesources/fit.go fitsRequest: "Too many pods", then "Insufficient <resource>".
local function fit_reasons(pod, node, used)
  local want, reasons = nodes.requests(pod), {}
  local names, seen = {}, {}
  for _, r in ipairs(ORDER) do
    names[#names + 1], seen[r] = r, true
  end
  local extra = {}
  for r in pairs(want) do
    if not seen[r] then
      extra[#extra + 1] = r
    end
  end
  table.sort(extra)
  for _, r in ipairs(extra) do
    names[#names + 1] = r
  end
  for _, r in ipairs(names) do
    local amount = want[r] or 0
    if amount > 0 then
      local free = (nodes.quantity(node.status.allocatable[r]) or 0) - (used[r] or 0)
      if amount > free then
        reasons[#reasons + 1] = r == "pods" and "Too many pods" or "Insufficient " .. r
      end
    end
  end
  return reasons
end

--- Why the pod cannot go to node: nil when it fits, else a list of reasons and whether
-- preemption could help (only for resources).
function nodes.filter(pod, node, used)
  if node.spec.unschedulable and not nodes.toleration(pod,
      { key = "node.kubernetes.io/unschedulable", effect = "NoSchedule" }) then
    return { "node(s) were unschedulable" }, false
  end
  local taint = nodes.untolerated(pod, node, NO_SCHEDULE)
  if taint then
    return { "node(s) had untolerated taint {" .. taint.key .. ": " .. (taint.value or "")
      .. "}" }, false
  end
  if not affinity_matches(pod, node) then
    return { "node(s) didn't match Pod's node affinity/selector" }, false
  end
  local reasons = fit_reasons(pod, node, used)
  if #reasons > 0 then
    return reasons, true
  end
end

-- Scores a feasible node: preferred node affinity (weight 2), free cpu and memory after the
-- pod (LeastAllocated, weight 1) and PreferNoSchedule taints it does not tolerate (weight 3).
local function score(pod, node, used)
  local prefer = 0
  local na = (pod.spec.affinity or {}).nodeAffinity or {}
  for _, p in ipairs(na.preferredDuringSchedulingIgnoredDuringExecution or {}) do
    if p.preference and term_matches(p.preference, node) then
      prefer = prefer + (tonumber(p.weight) or 0)
    end
  end
  local want, free = nodes.requests(pod), 0
  for _, r in ipairs({ "cpu", "memory" }) do
    local cap = nodes.quantity(node.status.allocatable[r]) or 0
    if cap > 0 then
      free = free + 50 * (cap - (used[r] or 0) - (want[r] or 0)) / cap
    end
  end
  local taints = 0
  for _, t in ipairs(node.spec.taints or {}) do
    if t.effect == "PreferNoSchedule" and not nodes.toleration(pod, t) then
      taints = taints + 1
    end
  end
  return 2 * prefer + free - 3 * 100 * taints
end

local function histogram(counts, n)
  local parts = {}
  for reason, count in pairs(counts) do
    parts[#parts + 1] = count .. " " .. reason
  end
  table.sort(parts)
  return "0/" .. n .. " nodes are available: " .. table.concat(parts, ", ") .. "."
end

--- Picks a node for the pod among list (Node objects) with usage(node) giving what the pods
-- already there request. Returns the node, or nil and the scheduler's message.
function nodes.schedule(pod, list, usage)
  if #list == 0 then
    return nil, "no nodes available to schedule pods"
  end
  local best, best_score
  local reasons, preemption = {}, {}
  for _, node in ipairs(list) do
    local used = usage(node)
    local why, resolvable = nodes.filter(pod, node, used)
    if why then
      for _, r in ipairs(why) do
        reasons[r] = (reasons[r] or 0) + 1
      end
      local p = resolvable and "No preemption victims found for incoming pod"
        or "Preemption is not helpful for scheduling"
      preemption[p] = (preemption[p] or 0) + 1
    else
      local s = score(pod, node, used)
      if not best or s > best_score then
        best, best_score = node, s
      end
    end
  end
  if best then
    return best
  end
  return nil, histogram(reasons, #list) .. " preemption: " .. histogram(preemption, #list)
end

return nodes
