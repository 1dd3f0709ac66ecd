--- kwhisk.cli.invoke: `kwhisk invoke CODE_FILE` (or `IMAGE CODE_FILE`), one activation from
-- start to end: creates a pod of the image the file's type chooses (kwhisk.action), initialises
-- the action with the file's code, runs it with the parameters, collects this activation's
-- logs (to the sentinels), prints them and the result, and deletes the pod whatever happened.
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"
local loop = require "kwhisk.loop"

local USAGE = [[
usage: kwhisk invoke CODE_FILE [--image IMAGE] [--param k=v]... [--main NAME]
                     [--memory 256m] [--timeout SECONDS] [-o text|json] [cluster options]
       kwhisk invoke IMAGE CODE_FILE [options]

Creates a pod, POSTs /init with CODE_FILE's code and /run with the parameters, collects the
activation's logs, deletes the pod. Prints the logs (`<time> <stream>: <text>`) and then the
result as JSON; with -o json (or --json) one object {"result":...,"logs":[...]}.
The image follows the file's type unless --image (or IMAGE) is given:
  .js   openwhisk/action-nodejs-v20     exports.main or function main(params)
  .py   openwhisk/action-python-v3.11   def main(args)
  .lua  kwhisk/action-lua               function main(params) return {...} end
  .zip  sent base64: Node.js when it holds package.json or index.js, Python for __main__.py
The sim runs all three (see docs/actions.md).
  --image IMAGE    the runtime image
  --param k=v      a parameter (repeatable; a value that is JSON is decoded, else a string)
  --main NAME      the entry function (default main)
  --memory SIZE    action memory (default 256m)
  --timeout S      seconds each of init and run may take (default 60)
  -o FORMAT        text (default) or json: one JSON object (--json too)
]] .. args.CLUSTER_HELP

local OPTIONS = args.with({ ["--param"] = { "params", "pairs" }, ["-p"] = { "params", "pairs" },
  ["--main"] = { "main", "value" }, ["--image"] = { "image", "value" },
  ["--memory"] = { "memory", "value" },
  ["--timeout"] = { "timeout", "value" } }, args.OUTPUT, args.CLUSTER)

local LOG_LIMIT = 10 * 2 ^ 20

local function arguments(argv)
  local opts, err = args.parse(argv, OPTIONS)
  if not opts then return nil, err end
  if #opts.positional == 2 then
    opts.image = opts.image or opts.positional[1]
  elseif #opts.positional ~= 1 then
    return nil, "expects CODE_FILE (or IMAGE and CODE_FILE)"
  end
  local bad = common.check_output(opts, { "text", "json" })
  if bad then return nil, bad end
  opts.timeout = tonumber(opts.timeout or "60")
  if not opts.timeout or opts.timeout <= 0 then return nil, "--timeout expects seconds > 0" end
  local json = require "kwhisk.json"
  local params = json.object({})
  for _, kv in ipairs(opts.params or {}) do
    local decoded = json.decode(kv[2])
    params[kv[1]] = decoded == nil and kv[2] or decoded
  end
  opts.params = params
  return opts
end

-- init, run and logs on a created container: result (or nil), records, the error.
local function activate(c, code, opts)
  local _, err = c:init({ code = code.code, binary = code.binary, main = opts.main or "main",
    deadline = loop.now() + opts.timeout })
  local result
  if not err then
    result, err = c:run(opts.params, loop.now() + opts.timeout)
  end
  local records = c:logs(LOG_LIMIT, true)
  return result, records, err
end

local function report(result, records, as_json)
  local json = require "kwhisk.json"
  if as_json then
    local logs = {}
    for i, r in ipairs(records) do logs[i] = json.decode(r:json()) end
    io.stdout:write(common.encode(json.object({ result = result or json.null,
      logs = json.array(logs) }), "json"))
    return
  end
  for _, r in ipairs(records) do io.stdout:write(tostring(r), "\n") end
  if result then io.stdout:write(json.encode(result), "\n") end
end

local function invoke(client, code, opts)
  local name = "kwhisk-invoke-" .. require("kwhisk.random").hex(4)
  local c, err = require("kwhisk.container").create(client, name, opts.image or code.image,
    { memory = opts.memory })
  if not c then return nil, err end
  local result, records, aerr = activate(c, code, opts)
  c:destroy()
  report(result, records, opts.output == "json")
  return aerr == nil, aerr
end

return function(argv)
  if args.wants_help(argv) then return common.help(USAGE) end
  local opts, usage = arguments(argv)
  if not opts then return common.usage_error("invoke", usage) end
  local code, ferr = require("kwhisk.action").load(opts.positional[#opts.positional])
  if not code then return common.fail("invoke", ferr) end
  local client, cerr = common.client(opts)
  if not client then return common.fail("invoke", cerr) end
  local ok, err = invoke(client, code, opts)
  return ok and common.OK or common.fail("invoke", err)
end
