-- kwhisk.client against a cluster that disrupts it (the sim in a child process): a pod
-- deleted by someone else, evicted for node pressure or stranded on a lost node while run
-- waits fails fast with its own kind; a followed log of an idle action stays open.
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"
local shell = require "helpers.shell"
local podstate = require "kwhisk.k8s.podstate"
local container = require "kwhisk.container"

local now = kwhisk.loop.now

describe("kwhisk.client in a disrupted cluster", function()
  local sim, client

  setup(function()
    sim = simh.start({})
    client = assert(kwhisk.client({ kubeconfig = sim.kubeconfig, timeouts = { run = 20 } },
      { log = function() end }))
  end)
  teardown(function() sim:stop() end)

  -- Runs `command` in the background after `delay` seconds.
  local function later(delay, command)
    os.execute("(sleep " .. delay .. "; " .. command .. ") >/dev/null 2>&1 &")
  end

  local function fault(spec)
    return "curl -s -X POST -H 'content-type: application/json' -d "
      .. shell.quote(require("kwhisk.json").encode(spec)) .. " " .. shell.quote(sim.url
      .. "/_sim/faults")
  end

  local function run_fails(name, image, kind)
    local started = now()
    local c, err = client:run(name, image)
    assert.is_nil(c)
    assert.are.equal(kind, err.kind, err.message)
    assert.is_true(now() - started < 5, "took " .. (now() - started) .. " s")
    return err
  end

  it("fails with kind deleted when kubectl deletes the starting pod", function()
    later(0.5, "KUBECONFIG=" .. shell.quote(sim.kubeconfig) .. " kubectl delete pod oob1 "
      .. "--wait=false")
    local err = run_fails("oob1", "example/slowstart:1", "deleted")
    assert.matches("oob1", err.message)
  end)

  it("fails with kind deleted when a running, unready pod turns Terminating", function()
    later(0.7, "curl -s -X DELETE " .. shell.quote(sim.url
      .. "/api/v1/namespaces/default/pods/oob2"))
    run_fails("oob2", "example/neverready:1", "deleted")
  end)

  it("fails with kind evicted and the kubelet's message", function()
    later(0.7, fault({ kind = "evict", pod = "pressed" }))
    local err = run_fails("pressed", "example/neverready:1", "evicted")
    assert.matches("The node was low on resource: memory", err.message, 1, true)
  end)

  it("fails with kind node_lost once the node stays NotReady", function()
    local check, after = podstate.NODE_CHECK, podstate.NODE_LOST_AFTER
    podstate.NODE_CHECK, podstate.NODE_LOST_AFTER = 0.2, 1
    finally(function()
      podstate.NODE_CHECK, podstate.NODE_LOST_AFTER = check, after
      assert(sim:fault({ kind = "node_ready" }))
    end)
    later(0.7, fault({ kind = "node_lost" }))
    local err = run_fails("stranded", "example/neverready:1", "node_lost")
    assert.matches("node kwhisk%-sim%-node of pod stranded is not ready %(NodeStatusUnknown: "
      .. "Kubelet stopped posting node status%.%) for 1 s", err.message)
  end)

  it("ends the log collection of a pod deleted by someone else with kind not_found", function()
    local c = assert(container.create(client, "gone-logs", "kwhisk/action-lua"))
    assert(c:init('function main() print("x") return {} end', "main"))
    assert(c:run({}))
    assert.are.equal(200, (simh.http("DELETE", sim.url
      .. "/api/v1/namespaces/default/pods/gone-logs?gracePeriodSeconds=0")))
    local started = now()
    local _, err = c:logs(10000, true)
    assert.are.equal("not_found", err and err.kind)
    assert.is_true(now() - started < 1, "took " .. (now() - started) .. " s")
  end)

  it("keeps following the log of an action that prints nothing past the read timeout", function()
    local quick = assert(kwhisk.client({ kubeconfig = sim.kubeconfig,
      timeouts = { logs = 1, run = 20 } }, { log = function() end }))
    local c = assert(container.create(quick, "idle", "kwhisk/action-lua"))
    finally(function() c:destroy() end)
    assert(c:init('function main() print("woke") return {} end', "main"))
    -- Two drops in a row would end the stream; 4 s of silence are 3 or 4 read timeouts.
    local records = quick:logs(c, nil, { mode = "follow", retries = 2 })
    local record, err = records(now() + 4)
    assert.is_nil(record)
    assert.is_true(err.deadline == true, err.message)
    assert(c:run({}))
    record = assert(records(now() + 5))
    assert.are.equal("woke", record.log)
  end)
end)
