-- The sim as a cluster: nodes, scheduling, evictions, node loss, watch lifetimes, boolean
-- query parameters and kubectl's Table view, against `kwhisk sim` in a child process.
local simh = require "helpers.sim"
local shell = require "helpers.shell"
local json = require "kwhisk.json"

local NS = "/api/v1/namespaces/default"
local TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"

local function get(sim, path, headers)
  local code, text = simh.http("GET", sim.url .. path, nil, headers)
  return code, json.decode(text)
end

local function create(sim, pod)
  local code, text = simh.http("POST", sim.url .. NS .. "/pods", pod)
  assert.are.equal(201, code, text)
  return json.decode(text)
end

local function condition(pod, type_)
  for _, c in ipairs(pod.status.conditions or {}) do
    if c.type == type_ then
      return c
    end
  end
end

-- Waits until the pod has a PodScheduled condition; returns the pod.
local function placed(sim, name)
  return simh.wait_for(function()
    local _, pod = get(sim, NS .. "/pods/" .. name)
    return condition(pod, "PodScheduled") and pod
  end)
end

local function kubectl(sim, args)
  return shell.run("KUBECONFIG=" .. shell.quote(sim.kubeconfig) .. " kubectl " .. args
    .. " 2>&1")
end

describe("sim nodes and scheduling", function()
  local sim, small

  setup(function()
    sim = simh.start({ "--nodes", "spec/fixtures/nodes.yaml" })
    small = simh.start({ "--nodes", "spec/fixtures/small-node.yaml" })
  end)
  teardown(function()
    sim:stop()
    small:stop()
  end)

  it("serves one Ready node labelled openwhisk-role=invoker by default", function()
    local plain = simh.start()
    local code, list = get(plain, "/api/v1/nodes")
    plain:stop()
    assert.are.equal(200, code)
    assert.are.equal("NodeList", list.kind)
    assert.are.equal(1, #list.items)
    local node = list.items[1]
    assert.are.equal("invoker", node.metadata.labels["openwhisk-role"])
    assert.are.equal("8", node.status.allocatable.cpu)
    assert.are.equal("True", condition(node, "Ready").status)
  end)

  it("lists the nodes of a --nodes file with their labels, taints and allocatable", function()
    local code, list = get(sim, "/api/v1/nodes")
    assert.are.equal(200, code)
    local names = {}
    for i, n in ipairs(list.items) do
      names[i] = n.metadata.name
    end
    assert.are.same({ "gpu-1", "invoker-1", "spot-1" }, names)
    local _, gpu = get(sim, "/api/v1/nodes/gpu-1")
    assert.are.equal("2", gpu.status.allocatable["nvidia.com/gpu"])
    assert.are.same({ { key = "nvidia.com/gpu", effect = "NoSchedule" } }, gpu.spec.taints)
    -- lost and back: the unreachable taints come and go, the node's own stays
    local lost = assert(sim:fault({ kind = "node_lost", node = "gpu-1" }))
    assert.are.same({ "nvidia.com/gpu", "node.kubernetes.io/unreachable",
      "node.kubernetes.io/unreachable" }, { lost.spec.taints[1].key, lost.spec.taints[2].key,
      lost.spec.taints[3].key })
    assert.truthy(sim:fault({ kind = "node_ready", node = "gpu-1" }))
    _, gpu = get(sim, "/api/v1/nodes/gpu-1")
    assert.are.same({ { key = "nvidia.com/gpu", effect = "NoSchedule" } }, gpu.spec.taints)
    assert.are.equal(404, (get(sim, "/api/v1/nodes/nope")))
    local bad = io.open(sim.dir .. "/bad.yaml", "w")
    bad:write("kind: Node\nmetadata: {name: x}\nspec: {taints: [{key: a}]}\n")
    bad:close()
    local started, err = require("kwhisk.sim").start({
      args = { "--nodes", sim.dir .. "/bad.yaml" } })
    assert.is_nil(started)
    assert.matches("bad %-%-nodes file: .*taint a needs an effect", err)
  end)

  it("places pods by nodeSelector, required node affinity and tolerations", function()
    local pod = simh.pod("sel-gpu")
    pod.spec.nodeSelector = { ["kwhisk.io/node-pool"] = "gpu" }
    pod.spec.tolerations = { { key = "nvidia.com/gpu", operator = "Exists",
      effect = "NoSchedule" } }
    create(sim, pod)
    pod = simh.pod("aff-spot")
    pod.spec.affinity = { nodeAffinity = { requiredDuringSchedulingIgnoredDuringExecution = {
      nodeSelectorTerms = { { matchExpressions = { { key = "kwhisk.io/capacity-type",
        operator = "In", values = { "spot" } } } } } } } }
    pod.spec.tolerations = { { key = "kwhisk.io/spot", value = "true", effect = "NoSchedule" } }
    create(sim, pod)
    create(sim, simh.pod("plain"))
    assert.are.equal("gpu-1", placed(sim, "sel-gpu").spec.nodeName)
    assert.are.equal("spot-1", placed(sim, "aff-spot").spec.nodeName)
    local plain = placed(sim, "plain")
    assert.are.equal("invoker-1", plain.spec.nodeName)
    assert.matches("^127%.%d+%.0%.1$", plain.status.hostIP)
  end)

  it("leaves a pod that fits nowhere Pending with the scheduler's message and event", function()
    local pod = simh.pod("nowhere")
    pod.spec.nodeSelector = { disk = "ssd" }
    create(sim, pod)
    local c = condition(placed(sim, "nowhere"), "PodScheduled")
    assert.are.equal("False", c.status)
    assert.are.equal("Unschedulable", c.reason)
    assert.are.equal("0/3 nodes are available: 1 node(s) didn't match Pod's node "
      .. "affinity/selector, 1 node(s) had untolerated taint {kwhisk.io/spot: true}, "
      .. "1 node(s) had untolerated taint {nvidia.com/gpu: }. preemption: 0/3 nodes are "
      .. "available: 3 Preemption is not helpful for scheduling.", c.message)
    local _, events = get(sim, NS .. "/events?fieldSelector=involvedObject.name=nowhere")
    assert.are.equal("FailedScheduling", events.items[1].reason)
    assert.are.equal("default-scheduler", events.items[1].source.component)
    assert.are.equal(c.message, events.items[1].message)
  end)

  it("counts requests against allocatable, scheduling a waiting pod once room is freed", function()
    local function sized(name, cpu)
      local pod = simh.pod(name)
      pod.spec.containers[1].resources = { limits = { cpu = cpu, memory = "128Mi" } }
      return pod
    end
    create(small, sized("fits", "300m"))
    assert.are.equal("small-1", placed(small, "fits").spec.nodeName)
    local _, fits = get(small, NS .. "/pods/fits")
    assert.are.equal("300m", fits.spec.containers[1].resources.requests.cpu)
    assert.are.equal("Guaranteed", fits.status.qosClass)
    create(small, sized("waits", "300m"))
    assert.are.equal("0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are "
      .. "available: 1 No preemption victims found for incoming pod.",
      condition(placed(small, "waits"), "PodScheduled").message)
    assert.are.equal(200, (simh.http("DELETE", small.url .. NS .. "/pods/fits")))
    simh.wait_for(function()
      local _, pod = get(small, NS .. "/pods/waits")
      return pod.spec.nodeName == "small-1"
    end)
  end)
end)

describe("sim disruptions", function()
  local sim

  setup(function()
    sim = simh.start({ "--time-scale", "0.01", "--nodes", "spec/fixtures/small-node.yaml" })
  end)
  teardown(function()
    sim:stop()
  end)

  local function evict(name, body)
    local code, text = simh.http("POST", sim.url .. NS .. "/pods/" .. name .. "/eviction",
      body or { apiVersion = "policy/v1", kind = "Eviction", metadata = { name = name } })
    return code, json.decode(text)
  end

  local function running(name, annotations)
    local pod = simh.pod(name, nil, { annotations = annotations })
    pod.metadata.labels.name = name
    create(sim, pod)
    return simh.ready(sim.url .. NS .. "/pods/" .. name)
  end

  it("refuses an eviction that would violate a PodDisruptionBudget with 429", function()
    running("kept")
    local code = simh.http("POST", sim.url
      .. "/apis/policy/v1/namespaces/default/poddisruptionbudgets",
      { apiVersion = "policy/v1", kind = "PodDisruptionBudget", metadata = { name = "kept" },
        spec = { minAvailable = 1, selector = { matchLabels = { name = "kept" } } } })
    assert.are.equal(201, code)
    local status
    code, status = evict("kept")
    assert.are.equal(429, code)
    assert.are.equal("TooManyRequests", status.reason)
    assert.are.equal("Cannot evict pod as it would violate the pod's disruption budget.",
      status.message)
    assert.are.equal("The disruption budget kept needs 1 healthy pods and has 1 currently",
      status.details.causes[1].message)
    local _, pdb = get(sim, "/apis/policy/v1/namespaces/default/poddisruptionbudgets/kept")
    assert.are.equal(0, pdb.status.disruptionsAllowed)
    assert.are.equal(1, pdb.status.currentHealthy)
    assert.are.equal(200, (get(sim, NS .. "/pods/kept")))
  end)

  it("evicts a pod without a budget: 201 and a delete", function()
    running("goes", { ["sim.kwhisk.io/stop-delay"] = "0.5" })
    local code, status = evict("goes")
    assert.are.equal(201, code)
    assert.are.equal("Success", status.status)
    local _, pod = get(sim, NS .. "/pods/goes")
    assert.is_string(pod.metadata.deletionTimestamp)
    simh.wait_for(function() return get(sim, NS .. "/pods/goes") == 404 end)
    assert.are.equal(404, (evict("goes")))
    assert.are.equal(400, (evict("other", { kind = "Eviction", metadata = { name = "x" } })))
  end)

  it("fails a pod evicted for node pressure with the kubelet's reason and message", function()
    running("pressed")
    assert.truthy(sim:fault({ kind = "evict", pod = "pressed" }))
    local _, pod = get(sim, NS .. "/pods/pressed")
    assert.are.equal("Failed", pod.status.phase)
    assert.are.equal("Evicted", pod.status.reason)
    assert.matches("^The node was low on resource: memory%. Threshold quantity: 100Mi, "
      .. "available: 51200Ki%. Container user%-action was using", pod.status.message)
    assert.are.equal("TerminationByKubelet", condition(pod, "DisruptionTarget").reason)
    assert.are.equal(137, pod.status.containerStatuses[1].state.terminated.exitCode)
    local _, out = kubectl(sim, "get pod pressed --no-headers")
    assert.matches("^pressed%s+0/1%s+Error%s", out)
    local _, err = sim:fault({ kind = "evict", pod = "nope" })
    assert.matches("no pod nope", err)
  end)

  it("loses a node: NotReady, pods not Ready, then Terminating until the node returns", function()
    running("stranded")
    running("forced")
    local node = assert(sim:fault({ kind = "node_lost", node = "small-1" }))
    assert.are.equal("Unknown", condition(node, "Ready").status)
    local _, pod = get(sim, NS .. "/pods/stranded")
    assert.are.equal("False", condition(pod, "Ready").status)
    assert.is_nil(pod.metadata.deletionTimestamp)
    local _, out = kubectl(sim, "get nodes --no-headers")
    assert.matches("^small%-1%s+NotReady%s", out)
    -- 300 s of default toleration at --time-scale 0.01: 3 s.
    pod = simh.wait_for(function()
      local _, p = get(sim, NS .. "/pods/stranded")
      return p.metadata.deletionTimestamp and p
    end, 8)
    assert.are.equal("DeletionByTaintManager", condition(pod, "DisruptionTarget").reason)
    os.execute("sleep 1")
    _, out = kubectl(sim, "get pod stranded --no-headers")
    -- The kubelet is gone, so the containers' last statuses stay (ready: 1/1), as on a cluster.
    assert.matches("^stranded%s+1/1%s+Terminating%s", out)
    local fresh = simh.pod("new")
    create(sim, fresh)
    assert.matches("untolerated taint {node.kubernetes.io/unreachable: }",
      condition(placed(sim, "new"), "PodScheduled").message)
    -- A forced delete (grace 0) removes a pod at once, lost node or not.
    assert.are.equal(200, (simh.http("DELETE", sim.url .. NS
      .. "/pods/forced?gracePeriodSeconds=0")))
    assert.are.equal(404, (get(sim, NS .. "/pods/forced")))
    assert.truthy(sim:fault({ kind = "node_ready", node = "small-1" }))
    assert.are.equal(404, (get(sim, NS .. "/pods/stranded")))
    simh.wait_for(function()
      local _, p = get(sim, NS .. "/pods/new")
      return p.spec.nodeName == "small-1"
    end)
  end)
end)

describe("sim API server behaviour", function()
  local sim

  setup(function()
    sim = simh.start({ "--time-scale", "0.01", "--min-request-timeout", "100" })
  end)
  teardown(function()
    sim:stop()
  end)

  it("ends a watch without timeoutSeconds between min-request-timeout and twice it", function()
    -- 100 s at --time-scale 0.01: between 1 and 2 s.
    local monotime = require("cqueues").monotime
    local started = monotime()
    local code = simh.http("GET", sim.url .. NS .. "/pods?watch=1")
    local seconds = monotime() - started
    assert.are.equal(200, code)
    assert.is_true(seconds >= 0.95 and seconds < 2.5, "watch lasted " .. seconds .. " s")
  end)

  it("reads booleans as the API server converts them", function()
    create(sim, simh.pod("quiet", nil, { annotations = { ["sim.kwhisk.io/log-lines"] = "hi" } }))
    simh.ready(sim.url .. NS .. "/pods/quiet")
    -- follow=True follows: the answer is still open after 1 s.
    local function follows(value)
      local status = shell.run("timeout 1 curl -sN '" .. sim.url .. NS
        .. "/pods/quiet/log?follow=" .. value .. "' >/dev/null")
      return status == 124
    end
    assert.is_true(follows("True"))
    assert.is_true(follows("t"))
    assert.is_false(follows("FALSE"))
    assert.is_false(follows("0"))
    local code, text = simh.http("GET", sim.url .. NS .. "/pods?watch=True&timeoutSeconds=1")
    assert.are.equal(200, code)
    assert.matches('^{"object":', text)
    text = select(2, simh.http("GET", sim.url .. NS .. "/pods?watch=false"))
    assert.matches('"kind":"PodList"', text)
  end)

  it("streams a followed log to the Python client's read_namespaced_pod_log", function()
    create(sim, simh.pod("pylog", nil, { annotations = {
      ["sim.kwhisk.io/log-lines"] = "first\nsecond" } }))
    simh.ready(sim.url .. NS .. "/pods/pylog")
    local path = sim.dir .. "/pylog.out"
    local function out()
      return require("kwhisk.fs").read_file(path) or ""
    end
    os.execute("timeout 20 /usr/bin/python3 spec/helpers/k8slog.py "
      .. shell.quote(sim.kubeconfig) .. " pylog >" .. shell.quote(path) .. " 2>&1 &")
    simh.wait_for(function() return out():find("second\n", 1, true) end, 20)
    -- Still open a second later: the follow waits for more.
    os.execute("sleep 1")
    assert.are.equal("first\nsecond\n", out())
    -- The container stops, which ends the follow.
    simh.http("DELETE", sim.url .. NS .. "/pods/pylog")
    simh.wait_for(function() return out():find("end\n", 1, true) end)
    assert.are.equal("first\nsecond\nend\n", out())
  end)

  it("answers kubectl's Table for pods, nodes and events", function()
    local code, t = get(sim, NS .. "/pods?fieldSelector=metadata.name%3Dquiet", { accept = TABLE })
    assert.are.equal(200, code)
    assert.are.equal("Table", t.kind)
    local names = {}
    for i, c in ipairs(t.columnDefinitions) do
      names[i] = c.name
    end
    assert.are.same({ "Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
      "Nominated Node", "Readiness Gates" }, names)
    local cells = t.rows[1].cells
    assert.are.equal("quiet", cells[1])
    assert.are.equal("1/1", cells[2])
    assert.are.equal("Running", cells[3])
    assert.are.equal("PartialObjectMetadata", t.rows[1].object.kind)
    t = select(2, get(sim, "/api/v1/nodes", { accept = TABLE }))
    assert.are.equal("Ready", t.rows[1].cells[2])
    t = select(2, get(sim, NS .. "/events?fieldSelector=involvedObject.name=quiet",
      { accept = TABLE }))
    assert.are.equal("Last Seen", t.columnDefinitions[1].name)
    assert.are.same({ "Normal", "Scheduled", "pod/quiet", "", "default-scheduler" },
      { unpack(t.rows[1].cells, 2, 6) })
    local _, out = kubectl(sim, "get pods -o wide")
    assert.matches("^NAME%s+READY%s+STATUS%s+RESTARTS%s+AGE%s+IP%s+NODE%s+NOMINATED NODE%s+"
      .. "READINESS GATES\nquiet%s+1/1%s+Running%s+0%s+%d+s%s+127%.", out)
    _, out = kubectl(sim, "get events")
    assert.matches("^LAST SEEN%s+TYPE%s+REASON%s+OBJECT%s+MESSAGE\n", out)
  end)
end)

-- Watches here last as long as on a cluster (min-request-timeout 1800 s): kubectl get -w
-- ends with its watch.
describe("sim and kubectl get -w", function()
  local sim

  setup(function()
    sim = simh.start()
  end)
  teardown(function()
    sim:stop()
  end)

  it("shows Pending, ContainerCreating, Running and Terminating to kubectl get pods -w", function()
    -- The node is lost while the pod is created, so it stays Pending until kubectl shows it;
    -- the node comes back and the watch shows the rest.
    assert(sim:fault({ kind = "node_lost" }))
    local pod = simh.pod("watched", nil, { annotations = {
      ["sim.kwhisk.io/start-delay"] = "0.5", ["sim.kwhisk.io/stop-delay"] = "0.5" } })
    pod.metadata.labels.app = "w"
    create(sim, pod)
    local out_file = sim.dir .. "/watch.out"
    os.execute("KUBECONFIG=" .. shell.quote(sim.kubeconfig) .. " timeout 60 kubectl get pods "
      .. "-w -l app=w >" .. shell.quote(out_file) .. " 2>&1 &")
    local function printed(word)
      return simh.wait_for(function()
        local t = require("kwhisk.fs").read_file(out_file) or ""
        return t:find(word, 1, true) and t
      end, 30)
    end
    printed("Pending")
    assert(sim:fault({ kind = "node_ready" }))
    simh.ready(sim.url .. NS .. "/pods/watched", 30)
    simh.http("DELETE", sim.url .. NS .. "/pods/watched")
    local text = printed("Terminating")
    local statuses = {}
    for status in text:gmatch("\nwatched%s+%d/1%s+(%S+)") do
      if statuses[#statuses] ~= status then
        statuses[#statuses + 1] = status
      end
    end
    assert.are.same({ "Pending", "ContainerCreating", "Running", "Terminating" }, statuses)
  end)
end)
