--- kwhisk.cli.suspend: `kwhisk suspend NAME` (and, through verb("resume"), `kwhisk resume
-- NAME`): pauses or unpauses a container through the invoker agent on its node.
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"

local USAGE = [[
usage: kwhisk %s NAME [cluster options]

%s the container of pod NAME through the invoker agent of its node
(http://<worker ip>:<invoker-agent.port>/%s/<native id>). Without invoker-agent.enabled
in the configuration this does nothing, as OpenWhisk's client does.
]] .. args.CLUSTER_HELP

local WHAT = { suspend = "Pauses", resume = "Unpauses" }

-- The container of the pod called name, or nil and an error value.
local function find(client, name)
  local containers, err = client:list({ name = name })
  if not containers then return nil, err end
  for _, c in ipairs(containers) do
    if c.id == name then return c end
  end
  return nil, require("kwhisk.errors").new("not_found", "no action pod named " .. name)
end

local function verb(name)
  return function(argv)
    if args.wants_help(argv) then return common.help(USAGE:format(name, WHAT[name], name)) end
    local opts, err = args.parse(argv, args.CLUSTER)
    if opts and #opts.positional ~= 1 then opts, err = nil, "expects NAME" end
    if not opts then return common.usage_error(name, err) end
    local client, cerr = common.client(opts)
    if not client then return common.fail(name, cerr) end
    local c, ferr = find(client, opts.positional[1])
    if not c then return common.fail(name, ferr) end
    local ok, aerr = client[name](client, c)
    if not ok then return common.fail(name, aerr) end
    local enabled = client.config["invoker-agent"].enabled
    io.stdout:write(name == "suspend" and "suspended " or "resumed ", c.id,
      enabled and "" or " (nothing done: invoker-agent.enabled is false)", "\n")
    return common.OK
  end
end

local suspend = verb("suspend")
return setmetatable({ verb = verb }, { __call = function(_, argv) return suspend(argv) end })
