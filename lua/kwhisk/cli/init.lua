--- kwhisk.cli: the `kwhisk` command line. `main(argv)` returns the exit status: 0 done, 1 a
-- failure, 2 a usage error. Each subcommand is a module kwhisk.cli.<name> returning a
-- function(argv) -> status; they share kwhisk.cli.args and kwhisk.cli.common.
local cli = {}

local USAGE = [[
usage: kwhisk COMMAND [ARGS]   (kwhisk COMMAND --help for each)

commands:
  run        run an action container (a pod) and print it: id, address, worker IP, native id
  get        list action pods as kubectl does (NAME READY STATUS RESTARTS AGE); -w watches
  rm         delete action pods by name, or by label with -l
  logs       print or follow a container's log
  invoke     create a pod for an action, init and run it once, print result and logs, delete it
  suspend    pause a container (through the invoker agent)
  resume     unpause a container
  pod-spec   print the pod (and PDB) the pod policy builds for an action
  pool-demo  a warm pool at work: prewarmed, warm, paused, cold and evicting starts
  sim        serve a simulated Kubernetes cluster on loopback
  version    print kwhisk's version
]]

-- Subcommand name -> module.
local COMMANDS = {
  run = "kwhisk.cli.run", get = "kwhisk.cli.get", rm = "kwhisk.cli.rm", logs = "kwhisk.cli.logs",
  invoke = "kwhisk.cli.invoke", suspend = "kwhisk.cli.suspend", resume = "kwhisk.cli.resume",
  ["pod-spec"] = "kwhisk.cli.pod_spec", ["pool-demo"] = "kwhisk.cli.pool_demo",
  sim = "kwhisk.cli.sim", version = "kwhisk.cli.version",
}

function cli.main(argv)
  local name = argv[1]
  if name == nil or name == "--help" or name == "-h" or name == "help" then
    io.stdout:write(USAGE)
    return name == nil and 2 or 0
  end
  local module = COMMANDS[name]
  if not module then
    io.stderr:write("kwhisk: unknown command '", name, "'; see 'kwhisk --help'\n")
    return 2
  end
  return require(module)({ unpack(argv, 2) })
end

return cli
