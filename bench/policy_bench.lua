--- policy_bench: building one action pod and its PDB (the seed's policy, with cpu scaling,
-- ephemeral storage and field-ref environment) and encoding it as JSON, against the official
-- Python client (python3-kubernetes) building the same pod from its models and serializing it.
-- Prints each rate and kwhisk's time as a ratio of Python's, measured in this run.
local config = require "kwhisk.config"
local json = require "kwhisk.json"
local policy = require "kwhisk.policy"

local N = 20000

local cfg = assert(config.load({
  ["cpu-scaling"] = { millicpus = 100, memory = "256 m", ["max-millicpus"] = 4000 },
  ["ephemeral-storage"] = { limit = "2 g", ["scale-factor"] = 2.0 },
  ["field-ref-environment"] = { POD_NAME = "metadata.name" },
  ["pdb-enabled"] = true,
}, {}))
local env = { { "__OW_API_HOST", "https://10.0.0.1:443" }, { "MEMORY", "256" } }
local labels = { invoker = "invoker0", release = "openwhisk" }

local function kwhisk_rate()
  local best = math.huge
  for _ = 1, 3 do
    local t0 = os.clock()
    for i = 1, N do
      local pod, pdb = policy.build("wsk-" .. i, "openwhisk/action-nodejs-v20", 256 * 2^20, env,
        labels, cfg)
      json.encode(pod)
      json.encode(pdb)
    end
    best = math.min(best, os.clock() - t0)
  end
  return N / best
end

local PYTHON = [[
import json, sys, time
import kubernetes.client as K
api = K.ApiClient()
def build(i):
    res = {"memory": "256Mi", "cpu": "100m", "ephemeral-storage": "512Mi"}
    c = K.V1Container(name="user-action", image="openwhisk/action-nodejs-v20",
        resources=K.V1ResourceRequirements(limits=dict(res), requests=dict(res)),
        env=[K.V1EnvVar(name="__OW_API_HOST", value="https://10.0.0.1:443"),
             K.V1EnvVar(name="MEMORY", value="256"),
             K.V1EnvVar(name="POD_NAME", value_from=K.V1EnvVarSource(
                 field_ref=K.V1ObjectFieldSelector(field_path="metadata.name")))],
        ports=[K.V1ContainerPort(container_port=8080, name="action")],
        security_context=K.V1SecurityContext(
            capabilities=K.V1Capabilities(drop=["NET_RAW", "NET_ADMIN"])))
    term = K.V1NodeSelectorTerm(match_expressions=[K.V1NodeSelectorRequirement(
        key="openwhisk-role", operator="In", values=["invoker"])])
    name = "wsk-%d" % i
    pod = K.V1Pod(api_version="v1", kind="Pod",
        metadata=K.V1ObjectMeta(name=name, labels={"name": name, "user-action-pod": "true",
            "invoker": "invoker0", "release": "openwhisk"}),
        spec=K.V1PodSpec(restart_policy="Always", containers=[c], affinity=K.V1Affinity(
            node_affinity=K.V1NodeAffinity(required_during_scheduling_ignored_during_execution=
                K.V1NodeSelector(node_selector_terms=[term])))))
    pdb = K.V1PodDisruptionBudget(api_version="policy/v1", kind="PodDisruptionBudget",
        metadata=K.V1ObjectMeta(name=name, labels={"invoker": "invoker0", "release": "openwhisk"}),
        spec=K.V1PodDisruptionBudgetSpec(min_available=1,
            selector=K.V1LabelSelector(match_labels={"name": name})))
    json.dumps(api.sanitize_for_serialization(pod), sort_keys=True)
    json.dumps(api.sanitize_for_serialization(pdb), sort_keys=True)
n = int(sys.argv[1])
best = float("inf")
for _ in range(3):
    t0 = time.process_time()
    for i in range(n):
        build(i)
    best = min(best, time.process_time() - t0)
print(n / best)
]]

local function python_rate(n)
  local path = os.tmpname()
  local f = assert(io.open(path, "w"))
  f:write(PYTHON)
  f:close()
  local pipe = assert(io.popen("/usr/bin/python3 " .. path .. " " .. n .. " 2>&1"))
  local out = pipe:read("*a")
  pipe:close()
  os.remove(path)
  return tonumber(out), out
end

local kw = kwhisk_rate()
local py, out = python_rate(N / 10)
print(("pod + PDB built and encoded as JSON, %d iterations, best of 3"):format(N))
if not py then
  print("kwhisk " .. ("%.0f/s"):format(kw) .. "; python3-kubernetes unavailable: " .. out)
else
  print(("policy build: kwhisk %.0f/s, python3-kubernetes %.0f/s, "
    .. "kwhisk time / python time = %.3f"):format(kw, py, py / kw))
end
