--- kwhisk.sim.validate: the API server's checks of names, labels and pods, with its messages,
-- so a client meets the same 422 causes as on a real cluster. The rules themselves are
-- kwhisk.names'; this module adds the API server's wording and the pod-level checks.
local names = require "kwhisk.names"
local status = require "kwhisk.sim.status"

local validate = {}

local DNS1123_SUBDOMAIN = "a lowercase RFC 1123 subdomain must consist of lower case "
  .. "alphanumeric characters, '-' or '.', and must start and end with an alphanumeric "
  .. "character (e.g. 'example.com', regex used for validation is "
  .. "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
local DNS1123_LABEL = "a lowercase RFC 1123 label must consist of lower case alphanumeric "
  .. "characters or '-', and must start and end with an alphanumeric character (e.g. "
  .. "'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"
local LABEL_VALUE = "a valid label must be an empty string or consist of alphanumeric "
  .. "characters, '-', '_' or '.', and must start and end with an alphanumeric character "
  .. "(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
  .. "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
local NAME_PART = "name part must consist of alphanumeric characters, '-', '_' or '.', and "
  .. "must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or "
  .. "'123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"

local function quote(v)
  return '"' .. tostring(v):gsub('[\\"]', "\\%0") .. '"'
end

--- nil when s is a DNS-1123 subdomain (pod names), else the reason.
function validate.subdomain(s)
  if #s > 253 then
    return "must be no more than 253 characters"
  end
  if not names.is_dns1123_subdomain(s) then
    return DNS1123_SUBDOMAIN
  end
end

--- nil when s is a DNS-1123 label (container and namespace names), else the reason.
function validate.label(s)
  if #s > 63 then
    return "must be no more than 63 characters"
  end
  if not names.is_dns1123_label(s) then
    return DNS1123_LABEL
  end
end

--- nil when s is a valid label value, else the reason.
function validate.label_value(s)
  if #s > 63 then
    return "must be no more than 63 characters"
  end
  if names.label_value_error(s) then
    return LABEL_VALUE
  end
end

--- nil when s is a qualified name (label and annotation keys: `[prefix/]name`), else the reason.
function validate.qualified_name(s)
  local prefix, name = s:match("^(.*)/(.*)$")
  if prefix then
    if prefix == "" then
      return "prefix part must be non-empty"
    end
    local problem = validate.subdomain(prefix)
    if problem then
      return "prefix part " .. problem
    end
  else
    name = s
  end
  if name == "" then
    return "name part must be non-empty"
  end
  if #name > 63 then
    return "name part must be no more than 63 characters"
  end
  -- name holds no '/', so kwhisk.names judges it as a bare qualified-name part
  if names.label_key_error(name) then
    return NAME_PART
  end
end

--- nil when the namespace ns of a request path can exist, else the 404 Status the API server
-- answers for it (namespace names are DNS-1123 labels: ValidateNamespaceName, so no such
-- namespace is ever found; pkg/apis/core/validation/validation.go).
function validate.namespace(ns)
  if validate.label(ns) then
    return status.not_found("namespaces", ns)
  end
end

--- nil when the object name s of a request path may be used, else the 400 Status of the API
-- server's path.IsValidPathSegmentName (apiserver registry/generic/registry/store.go's
-- NamespaceKeyFunc): not "." or "..", no "/" or "%".
function validate.path_segment(s)
  local msgs = {}
  if s == "." or s == ".." then
    msgs[1] = "may not be '" .. s .. "'"
  else
    msgs[#msgs + 1] = s:find("/", 1, true) and "may not contain '/'" or nil
    msgs[#msgs + 1] = s:find("%", 1, true) and "may not contain '%'" or nil
  end
  if #msgs > 0 then
    return status.new(400, "Name parameter invalid: " .. quote(s) .. ": "
      .. table.concat(msgs, ";"))
  end
end

local function invalid(causes, field, value, detail)
  causes[#causes + 1] = {
    reason = "FieldValueInvalid", field = field,
    message = "Invalid value: " .. quote(value) .. ": " .. detail,
  }
end

local function required(causes, field)
  causes[#causes + 1] = { reason = "FieldValueRequired", field = field, message = "Required value" }
end

--- Checks metadata labels (keys and values) into causes.
function validate.labels(causes, labels, field)
  for k, v in pairs(labels or {}) do
    local problem = validate.qualified_name(k)
    if problem then
      invalid(causes, field, k, problem)
    elseif type(v) ~= "string" then
      invalid(causes, field .. "." .. k, tostring(v), "label values must be strings")
    else
      problem = validate.label_value(v)
      if problem then
        invalid(causes, field, v, problem)
      end
    end
  end
end

--- Checks an object's metadata.name into causes (generateName is not supported).
function validate.name(causes, name)
  if type(name) ~= "string" or name == "" then
    required(causes, "metadata.name")
    return
  end
  local problem = validate.subdomain(name)
  if problem then
    invalid(causes, "metadata.name", name, problem)
  end
end

--- The causes that make a pod invalid (an empty list when it is valid).
function validate.pod(pod)
  local causes = {}
  local meta = pod.metadata or {}
  validate.name(causes, meta.name)
  validate.labels(causes, meta.labels, "metadata.labels")
  local containers = pod.spec and pod.spec.containers
  if type(containers) ~= "table" or #containers == 0 then
    required(causes, "spec.containers")
    return causes
  end
  local seen = {}
  for i, c in ipairs(containers) do
    local field = "spec.containers[" .. (i - 1) .. "]"
    if type(c.name) ~= "string" or c.name == "" then
      required(causes, field .. ".name")
    elseif seen[c.name] then
      causes[#causes + 1] = { reason = "FieldValueDuplicate", field = field .. ".name",
        message = "Duplicate value: " .. quote(c.name) }
    elseif validate.label(c.name) then
      invalid(causes, field .. ".name", c.name, validate.label(c.name))
    end
    seen[c.name or ""] = true
    if type(c.image) ~= "string" or c.image == "" then
      required(causes, field .. ".image")
    end
  end
  return causes
end

--- The message of a 422 for kind/name with causes, as the API server words it.
function validate.message(kind, name, causes)
  local parts = {}
  for i, c in ipairs(causes) do
    parts[i] = c.field .. ": " .. c.message
  end
  local list = #parts == 1 and parts[1] or "[" .. table.concat(parts, ", ") .. "]"
  return kind .. " " .. quote(name or "") .. " is invalid: " .. list
end

return validate
