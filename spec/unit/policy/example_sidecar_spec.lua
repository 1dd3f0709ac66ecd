-- examples/policies/sidecar.lua: a log shipper beside the action, sharing a volume.
local examples = require "helpers.examples"
local k8s = require "helpers.k8s"
local json = require "kwhisk.json"

describe("example policy sidecar", function()
  it("adds the shipper after the action container, which keeps the seed's settings", function()
    local pod = assert(examples.build("sidecar", { env = { A = "1" } }))
    local action, shipper = pod.spec.containers[1], pod.spec.containers[2]
    assert.are.equal("user-action", action.name)
    assert.are.same({ { containerPort = 8080, name = "action" } }, action.ports)
    assert.are.same({ { name = "A", value = "1" } }, action.env)
    assert.are.equal("log-shipper", shipper.name)
    assert.is_nil(shipper.ports)
    assert.are.same(action.volumeMounts, shipper.volumeMounts)
    assert.are.equal("action-logs", pod.spec.volumes[1].name)
    assert.matches('"emptyDir":{}', json.encode(pod))
    k8s.assert_schema_valid(pod)
  end)

  it("works with a template that already has the action container and a sidecar", function()
    local pod = assert(examples.build("sidecar", {},
      { ["pod-template"] = "file:spec/fixtures/templates/user-action.yaml" }))
    local by_name = {}
    for i, c in ipairs(pod.spec.containers) do by_name[c.name] = i end
    assert.are.same({ ["user-action"] = 1, sidecar = 2, ["log-shipper"] = 3 }, by_name)
    assert.are.equal(2, #pod.spec.volumes)
    k8s.assert_schema_valid(pod)
  end)
end)
