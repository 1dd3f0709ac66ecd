-- examples/policies/tenant.lua: per-namespace plans and a sanitised namespace label.
local examples = require "helpers.examples"
local k8s = require "helpers.k8s"

describe("example policy tenant", function()
  it("labels the pod with the sanitised namespace and applies the plan", function()
    local pod = assert(examples.build("tenant",
      { env = { __OW_NAMESPACE = "alice@example.com/_x_" } }))
    assert.are.equal("alice-example.com-_x", pod.metadata.labels["openwhisk.org/namespace"])
    local r = pod.spec.containers[1].resources
    assert.are.same({ memory = "256Mi", cpu = "1", ["ephemeral-storage"] = "2Gi" }, r.limits)
    assert.are.same(r.limits, r.requests)
    k8s.assert_schema_valid(pod)
  end)

  it("takes the namespace from a label and keeps label values valid at any length", function()
    local pod = assert(examples.build("tenant", { labels = { namespace = "guest" },
      memory = 128 * 2^20 }))
    assert.are.equal("guest", pod.metadata.labels["openwhisk.org/namespace"])
    assert.are.equal("250m", pod.spec.containers[1].resources.limits.cpu)
    pod = assert(examples.build("tenant", { env = { __OW_NAMESPACE = ("-ns."):rep(30) } }))
    local value = pod.metadata.labels["openwhisk.org/namespace"]
    assert.is_true(#value <= 63)
    assert.matches("^ns%..*ns$", value)
  end)

  it("refuses more memory than the plan allows", function()
    local pod, err = examples.build("tenant", { labels = { namespace = "guest" },
      memory = 512 * 2^20 })
    assert.is_nil(pod)
    assert.matches("tenant%.lua failed: namespace guest may use at most 256Mi of memory, "
      .. "the action asks for 512Mi$", err.message)
  end)
end)
