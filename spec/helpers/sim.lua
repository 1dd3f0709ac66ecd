--- Spec helper: a simulated cluster (`bin/kwhisk sim`) in a child process on a free port.
-- `sim.start(args)` returns a handle with url, kubeconfig (path), log (path), fault(spec),
-- faults(), info() and stop(); see kwhisk.sim.start.
local sim = {}

--- Starts a sim with extra command line flags (a list); raises when it does not come up.
function sim.start(args)
  return assert(require("kwhisk.sim").start({ args = args }))
end

--- True when kubectl is installed.
function sim.has_kubectl()
  return os.execute("command -v kubectl >/dev/null 2>&1") == 0
end

return sim
