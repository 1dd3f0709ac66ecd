--- kwhisk.cli.pod_spec: `kwhisk pod-spec`, the policy dry run: prints the pod (and PDB) the
-- configured pod policy builds for an action, as `kubectl run --dry-run=client` does.
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"

local USAGE = [[
usage: kwhisk pod-spec NAME IMAGE [--memory 256m] [--env K=V]... [--label K=V]...
                       [--config FILE] [--policy FILE] [-o yaml|json]

Prints the pod (and its PodDisruptionBudget, when pdb-enabled) that the configured pod
policy builds, as `kubectl run --dry-run=client -o yaml` prints one; nothing is sent.
  --memory SIZE   action memory (default 256m; 256m, 256Mi, 1g, 256MB or bytes)
  --env K=V       an environment variable, in order (repeatable)
  --label K=V     a pod label (repeatable)
  --config FILE   a YAML configuration file (default: defaults and CONFIG_whisk_kubernetes_*)
  --policy FILE   a policy module or .lua file, instead of the configured pod-policy
  -o FORMAT       yaml (default; documents separated by ---) or json (a List with a PDB;
                  --json too)
]]

local OPTIONS = { ["--memory"] = { "memory", "value" }, ["--env"] = { "env", "pairs" },
  ["--label"] = { "labels", "pairs" }, ["--config"] = { "config", "value" },
  ["--policy"] = { "policy", "value" }, ["-o"] = { "output", "value" },
  ["--output"] = { "output", "value" }, ["--json"] = { "json", "flag" } }

local function render(pod, pdb, output)
  if output == "json" then
    local json = require "kwhisk.json"
    local list = pdb and json.object({ apiVersion = "v1", kind = "List",
      items = json.array({ pod, pdb }) })
    return common.encode(list or pod, "json")
  end
  local documents = {}
  for i, object in ipairs({ pod, pdb }) do
    documents[i] = common.encode(object, "yaml")
  end
  return table.concat(documents, "---\n")
end

local function build_pod(opts, memory)
  local cfg, err = common.config(opts)
  if not cfg then return nil, err end
  if opts.policy then cfg["pod-policy"] = opts.policy end
  return require("kwhisk.policy").build(opts.positional[1], opts.positional[2], memory,
    opts.env or {}, opts.labels or {}, cfg)
end

--- Parses and checks the arguments: opts and the memory in bytes, or nil and a message.
local function arguments(argv)
  local opts, err = args.parse(argv, OPTIONS)
  if not opts then return nil, err end
  if #opts.positional ~= 2 then return nil, "expects NAME and IMAGE" end
  local bad = common.check_output(opts, { "yaml", "json" })
  if bad then return nil, bad end
  local memory, merr = require("kwhisk.quantity").parse_size(opts.memory or "256m")
  if not memory or memory < 2^20 then
    return nil, "--memory: " .. (merr or "expected at least 1Mi")
  end
  return opts, memory
end

return function(argv)
  if args.wants_help(argv) then return common.help(USAGE) end
  local opts, memory = arguments(argv)
  if not opts then return common.usage_error("pod-spec", memory) end
  local pod, pdb = build_pod(opts, memory)
  if not pod then return common.fail("pod-spec", pdb) end
  io.stdout:write(render(pod, pdb, opts.output))
  return common.OK
end
