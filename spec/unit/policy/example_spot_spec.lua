-- examples/policies/spot.lua: preferred spot nodes plus their toleration.
local examples = require "helpers.examples"
local k8s = require "helpers.k8s"

describe("example policy spot", function()
  it("prefers spot nodes, tolerates them and keeps the required invoker affinity", function()
    local pod = assert(examples.build("spot", {}))
    local node = pod.spec.affinity.nodeAffinity
    assert.are.same({ { weight = 100, preference = { matchExpressions = {
      { key = "kwhisk.io/capacity-type", operator = "In", values = { "spot",
        "preemptible" } } } } } },
      node.preferredDuringSchedulingIgnoredDuringExecution)
    assert.are.equal(1, #node.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
    assert.are.same({ { key = "kwhisk.io/spot", operator = "Equal", value = "true",
      effect = "NoSchedule" } },
      pod.spec.tolerations)
    k8s.assert_schema_valid(pod)
  end)
end)
