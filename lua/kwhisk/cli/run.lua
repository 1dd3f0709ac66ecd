--- kwhisk.cli.run: `kwhisk run NAME IMAGE`, runs an action container: creates its pod with the
-- configured policy, waits until it is Ready and prints the container. With --wait it then
-- stays until SIGINT/SIGTERM and deletes the pod.
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"

local USAGE = [[
usage: kwhisk run NAME IMAGE [--memory 256m] [--env K=V]... [--label K=V]... [--wait]
                  [--timeout DURATION]
                  [-o text|json|yaml] [cluster options]

Creates the pod NAME from the pod policy, waits until it is Ready (timeouts.run) and prints
the container: its id, address, worker IP and native id. A pod that fails to start is
reported with its kind (image_pull, crash_loop, ...) and events, and deleted.
  --memory SIZE        action memory (default 256m)
  --env K=V            an environment variable (repeatable)
  --label K=V          a pod label (repeatable)
  --wait               after printing, wait for Ctrl-C (exit 130) or SIGTERM (exit 143),
                       then delete the pod (a second one exits without deleting)
  --timeout DURATION   how long the pod may take to be Ready (default: timeouts.run)
  -o FORMAT            text (default: a table), json (--json too) or yaml
]] .. args.CLUSTER_HELP

local OPTIONS = args.with({ ["--memory"] = { "memory", "value" },
  ["--timeout"] = { "timeout", "value" }, ["--env"] = { "env", "pairs" },
  ["--label"] = { "labels", "pairs" }, ["--wait"] = { "wait", "flag" },
  }, args.OUTPUT, args.CLUSTER)

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
  if opts.timeout then
    local seconds = require("kwhisk.config").parse_duration(opts.timeout)
    if not seconds or seconds <= 0 then
      return nil, "--timeout expects a duration like 90s or 2m, got '" .. opts.timeout .. "'"
    end
    opts.timeout = seconds
  end
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

-- Waits for task or the first signal (interrupted() answers it).
local function until_done_or_interrupted(task, interrupted)
  local loop = require "kwhisk.loop"
  while not task.done and not interrupted() do
    loop.first({ task }, loop.now() + 0.1)
  end
end

-- Deletes the pod NAME after an interruption; returns 128 + the signal.
local function interrupted_exit(client, name, sig)
  local ok, err = client:rm(name)
  if not ok then common.fail("run", err) end
  return require("kwhisk.signals").status(sig)
end

return function(argv)
  if args.wants_help(argv) then return common.help(USAGE) end
  local opts, usage = arguments(argv)
  if not opts then return common.usage_error("run", usage) end
  local client, cerr = common.client(opts)
  if not client then return common.fail("run", cerr) end
  local name = opts.positional[1]
  local interrupted = common.interruptible("run", "deleting the pod " .. name)
  local task = require("kwhisk.loop").spawn(client.run, client, name, opts.positional[2],
    { memory = opts.memory, env = opts.env, labels = opts.labels, timeout = opts.timeout })
  until_done_or_interrupted(task, interrupted)
  if interrupted() then
    -- The pod may still be on its way: delete it, give run a moment to end, delete again.
    client:rm(name)
    require("kwhisk.loop").first({ task }, require("kwhisk.loop").now() + 2)
    return interrupted_exit(client, name, interrupted())
  end
  local c, err = task:wait()
  if not c then return common.fail("run", err) end
  io.stdout:write(render(c, opts.output))
  io.stdout:flush()
  if not opts.wait then return common.OK end
  while not interrupted() do require("kwhisk.loop").sleep(0.1) end
  return interrupted_exit(client, name, interrupted())
end
