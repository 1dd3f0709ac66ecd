-- kwhisk.policy.affinity: required and preferred node affinity, tolerations, nodeSelector.
local affinity = require "kwhisk.policy.affinity"
local json = require "kwhisk.json"

describe("kwhisk.policy.affinity", function()
  it("builds expressions and terms, checking operators and values", function()
    assert.are.same({ key = "k", operator = "In", values = { "a", "b" } },
      affinity.expression("k", "In", { "a", "b" }))
    assert.are.same({ key = "k", operator = "In", values = { "a" } }, affinity.expression("k",
      "In", "a"))
    assert.are.equal('{"key":"gpu","operator":"Exists"}', json.encode(affinity.expression("gpu",
      "Exists")))
    assert.are.equal('{"matchExpressions":[]}', json.encode(affinity.term()))
    assert.has_error(function() affinity.expression("k", "Equals", { "a" }) end,
      "affinity.expression: operator must be In, NotIn, Exists, DoesNotExist, Gt or Lt, got Equals")
    assert.has_error(function() affinity.expression("k", "In") end,
      "affinity.expression: operator In needs values")
    assert.has_error(function() affinity.expression("k", "Exists", { "a" }) end,
      "affinity.expression: operator Exists takes no values")
    assert.has_error(function() affinity.expression("k", "In", { 3 }) end,
      "affinity.expression: values[1] must be a non-empty string, got number")
    assert.has_error(function() affinity.expression("k", "In", { "" }) end,
      "affinity.expression: values[1] must be a non-empty string, got an empty string")
    assert.has_error(function() affinity.expression("k", "In", {}) end,
      "affinity.expression: operator In needs at least one value")
    assert.has_error(function() affinity.expression(nil, "In", { "a" }) end,
      "affinity.expression: key must be a non-empty string, got nil")
  end)

  it("appends required terms and weighted preferences", function()
    local pod = {}
    affinity.require(pod, affinity.term(affinity.expression("a", "In", { "1" })))
    affinity.require(pod, affinity.term(affinity.expression("b", "Exists")))
    affinity.prefer(pod, 10, affinity.term(affinity.expression("c", "NotIn", { "x" })))
    local node = pod.spec.affinity.nodeAffinity
    assert.are.equal(2, #node.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms)
    assert.are.same({ { weight = 10, preference = { matchExpressions = {
      { key = "c", operator = "NotIn", values = { "x" } } } } } },
      node.preferredDuringSchedulingIgnoredDuringExecution)
    assert.has_error(function() affinity.prefer(pod, 0, affinity.term()) end,
      "affinity.prefer: weight must be an integer from 1 to 100, got 0")
  end)

  it("appends tolerations with a sensible default operator", function()
    local pod = {}
    affinity.tolerate(pod, { key = "spot", value = "true", effect = "NoSchedule" })
    affinity.tolerate(pod, { key = "gpu" })
    assert.are.same({ { key = "spot", operator = "Equal", value = "true", effect = "NoSchedule" },
      { key = "gpu", operator = "Exists" } }, pod.spec.tolerations)
    assert.has_error(function() affinity.tolerate(pod, { key = "x", effect = "Never" }) end,
      "affinity.tolerate: effect must be NoSchedule, PreferNoSchedule or NoExecute, got Never")
    assert.has_error(function() affinity.tolerate(pod, { key = "x", operator = "Exists",
      value = "v" }) end,
      "affinity.tolerate: operator Exists takes no value")
  end)

  it("merges node selector labels", function()
    local pod = { spec = { nodeSelector = { disk = "ssd" } } }
    affinity.select_nodes(pod, { pool = "gpu" })
    assert.are.same({ disk = "ssd", pool = "gpu" }, pod.spec.nodeSelector)
    assert.has_error(function() affinity.select_nodes(pod, { pool = 1 }) end,
      "affinity.select_nodes: label pool must be a non-empty string, got number")
  end)
end)
