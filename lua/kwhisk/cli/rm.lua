--- kwhisk.cli.rm: `kwhisk rm NAME...` and `kwhisk rm -l k=v[,k2=v2]`, deletes action pods (and
-- their PDBs) by name or by label selector. As kubectl does, a NAME that is not there is
-- an error (exit 1), and -l says how many pods it deleted.
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"

local USAGE = [[
usage: kwhisk rm NAME... [--wait] [cluster options]
       kwhisk rm -l k=v[,k2=v2] [--ensure-unpaused] [--wait] [cluster options]

Deletes the named pods (a name that does not exist is an error: exit 1), or every pod whose
labels match the selector (one deletecollection), saying how many, and returns once the
deletes are accepted (pods may stay Terminating for their grace period).
  -l, --selector SEL   k=v pairs separated by commas (repeatable; all must match)
  --ensure-unpaused    resume each matching pod first (with invoker-agent.enabled)
  --wait               also wait until the pods are gone (at most timeouts.run)
]] .. args.CLUSTER_HELP

local OPTIONS = args.with({ ["-l"] = { "selector", "selector" },
  ["--selector"] = { "selector", "selector" },
  ["--ensure-unpaused"] = { "ensure_unpaused", "flag" },
  ["--wait"] = { "wait", "flag" } }, args.CLUSTER)

local function arguments(argv)
  local opts, err = args.parse(argv, OPTIONS)
  if not opts then return nil, err end
  local names = #opts.positional
  if opts.selector and names > 0 then return nil, "give NAMEs or -l, not both" end
  if not opts.selector and names == 0 then return nil, "expects NAME... or -l k=v" end
  if opts.ensure_unpaused and not opts.selector then
    return nil, "--ensure-unpaused goes with -l"
  end
  return opts
end

local function rm_names(client, names, wait)
  local status = common.OK
  for _, name in ipairs(names) do
    local ok, err = client.conn:get(client:pods_path(name))
    if ok then
      ok, err = client:rm(name, { wait_gone = wait })
    elseif err.kind == "not_found" then
      err = require("kwhisk.errors").new("not_found", 'pods "' .. name .. '" not found')
    end
    if ok then
      io.stdout:write("deleted ", name, "\n")
    else
      status = common.fail("rm", err)
    end
  end
  return status
end

return function(argv)
  if args.wants_help(argv) then return common.help(USAGE) end
  local opts, usage = arguments(argv)
  if not opts then return common.usage_error("rm", usage) end
  local client, cerr = common.client(opts)
  if not client then return common.fail("rm", cerr) end
  if not opts.selector then return rm_names(client, opts.positional, opts.wait) end
  local selector = require("kwhisk.client").selector(opts.selector)
  local pods, lerr = client:list(opts.selector)
  if not pods then return common.fail("rm", lerr) end
  local ok, err = client:rm(opts.selector, { ensure_unpaused = opts.ensure_unpaused,
    wait_gone = opts.wait })
  if not ok then return common.fail("rm", err) end
  io.stdout:write("deleted ", #pods, #pods == 1 and " pod" or " pods", " matching ", selector, "\n")
  return common.OK
end
