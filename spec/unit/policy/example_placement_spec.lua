-- Where the example policies' pods land: pods built by examples/policies/{gpu,spot,tenant}.lua
-- created on a sim with nodes (spec/fixtures/nodes.yaml: on-demand invoker-1, spot-1 tainted
-- kwhisk.io/spot=true, gpu-1 tainted nvidia.com/gpu with two GPUs; small-node.yaml: half a cpu).
local examples = require "helpers.examples"
local simh = require "helpers.sim"
local json = require "kwhisk.json"

local NS = "/api/v1/namespaces/default/pods"

-- Creates the pod that policy `name` builds for args and waits for the scheduler's verdict:
-- returns the node name, or nil and the Unschedulable message.
local function land(sim, name, args, settings)
  local pod = assert(examples.build(name, args, settings))
  local code, text = simh.http("POST", sim.url .. NS, pod)
  assert.are.equal(201, code, text)
  return simh.wait_for(function()
    local _, body = simh.http("GET", sim.url .. NS .. "/" .. pod.metadata.name)
    local p = json.decode(body)
    for _, c in ipairs(p.status.conditions or {}) do
      if c.type == "PodScheduled" then
        return { p.spec.nodeName, c.status == "False" and c.message or nil }
      end
    end
  end)
end

describe("example policies on a cluster", function()
  local sim, small

  setup(function()
    sim = simh.start({ "--nodes", "spec/fixtures/nodes.yaml" })
    small = simh.start({ "--nodes", "spec/fixtures/small-node.yaml" })
  end)
  teardown(function()
    sim:stop()
    small:stop()
  end)

  describe("gpu", function()
    it("puts GPU actions on the GPU pool and others on untainted invokers", function()
      assert.are.same({ "gpu-1" }, land(sim, "gpu", { name = "gpu-a",
        env = { { "GPU_COUNT", "2" } } }))
      assert.are.same({ "invoker-1" }, land(sim, "gpu", { name = "gpu-none" }))
    end)

    it("leaves a pod asking for more GPUs than are free Pending, saying why", function()
      local verdict = land(sim, "gpu", { name = "gpu-b", env = { { "GPU_COUNT", "1" } } })
      assert.is_nil(verdict[1])
      assert.are.equal("0/3 nodes are available: 1 Insufficient nvidia.com/gpu, 1 node(s) "
        .. "didn't match Pod's node affinity/selector, 1 node(s) had untolerated taint "
        .. "{kwhisk.io/spot: true}. preemption: 0/3 nodes are available: 1 No preemption "
        .. "victims found for incoming pod, 2 Preemption is not helpful for scheduling.",
        verdict[2])
    end)
  end)

  describe("spot", function()
    it("prefers the tainted spot node, which the seed's pods may not use", function()
      assert.are.same({ "spot-1" }, land(sim, "spot", { name = "spot-a" }))
      assert.are.same({ "spot-1" }, land(sim, "spot", { name = "spot-b" }))
      -- The default policy: no toleration, so not on spot-1 nor on gpu-1.
      local pod = assert(require("kwhisk.policy").build("plain-a", "openwhisk/action-nodejs-v20",
        256 * 2 ^ 20, nil, nil, assert(require("kwhisk.config").load({}, {}))))
      assert.are.equal(201, (simh.http("POST", sim.url .. NS, pod)))
      local p = simh.wait_for(function()
        local _, body = simh.http("GET", sim.url .. NS .. "/plain-a")
        local decoded = json.decode(body)
        return decoded.spec.nodeName and decoded
      end)
      assert.are.equal("invoker-1", p.spec.nodeName)
    end)

    it("falls back to other invokers when no spot node exists", function()
      assert.are.same({ "small-1" }, land(small, "spot", { name = "spot-c" }))
    end)
  end)

  describe("tenant", function()
    it("fits guest pods (250m cpu) on a half-cpu node until its cpu is used up", function()
      local env = { { "__OW_NAMESPACE", "guest" } }
      assert.are.same({ "small-1" }, land(small, "tenant", { name = "guest-a", env = env }))
      assert.are.same({ "small-1" }, land(small, "tenant", { name = "guest-b", env = env }))
      local verdict = land(small, "tenant", { name = "guest-c", env = env })
      assert.is_nil(verdict[1])
      assert.matches("^0/1 nodes are available: 1 Insufficient cpu%.", verdict[2])
    end)

    it("never schedules a default-plan pod (1 cpu) on that node", function()
      local verdict = land(small, "tenant", { name = "team-a",
        env = { { "__OW_NAMESPACE", "team" } } })
      assert.is_nil(verdict[1])
      assert.matches("^0/1 nodes are available: 1 Insufficient cpu%.", verdict[2])
    end)
  end)
end)
