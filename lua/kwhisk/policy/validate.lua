--- kwhisk.policy.validate: the checks a policy's result must pass before kwhisk sends it:
-- valid names and labels (kwhisk.names), one `user-action` container with an image and
-- port 8080, a policy/v1 PDB.
local names = require "kwhisk.names"

local ipairs, type, tostring = ipairs, type, tostring
local format = string.format

local validate = {}

local function check_labels(labels, where)
  if labels == nil then return true end
  if type(labels) ~= "table" then return nil, where .. " is not a map" end
  local why = names.labels_error(labels)
  if why then return nil, where .. ": " .. why end
  return true
end

local function check_metadata(obj, kind)
  if type(obj.metadata) ~= "table" or type(obj.metadata.name) ~= "string" then
    return nil, kind .. " has no metadata.name"
  end
  if not names.is_dns1123_subdomain(obj.metadata.name) then
    return nil, format("%s name %q is not a valid DNS-1123 name", kind, obj.metadata.name)
  end
  return check_labels(obj.metadata.labels, kind .. " metadata.labels")
end

local function has_action_port(container)
  for _, port in ipairs(type(container.ports) == "table" and container.ports or {}) do
    if type(port) == "table" and port.containerPort == 8080 then return true end
  end
  return false
end

local function check_action_container(pod)
  local containers = type(pod.spec) == "table" and pod.spec.containers
  if type(containers) ~= "table" then return nil, "pod has no spec.containers list" end
  local action
  for i, c in ipairs(containers) do
    if type(c) ~= "table" or type(c.name) ~= "string" then
      return nil, format("pod container %d has no name", i)
    end
    if c.name == "user-action" then
      if action then return nil, "pod has more than one user-action container" end
      action = c
    end
  end
  if not action then return nil, "pod has no user-action container" end
  if type(action.image) ~= "string" or action.image == "" then
    return nil, "the user-action container has no image"
  end
  if not has_action_port(action) then
    return nil, "the user-action container does not expose port 8080"
  end
  return true
end

--- Checks a pod; returns true, or nil and the problem.
function validate.pod(pod)
  if type(pod) ~= "table" then return nil, "the pod is a " .. type(pod) .. ", not a table" end
  if pod.kind ~= "Pod" or pod.apiVersion ~= "v1" then
    return nil, format("expected kind Pod, apiVersion v1, got kind %s, apiVersion %s",
      tostring(pod.kind), tostring(pod.apiVersion))
  end
  local ok, err = check_metadata(pod, "pod")
  if not ok then return nil, err end
  return check_action_container(pod)
end

--- Checks a PodDisruptionBudget (policy/v1); returns true, or nil and the problem.
function validate.pdb(pdb)
  if type(pdb) ~= "table" then return nil, "the PDB is a " .. type(pdb) .. ", not a table" end
  if pdb.kind ~= "PodDisruptionBudget" or pdb.apiVersion ~= "policy/v1" then
    return nil, format("expected kind PodDisruptionBudget, apiVersion policy/v1, got kind %s, "
      .. "apiVersion %s", tostring(pdb.kind), tostring(pdb.apiVersion))
  end
  local ok, err = check_metadata(pdb, "PDB")
  if not ok then return nil, err end
  if type(pdb.spec) ~= "table" or type(pdb.spec.selector) ~= "table" then
    return nil, "PDB has no spec.selector"
  end
  return true
end

return validate
