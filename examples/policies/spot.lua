--- Example pod policy: prefer cheap spot/preemptible nodes. Action pods are disposable
-- (the invoker recreates them), so they may run on nodes that can vanish: the pod prefers
-- nodes labelled as spot capacity and tolerates their taint, but still schedules elsewhere
-- when there are none.
local affinity = require "kwhisk.policy.affinity"

local CAPACITY_LABEL = "kwhisk.io/capacity-type"
local SPOT_TAINT = "kwhisk.io/spot"

local spot = {}

function spot.build(ctx)
  local pod, pdb = ctx.default()
  affinity.prefer(pod, 100, affinity.term(
    affinity.expression(CAPACITY_LABEL, "In", { "spot", "preemptible" })))
  affinity.tolerate(pod, { key = SPOT_TAINT, value = "true", effect = "NoSchedule" })
  return pod, pdb
end

return spot
