--- kwhisk.policy.validate: the checks a policy's result must pass before kwhisk sends it
-- (names, label keys and values as Kubernetes defines them; one `user-action` container
-- with an image and port 8080), and a sanitiser that turns any text into a label value.
local ipairs, pairs, type, tostring = ipairs, pairs, type, tostring
local format = string.format

local validate = {}

--- True when s is a DNS-1123 subdomain (pod and PDB names): at most 253 characters of
-- lower-case letters, digits, `-` and `.`, starting and ending alphanumeric.
function validate.name(s)
  return type(s) == "string" and #s <= 253
    and (s:find("^[a-z0-9]$") or s:find("^[a-z0-9][-a-z0-9.]*[a-z0-9]$")) ~= nil
end

--- True when s is a valid label value: empty, or at most 63 characters of `[A-Za-z0-9]`
-- at both ends and `-_.` or alphanumerics inside.
function validate.label_value(s)
  return type(s) == "string" and #s <= 63
    and (s == "" or s:find("^%w$") or s:find("^%w[%w._-]*%w$")) ~= nil
end

--- True when s is a valid label key: an optional DNS subdomain prefix and `/`, then a
-- name of at most 63 characters like a non-empty label value.
function validate.label_key(s)
  if type(s) ~= "string" then return false end
  local prefix, name = s:match("^(.*)/(.*)$")
  if prefix and not validate.name(prefix) then return false end
  name = name or s
  return name ~= "" and validate.label_value(name)
end

--- Any text made into a valid label value: disallowed characters become `-`, the ends are
-- trimmed to alphanumerics, and it is cut to 63 characters.
function validate.sanitize_label_value(s)
  s = tostring(s):gsub("[^%w._-]", "-"):sub(1, 63)
  return (s:gsub("^[^%w]+", ""):gsub("[^%w]+$", ""))
end

local function check_labels(labels, where)
  if labels == nil then return true end
  if type(labels) ~= "table" then return nil, where .. " is not a map" end
  for k, v in pairs(labels) do
    if not validate.label_key(k) then
      return nil, format("%s: invalid label key %q", where, tostring(k))
    end
    if not validate.label_value(v) then
      return nil, format("%s: invalid value %q for label %s (at most 63 characters, "
        .. "alphanumeric at both ends, `-_.` inside)", where, tostring(v), k)
    end
  end
  return true
end

local function check_metadata(obj, kind)
  if type(obj.metadata) ~= "table" or type(obj.metadata.name) ~= "string" then
    return nil, kind .. " has no metadata.name"
  end
  if not validate.name(obj.metadata.name) then
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
