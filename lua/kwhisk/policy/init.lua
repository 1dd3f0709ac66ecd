--- kwhisk.policy: choosing, running and checking the pod policy. The config key
-- `pod-policy` names a module (default `kwhisk.policy.openwhisk`), a `.lua` file or a
-- function; a policy's `build(ctx)` returns `pod, pdb`. kwhisk loads each policy once,
-- hands it the parsed template and the seed's builder as `ctx.default`, and validates what
-- it returns before anything reaches the API server.
local config = require "kwhisk.config"
local errors = require "kwhisk.errors"
local quantity = require "kwhisk.quantity"
local openwhisk = require "kwhisk.policy.openwhisk"
local template = require "kwhisk.policy.template"
local validate = require "kwhisk.policy.validate"

local pcall, type, tostring, loadfile = pcall, type, tostring, loadfile
local bad_argument = errors.bad_argument

local policy = {}

local cache = {}

local function policy_error(message)
  return nil, errors.new("policy", message)
end

local function checked(p, label)
  if type(p) == "function" then p = { build = p } end
  if type(p) ~= "table" or type(p.build) ~= "function" then
    return policy_error(("policy %s: expected a table with a build(ctx) function, got %s")
      :format(label, type(p)))
  end
  p.label = p.label or label
  return p
end

local function is_path(spec)
  return spec:find("/", 1, true) ~= nil or spec:sub(-4) == ".lua"
end

local function load_file(path, check)
  local chunk, err = loadfile(path)
  if not chunk then return policy_error("policy " .. path .. ": " .. err) end
  local ok, result = pcall(chunk)
  if not ok then return policy_error("policy " .. path .. ": " .. tostring(result)) end
  return check(result, path)
end

local function load_module(name, check)
  local ok, result = pcall(require, name)
  if not ok then return policy_error("policy " .. name .. ": " .. tostring(result)) end
  return check(result, name)
end

--- A policy script named by spec (a module name, a path to a `.lua` file, or a value),
-- passed through check(value, label), which returns the policy or nil and an error value.
-- Loaded once per cache table. Returns the policy, or nil and an error value (kind policy).
function policy.load_script(spec, check, cache_of)
  local p = cache_of[spec]
  if p then return p end
  local err
  if type(spec) == "string" then
    if is_path(spec) then p, err = load_file(spec, check) else p, err = load_module(spec, check) end
  elseif type(spec) == "function" or type(spec) == "table" then
    p, err = check(spec, tostring(spec))
  else
    bad_argument(1, "load", "module name, file path or function expected, got " .. type(spec), 2)
  end
  if not p then return nil, err end
  cache_of[spec] = p
  return p
end

--- The pod policy named by spec (a module name, a path to a `.lua` file, a function, or a
-- table with `build`), loaded once and cached. Returns it, or nil and an error value.
function policy.load(spec)
  return policy.load_script(spec, checked, cache)
end

-- The last template parsed: most processes use one configuration for their lifetime.
local last_text, last_template

--- The pod template of cfg (config.load's result), parsed: a fresh copy, nil when there is
-- none, or nil and an error value (kind "config") when the text is not a Pod. kwhisk.config
-- keeps the text only; this is the one place that parses it.
function policy.template(cfg)
  local text = cfg["pod-template"]
  if text == nil then return nil end
  if text ~= last_text then
    local pod, err = template.parse(text)
    if not pod then return nil, errors.new("config", "config: " .. err) end
    last_text, last_template = text, pod
  end
  return template.copy(last_template)
end

local function check_arguments(name, image, memory, env, labels, cfg)
  if type(name) ~= "string" then
    bad_argument(1, "build", "string expected, got " .. type(name), 2)
  end
  if type(image) ~= "string" or image == "" then
    bad_argument(2, "build", "non-empty string expected, got "
      .. (image == "" and "an empty string" or type(image)), 2)
  end
  if type(memory) ~= "number" or memory % 1 ~= 0 or memory < quantity.MIB then
    bad_argument(3, "build", "whole number of bytes, at least 1 MiB, expected, got "
      .. tostring(memory), 2)
  end
  for n, what in pairs({ [4] = "env", [5] = "labels" }) do
    local ok, problem = openwhisk.pair_list(n == 4 and env or labels, what)
    if not ok then bad_argument(n, "build", problem, 2) end
  end
  if cfg ~= nil and type(cfg) ~= "table" then
    bad_argument(6, "build", "table expected, got " .. type(cfg), 2)
  end
end

local function normalized(cfg)
  if config.is_config(cfg) then return cfg end
  local c, err = config.load(cfg)
  if not c then bad_argument(6, "build", tostring(err), 2) end
  return c
end

local function check_result(p, pod, pdb)
  local ok, problem = validate.pod(pod)
  if ok and pdb ~= nil then ok, problem = validate.pdb(pdb) end
  if not ok then return policy_error("policy " .. p.label .. ": invalid result: " .. problem) end
  return pod, pdb
end

--- Builds the pod (and PDB) for an action with the configured policy: config (a table from
-- config.load, or raw settings) chooses it. Raises on bad arguments; returns nil and an
-- error value (kind "policy") when the policy fails or returns an invalid result.
function policy.build(name, image, memory, env, labels, cfg)
  check_arguments(name, image, memory, env, labels, cfg)
  cfg = normalized(cfg)
  local p, err = policy.load(cfg["pod-policy"])
  if not p then return nil, err end
  local tmpl, terr = policy.template(cfg)
  if terr then return nil, terr end
  local ctx = {
    name = name, image = image, memory = memory, config = cfg, template = tmpl,
    env = openwhisk.ordered_pairs(env, "env"), labels = openwhisk.labels(labels),
  }
  ctx.default = function(c) return openwhisk.build(c or ctx) end
  local ok, pod, pdb = pcall(p.build, ctx)
  if not ok then return policy_error("policy " .. p.label .. " failed: " .. tostring(pod)) end
  if pod == nil then
    return policy_error("policy " .. p.label .. " failed: "
      .. tostring(pdb or "it returned no pod"))
  end
  return check_result(p, pod, pdb)
end

return policy
