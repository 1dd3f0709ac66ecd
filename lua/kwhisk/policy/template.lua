--- kwhisk.policy.template: pod templates (SPEC A5.1) and the merge rules that lay a
-- generated pod over one (A5.2-5). Reusable by any policy: load a template (inline text,
-- `file:PATH` or `env:NAME`), merge, find-or-add a container by name, copy a pod.
local json = require "kwhisk.json"
local config = require "kwhisk.config"
local errors = require "kwhisk.errors"

local ipairs, pairs, type, tostring = ipairs, pairs, type, tostring
local getmetatable, setmetatable = getmetatable, setmetatable

local template = {}

--- The text of a template given as inline YAML, `file:PATH` or `env:NAME` (getenv defaults
-- to os.getenv): kwhisk.config.template_text. Returns the text, or nil and a message.
template.source = config.template_text

--- A deep copy of a decoded value, keeping the array/object marks.
function template.copy(v)
  if type(v) ~= "table" then return v end
  local c = {}
  for k, x in pairs(v) do c[k] = template.copy(x) end
  return setmetatable(c, getmetatable(v))
end

local function describe(v)
  if type(v) ~= "table" then return "a " .. type(v) .. " (" .. tostring(v) .. ")" end
  return v.kind and "a " .. tostring(v.kind) or "not a Kubernetes object"
end

-- The template's containers must be a list of maps with string names: the merge finds
-- the action container by name.
local function check_containers(pod, where)
  local spec = pod.spec
  if spec == nil or spec == json.null then return true end
  if type(spec) ~= "table" then return nil, where .. ": spec is not a map" end
  local containers = spec.containers
  if containers == nil then return true end
  if type(containers) ~= "table" or json.is_object(containers) then
    return nil, where .. ": spec.containers is not a list"
  end
  for i, c in ipairs(containers) do
    if type(c) ~= "table" or type(c.name) ~= "string" then
      return nil, ("%s: container %d: name is not a string (got %s)"):format(
        where, i, type(c) == "table" and tostring(c.name) or tostring(c))
    end
  end
  return true
end

--- Parses template text: the first YAML document, which must be a Pod. `source` names
-- the text in messages (default "pod-template"). Returns the pod, or nil and a message.
function template.parse(text, source)
  source = source or "pod-template"
  local documents, err = require("kwhisk.yaml").load(text, source)
  if not documents then return nil, tostring(err) end
  local pod = documents[1]
  if pod == nil then return nil, source .. ": the template is empty, expected a Pod" end
  if type(pod) ~= "table" or pod.kind ~= "Pod" then
    local first = #documents > 1 and ("the first of %d documents"):format(#documents)
      or "the template"
    return nil, ("%s: %s is %s, expected a Pod"):format(source, first, describe(pod))
  end
  local ok, cerr = check_containers(pod, source)
  if not ok then return nil, cerr end
  return pod
end

--- Loads a template (inline, `file:` or `env:`): template.source, then template.parse.
function template.load(spec, getenv)
  local text, err = template.source(spec, getenv)
  if not text then return nil, err end
  return template.parse(text, type(spec) == "string" and spec:match("^file:(.+)$") or nil)
end

--- The table at t[k1][k2]..., created (as a JSON object) where missing.
function template.path(t, ...)
  for _, k in ipairs({ ... }) do
    if type(t[k]) ~= "table" then t[k] = json.object({}) end
    t = t[k]
  end
  return t
end

--- The list at t[k1][k2]..., created (as a JSON array) where missing.
function template.list(t, ...)
  local keys = { ... }
  local last = keys[#keys]
  keys[#keys] = nil
  local parent = template.path(t, unpack(keys))
  if type(parent[last]) ~= "table" then parent[last] = json.array({}) end
  return parent[last]
end

local function append(list, items)
  for _, item in ipairs(items) do list[#list + 1] = template.copy(item) end
end

local function find_or_add(containers, name)
  for i, c in ipairs(containers) do
    if c.name == name then return c, i end
  end
  local c = json.object({ name = name })
  containers[#containers + 1] = c
  return c, #containers
end

--- The pod's first container named `name`, appended (with only its name) when there is
-- none. Returns the container and its index.
function template.container(pod, name)
  if type(name) ~= "string" then
    errors.bad_argument(2, "container", "string expected, got " .. type(name))
  end
  return find_or_add(template.list(pod, "spec", "containers"), name)
end

local function merge_map(into, from)
  for k, v in pairs(from) do into[k] = template.copy(v) end
end

-- A5.5: what the generated container replaces, appends to, or leaves alone.
local function merge_container(into, from)
  for k, v in pairs(from) do
    if k == "ports" then
      append(template.list(into, "ports"), v)
    elseif k == "securityContext" then
      local context = template.path(into, "securityContext")
      for sk, sv in pairs(v) do
        if sk == "capabilities" then
          for ck, cv in pairs(sv) do append(template.list(context, "capabilities", ck), cv) end
        else
          context[sk] = template.copy(sv)
        end
      end
    else
      into[k] = template.copy(v)
    end
  end
end

-- A5.4: node selector terms and preferences are appended (Kubernetes ORs the terms).
local function merge_affinity(into, from)
  for k, v in pairs(from) do
    if k == "nodeAffinity" then
      for nk, nv in pairs(v) do
        if nk == "requiredDuringSchedulingIgnoredDuringExecution" then
          append(template.list(into, "nodeAffinity", nk, "nodeSelectorTerms"), nv.nodeSelectorTerms)
        elseif nk == "preferredDuringSchedulingIgnoredDuringExecution" then
          append(template.list(into, "nodeAffinity", nk), nv)
        else
          template.path(into, "nodeAffinity")[nk] = template.copy(nv)
        end
      end
    else
      into[k] = template.copy(v)
    end
  end
end

local function merge_spec(into, from)
  for k, v in pairs(from) do
    if k == "containers" then
      local containers = template.list(into, "containers")
      for _, c in ipairs(v) do merge_container(find_or_add(containers, c.name), c) end
    elseif k == "affinity" then
      merge_affinity(template.path(into, "affinity"), v)
    elseif k == "tolerations" then
      append(template.list(into, "tolerations"), v)
    elseif k == "nodeSelector" then
      merge_map(template.path(into, "nodeSelector"), v)
    else
      into[k] = template.copy(v)
    end
  end
end

local function merge_metadata(into, from)
  for k, v in pairs(from) do
    if k == "labels" or k == "annotations" then
      merge_map(template.path(into, k), v)
    else
      into[k] = template.copy(v)
    end
  end
end

--- A new pod: the template (a pod, or nil for an empty one) with the generated pod laid
-- over it by SPEC A5's rules. Labels, annotations and nodeSelector merge (generated wins);
-- node selector terms, preferences, tolerations, container ports and dropped capabilities
-- are appended; a container's other generated fields replace the template's; containers
-- are matched by name; everything the generated pod does not mention is kept.
function template.merge(base, generated)
  local pod = template.copy(base) or json.object({})
  for k, v in pairs(generated) do
    if k == "metadata" then
      merge_metadata(template.path(pod, "metadata"), v)
    elseif k == "spec" then
      merge_spec(template.path(pod, "spec"), v)
    else
      pod[k] = template.copy(v)
    end
  end
  return pod
end

return template
