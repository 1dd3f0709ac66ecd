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
      "bad argument #2 to 'expression' (operator: In, NotIn, Exists, DoesNotExist, Gt or Lt "
      .. "expected, got Equals)")
    assert.has_error(function() affinity.expression("k", "In") end,
      "bad argument #3 to 'expression' (operator In needs values)")
    assert.has_error(function() affinity.expression("k", "Exists", { "a" }) end,
      "bad argument #3 to 'expression' (operator Exists takes no values)")
    assert.has_error(function() affinity.expression("k", "In", { 3 }) end,
      "bad argument #3 to 'expression' (values[1]: non-empty string expected, got number)")
    assert.has_error(function() affinity.expression("k", "In", { "" }) end,
      "bad argument #3 to 'expression' (values[1]: non-empty string expected, got an empty "
      .. "string)")
    assert.has_error(function() affinity.expression("k", "In", {}) end,
      "bad argument #3 to 'expression' (operator In needs at least one value)")
    assert.has_error(function() affinity.expression(nil, "In", { "a" }) end,
      "bad argument #1 to 'expression' (key: non-empty string expected, got nil)")
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
      "bad argument #2 to 'prefer' (weight: integer from 1 to 100 expected, got 0)")
  end)

  it("appends tolerations with a sensible default operator", function()
    local pod = {}
    affinity.tolerate(pod, { key = "spot", value = "true", effect = "NoSchedule" })
    affinity.tolerate(pod, { key = "gpu" })
    assert.are.same({ { key = "spot", operator = "Equal", value = "true", effect = "NoSchedule" },
      { key = "gpu", operator = "Exists" } }, pod.spec.tolerations)
    assert.has_error(function() affinity.tolerate(pod, { key = "x", effect = "Never" }) end,
      "bad argument #2 to 'tolerate' (effect: NoSchedule, PreferNoSchedule or NoExecute "
      .. "expected, got Never)")
    assert.has_error(function() affinity.tolerate(pod, { key = "x", operator = "Exists",
      value = "v" }) end,
      "bad argument #2 to 'tolerate' (operator Exists takes no value)")
  end)

  it("merges node selector labels", function()
    local pod = { spec = { nodeSelector = { disk = "ssd" } } }
    affinity.select_nodes(pod, { pool = "gpu" })
    assert.are.same({ disk = "ssd", pool = "gpu" }, pod.spec.nodeSelector)
    assert.has_error(function() affinity.select_nodes(pod, { pool = 1 }) end,
      "bad argument #2 to 'select_nodes' (label pool: non-empty string expected, got number)")
  end)
end)
