--- kwhisk.policy.affinity: where a pod may run. Small functions that add required and
-- preferred node affinity, tolerations and a nodeSelector to a pod, checking their
-- arguments so a policy mistake is reported where it is made, not by the API server.
local json = require "kwhisk.json"
local errors = require "kwhisk.errors"
local template = require "kwhisk.policy.template"

local ipairs, pairs, type, tostring = ipairs, pairs, type, tostring
local bad_argument = errors.bad_argument

local affinity = {}

local OPERATORS = { In = true, NotIn = true, Exists = false, DoesNotExist = false, Gt = true,
  Lt = true }

local function check_string(n, fn, what, v)
  if type(v) ~= "string" or v == "" then
    bad_argument(n, fn, what .. ": non-empty string expected, got "
      .. (v == "" and "an empty string" or type(v)), 2)
  end
end

--- A node selector requirement `{key, operator, values}`. `values` (a list of strings,
-- or one string) is required for In/NotIn/Gt/Lt and must be absent for Exists/DoesNotExist.
function affinity.expression(key, operator, values)
  check_string(1, "expression", "key", key)
  local needs_values = OPERATORS[operator]
  if needs_values == nil then
    bad_argument(2, "expression", "operator: In, NotIn, Exists, DoesNotExist, Gt or Lt expected,"
      .. " got " .. tostring(operator))
  end
  if type(values) == "string" then values = { values } end
  if needs_values ~= (values ~= nil) then
    bad_argument(3, "expression", "operator " .. operator .. (needs_values and " needs values"
      or " takes no values"))
  end
  local expression = json.object({ key = key, operator = operator })
  if values then
    local list = json.array({})
    for i, v in ipairs(values) do
      check_string(3, "expression", "values[" .. i .. "]", v)
      list[i] = v
    end
    if #list == 0 then
      bad_argument(3, "expression", "operator " .. operator .. " needs at least one value")
    end
    expression.values = list
  end
  return expression
end

--- A node selector term: all its expressions must hold (Kubernetes ANDs them).
function affinity.term(...)
  return json.object({ matchExpressions = json.array({ ... }) })
end

--- Appends a required node selector term (kept terms are ORed with it). Returns pod.
function affinity.require(pod, term)
  local terms = template.list(pod, "spec", "affinity", "nodeAffinity",
    "requiredDuringSchedulingIgnoredDuringExecution", "nodeSelectorTerms")
  terms[#terms + 1] = term
  return pod
end

--- Appends a preferred term with a weight from 1 to 100. Returns pod.
function affinity.prefer(pod, weight, term)
  if type(weight) ~= "number" or weight < 1 or weight > 100 or weight % 1 ~= 0 then
    bad_argument(2, "prefer", "weight: integer from 1 to 100 expected, got " .. tostring(weight))
  end
  local preferences = template.list(pod, "spec", "affinity", "nodeAffinity",
    "preferredDuringSchedulingIgnoredDuringExecution")
  preferences[#preferences + 1] = json.object({ weight = weight, preference = term })
  return pod
end

local EFFECTS = { NoSchedule = true, PreferNoSchedule = true, NoExecute = true }

--- Appends a toleration `{key, operator = "Equal"|"Exists", value, effect}`; operator
-- defaults to Equal when a value is given, else Exists. Returns pod.
function affinity.tolerate(pod, t)
  if type(t) ~= "table" then
    bad_argument(2, "tolerate", "toleration table expected, got " .. type(t))
  end
  local operator = t.operator or (t.value ~= nil and "Equal" or "Exists")
  if operator ~= "Equal" and operator ~= "Exists" then
    bad_argument(2, "tolerate", "operator: Equal or Exists expected, got " .. tostring(operator))
  end
  if operator == "Exists" and t.value ~= nil then
    bad_argument(2, "tolerate", "operator Exists takes no value")
  end
  if t.effect ~= nil and not EFFECTS[t.effect] then
    bad_argument(2, "tolerate", "effect: NoSchedule, PreferNoSchedule or NoExecute expected,"
      .. " got " .. tostring(t.effect))
  end
  local toleration = json.object({ operator = operator })
  for k, v in pairs(t) do
    if k ~= "operator" then toleration[k] = v end
  end
  local tolerations = template.list(pod, "spec", "tolerations")
  tolerations[#tolerations + 1] = toleration
  return pod
end

--- Adds labels a node must carry (`spec.nodeSelector`, merged). Returns pod.
function affinity.select_nodes(pod, labels)
  if type(labels) ~= "table" then
    bad_argument(2, "select_nodes", "labels table expected, got " .. type(labels))
  end
  local selector = template.path(pod, "spec", "nodeSelector")
  for k, v in pairs(labels) do
    check_string(2, "select_nodes", "label " .. tostring(k), v)
    selector[k] = v
  end
  return pod
end

return affinity
