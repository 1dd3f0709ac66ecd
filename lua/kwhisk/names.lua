--- kwhisk.names: Kubernetes name and label rules, and kwhisk's pod names.
-- One place for the validation that the client (before a PATCH), the policies (label values)
-- and the simulated cluster (422 Invalid) all apply, with Kubernetes' own messages.
local bit = require "bit"

local band, bxor, tohex = bit.band, bit.bxor, bit.tohex
local byte = string.byte

local names = {}

local DNS1123_LABEL_MAX = 63
local DNS1123_SUBDOMAIN_MAX = 253
local LABEL_VALUE_MAX = 63

-- [a-z0-9-], alphanumeric at both ends (any length).
local function is_label_shaped(s)
  return s:find("^[a-z0-9][a-z0-9-]*$") ~= nil and s:find("[a-z0-9]$") ~= nil
end

--- True when s is a DNS-1123 label: at most 63 of [a-z0-9-], alphanumeric at both ends.
function names.is_dns1123_label(s)
  return type(s) == "string" and #s <= DNS1123_LABEL_MAX and is_label_shaped(s)
end

--- True when s is a DNS-1123 subdomain: at most 253 characters of dot-separated parts, each
-- shaped like a label. (Like the API server, it does not limit the parts to 63 characters.)
function names.is_dns1123_subdomain(s)
  if type(s) ~= "string" or #s == 0 or #s > DNS1123_SUBDOMAIN_MAX then
    return false
  end
  for part in (s .. "."):gmatch("([^.]*)%.") do
    if not is_label_shaped(part) then
      return false
    end
  end
  return true
end

local function is_qualified_name_part(s)
  return #s >= 1 and #s <= 63
    and s:find("^[A-Za-z0-9][-A-Za-z0-9_.]*$") ~= nil and s:find("[A-Za-z0-9]$") ~= nil
end

--- nil when v is a valid label value; otherwise the reason, worded as Kubernetes words it.
function names.label_value_error(v)
  if type(v) ~= "string" then
    return "a label value must be a string, got " .. type(v)
  end
  if #v > LABEL_VALUE_MAX then
    return "must be no more than 63 characters"
  end
  if v ~= "" and not is_qualified_name_part(v) then
    return "a valid label must be an empty string or consist of alphanumeric characters, " ..
      "'-', '_' or '.', and must start and end with an alphanumeric character"
  end
end

--- nil when k is a valid label key ([prefix/]name); otherwise the reason.
function names.label_key_error(k)
  if type(k) ~= "string" then
    return "a label key must be a string, got " .. type(k)
  end
  local prefix, name = k:match("^(.*)/(.*)$")
  if prefix and not names.is_dns1123_subdomain(prefix) then
    return "prefix part must be a lowercase RFC 1123 subdomain"
  end
  if not is_qualified_name_part(name or k) then
    return "name part must consist of alphanumeric characters, '-', '_' or '.', " ..
      "and must start and end with an alphanumeric character (at most 63 characters)"
  end
end

--- Checks every key and value of a label map; nil, or a message naming the first bad one.
function names.labels_error(labels)
  local keys = {}
  for k in pairs(labels) do
    keys[#keys + 1] = tostring(k)
  end
  table.sort(keys)
  for _, k in ipairs(keys) do
    local why = names.label_key_error(k)
    if why then
      return string.format("label key %q: %s", k, why)
    end
    why = names.label_value_error(labels[k])
    if why then
      return string.format("label %q value %q: %s", k, tostring(labels[k]), why)
    end
  end
end

--- A short stable hash of s (FNV-1a, 32 bits), as 8 hex digits.
local function fnv1a(s)
  local h = 0x811c9dc5
  for i = 1, #s do
    h = bxor(h, byte(s, i))
    -- h * 16777619 (2^24 + 403) modulo 2^32, in parts that stay exact in a double
    h = band(h * 403 + band(h, 0xff) * 0x1000000, 0xffffffff)
  end
  return tohex(h)
end

--- The valid label value closest to v: characters outside [A-Za-z0-9-_.] become '-', the
-- ends are trimmed to alphanumerics, and it is cut to 63 characters.
function names.sanitize_label_value(v)
  local s = tostring(v):gsub("[^%w%-_.]", "-"):sub(1, LABEL_VALUE_MAX)
  return (s:gsub("^[^%w]+", ""):gsub("[^%w]+$", ""))
end

--- The pod name for a container name. The seed's rules ('_' -> '-', '(' and ')' removed,
-- lowercased, cut to 63, trailing '-' stripped) when they give a valid DNS-1123 label without
-- cutting; otherwise a sanitised name with a hash of the input, so that the result is always
-- a valid label and distinct inputs stay distinct.
function names.pod_name(name)
  if type(name) ~= "string" then
    error("bad argument #1 to 'pod_name' (string expected, got " .. type(name) .. ")", 2)
  end
  local seed = name:gsub("_", "-"):gsub("[()]", ""):lower()
  local cut = seed:sub(1, DNS1123_LABEL_MAX):gsub("%-+$", "")
  if #seed <= DNS1123_LABEL_MAX and names.is_dns1123_label(cut) then
    return cut
  end
  local suffix = fnv1a(name)
  local base = seed:gsub("[^a-z0-9-]", "-"):gsub("%-%-+", "-"):gsub("^%-+", "")
  base = base:sub(1, DNS1123_LABEL_MAX - #suffix - 1):gsub("%-+$", "")
  return base == "" and "pod-" .. suffix or base .. "-" .. suffix
end

return names
