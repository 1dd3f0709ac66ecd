--- kwhisk.cli: the `kwhisk` command line. `main(argv)` returns the exit status:
-- 0 done, 1 a failure, 2 a usage error.
local cli = {}

local USAGE = [[
usage: kwhisk COMMAND [ARGS]

commands:
  version    print kwhisk's version
  sim        serve a simulated Kubernetes cluster on loopback (kwhisk sim --help)
]]

local commands = {}

function commands.version()
  io.stdout:write("kwhisk ", require("kwhisk").version, "\n")
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
