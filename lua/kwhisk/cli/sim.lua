--- kwhisk.cli.sim: `kwhisk sim`, the simulated cluster (kwhisk.sim parses its own flags).
local HELP = [[

Serves a simulated Kubernetes cluster on loopback until Ctrl-C (exit 130) or SIGTERM (exit
0); action pods of the image kwhisk/action-lua run real runtimes. See docs/sim.md.
]]

return function(argv)
  if require("kwhisk.cli.args").wants_help(argv) then
    return require("kwhisk.cli.common").help(require("kwhisk.sim.args").USAGE .. HELP)
  end
  return require("kwhisk.sim").main(argv)
end
