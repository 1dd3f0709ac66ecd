-- kwhisk.sim.schema: a body's fields against their Go types, refused with encoding/json's
-- message as the API server words it.
local json = require "kwhisk.json"
local schema = require "kwhisk.sim.schema"

-- A pod body (decoded, as the sim gets it) with spec fields and the first container's
-- fields replaced.
local function pod(spec, container)
  local c = { name = "c", image = "kwhisk/action-lua" }
  for k, v in pairs(container or {}) do c[k] = v end
  local s = { containers = { c } }
  for k, v in pairs(spec or {}) do s[k] = v end
  return json.decode(json.encode({ kind = "Pod", apiVersion = "v1",
    metadata = { name = "p", labels = { app = "a" } }, spec = s }))
end

local function refusal(body)
  return schema.create_error("Pod", body, json.encode(body))
end

local PREFIX = 'Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal '

describe("kwhisk.sim.schema", function()
  it("takes a pod whose fields have their types, nulls and unknown fields included", function()
    assert.is_nil(refusal(pod({ nodeSelector = { disk = "ssd" }, priority = 5,
      terminationGracePeriodSeconds = 30, tolerations = { { key = "k", operator = "Exists",
        effect = "NoExecute", tolerationSeconds = 10 } },
      affinity = { nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution = {
        nodeSelectorTerms = { { matchExpressions = { { key = "zone", operator = "In",
          values = { "a" } } } } } } } },
      hostname = json.null, someFutureField = { 1, 2 } },
      { env = { { name = "A", value = "1" } }, ports = { { containerPort = 8080 } },
        resources = { limits = { memory = "256Mi", cpu = 1 } },
        readinessProbe = { httpGet = { path = "/", port = "http" }, periodSeconds = 1 } })))
    assert.is_nil(refusal(json.decode('{"kind":"Pod","spec":{"containers":[],"volumes":[]}}')))
  end)

  it("names the struct, the field's path and its Go type, as encoding/json does", function()
    assert.equal(PREFIX .. "string into Go struct field PodSpec.spec.nodeSelector of type "
      .. "map[string]string", refusal(pod({ nodeSelector = "x" })))
    assert.equal(PREFIX .. "number into Go struct field PodSpec.spec.nodeSelector of type "
      .. "string", refusal(pod({ nodeSelector = { disk = 1 } })))
    assert.equal(PREFIX .. "string into Go struct field PodSpec.spec."
      .. "terminationGracePeriodSeconds of type int64",
      refusal(pod({ terminationGracePeriodSeconds = "30" })))
    assert.equal(PREFIX .. "string into Go struct field Container.spec.containers.env of type "
      .. "[]v1.EnvVar", refusal(pod(nil, { env = "A=1" })))
    assert.equal(PREFIX .. "number 1.5 into Go struct field Toleration.spec.tolerations."
      .. "tolerationSeconds of type int64",
      refusal(pod({ tolerations = { { key = "k", tolerationSeconds = 1.5 } } })))
    assert.equal(PREFIX .. "number 3000000000 into Go struct field ContainerPort.spec."
      .. "containers.ports.containerPort of type int32",
      refusal(pod(nil, { ports = { { containerPort = 3e9 } } })))
    assert.equal(PREFIX .. "number into Go struct field Affinity.spec.affinity.nodeAffinity "
      .. "of type v1.NodeAffinity", refusal(pod({ affinity = { nodeAffinity = 5 } })))
    assert.equal(PREFIX .. "object into Go struct field PodSpec.spec.tolerations of type "
      .. "[]v1.Toleration", refusal(pod({ tolerations = { key = "k" } })))
    assert.equal(PREFIX .. "bool into Go struct field ResourceRequirements.spec.containers."
      .. "resources.limits of type resource.Quantity",
      refusal(pod(nil, { resources = { limits = { cpu = true } } })))
  end)

  it("words a body that names no kind with its first 30 bytes, and a non-object too", function()
    local body = json.decode('{"metadata":{"name":"b","annotations":"x"}}')
    assert.equal("the object provided is unrecognized (must be of type Pod): json: cannot "
      .. "unmarshal string into Go struct field ObjectMeta.metadata.annotations of type "
      .. 'map[string]string ({"metadata":{"name":"b","annot ...)',
      schema.create_error("Pod", body, '{"metadata":{"name":"b","annotations":"x"}}'))
    assert.equal("the object provided is unrecognized (must be of type Pod): json: cannot "
      .. "unmarshal array into Go value of type v1.Pod ([1])",
      schema.create_error("Pod", json.decode("[1]"), "[1]"))
  end)

  it("types PodDisruptionBudgets, Evictions and DeleteOptions", function()
    local pdb = json.decode('{"kind":"PodDisruptionBudget","apiVersion":"policy/v1",'
      .. '"spec":{"minAvailable":"50%","selector":{"matchLabels":{"a":"b"}}}}')
    assert.is_nil(schema.create_error("PodDisruptionBudget", pdb))
    pdb.spec.minAvailable = 1.5
    assert.equal('PodDisruptionBudget in version "v1" cannot be handled as a '
      .. "PodDisruptionBudget: json: cannot unmarshal number 1.5 into Go struct field "
      .. "PodDisruptionBudgetSpec.spec.minAvailable of type intstr.IntOrString",
      schema.create_error("PodDisruptionBudget", pdb))
    local eviction = json.decode('{"kind":"Eviction","deleteOptions":{"dryRun":"All"}}')
    assert.matches("Go struct field DeleteOptions.deleteOptions.dryRun of type %[%]string",
      schema.create_error("Eviction", eviction))
    assert.equal("json: cannot unmarshal string into Go struct field DeleteOptions."
      .. "gracePeriodSeconds of type int64",
      schema.decode("DeleteOptions", json.decode('{"gracePeriodSeconds":"5"}')))
    assert.is_nil(schema.decode("DeleteOptions",
      json.decode('{"gracePeriodSeconds":null,"dryRun":["All"]}')))
  end)

  it("makes each null what the decoding makes of it: a field absent, an element zero",
    function()
    local body = json.decode('{"kind":"Pod","metadata":null,"spec":{"nodeSelector":null,'
      .. '"tolerations":[null,{"key":"k","tolerationSeconds":null}],"containers":[{"name":"c",'
      .. '"command":[null,"run"],"env":[{"name":"A","value":null}],"resources":{"limits":'
      .. '{"cpu":null}}}]}}')
    assert.is_nil(schema.decode("Pod", body))
    assert.is_nil(body.metadata)
    assert.is_nil(body.spec.nodeSelector)
    assert.same({ {}, { key = "k" } }, body.spec.tolerations)
    assert.is_true(json.is_object(body.spec.tolerations[1]))
    local c = body.spec.containers[1]
    assert.same({ "", "run" }, c.command)
    assert.same({ { name = "A" } }, c.env)
    assert.is_nil(c.resources.limits.cpu) -- (no zero value for a Quantity: absent)
  end)

  it("is a programming error for a kind it has no type of", function()
    assert.has_error(function() schema.decode("Service", {}) end,
      "kwhisk.sim.schema: no type for Service")
  end)
end)
