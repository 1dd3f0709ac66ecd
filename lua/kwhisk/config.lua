--- kwhisk.config: the client's configuration (SPEC A1) read from a table, a YAML file and
-- the environment, checked and normalized: kebab-case keys, durations in seconds, sizes in
-- bytes, the pod template as text. Every mistake names the key, the value and what was
-- expected, so a typo never turns silently into a default.
local fs = require "kwhisk.fs"
local quantity = require "kwhisk.quantity"
local errors = require "kwhisk.errors"

local pairs, setmetatable, getmetatable = pairs, setmetatable, getmetatable
local tonumber, tostring, type = tonumber, tostring, type
local concat, sort = table.concat, table.sort

local config = {}

local CONFIG_MT = { __name = "kwhisk.config" }

-- Parsers: value -> parsed value, or nil and "expected ..., got ...".

local function shown(v)
  return type(v) == "string" and "'" .. v .. "'" or tostring(v)
end

local DURATION_UNITS = {
  ns = 1e-9, nanosecond = 1e-9, nanoseconds = 1e-9,
  us = 1e-6, microsecond = 1e-6, microseconds = 1e-6,
  ms = 1e-3, milli = 1e-3, millis = 1e-3, millisecond = 1e-3, milliseconds = 1e-3,
  [""] = 1, s = 1, second = 1, seconds = 1,
  m = 60, minute = 60, minutes = 60,
  h = 3600, hour = 3600, hours = 3600,
  d = 86400, day = 86400, days = 86400,
}

--- Parses a duration (`1 minute`, `10 s`, `250 ms`, or a number of seconds) into seconds.
function config.parse_duration(s)
  local seconds
  if type(s) == "number" then
    seconds = s
  elseif type(s) == "string" then
    local number, unit = s:match("^%s*(%d+%.?%d*)%s*(%a*)%s*$")
    local scale = unit and DURATION_UNITS[unit:lower()]
    seconds = scale and tonumber(number) * scale
  end
  if not seconds or seconds < 0 or seconds ~= seconds or seconds == math.huge then
    return nil, "expected a duration like `1 minute`, `10 s`, `250 ms` or a number of seconds, got "
      .. shown(s)
  end
  return seconds
end

config.parse_size = quantity.parse_size

local BOOLEANS = { ["true"] = true, yes = true, on = true, ["false"] = false, no = false,
  off = false }

local function boolean(v)
  if type(v) == "boolean" then return v end
  local b
  if type(v) == "string" then b = BOOLEANS[v:lower()] end
  if b == nil then
    return nil, "expected true or false, got " .. shown(v)
  end
  return b
end

local function integer_between(low, high)
  return function(v)
    local n = tonumber(v)
    if not n or n ~= math.floor(n) or n < low or n > high then
      return nil, ("expected an integer from %d to %d, got %s"):format(low, high, shown(v))
    end
    return n
  end
end

local function text(v)
  if type(v) ~= "string" or v == "" then
    return nil, "expected a non-empty string, got " .. shown(v)
  end
  return v
end

local function positive_duration(v)
  local seconds, err = config.parse_duration(v)
  if seconds == 0 then
    return nil, "expected a duration above zero, got " .. shown(v)
  end
  return seconds, err
end

local function size_at_least(minimum, shown_minimum)
  return function(v)
    local bytes, err = quantity.parse_size(v)
    if bytes and bytes < minimum then
      return nil, "expected a size of at least " .. shown_minimum .. ", got " .. shown(v)
    end
    return bytes, err
  end
end

local at_least_a_mebibyte = size_at_least(quantity.MIB, "1 Mi")

local function scale_factor(v)
  local n = tonumber(v)
  if not n or n < 0 or n ~= n or n == math.huge then
    return nil, "expected a number >= 0, got " .. shown(v)
  end
  return n
end

local function one_of(...)
  local allowed = { ... }
  return function(v)
    for _, a in ipairs(allowed) do
      if v == a then return v end
    end
    return nil, "expected one of " .. concat(allowed, ", ") .. ", got " .. shown(v)
  end
end

local function pod_policy(v)
  if type(v) == "function" or type(v) == "table" and type(v.build) == "function" then
    return v
  end
  local name, err = text(v)
  if not name then
    return nil, "expected a module name, a .lua file or a function; " .. err
  end
  return name
end

local function string_map(v)
  if type(v) ~= "table" then
    return nil, "expected a map of names to strings, got " .. shown(v)
  end
  local copy = {}
  for name, value in pairs(v) do
    if type(name) ~= "string" or type(value) ~= "string" then
      return nil, "expected a map of names to strings, got " .. shown(name) .. ": " .. shown(value)
    end
    copy[name] = value
  end
  return copy
end

--- The text of a pod template given as inline YAML, `file:PATH` or `env:NAME`; getenv
-- defaults to os.getenv. Returns the text, or nil and a message. The configuration keeps
-- this text only: kwhisk.policy parses it (and kwhisk.client does so when it starts, so a
-- bad template is still reported before the first pod).
function config.template_text(spec, getenv)
  if type(spec) ~= "string" then
    return nil, "expected Pod YAML text, `file:PATH` or `env:NAME`, got a " .. type(spec)
  end
  local path = spec:match("^file:(.+)$")
  if path then
    local content, err = fs.read_file(path)
    if not content then return nil, "cannot read the pod template: " .. err end
    return content
  end
  local name = spec:match("^env:([%w_]+)$")
  if name then
    local value = (getenv or os.getenv)(name)
    if value == nil then return nil, "the pod template variable " .. name .. " is not set" end
    return value
  end
  return spec
end

-- The keys (SPEC A1 and kwhisk's own). A group is a table of fields; an optional group is
-- unset unless given, and then all its fields without a default are required.
local KEYS = {
  timeouts = { fields = {
    run = { parse = positive_duration, default = 60 },
    logs = { parse = positive_duration, default = 60 },
    api = { parse = positive_duration, default = 30 },
  } },
  ["invoker-agent"] = { fields = {
    enabled = { parse = boolean, default = false },
    port = { parse = integer_between(1, 65535), default = 3233 },
  } },
  ["user-pod-node-affinity"] = { fields = {
    enabled = { parse = boolean, default = true },
    key = { parse = text, default = "openwhisk-role" },
    value = { parse = text, default = "invoker" },
  } },
  ["cpu-scaling"] = { optional = true, fields = {
    millicpus = { parse = integer_between(1, 2^31 - 1) },
    memory = { parse = at_least_a_mebibyte },
    ["max-millicpus"] = { parse = integer_between(1, 2^31 - 1) },
  } },
  ["ephemeral-storage"] = { optional = true, fields = {
    limit = { parse = at_least_a_mebibyte },
    ["scale-factor"] = { parse = scale_factor, default = 0 },
  } },
  ["port-forwarding-enabled"] = { parse = boolean, default = false },
  ["pod-template"] = { parse = config.template_text },
  ["action-namespace"] = { parse = text },
  ["field-ref-environment"] = { parse = string_map },
  ["pdb-enabled"] = { parse = boolean, default = false },
  ["pod-policy"] = { parse = pod_policy, default = "kwhisk.policy.openwhisk" },
  kubeconfig = { parse = text },
  context = { parse = text },
  ["log-max-line"] = { parse = size_at_least(1024, "1 Ki"), default = quantity.MIB },
  ["log-collect-timeout"] = { parse = positive_duration, default = 2 },
  ["log-mode"] = { parse = one_of("follow", "poll"), default = "follow" },
  ["keep-failed-pods"] = { parse = boolean, default = false },
  -- gracePeriodSeconds of kwhisk's deletes; unset: each pod's terminationGracePeriodSeconds
  ["delete-grace-period"] = { parse = integer_between(0, 2^31 - 1) },
}

-- Other spellings of a key.
local ALIASES = { namespace = "action-namespace" }

-- Every dotted key name, for suggestions.
local KNOWN = {}
for key, spec in pairs(KEYS) do
  KNOWN[#KNOWN + 1] = key
  for field in pairs(spec.fields or {}) do
    KNOWN[#KNOWN + 1] = key .. "." .. field
  end
end
for alias in pairs(ALIASES) do KNOWN[#KNOWN + 1] = alias end
sort(KNOWN)

local function distance(a, b)
  local row = {}
  for j = 0, #b do row[j] = j end
  for i = 1, #a do
    local diagonal, prev = row[0], row[0] + 1
    row[0] = prev
    for j = 1, #b do
      local cost = a:byte(i) == b:byte(j) and 0 or 1
      local value = math.min(row[j] + 1, prev + 1, diagonal + cost)
      diagonal, row[j], prev = row[j], value, value
    end
  end
  return row[#b]
end

local function closest(name)
  local best, best_distance
  for _, known in ipairs(KNOWN) do
    local d = distance(name, known)
    if not best_distance or d < best_distance then best, best_distance = known, d end
  end
  return best
end

local function config_error(message)
  return nil, errors.new("config", "config: " .. message)
end

local function unknown(path)
  return config_error(("unknown key '%s' (did you mean '%s'?)"):format(path, closest(path)))
end

local function is_null(v)
  local json = package.loaded["kwhisk.json"]
  return json ~= nil and v == json.null
end

local function kebab(key)
  return type(key) == "string" and key:gsub("_", "-") or key
end

-- origin: the environment variable the value came from, named first in errors.
local function parse_value(spec, path, value, getenv, origin)
  local parsed, err = spec.parse(value, getenv)
  if parsed == nil then
    -- An inline template's messages already start with the key ("pod-template:2:1: ...").
    if err:sub(1, #path + 1) ~= path .. ":" then err = path .. ": " .. err end
    return config_error(origin and origin .. ": " .. err or err)
  end
  return parsed
end

-- Applies the user's keys of one group onto its current table.
local function apply_group(spec, key, given, current, getenv, origin)
  if type(given) ~= "table" then
    return config_error(key .. ": expected a map of " .. key .. " settings, got " .. shown(given))
  end
  for name, value in pairs(given) do
    local field = kebab(name)
    local fspec = spec.fields[field]
    if not fspec then return unknown(key .. "." .. tostring(name)) end
    local parsed, err = parse_value(fspec, key .. "." .. field, value, getenv, origin)
    if parsed == nil then return nil, err end
    current[field] = parsed
  end
  return true
end

-- Applies a table of user keys (from a table, a YAML file or the variable origin) onto cfg.
local function apply(cfg, input, getenv, origin)
  for name, value in pairs(input) do
    local key = kebab(name)
    key = ALIASES[key] or key
    local spec = KEYS[key]
    if not spec then return unknown(tostring(name)) end
    if is_null(value) and (spec.optional or spec.default == nil) then
      cfg[key] = nil
    elseif spec.fields then
      cfg[key] = cfg[key] or {}
      local ok, err = apply_group(spec, key, value, cfg[key], getenv, origin)
      if not ok then return nil, err end
    else
      local parsed, err = parse_value(spec, key, value, getenv, origin)
      if parsed == nil then return nil, err end
      cfg[key] = parsed
    end
  end
  return true
end

local function camel(key)
  return (key:gsub("%-(%l)", string.upper))
end

--- The environment variable that overrides a key (`cpu-scaling.max-millicpus` ->
-- `CONFIG_whisk_kubernetes_cpuScaling_maxMillicpus`), after the seed's convention.
function config.env_name(key, field)
  return "CONFIG_whisk_kubernetes_" .. camel(key) .. (field and "_" .. camel(field) or "")
end

-- Every variable name that overrides a key, for suggestions.
local KNOWN_ENV = {}
for key, spec in pairs(KEYS) do
  if spec.fields then
    for field in pairs(spec.fields) do KNOWN_ENV[config.env_name(key, field)] = true end
  elseif spec.parse ~= string_map then
    KNOWN_ENV[config.env_name(key)] = true
  end
end

local ffi = require "ffi"
ffi.cdef "extern char **environ;"

-- The names of this process's environment variables.
local function environment_names()
  local names, i = {}, 0
  while ffi.C.environ[i] ~= nil do
    local entry = ffi.string(ffi.C.environ[i])
    names[#names + 1] = entry:match("^([^=]*)")
    i = i + 1
  end
  return names
end

--- Warnings for CONFIG_whisk_kubernetes_* variables that override no key (a misspelling),
-- each naming the closest variable that does. env: a table of variables, or nil for this
-- process's environment. Returns a list of messages.
function config.env_warnings(env)
  local names = {}
  if type(env) == "table" then
    for name in pairs(env) do names[#names + 1] = name end
  else
    names = environment_names()
  end
  sort(names)
  local warnings = {}
  for _, name in ipairs(names) do
    if name:find("^CONFIG_whisk_kubernetes_") and not KNOWN_ENV[name] then
      local best, best_distance
      for known in pairs(KNOWN_ENV) do
        local d = distance(name, known)
        if not best_distance or d < best_distance or d == best_distance and known < best then
          best, best_distance = known, d
        end
      end
      warnings[#warnings + 1] = name .. " is not a kwhisk setting (did you mean " .. best .. "?)"
    end
  end
  return warnings
end

-- Applies the environment's overrides for every key that is not a map of free names.
local function apply_env(cfg, getenv)
  for key, spec in pairs(KEYS) do
    if spec.fields then
      for field in pairs(spec.fields) do
        local name = config.env_name(key, field)
        local value = getenv(name)
        if value ~= nil then
          local ok, err = apply(cfg, { [key] = { [field] = value } }, getenv, name)
          if not ok then return nil, err end
        end
      end
    elseif spec.parse ~= string_map then
      local name = config.env_name(key)
      local value = getenv(name)
      if value ~= nil then
        local ok, err = apply(cfg, { [key] = value }, getenv, name)
        if not ok then return nil, err end
      end
    end
  end
  return true
end

local function defaults()
  local cfg = {}
  for key, spec in pairs(KEYS) do
    if spec.fields and not spec.optional then
      cfg[key] = {}
      for field, fspec in pairs(spec.fields) do cfg[key][field] = fspec.default end
    else
      cfg[key] = spec.default
    end
  end
  return cfg
end

-- Fills defaults into given optional groups and reports missing required fields.
local function complete(cfg)
  for key, spec in pairs(KEYS) do
    if spec.optional and cfg[key] then
      for field, fspec in pairs(spec.fields) do
        if cfg[key][field] == nil then
          if fspec.default == nil then
            return config_error(key .. "." .. field .. ": missing (required when " .. key
              .. " is set)")
          end
          cfg[key][field] = fspec.default
        end
      end
    end
  end
  cfg.namespace = cfg["action-namespace"]
  return setmetatable(cfg, CONFIG_MT)
end

-- The settings of a YAML file: its first document, either the keys themselves or a
-- `whisk: kubernetes:` block as in OpenWhisk's own configuration.
local function read_settings_file(path)
  local documents, err = require("kwhisk.yaml").load_file(path)
  if not documents then return config_error(tostring(err)) end
  local doc = documents[1]
  if doc == nil or is_null(doc) then return {} end
  if type(doc) ~= "table" then
    return config_error(path .. ": expected a map of settings, got " .. shown(doc))
  end
  if type(doc.whisk) == "table" and type(doc.whisk.kubernetes) == "table" then
    doc = doc.whisk.kubernetes
  end
  -- A policy file named relative to the configuration file lives beside it.
  local dir = path:match("^(.*)/[^/]*$") or "."
  for name, value in pairs(doc) do
    if kebab(name) == "pod-policy" and type(value) == "string" and value:sub(1, 1) ~= "/"
        and (value:find("/", 1, true) or value:find("%.lua$")) then
      doc[name] = dir .. "/" .. value
    end
  end
  return doc
end

--- Loads the configuration from `input` (a table of settings, a YAML file path, or nil
-- for the defaults) and the environment (`env`: a table or a function like os.getenv;
-- default os.getenv). Returns the normalized settings, or nil and an error value.
function config.load(input, env)
  local getenv = env or os.getenv
  if type(getenv) == "table" then
    local t = getenv
    getenv = function(name) return t[name] end
  elseif type(getenv) ~= "function" then
    errors.bad_argument(2, "config.load", "table or function expected, got " .. type(env))
  end
  if type(input) == "string" then
    local settings, err = read_settings_file(input)
    if not settings then return nil, err end
    input = settings
  elseif input ~= nil and type(input) ~= "table" then
    errors.bad_argument(1, "config.load", "table, YAML file path or nil expected, got "
      .. type(input))
  end
  local cfg = defaults()
  local ok, err = apply(cfg, input or {}, getenv)
  if ok then ok, err = apply_env(cfg, getenv) end
  if not ok then return nil, err end
  return complete(cfg)
end

--- True when t came from config.load.
function config.is_config(t)
  return getmetatable(t) == CONFIG_MT
end

return config
