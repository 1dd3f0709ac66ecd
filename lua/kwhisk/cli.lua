--- kwhisk.cli: the `kwhisk` command line. `main(argv)` returns the exit status:
-- 0 done, 1 a failure, 2 a usage error.
local cli = {}

local USAGE = [[
usage: kwhisk COMMAND [ARGS]

commands:
  version    print kwhisk's version
  pod-spec   print the pod (and PDB) the pod policy builds for an action
  sim        serve a simulated Kubernetes cluster on loopback (kwhisk sim --help)
]]

local POD_SPEC_USAGE = [[
usage: kwhisk pod-spec NAME IMAGE [--memory 256m] [--env K=V]... [--label K=V]...
                       [--config FILE] [--policy FILE] [-o yaml|json]

Prints the pod (and its PodDisruptionBudget, when pdb-enabled) that the configured pod
policy builds, as `kubectl run --dry-run=client -o yaml` prints one; nothing is sent.
  --memory SIZE   action memory (default 256m; 256m, 256Mi, 1g, 256MB or bytes)
  --env K=V       an environment variable, in order (repeatable)
  --label K=V     a pod label (repeatable)
  --config FILE   a YAML configuration file (default: defaults and CONFIG_whisk_kubernetes_*)
  --policy FILE   a policy module or .lua file, instead of the configured pod-policy
  -o FORMAT       yaml (default; documents separated by ---) or json (a List with a PDB)
]]

local commands = {}

function commands.version()
  io.stdout:write("kwhisk ", require("kwhisk").version, "\n")
  return 0
end

local function usage_error(command, message)
  io.stderr:write("kwhisk ", command, ": ", message, "; see 'kwhisk ", command, " --help'\n")
  return 2
end

local POD_SPEC_OPTIONS = { ["--memory"] = "memory", ["--env"] = "env", ["--label"] = "labels",
  ["--config"] = "config", ["--policy"] = "policy", ["-o"] = "output", ["--output"] = "output" }

-- Options and positional arguments of pod-spec; nil and a message for a usage error.
local function pod_spec_arguments(args)
  local opts = { env = {}, labels = {}, positional = {}, memory = "256m", output = "yaml" }
  local i = 1
  while i <= #args do
    local arg, value = args[i], args[i + 1]
    local key = POD_SPEC_OPTIONS[arg]
    if key then
      if value == nil then return nil, arg .. " needs a value" end
      if key == "env" or key == "labels" then
        local k, v = value:match("^([^=]+)=(.*)$")
        if not k then return nil, arg .. " expects K=V, got '" .. value .. "'" end
        opts[key][#opts[key] + 1] = { k, v }
      else
        opts[key] = value
      end
      i = i + 2
    elseif arg:sub(1, 1) == "-" then
      return nil, "unknown option '" .. arg .. "'"
    else
      opts.positional[#opts.positional + 1] = arg
      i = i + 1
    end
  end
  if #opts.positional ~= 2 then return nil, "expects NAME and IMAGE" end
  if opts.output ~= "yaml" and opts.output ~= "json" then
    return nil, "-o must be yaml or json, got '" .. opts.output .. "'"
  end
  return opts
end

local function render(pod, pdb, output)
  if output == "json" then
    local json = require "kwhisk.json"
    local list = pdb and json.object({ apiVersion = "v1", kind = "List",
      items = json.array({ pod, pdb }) })
    return json.encode(list or pod) .. "\n"
  end
  local yaml = require "kwhisk.yaml"
  local documents = {}
  for i, object in ipairs({ pod, pdb }) do
    documents[i] = yaml.dump(object):gsub("^%-%-%-\n", "")
  end
  return table.concat(documents, "---\n")
end

local function build_pod(opts, memory)
  local cfg, err = require("kwhisk.config").load(opts.config)
  if not cfg then return nil, err end
  if opts.policy then cfg["pod-policy"] = opts.policy end
  return require("kwhisk.policy").build(opts.positional[1], opts.positional[2], memory,
    opts.env, opts.labels, cfg)
end

commands["pod-spec"] = function(args)
  if args[1] == "--help" or args[1] == "-h" then
    io.stdout:write(POD_SPEC_USAGE)
    return 0
  end
  local opts, usage = pod_spec_arguments(args)
  if not opts then return usage_error("pod-spec", usage) end
  local memory, merr = require("kwhisk.quantity").parse_size(opts.memory)
  if not memory or memory < 2^20 then
    return usage_error("pod-spec", "--memory: " .. (merr or "expected at least 1Mi"))
  end
  local pod, pdb = build_pod(opts, memory)
  if not pod then
    io.stderr:write("kwhisk pod-spec: ", tostring(pdb), "\n")
    return 1
  end
  io.stdout:write(render(pod, pdb, opts.output))
  return 0
end

function commands.sim(args)
  return require("kwhisk.sim").main(args)
end

function cli.main(argv)
  local name = argv[1]
  if name == nil or name == "--help" or name == "-h" or name == "help" then
    io.stdout:write(USAGE)
    return name == nil and 2 or 0
  end
  local command = commands[name]
  if not command then
    io.stderr:write("kwhisk: unknown command '", name, "'; see 'kwhisk --help'\n")
    return 2
  end
  return command({ unpack(argv, 2) })
end

return cli
