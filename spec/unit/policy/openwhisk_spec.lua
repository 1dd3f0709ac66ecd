-- kwhisk.policy.openwhisk: the seed's pod builder, one spec per SPEC A5 rule, with the
-- seed's two test templates, its cpu and ephemeral-storage tables and the PDB.
local config = require "kwhisk.config"
local json = require "kwhisk.json"
local openwhisk = require "kwhisk.policy.openwhisk"
local template = require "kwhisk.policy.template"
local k8s = require "helpers.k8s"

local MB = 2^20

local function cfg(settings)
  return assert(config.load(settings or {}, {}))
end

local function build(settings, tmpl, memory, env, labels)
  return openwhisk.build({
    name = "testpod-1", image = "test-image", memory = memory or 2 * MB,
    env = env or { foo = "bar" }, labels = labels or { fooL = "barV" },
    config = cfg(settings), template = tmpl,
  })
end

local function fixture(name)
  return assert(template.load("file:spec/fixtures/templates/" .. name))
end

local function action(pod)
  local found
  for _, c in ipairs(pod.spec.containers) do
    if c.name == "user-action" then
      assert.is_nil(found, "two user-action containers")
      found = c
    end
  end
  return assert(found, "no user-action container")
end

local function schema_valid(...)
  k8s.assert_schema_valid(...)
end

-- The settings every seed test checks (assertPodSettings).
local function assert_pod_settings(pod)
  local c = action(pod)
  assert.are.equal("testpod-1", pod.metadata.name)
  assert.are.equal("test-image", c.image)
  assert.are.equal("2Mi", c.resources.limits.memory)
  assert.are.equal("2Mi", c.resources.requests.memory)
  assert.are.same({ { name = "foo", value = "bar" } }, c.env)
  assert.are.equal("barV", pod.metadata.labels.fooL)
  assert.are.same({ "NET_RAW", "NET_ADMIN" },
    { select(-2, unpack(c.securityContext.capabilities.drop)) })
  assert.are.same({ containerPort = 8080, name = "action" }, c.ports[#c.ports])
  assert.are.equal("Always", pod.spec.restartPolicy)
end

describe("kwhisk.policy.openwhisk", function()
  it("builds a new pod from nothing (A5.1-5)", function()
    local pod, pdb = build()
    assert_pod_settings(pod)
    assert.are.equal("v1", pod.apiVersion)
    assert.are.equal("Pod", pod.kind)
    assert.are.same({ name = "testpod-1", ["user-action-pod"] = "true", fooL = "barV" },
      pod.metadata.labels)
    assert.are.equal(1, #pod.spec.containers)
    assert.is_nil(pdb)
    schema_valid(pod)
  end)

  it("lets the caller's labels win over name and user-action-pod (A5.2)", function()
    local pod = build(nil, nil, nil, nil, { name = "other", ["user-action-pod"] = "no" })
    assert.are.equal("other", pod.metadata.labels.name)
    assert.are.equal("no", pod.metadata.labels["user-action-pod"])
  end)

  it("extends the seed's template with a user-action container, keeping the rest (A5.1-5)",
    function()
    local pod = build(nil, fixture("user-action.yaml"))
    assert_pod_settings(pod)
    local c = action(pod)
    assert.are.same({ "TEST_CAP", "NET_RAW", "NET_ADMIN" }, c.securityContext.capabilities.drop)
    assert.are.equal("Always", c.imagePullPolicy)
    -- replaced: resources and env; appended: ports; kept: the rest and the other container
    assert.are.same({ limits = { memory = "2Mi" }, requests = { memory = "2Mi" } }, c.resources)
    assert.are.same({ { containerPort = 9000, name = "metrics" },
      { containerPort = 8080, name = "action" } }, c.ports)
    assert.are.equal("user-action", pod.spec.containers[1].name)
    assert.are.equal("sidecar", pod.spec.containers[2].name)
    assert.are.equal("busybox", pod.spec.containers[2].image)
    -- template metadata: name replaced, labels merged, annotations and namespace kept
    assert.are.equal("testpod-1", pod.metadata.name)
    assert.are.equal("my-barv", pod.metadata.labels["my-fool"])
    assert.are.equal("my-bar", pod.metadata.annotations["my-foo"])
    assert.are.equal("whiskns", pod.metadata.namespace)
    schema_valid(pod)
  end)

  it("keeps the template's empty lists and maps in the JSON it sends", function()
    local text = json.encode(build(nil, fixture("user-action.yaml")))
    assert.matches('"args":%[%]', text)
    assert.matches('"resources":{}', text)
    assert.matches('"emptyDir":{}', text)
  end)

  it("adds a user-action container after the template's others and keeps its affinity (A5.4)",
    function()
    local pod = build(nil, fixture("affinity.yaml"))
    assert_pod_settings(pod)
    local terms = pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
      .nodeSelectorTerms
    assert.are.same({
      { matchExpressions = { { key = "nodelabel", operator = "In", values = { "test" } } } },
      { matchExpressions = { { key = "openwhisk-role", operator = "In",
        values = { "invoker" } } } },
    }, terms)
    schema_valid(pod)
  end)

  it("writes the configured node affinity term, or none when disabled (A5.4)", function()
    local pod = build({ ["user-pod-node-affinity"] = { key = "pool", value = "actions" } })
    assert.are.same({ { matchExpressions = { { key = "pool", operator = "In",
      values = { "actions" } } } } },
      pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution
        .nodeSelectorTerms)
    pod = build({ ["user-pod-node-affinity"] = { enabled = false } })
    assert.is_nil(pod.spec.affinity)
  end)

  it("scales cpu with memory by the seed's table (A5.6)", function()
    local scaling = { millicpus = 300, memory = 3 * MB, ["max-millicpus"] = 1000 }
    for mb, want in pairs({ [2] = "300m", [7] = "600m", [10] = "900m", [15] = "1000m" }) do
      assert.are.equal(want, openwhisk.cpu(mb * MB, scaling), mb .. " MB")
    end
    local c = action(build({ ["cpu-scaling"] = { millicpus = 300, memory = "3 m",
      ["max-millicpus"] = 1000 } },
      nil, 7 * MB))
    assert.are.equal("600m", c.resources.limits.cpu)
    assert.are.equal("600m", c.resources.requests.cpu)
  end)

  it("sizes ephemeral storage by the seed's table (A5.7)", function()
    local function storage(factor, mb)
      return openwhisk.ephemeral_storage(mb * MB, { limit = 1024 * MB, ["scale-factor"] = factor })
    end
    assert.are.equal("1024Mi", storage(0, 2))
    assert.are.equal("2.5Mi", storage(1.25, 2))
    assert.are.equal("1024Mi", storage(1000, 2))
    assert.are.equal("512Mi", storage(2.0, 256))
    local pod = build({ ["ephemeral-storage"] = { limit = "1 g", ["scale-factor"] = 1.25 } })
    assert.are.equal("2.5Mi", action(pod).resources.limits["ephemeral-storage"])
    assert.are.equal("2.5Mi", action(pod).resources.requests["ephemeral-storage"])
    schema_valid(pod)
  end)

  it("puts the caller's environment first, then the field references (A5.5)", function()
    local pod = build({ ["field-ref-environment"] = { POD_NAME = "metadata.name",
      NODE = "spec.nodeName" } },
      nil, nil, { ZED = "1", ALPHA = "2" })
    assert.are.same({
      { name = "ALPHA", value = "2" }, { name = "ZED", value = "1" },
      { name = "NODE", valueFrom = { fieldRef = { fieldPath = "spec.nodeName" } } },
      { name = "POD_NAME", valueFrom = { fieldRef = { fieldPath = "metadata.name" } } },
    }, action(pod).env)
    schema_valid(pod)
  end)

  it("keeps the given order of a list of pairs", function()
    local pod = build(nil, nil, nil, { { "Z", "1" }, { name = "A", value = 2 }, { "M", true } })
    assert.are.same({ { name = "Z", value = "1" }, { name = "A", value = "2" }, { name = "M",
      value = "true" } },
      action(pod).env)
    assert.are.equal('[]', json.encode(openwhisk.environment({}, nil)))
  end)

  it("builds the same JSON for the same input, whatever the table order", function()
    local env = {}
    for i = 1, 50 do env["V" .. i] = tostring(i) end
    local first = json.encode(build(nil, fixture("user-action.yaml"), nil, env))
    for _ = 1, 5 do
      assert.are.equal(first, json.encode(build(nil, fixture("user-action.yaml"), nil, env)))
    end
  end)

  it("raises on bad environment entries, naming them", function()
    assert.has_error(function() build(nil, nil, nil, { A = {} }) end,
      "bad argument #1 to 'ordered_pairs' (env: A: string expected, got table)")
    assert.has_error(function() build(nil, nil, nil, { { 1, "x" } }) end,
      "bad argument #1 to 'ordered_pairs' (env[1]: name: string expected, got number)")
  end)

  it("builds a policy/v1 PDB when pdb-enabled (A5.8)", function()
    local pod, pdb = build({ ["pdb-enabled"] = true })
    assert.are.same({
      apiVersion = "policy/v1", kind = "PodDisruptionBudget",
      metadata = { name = "testpod-1", labels = { fooL = "barV" } },
      spec = { minAvailable = 1, selector = { matchLabels = { name = "testpod-1" } } },
    }, pdb)
    schema_valid(pod, pdb)
  end)

  it("sets nothing the seed leaves to templates (A5.9)", function()
    local pod = build()
    local c = action(pod)
    for _, field in ipairs({ "imagePullPolicy", "livenessProbe", "readinessProbe" }) do
      assert.is_nil(c[field])
    end
    for _, field in ipairs({ "serviceAccountName", "terminationGracePeriodSeconds",
      "securityContext" }) do
      assert.is_nil(pod.spec[field])
    end
  end)
end)
