--- kwhisk.policy.openwhisk: the default pod policy, the seed's pod builder (SPEC A5).
-- `build(ctx)` returns the pod and, when `pdb-enabled`, its PodDisruptionBudget. The
-- pieces (cpu, ephemeral storage, resources, environment, PDB) are exported so custom
-- policies can reuse them.
local json = require "kwhisk.json"
local errors = require "kwhisk.errors"
local quantity = require "kwhisk.quantity"
local affinity = require "kwhisk.policy.affinity"
local template = require "kwhisk.policy.template"

local ipairs, pairs, type, tostring = ipairs, pairs, type, tostring
local min, max, floor = math.min, math.max, math.floor
local sort = table.sort

local openwhisk = {}

--- A5.6: millicpus proportional to memory, at least `millicpus`, at most `max-millicpus`.
function openwhisk.cpu(memory_bytes, scaling)
  local steps = floor(quantity.mebibytes(memory_bytes) / quantity.mebibytes(scaling.memory))
  local millis = min(max(steps * scaling.millicpus, scaling.millicpus), scaling["max-millicpus"])
  return quantity.format_cpu(millis)
end

--- A5.7: `scale-factor` times the memory when that stays under `limit`, else the limit.
function openwhisk.ephemeral_storage(memory_bytes, storage)
  local factor = storage["scale-factor"]
  local scaled = factor * quantity.mebibytes(memory_bytes)
  local limit = quantity.mebibytes(storage.limit)
  return quantity.format_mi(factor > 0 and scaled < limit and scaled or limit)
end

--- The action container's resources: limits and requests alike.
function openwhisk.resources(memory_bytes, cfg)
  local amounts = { memory = quantity.format_mi(quantity.mebibytes(memory_bytes)) }
  if cfg["cpu-scaling"] then amounts.cpu = openwhisk.cpu(memory_bytes, cfg["cpu-scaling"]) end
  if cfg["ephemeral-storage"] then
    amounts["ephemeral-storage"] = openwhisk.ephemeral_storage(memory_bytes,
      cfg["ephemeral-storage"])
  end
  return json.object({ limits = json.object(template.copy(amounts)),
    requests = json.object(amounts) })
end

-- The {name, value} list of t, or nil and what is wrong with it.
local function listed(t, what)
  local list = {}
  if #t == 0 then
    for name, value in pairs(t) do list[#list + 1] = { name = name, value = value } end
    sort(list, function(a, b) return tostring(a.name) < tostring(b.name) end)
    return list
  end
  for i, item in ipairs(t) do
    if type(item) ~= "table" then
      return nil, ("%s[%d]: {name, value} pair expected, got %s"):format(what, i, type(item))
    end
    local name, value = item.name or item[1], item.value
    if value == nil then value = item[2] end
    if type(name) ~= "string" then
      return nil, ("%s[%d]: name: string expected, got %s"):format(what, i, type(name))
    end
    list[i] = { name = name, value = value }
  end
  return list
end

--- Name/value pairs in a deterministic order: a map gives sorted names, a list of
-- `{name, value}` (or `{name = ..., value = ...}`) pairs keeps its order. Values must be
-- strings (numbers and booleans are written as text). `what` names t in the problem.
-- Returns the list, or nil and what is wrong.
function openwhisk.pair_list(t, what)
  if t == nil or t == json.null then return {} end
  if type(t) ~= "table" then return nil, what .. ": table expected, got " .. type(t) end
  local list, problem = listed(t, what)
  if not list then return nil, problem end
  for _, p in ipairs(list) do
    local kind = type(p.value)
    if type(p.name) ~= "string" or kind ~= "string" and kind ~= "number" and kind ~= "boolean" then
      return nil, ("%s: %s: string expected, got %s"):format(what, tostring(p.name), kind)
    end
    p.value = tostring(p.value)
  end
  return list
end

--- pair_list(t, what) that raises on a bad t.
function openwhisk.ordered_pairs(t, what)
  local list, problem = openwhisk.pair_list(t, what)
  if not list then errors.bad_argument(1, "ordered_pairs", problem) end
  return list
end

--- A5.5: the caller's variables in order, then `field-ref-environment` (sorted by name).
function openwhisk.environment(env, field_refs)
  local list = json.array({})
  for _, p in ipairs(openwhisk.ordered_pairs(env, "env")) do
    list[#list + 1] = json.object({ name = p.name, value = p.value })
  end
  for _, p in ipairs(openwhisk.ordered_pairs(field_refs, "field-ref-environment")) do
    list[#list + 1] = json.object({ name = p.name, valueFrom = json.object({
      fieldRef = json.object({ fieldPath = p.value }) }) })
  end
  return list
end

--- Labels as a JSON object from a map or a list of pairs (later pairs win).
function openwhisk.labels(labels)
  local map = json.object({})
  for _, p in ipairs(openwhisk.ordered_pairs(labels, "labels")) do map[p.name] = p.value end
  return map
end

--- A5.8: a policy/v1 PodDisruptionBudget keeping the pod named `name`.
function openwhisk.pdb(name, labels)
  return json.object({
    apiVersion = "policy/v1",
    kind = "PodDisruptionBudget",
    metadata = json.object({ name = name, labels = openwhisk.labels(labels) }),
    spec = json.object({ minAvailable = 1,
      selector = json.object({ matchLabels = json.object({ name = name }) }) }),
  })
end

local function action_container(ctx)
  return json.object({
    name = "user-action",
    image = ctx.image,
    resources = openwhisk.resources(ctx.memory, ctx.config),
    env = openwhisk.environment(ctx.env, ctx.config["field-ref-environment"]),
    ports = json.array({ json.object({ containerPort = 8080, name = "action" }) }),
    securityContext = json.object({ capabilities = json.object({
      drop = json.array({ "NET_RAW", "NET_ADMIN" }) }) }),
  })
end

--- The seed's pod: ctx.template (or an empty pod) with the generated fields merged in.
-- ctx: name, image, memory (bytes), env, labels, config (normalized), template (a pod or nil).
function openwhisk.build(ctx)
  local labels = openwhisk.labels(ctx.labels)
  local pod_labels = json.object({ name = ctx.name, ["user-action-pod"] = "true" })
  for k, v in pairs(labels) do pod_labels[k] = v end
  local generated = json.object({
    apiVersion = "v1",
    kind = "Pod",
    metadata = json.object({ name = ctx.name, labels = pod_labels }),
    spec = json.object({ restartPolicy = "Always",
      containers = json.array({ action_container(ctx) }) }),
  })
  local node = ctx.config["user-pod-node-affinity"]
  if node.enabled then
    affinity.require(generated, affinity.term(affinity.expression(node.key, "In", { node.value })))
  end
  local pod = template.merge(ctx.template, generated)
  return pod, ctx.config["pdb-enabled"] and openwhisk.pdb(ctx.name, labels) or nil
end

return openwhisk
