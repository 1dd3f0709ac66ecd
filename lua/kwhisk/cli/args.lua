--- kwhisk.cli.args: the command line parser every subcommand shares, after kubectl's habits
-- (`-n NS`, `-l k=v,k2=v2`, `-o json`, `--flag=value`). A command describes its options as
-- { ["--memory"] = { "memory", "value" }, ... } with the kinds
--   flag      true when present
--   value     the last value given
--   pairs     repeatable K=V, kept in order as { {k, v}, ... }
--   selector  k=v[,k2=v2] (repeatable), merged into a map
--   list      repeatable, kept in order
local args = {}

-- The options of every command that talks to a cluster.
args.CLUSTER = {
  ["--kubeconfig"] = { "kubeconfig", "value" }, ["--context"] = { "context", "value" },
  ["-n"] = { "namespace", "value" }, ["--namespace"] = { "namespace", "value" },
  ["--config"] = { "config", "value" }, ["--verbose"] = { "verbose", "flag" },
  ["-v"] = { "verbose", "flag" },
}

args.CLUSTER_HELP = [[
  -n, --namespace NS   namespace of the action pods (default: the configuration's, else the
                       kubeconfig context's)
  --kubeconfig PATH    kubeconfig file (default: $KUBECONFIG, else ~/.kube/config, else
                       in-cluster)
  --context NAME       kubeconfig context (default: its current-context)
  --config FILE        a YAML configuration file (docs/configuration.md)
  -v, --verbose        log each API call (method, path, status, ms) on stderr
]]

-- -o FORMAT, --output FORMAT, and --json (an alias of -o json), for every command.
args.OUTPUT = { ["-o"] = { "output", "value" }, ["--output"] = { "output", "value" },
  ["--json"] = { "json", "flag" } }

--- A new option table: the given options plus those of each extra table.
function args.with(options, ...)
  local all = {}
  for _, t in ipairs({ options, ... }) do
    for k, v in pairs(t) do all[k] = v end
  end
  return all
end

local function key_value(flag, text)
  local k, v = text:match("^([^=]+)=(.*)$")
  if not k then return nil, flag .. " expects K=V, got '" .. text .. "'" end
  return k, v
end

local function add_selector(map, flag, text)
  for item in (text .. ","):gmatch("([^,]*),") do
    local k, v = key_value(flag, item)
    if not k then return v end
    map[k] = v
  end
end

-- Stores one option's value in opts; a message for a bad value.
local function store(opts, flag, key, kind, value)
  if kind == "value" then
    opts[key] = value
  elseif kind == "list" then
    opts[key] = opts[key] or {}
    opts[key][#opts[key] + 1] = value
  elseif kind == "pairs" then
    local k, v = key_value(flag, value)
    if not k then return v end
    opts[key] = opts[key] or {}
    opts[key][#opts[key] + 1] = { k, v }
  else -- selector
    opts[key] = opts[key] or {}
    return add_selector(opts[key], flag, value)
  end
end

--- Parses argv against options. Returns opts (option keys, and positional: the other
-- arguments in order), or nil and a one-line message naming what was wrong.
function args.parse(argv, options)
  local opts, i = { positional = {} }, 1
  while i <= #argv do
    local arg = argv[i]
    local flag, inline = arg:match("^(%-%-?[^=]+)=(.*)$")
    flag = flag or arg
    local option = arg ~= "-" and arg:sub(1, 1) == "-" and options[flag]
    if option and option[2] == "flag" then
      if inline then return nil, flag .. " takes no value" end
      opts[option[1]] = true
    elseif option then
      local value = inline or argv[i + 1]
      if value == nil then return nil, flag .. " needs a value" end
      if not inline then i = i + 1 end
      local bad = store(opts, flag, option[1], option[2], value)
      if bad then return nil, bad end
    elseif arg:sub(1, 1) == "-" and arg ~= "-" then
      return nil, "unknown option '" .. flag .. "'"
    else
      opts.positional[#opts.positional + 1] = arg
    end
    i = i + 1
  end
  return opts
end

--- Whether argv asks for help.
function args.wants_help(argv)
  for _, a in ipairs(argv) do
    if a == "--help" or a == "-h" then return true end
  end
  return false
end

return args
