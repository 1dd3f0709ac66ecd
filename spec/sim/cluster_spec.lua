-- kwhisk.sim.cluster: the state behind the sim's API, in this process: pod IPs on loopback,
-- events, CRI log paths, a pod's life from create to a graceful delete.
local cqueues = require "cqueues"
local cluster = require "kwhisk.sim.cluster"
local lifecycle = require "kwhisk.sim.lifecycle"
local shell = require "helpers.shell"

describe("kwhisk.sim.cluster", function()
  local cq, c, dir, cleanup

  before_each(function()
    dir, cleanup = shell.tmpdir()
    cq = cqueues.new()
    -- a hundredth of real-world time: the 30 s grace period of a delete lasts 0.3 s
    c = cluster.new(cq, { net = 77, log_dir = dir, time_scale = 0.01 })
  end)
  after_each(function()
    c:shutdown()
    cleanup()
  end)

  -- Runs the cluster's timers until done() holds (at most 10 s).
  local function run_until(done)
    local deadline = cqueues.monotime() + 10
    while not done() do
      assert(cqueues.monotime() < deadline, "condition not met in time")
      assert(cq:step(0.05))
    end
  end

  local function pod(name, image)
    return { apiVersion = "v1", kind = "Pod",
      metadata = { name = name, namespace = "default", uid = "uid-" .. name },
      spec = { terminationGracePeriodSeconds = 30,
        containers = { { name = "user-action", image = image or "example/pause:1" } } } }
  end

  it("gives pods loopback IPs in 127.<net>.0.0/16, skipping .0 and .255", function()
    assert.equal("127.77.0.1", c.node.ip)
    local first = { c:allocate_ip() }
    assert.same({ "127.77.1.1", 1 }, first)
    local last
    for _ = 2, 254 do last = c:allocate_ip() end
    assert.equal("127.77.1.254", last)
    assert.equal("127.77.2.1", (c:allocate_ip()))
  end)

  it("records events that list in the order they happened, with their source", function()
    local p = pod("e1")
    c:event(p, "Normal", "Scheduled", "Successfully assigned default/e1")
    c:event(p, "Normal", "Pulling", "Pulling image")
    local events = c.store:list("events", "default")
    assert.equal(2, #events)
    assert.same({ "Scheduled", "Pulling" }, { events[1].reason, events[2].reason })
    assert.equal("default-scheduler", events[1].source.component)
    assert.same({ "kubelet", "kwhisk-sim-node" }, { events[2].source.component,
      events[2].source.host })
    assert.same({ "Pod", "e1", "uid-e1" }, { events[1].involvedObject.kind,
      events[1].involvedObject.name, events[1].involvedObject.uid })
    assert.matches("^e1%.%x+$", events[1].metadata.name)
  end)

  it("names CRI log files as the kubelet does", function()
    assert.equal(dir .. "/default_e1_uid-e1_user-action.log", c:log_path(pod("e1"), "user-action"))
  end)

  it("runs a pod to Running, and deletes it gracefully, freeing its IP for the next", function()
    local p = pod("l1")
    assert(c:create_pod(p, assert(lifecycle.behaviour(p))))
    run_until(function() return p.status.phase == "Running" end)
    assert.equal("127.77.1.1", p.status.podIP)
    assert.equal(p, c.store:get("pods", "default", "l1"))
    c:delete_pod(p, 30)
    assert.is_string(p.metadata.deletionTimestamp)
    assert.equal(30, p.metadata.deletionGracePeriodSeconds)
    -- a pause-like container ignores SIGTERM: the pod is Terminating until the grace period's end
    local deleted = cqueues.monotime()
    run_until(function() return c.store:get("pods", "default", "l1") == nil end)
    assert.is_true(cqueues.monotime() - deleted >= 0.3)
    assert.is_true(p.gone)
    local q = pod("l2")
    assert(c:create_pod(q, assert(lifecycle.behaviour(q))))
    run_until(function() return q.status.podIP ~= nil end)
    assert.equal("127.77.1.1", q.status.podIP) -- l1's slot, given back
    c:delete_pod(q, 0)
    assert.is_nil(c.store:get("pods", "default", "l2")) -- grace 0: at once
  end)

  it("runs a pod created bound to its node without the scheduler, and PodGC deletes one bound "
    .. "to no node", function()
    local bound = pod("b1")
    bound.spec.nodeName = c.node.name
    assert(c:create_pod(bound, assert(lifecycle.behaviour(bound))))
    run_until(function() return bound.status.phase == "Running" end)
    local reasons = {}
    for _, e in ipairs(c.store:list("events", "default")) do reasons[e.reason] = true end
    assert.is_nil(reasons.Scheduled) -- (the scheduler never saw it)
    assert.is_true(reasons.Started)
    local orphan = pod("b2")
    orphan.spec.nodeName = "no-such-node"
    assert(c:create_pod(orphan, assert(lifecycle.behaviour(orphan))))
    local created = cqueues.monotime()
    run_until(function() return orphan.gone end)
    -- Pending on no node until PodGC's 40 s quarantine (scaled), then Failed and deleted
    assert.is_true(cqueues.monotime() - created >= 0.4)
    assert.same({ "no-such-node", "Failed", "DisruptionTarget", "DeletionByPodGC" },
      { orphan.spec.nodeName, orphan.status.phase, orphan.status.conditions[1].type,
        orphan.status.conditions[1].reason })
    assert.is_nil(orphan.status.podIP)
  end)
end)
