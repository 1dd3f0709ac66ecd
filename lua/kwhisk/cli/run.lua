--- kwhisk.cli.run: `kwhisk run NAME IMAGE`, runs an action container: creates its pod with the
-- configured policy, waits until it is Ready and prints the container. With --wait it then
-- stays until SIGINT/SIGTERM and deletes the pod.
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"

local USAGE = [[
usage: kwhisk run NAME IMAGE [--memory 256m] [--env K=V]... [--label K=V]... [--wait]
                  [-o text|json|yaml] [cluster options]

Creates the pod NAME from the pod policy, waits until it is Ready (timeouts.run) and prints
the container: its id, address, worker IP and native id. A pod that fails to start is
reported with its kind (image_pull, crash_loop, ...) and events, and deleted.
  --memory SIZE        action memory (default 256m)
  --env K=V            an environment variable (repeatable)
  --label K=V          a pod label (repeatable)
  --wait               after printing, wait for SIGINT or SIGTERM, then delete the pod
  -o FORMAT            text (default: a table), json or yaml
]] .. args.CLUSTER_HELP

local OPTIONS = args.with({ ["--memory"] = { "memory", "value" }, ["--env"] = { "env", "pairs" },
  ["--label"] = { "labels", "pairs" }, ["--wait"] = { "wait", "flag" },
  ["-o"] = { "output", "value" }, ["--output"] = { "output", "value" } }, args.CLUSTER)

local function arguments(argv)
  local opts, err = args.parse(argv, OPTIONS)
  if not opts then return nil, err end
  if #opts.positional ~= 2 then return nil, "expects NAME and IMAGE" end
  local bad = common.check_output(opts, { "text", "json", "yaml" })
  if bad then return nil, bad end
  local memory, merr = require("kwhisk.quantity").parse_size(opts.memory or "256m")
  if not memory or memory < 2^20 then
    return nil, "--memory: " .. (merr or "expected at least 1Mi")
  end
  opts.memory = memory
  return opts
end

--- The container as a table row or a JSON/YAML object.
local function render(c, output)
  local object = { id = c.id, address = c.address.host .. ":" .. c.address.port,
    worker_ip = c.worker_ip, native_id = c.native_id }
  if output == "json" or output == "yaml" then return common.encode(object, output) end
  local row = "%-24s %-22s %-16s %s\n"
  return row:format("ID", "ADDRESS", "WORKER IP", "NATIVE ID")
    .. row:format(object.id, object.address, tostring(object.worker_ip), object.native_id)
end

-- Blocks until SIGINT or SIGTERM.
local function wait_for_signal()
  local signal = require "cqueues.signal"
  signal.block(signal.SIGINT, signal.SIGTERM)
  signal.listen(signal.SIGINT, signal.SIGTERM):wait()
end

return function(argv)
  if args.wants_help(argv) then return common.help(USAGE) end
  local opts, usage = arguments(argv)
  if not opts then return common.usage_error("run", usage) end
  local client, cerr = common.client(opts)
  if not client then return common.fail("run", cerr) end
  local c, err = client:run(opts.positional[1], opts.positional[2],
    { memory = opts.memory, env = opts.env, labels = opts.labels })
  if not c then return common.fail("run", err) end
  io.stdout:write(render(c, opts.output))
  io.stdout:flush()
  if not opts.wait then return common.OK end
  wait_for_signal()
  local ok, rerr = client:rm(c)
  return ok and common.OK or common.fail("run", rerr)
end
