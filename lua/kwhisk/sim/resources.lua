--- kwhisk.sim.resources: the handlers of the sim's REST resources: pods (create, get, list,
-- delete, deletecollection, patch), events (list) and policy/v1 PodDisruptionBudgets
-- (create, get, list, delete), with the API server's defaults, validation and Status errors.
local json = require "kwhisk.json"
local ktime = require "kwhisk.time"
local ids = require "kwhisk.sim.ids"
local lifecycle = require "kwhisk.sim.lifecycle"
local schema = require "kwhisk.sim.schema"
local selector = require "kwhisk.sim.selector"
local status = require "kwhisk.sim.status"
local tables = require "kwhisk.sim.table"
local validate = require "kwhisk.sim.validate"

local resources = {}

-- Whether a dryRun option asks for a dry run: "All" in a query, ["All"] in a body's
-- DeleteOptions (a list there).
local function is_dry_run(v)
  return v == "All" or (type(v) == "table" and v[1] == "All")
end

local function field(path)
  return function(obj)
    local v = obj
    for part in path:gmatch("[^.]+") do
      v = type(v) == "table" and v[part] or nil
    end
    return v ~= nil and tostring(v) or nil
  end
end

local function fields(names)
  local t = {}
  for _, n in ipairs(names) do
    t[n] = field(n)
  end
  return t
end

-- Each resource: its kind, list kind, API version, group and supported field selectors.
resources.kinds = {
  pods = { kind = "Pod", list = "PodList", version = "v1", fields = fields({
    "metadata.name", "metadata.namespace", "status.phase", "spec.nodeName",
    "spec.restartPolicy", "status.podIP" }) },
  events = { kind = "Event", list = "EventList", version = "v1", fields = fields({
    "metadata.name", "metadata.namespace", "involvedObject.name", "involvedObject.namespace",
    "involvedObject.kind", "involvedObject.uid", "reason", "type", "source" }) },
  nodes = { kind = "Node", list = "NodeList", version = "v1", fields = fields({
    "metadata.name", "spec.unschedulable" }) },
  poddisruptionbudgets = { kind = "PodDisruptionBudget", list = "PodDisruptionBudgetList",
    version = "policy/v1", group = "policy", fields = fields({ "metadata.name",
    "metadata.namespace" }) },
}

local function now_string()
  return ktime.format(ktime.now(), "seconds")
end

--- A filter for list/watch from the query's selectors, or nil and a 400 Status.
function resources.filter(resource, query)
  local labels, lerr = selector.labels(query.labelSelector)
  if not labels then
    return nil, status.new(400, lerr)
  end
  local flds, ferr = selector.fields(query.fieldSelector, resources.kinds[resource].fields)
  if not flds then
    return nil, status.new(400, ferr)
  end
  return function(obj)
    return selector.match_labels(labels, obj.metadata.labels)
      and selector.match_fields(flds, obj)
  end
end

-- Fields the sim keeps on its objects and never serves.
local INTERNAL = { gone = true, ip_slot = true, sim = true }

-- The object as the API answers it (internal fields such as `gone` left out).
function resources.public(obj)
  local out = {}
  for k, v in pairs(obj) do
    if type(k) == "string" and not INTERNAL[k] then
      out[k] = v
    end
  end
  return out
end

function resources.list(sim, req, resource, ns)
  local keep, err = resources.filter(resource, req.query)
  if not keep then
    return req:fail(err)
  end
  local k = resources.kinds[resource]
  local items = json.array({})
  for _, obj in ipairs(sim.cluster.store:list(resource, ns, keep)) do
    if resource == "poddisruptionbudgets" then
      resources.pdb_status(sim, obj)
    end
    items[#items + 1] = resources.public(obj)
  end
  local want = tables.wanted(req)
  if want then
    return req:json(200, tables.list(resource, items, sim.cluster.store.rv, want))
  end
  req:json(200, { kind = k.list, apiVersion = k.version, items = items,
    metadata = { resourceVersion = tostring(sim.cluster.store.rv) } })
end

function resources.get(sim, req, resource, ns, name)
  local obj = sim.cluster.store:get(resource, ns, name)
  if obj and resource == "poddisruptionbudgets" then
    resources.pdb_status(sim, obj)
  end
  if not obj then
    return req:fail(status.not_found(resource, name, resources.kinds[resource].group))
  end
  local want = tables.wanted(req)
  if want then
    return req:json(200, tables.list(resource, { resources.public(obj) },
      obj.metadata.resourceVersion, want))
  end
  req:json(200, resources.public(obj))
end

-- Reads the body of a create: the object, or nil after answering the error.
local function object_body(req, resource, ns)
  local obj, err, raw = req:json_body()
  if not obj then
    if err == "too large" then
      return req:fail(status.new(413, "Request entity too large: limit is " .. req.limit))
    end
    return req:fail(status.new(400, err or "the body of a create must be an object"))
  end
  local k = resources.kinds[resource]
  local wrong_type = schema.create_error(k.kind, obj, raw)
  if wrong_type then
    return req:fail(status.new(400, wrong_type))
  end
  if obj.kind and obj.kind ~= k.kind then
    return req:fail(status.new(400, "the kind of the provided object (" .. tostring(obj.kind)
      .. ") does not match " .. k.kind))
  end
  obj.metadata = obj.metadata or {}
  local meta = obj.metadata
  if meta.namespace and meta.namespace ~= ns then
    return req:fail(status.new(400, "the namespace of the provided object does not match "
      .. "the namespace sent on the request"))
  end
  meta.namespace = ns
  obj.kind, obj.apiVersion = k.kind, k.version
  return obj
end

local function stamp_metadata(meta)
  meta.uid = ids.uid()
  meta.creationTimestamp = now_string()
  meta.resourceVersion = nil
  meta.generation = 1
end

local function pull_policy(image)
  local tag = image:match(":([^/:]+)$")
  return (tag == nil or tag == "latest") and "Always" or "IfNotPresent"
end

-- The DefaultTolerationSeconds admission plugin (plugin/pkg/admission/defaulttolerationseconds):
-- every pod tolerates a not-ready or unreachable node for `seconds`, then it is evicted.
local function default_tolerations(spec, seconds)
  local have = {}
  for _, t in ipairs(spec.tolerations or {}) do
    if t.effect == "NoExecute" or t.effect == nil then
      have[t.key or ""] = true
    end
  end
  if have[""] then
    return
  end
  spec.tolerations = spec.tolerations or json.array({})
  for _, key in ipairs({ "node.kubernetes.io/not-ready", "node.kubernetes.io/unreachable" }) do
    if not have[key] then
      spec.tolerations[#spec.tolerations + 1] = { key = key, operator = "Exists",
        effect = "NoExecute", tolerationSeconds = seconds }
    end
  end
end

-- SetDefaults_Pod: a container's requests default to its limits.
local function requests_from_limits(c)
  local limits = c.resources.limits
  if type(limits) ~= "table" or next(limits) == nil then
    return
  end
  c.resources.requests = c.resources.requests or json.object({})
  for r, v in pairs(limits) do
    if c.resources.requests[r] == nil then
      c.resources.requests[r] = v
    end
  end
end

local function pod_defaults(pod, toleration_seconds)
  local spec = pod.spec
  spec.restartPolicy = spec.restartPolicy or "Always"
  spec.terminationGracePeriodSeconds = spec.terminationGracePeriodSeconds or 30
  spec.dnsPolicy = spec.dnsPolicy or "ClusterFirst"
  spec.schedulerName = spec.schedulerName or "default-scheduler"
  spec.securityContext = spec.securityContext or json.object({})
  for _, c in ipairs(spec.containers) do
    c.imagePullPolicy = c.imagePullPolicy or pull_policy(c.image)
    c.terminationMessagePath = c.terminationMessagePath or "/dev/termination-log"
    c.terminationMessagePolicy = c.terminationMessagePolicy or "File"
    c.resources = c.resources or json.object({})
    requests_from_limits(c)
  end
  default_tolerations(spec, toleration_seconds)
end

function resources.create_pod(sim, req, ns)
  local pod = object_body(req, "pods", ns)
  if not pod then
    return
  end
  pod.spec = type(pod.spec) == "table" and pod.spec or {}
  local causes = validate.pod(pod)
  local behaviour, berr
  if #causes == 0 then
    behaviour, berr = lifecycle.behaviour(pod)
    if not behaviour then
      causes[1] = { reason = "FieldValueInvalid", field = "metadata.annotations", message = berr }
    end
  end
  if #causes > 0 then
    local name = pod.metadata.name
    return req:fail(status.invalid("Pod", name, validate.message("Pod", name, causes), causes))
  end
  if sim.cluster.store:get("pods", ns, pod.metadata.name) then
    return req:fail(status.exists("pods", pod.metadata.name))
  end
  stamp_metadata(pod.metadata)
  pod_defaults(pod, sim.toleration_seconds or 300)
  if is_dry_run(req.query.dryRun) then
    lifecycle.pending(pod, sim.cluster.ctx)
    return req:json(201, pod)
  end
  sim.cluster:create_pod(pod, behaviour)
  req:json(201, resources.public(pod))
end

function resources.create_pdb(sim, req, ns)
  local pdb = object_body(req, "poddisruptionbudgets", ns)
  if not pdb then
    return
  end
  local causes = {}
  validate.name(causes, pdb.metadata.name)
  validate.labels(causes, pdb.metadata.labels, "metadata.labels")
  if #causes > 0 then
    local name = pdb.metadata.name
    return req:fail(status.invalid("PodDisruptionBudget", name,
      validate.message("PodDisruptionBudget.policy", name, causes), causes, "policy"))
  end
  if sim.cluster.store:get("poddisruptionbudgets", ns, pdb.metadata.name) then
    return req:fail(status.exists("poddisruptionbudgets", pdb.metadata.name, "policy"))
  end
  stamp_metadata(pdb.metadata)
  pdb.spec = pdb.spec or json.object({})
  pdb.status = { currentHealthy = 0, desiredHealthy = 0, disruptionsAllowed = 0,
    expectedPods = 0, observedGeneration = 1 }
  if not is_dry_run(req.query.dryRun) then
    sim.cluster.store:create("poddisruptionbudgets", pdb)
  end
  req:json(201, pdb)
end

-- DeleteOptions from the body, else from the query; nil after answering an error.
local function delete_options(req)
  local opts, err = req:json_body()
  err = err or opts and schema.decode("DeleteOptions", opts)
  if err then
    return req:fail(status.new(400, err))
  end
  opts = opts or {}
  local q = req.query
  local qgrace = q.gracePeriodSeconds
  if qgrace ~= nil and not tonumber(qgrace) then -- the API server's query decoding: 400
    return req:fail(status.new(400, "gracePeriodSeconds: strconv.ParseInt: parsing "
      .. json.encode(qgrace) .. ": invalid syntax"))
  end
  opts.gracePeriodSeconds = opts.gracePeriodSeconds or tonumber(qgrace)
  opts.propagationPolicy = opts.propagationPolicy or q.propagationPolicy
  opts.dryRun = opts.dryRun or q.dryRun
  local p = opts.propagationPolicy
  if p and p ~= "Orphan" and p ~= "Background" and p ~= "Foreground" then
    local cause = { reason = "FieldValueNotSupported", field = "propagationPolicy",
      message = "Unsupported value: \"" .. tostring(p) .. "\": supported values: "
        .. "\"Foreground\", \"Background\", \"Orphan\"" }
    return req:fail(status.invalid("DeleteOptions", "", "DeleteOptions.meta.k8s.io \"\" is "
      .. "invalid: propagationPolicy: " .. cause.message, { cause }))
  end
  local g = opts.gracePeriodSeconds
  if g ~= nil and (type(g) ~= "number" or g < 0) then
    return req:fail(status.new(400, "gracePeriodSeconds must be a number >= 0"))
  end
  return opts
end

local function precondition_failed(obj, pre)
  if type(pre) ~= "table" then
    return nil
  end
  local meta = obj.metadata
  if pre.uid and pre.uid ~= meta.uid then
    return "Precondition failed: UID in precondition: " .. pre.uid
      .. ", UID in object meta: " .. meta.uid
  end
  if pre.resourceVersion and pre.resourceVersion ~= meta.resourceVersion then
    return "Precondition failed: ResourceVersion in precondition: " .. pre.resourceVersion
      .. ", ResourceVersion in object meta: " .. meta.resourceVersion
  end
end

local function delete_one(sim, pod, opts)
  if is_dry_run(opts.dryRun) then
    return pod
  end
  return sim.cluster:request_delete(pod, opts.gracePeriodSeconds)
end

function resources.delete(sim, req, resource, ns, name)
  local opts = delete_options(req)
  if not opts then
    return
  end
  local store = sim.cluster.store
  local obj = store:get(resource, ns, name)
  if not obj then
    return req:fail(status.not_found(resource, name, resources.kinds[resource].group))
  end
  local conflict = precondition_failed(obj, opts.preconditions)
  if conflict then
    return req:fail(status.new(409, conflict, "Conflict", { name = name, kind = resource }))
  end
  if resource == "pods" then
    obj = delete_one(sim, obj, opts)
  elseif not is_dry_run(opts.dryRun) then
    store:delete(resource, ns, name)
  end
  req:json(200, resources.public(obj))
end

function resources.delete_collection(sim, req, ns)
  local opts = delete_options(req)
  if not opts then
    return
  end
  local keep, err = resources.filter("pods", req.query)
  if not keep then
    return req:fail(err)
  end
  local items = json.array({})
  for _, pod in ipairs(sim.cluster.store:list("pods", ns, keep)) do
    items[#items + 1] = resources.public(delete_one(sim, pod, opts))
  end
  req:json(200, { kind = "PodList", apiVersion = "v1", items = items,
    metadata = { resourceVersion = tostring(sim.cluster.store.rv) } })
end

-- RFC 7386 merge of patch into target (a map; json.null deletes).
local function merge(target, patch)
  for k, v in pairs(patch) do
    if v == json.null then
      target[k] = nil
    else
      target[k] = v
    end
  end
end

local PATCH_TYPES = {
  ["application/merge-patch+json"] = true, ["application/strategic-merge-patch+json"] = true,
}

function resources.patch_pod(sim, req, ns, name)
  local ctype = (req.headers:get("content-type") or ""):match("^[^;]*")
  if not PATCH_TYPES[ctype] then
    return req:fail(status.new(415, "the body of the request was in an unknown format - "
      .. "accepted media types include: application/merge-patch+json, "
      .. "application/strategic-merge-patch+json"))
  end
  local patch, err = req:json_body()
  if not patch then
    return req:fail(status.new(400, err or "the patch is empty"))
  end
  local pod = sim.cluster.store:get("pods", ns, name)
  if not pod then
    return req:fail(status.not_found("pods", name))
  end
  local meta = type(patch.metadata) == "table" and patch.metadata or {}
  local labels = setmetatable({}, getmetatable(pod.metadata.labels or json.object({})))
  merge(labels, pod.metadata.labels or {})
  merge(labels, type(meta.labels) == "table" and meta.labels or {})
  local annotations = {}
  merge(annotations, pod.metadata.annotations or {})
  merge(annotations, type(meta.annotations) == "table" and meta.annotations or {})
  local causes = {}
  validate.labels(causes, labels, "metadata.labels")
  if #causes > 0 then
    return req:fail(status.invalid("Pod", name, validate.message("Pod", name, causes), causes))
  end
  if is_dry_run(req.query.dryRun) then
    local copy = resources.public(pod)
    copy.metadata = setmetatable({}, getmetatable(pod.metadata))
    merge(copy.metadata, pod.metadata)
    copy.metadata.labels, copy.metadata.annotations = labels, annotations
    return req:json(200, copy)
  end
  pod.metadata.labels = next(labels) and labels or nil
  pod.metadata.annotations = next(annotations) and annotations or nil
  sim.cluster.store:update("pods", pod)
  req:json(200, resources.public(pod))
end

local function pod_ready(pod)
  for _, c in ipairs(pod.status.conditions or {}) do
    if c.type == "Ready" then
      return c.status == "True"
    end
  end
  return false
end

--- Brings pdb.status up to date as the disruption controller does
-- (pkg/controller/disruption/disruption.go): expected pods are the pods the selector matches,
-- healthy ones are Ready and not being deleted. An integer minAvailable gives the desired
-- count; maxUnavailable and percentages need a controller's scale, which bare pods lack, so
-- the controller's fail-safe allows no disruption.
function resources.pdb_status(sim, pdb)
  local spec = pdb.spec
  local expected, healthy = 0, 0
  for _, pod in ipairs(sim.cluster.store:list("pods", pdb.metadata.namespace)) do
    if selector.match_label_selector(spec.selector, pod.metadata.labels) then
      expected = expected + 1
      if not pod.metadata.deletionTimestamp and pod_ready(pod) then
        healthy = healthy + 1
      end
    end
  end
  local st = pdb.status
  st.expectedPods, st.currentHealthy = expected, healthy
  st.observedGeneration = pdb.metadata.generation
  if type(spec.minAvailable) == "number" then
    st.desiredHealthy = spec.minAvailable
    st.disruptionsAllowed = math.max(0, healthy - spec.minAvailable)
  else
    st.desiredHealthy, st.disruptionsAllowed = 0, 0
  end
  local allowed = st.disruptionsAllowed > 0
  st.conditions = { { type = "DisruptionAllowed", status = allowed and "True" or "False",
    reason = allowed and "SufficientPods" or "InsufficientPods", message = "",
    observedGeneration = pdb.metadata.generation,
    lastTransitionTime = pdb.metadata.creationTimestamp } }
  return st
end

-- The pod's PodDisruptionBudgets.
local function budgets(sim, pod)
  local out = {}
  for _, pdb in ipairs(sim.cluster.store:list("poddisruptionbudgets", pod.metadata.namespace)) do
    if selector.match_label_selector(pdb.spec.selector, pod.metadata.labels) then
      out[#out + 1] = pdb
    end
  end
  return out
end

-- Whether an eviction may go ahead (pkg/registry/core/pod/storage/eviction.go): nil, or the
-- Status that refuses it.
local function eviction_refused(sim, pod)
  local phase = pod.status.phase
  if phase == "Succeeded" or phase == "Failed" or phase == "Pending"
      or pod.metadata.deletionTimestamp then
    return nil
  end
  local pdbs = budgets(sim, pod)
  if #pdbs > 1 then
    return status.new(500, "Internal error occurred: This pod has more than one "
      .. "PodDisruptionBudget, which the eviction subresource does not support.", "InternalError")
  elseif #pdbs == 0 then
    return nil
  end
  local pdb = pdbs[1]
  local st = resources.pdb_status(sim, pdb)
  if not pod_ready(pod) and st.currentHealthy >= st.desiredHealthy and st.desiredHealthy > 0 then
    return nil
  end
  if st.disruptionsAllowed == 0 then
    return status.new(429, "Cannot evict pod as it would violate the pod's disruption budget.",
      "TooManyRequests", { causes = json.array({ { reason = "DisruptionBudget",
        message = "The disruption budget " .. pdb.metadata.name .. " needs "
          .. st.desiredHealthy .. " healthy pods and has " .. st.currentHealthy
          .. " currently" } }), retryAfterSeconds = 0 })
  end
end

--- POST pods/{name}/eviction (policy/v1 Eviction): 201 and a delete of the pod, unless a
-- PodDisruptionBudget forbids it (429).
function resources.evict(sim, req, ns, name)
  local body, err, raw = req:json_body()
  err = err or body and schema.create_error("Eviction", body, raw)
  if err then
    return req:fail(status.new(400, err))
  end
  body = body or {}
  if body.kind and body.kind ~= "Eviction" then
    return req:fail(status.new(400, "the kind of the provided object (" .. tostring(body.kind)
      .. ") does not match Eviction"))
  end
  local meta = type(body.metadata) == "table" and body.metadata or {}
  if meta.name and meta.name ~= "" and meta.name ~= name then
    return req:fail(status.new(400, "name in URL does not match name in Eviction object"))
  end
  local pod = sim.cluster.store:get("pods", ns, name)
  if not pod then
    return req:fail(status.not_found("pods", name))
  end
  local opts = type(body.deleteOptions) == "table" and body.deleteOptions or {}
  local conflict = precondition_failed(pod, opts.preconditions)
  if conflict then
    return req:fail(status.new(409, conflict, "Conflict", { name = name, kind = "pods" }))
  end
  local refused = eviction_refused(sim, pod)
  if refused then
    return req:fail(refused)
  end
  local g = opts.gracePeriodSeconds
  delete_one(sim, pod, { gracePeriodSeconds = type(g) == "number" and g >= 0 and g or nil,
    dryRun = opts.dryRun })
  req:json(201, { kind = "Status", apiVersion = "v1", metadata = json.object({}),
    status = "Success", code = 201 })
end

return resources
