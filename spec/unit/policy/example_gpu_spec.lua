-- examples/policies/gpu.lua: GPU limits, toleration and node pool when asked for.
local examples = require "helpers.examples"
local k8s = require "helpers.k8s"

describe("example policy gpu", function()
  it("leaves actions that ask for no GPU on the seed's pod", function()
    local pod = assert(examples.build("gpu", {}))
    assert.is_nil(pod.spec.containers[1].resources.limits["nvidia.com/gpu"])
    assert.is_nil(pod.spec.tolerations)
    assert.is_nil(pod.spec.nodeSelector)
  end)

  it("gives GPU_COUNT GPUs, the GPU toleration and the GPU pool", function()
    local pod, pdb = assert(examples.build("gpu", { env = { { "GPU_COUNT", "2" } } },
      { ["pdb-enabled"] = true }))
    local c = pod.spec.containers[1]
    assert.are.equal("2", c.resources.limits["nvidia.com/gpu"])
    assert.are.equal("256Mi", c.resources.limits.memory)
    assert.are.same({ { key = "nvidia.com/gpu", operator = "Exists", effect = "NoSchedule" } },
      pod.spec.tolerations)
    assert.are.same({ ["kwhisk.io/node-pool"] = "gpu" }, pod.spec.nodeSelector)
    assert.are.equal(8080, c.ports[1].containerPort)
    k8s.assert_schema_valid(pod, pdb)
  end)

  it("gives one GPU to actions labelled gpu=true", function()
    local pod = assert(examples.build("gpu", { labels = { gpu = "true" } }))
    assert.are.equal("1", pod.spec.containers[1].resources.limits["nvidia.com/gpu"])
    k8s.assert_schema_valid(pod)
  end)

  it("reports a bad GPU_COUNT as a policy error", function()
    local pod, err = examples.build("gpu", { env = { GPU_COUNT = "lots" } })
    assert.is_nil(pod)
    assert.matches("gpu%.lua failed: GPU_COUNT must be a positive integer, got 'lots'", err.message)
  end)
end)
