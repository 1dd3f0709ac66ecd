-- kwhisk.policy.validate: what a policy's pod and PDB must be before kwhisk sends them.
local validate = require "kwhisk.policy.validate"

local function pod()
  return { apiVersion = "v1", kind = "Pod",
    metadata = { name = "a1", labels = { invoker = "invoker0" } },
    spec = { containers = {
      { name = "sidecar", image = "s" },
      { name = "user-action", image = "img", ports = { { containerPort = 8080 } } } } } }
end

local function pdb()
  return { apiVersion = "policy/v1", kind = "PodDisruptionBudget", metadata = { name = "a1" },
    spec = { selector = { matchLabels = { name = "a1" } } } }
end

-- The problem validate.pod reports for the default pod after change(p).
local function problem(change, check, base)
  local p = (base or pod)()
  change(p)
  local ok, why = (check or validate.pod)(p)
  assert.is_nil(ok)
  return why
end

describe("kwhisk.policy.validate", function()
  it("accepts a pod with one user-action container on port 8080, and a policy/v1 PDB", function()
    assert.is_true(validate.pod(pod()))
    assert.is_true(validate.pdb(pdb()))
  end)

  it("names what is wrong with a pod", function()
    assert.equal("the pod is a string, not a table", select(2, validate.pod("pod")))
    assert.equal("expected kind Pod, apiVersion v1, got kind Service, apiVersion v1",
      problem(function(p) p.kind = "Service" end))
    assert.equal("pod has no metadata.name", problem(function(p) p.metadata = nil end))
    assert.equal('pod name "A_1" is not a valid DNS-1123 name',
      problem(function(p) p.metadata.name = "A_1" end))
    assert.equal("pod metadata.labels is not a map",
      problem(function(p) p.metadata.labels = "x" end))
    assert.matches("^pod metadata%.labels: ",
      problem(function(p) p.metadata.labels = { ["bad key!"] = "v" } end))
    assert.equal("pod has no spec.containers list", problem(function(p) p.spec = {} end))
    assert.equal("pod container 1 has no name",
      problem(function(p) p.spec.containers[1].name = nil end))
    assert.equal("pod has no user-action container",
      problem(function(p) table.remove(p.spec.containers, 2) end))
    assert.equal("pod has more than one user-action container",
      problem(function(p) p.spec.containers[1].name = "user-action" end))
    assert.equal("the user-action container has no image",
      problem(function(p) p.spec.containers[2].image = "" end))
    assert.equal("the user-action container does not expose port 8080",
      problem(function(p) p.spec.containers[2].ports = { { containerPort = 8081 } } end))
  end)

  it("names what is wrong with a PDB", function()
    assert.equal("the PDB is a nil, not a table", select(2, validate.pdb(nil)))
    assert.equal("expected kind PodDisruptionBudget, apiVersion policy/v1, got kind "
      .. "PodDisruptionBudget, apiVersion policy/v1beta1",
      problem(function(p) p.apiVersion = "policy/v1beta1" end, validate.pdb, pdb))
    assert.equal('PDB name "-x" is not a valid DNS-1123 name',
      problem(function(p) p.metadata.name = "-x" end, validate.pdb, pdb))
    assert.equal("PDB has no spec.selector",
      problem(function(p) p.spec = {} end, validate.pdb, pdb))
  end)
end)
