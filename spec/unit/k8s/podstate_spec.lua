-- kwhisk.k8s.podstate: what a pod's status says (SPEC A6, B, C4), and waiting for Ready by a
-- watch, again after a 410, by polling once the watch fails (against the sim, a process).
local podstate = require "kwhisk.k8s.podstate"
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"

local function waiting(reason, message)
  return { containerStatuses = { { name = "user-action",
    state = { waiting = { reason = reason, message = message } } } } }
end

describe("kwhisk.k8s.podstate.check", function()
  local function check(status)
    return podstate.check({ status = status })
  end

  it("says ready for a Ready condition, and nil while the pod is starting", function()
    assert.equal("ready", check({ conditions = { { type = "Ready", status = "True" } } }))
    assert.is_nil(check({ conditions = { { type = "Ready", status = "False" } } }))
    assert.is_nil(check(waiting("ContainerCreating", "")))
    assert.is_nil(check({ phase = "Pending" }))
  end)

  it("names the failures that never resolve by themselves, by kind", function()
    assert.same({ "image_pull", "ErrImagePull: no such image" },
      { check(waiting("ErrImagePull", "no such image")) })
    assert.same({ "image_pull", "ImagePullBackOff: " }, { check(waiting("ImagePullBackOff")) })
    assert.same({ "command_not_found", "RunContainerError: exec: \"x\": executable file not "
      .. "found in $PATH" },
      { check(waiting("RunContainerError", "exec: \"x\": executable file not found in $PATH")) })
    assert.same({ "crash_loop", "CrashLoopBackOff: back-off" },
      { check(waiting("CrashLoopBackOff", "back-off")) })
    assert.same({ "run_container", "RunContainerError: oci" },
      { check(waiting("RunContainerError", "oci")) })
    assert.same({ "container_config", "CreateContainerConfigError: no secret" },
      { check(waiting("CreateContainerConfigError", "no secret")) })
    assert.same({ "crash_loop", "phase Failed: OOMKilled" },
      { check({ phase = "Failed", reason = "OOMKilled" }) })
    assert.same({ "unschedulable", "Unschedulable: 0/1 nodes are available" },
      { check({ conditions = { { type = "PodScheduled", status = "False",
        reason = "Unschedulable", message = "0/1 nodes are available" } } }) })
  end)

  it("puts an image pull first, as the seed does, whatever the container order", function()
    local status = waiting("CrashLoopBackOff", "")
    status.containerStatuses[2] = { state = { waiting = { reason = "ErrImagePull",
      message = "m" } } }
    assert.equal("image_pull", (check(status)))
  end)

  it("reads fields of the wrong type as absent (a server may send anything)", function()
    assert.is_nil(podstate.check(nil))
    assert.is_nil(podstate.check({ status = "Running" }))
    assert.is_nil(check({ conditions = "Ready", containerStatuses = { 1, { state = "x" } } }))
    assert.is_nil(check({ conditions = { 1, { type = "Ready" } } }))
  end)
end)

describe("kwhisk.k8s.podstate.wait_ready", function()
  local env = simh.fixture()
  local sim, client, pods
  local PODS = "/api/v1/namespaces/default/pods"

  before_each(function()
    sim, client, pods = env.sim, env.client, env.client.pods
  end)

  local function create(name, image)
    assert(client.conn:create(pods:path(), simh.pod(name, image)))
    finally(function() client.conn:delete(pods:path(name)) end)
  end

  local function hits()
    local n = 0
    for _, f in ipairs(assert(sim:faults())) do n = n + (f.hits or 0) end
    return n
  end

  local function clear_faults()
    local clear = require("http.request").new_from_uri(sim.url .. "/_sim/faults")
    clear.headers:upsert(":method", "DELETE")
    assert(clear:go(5))
  end

  it("returns the pod once a watch shows it Ready", function()
    create("w-ready", "example/pause:1")
    local pod = assert(podstate.wait_ready(pods, "w-ready", kwhisk.loop.now() + 20))
    assert.equal("w-ready", pod.metadata.name)
    assert.equal("ready", podstate.check(pod))
  end)

  it("fails fast with the failure's kind", function()
    create("w-pull", "registry.local/doesnotexist:v1")
    local pod, err = podstate.wait_ready(pods, "w-pull", kwhisk.loop.now() + 20)
    assert.is_nil(pod)
    assert.equal("image_pull", err.kind)
  end)

  it("watches again after a 410 (an ERROR event), and polls once a watch is refused", function()
    clear_faults()
    assert(sim:fault({ kind = "watch_gone", mode = "event", path = PODS, count = 1 }))
    create("w-gone", "example/pause:1")
    assert(podstate.wait_ready(pods, "w-gone", kwhisk.loop.now() + 20))
    assert.equal(1, hits())
    clear_faults()
    -- the first GET is the watch: refused (403 is never retried), so only polling can see
    -- the pod Ready
    assert(sim:fault({ kind = "status", code = 403, method = "GET", path = PODS, count = 1 }))
    create("w-poll", "example/pause:1")
    assert(podstate.wait_ready(pods, "w-poll", kwhisk.loop.now() + 20))
    assert.equal(1, hits())
    clear_faults()
  end)

  it("gives ready_timeout at the deadline", function()
    create("w-never", "example/neverready:1")
    local started = kwhisk.loop.now()
    local pod, err = podstate.wait_ready(pods, "w-never", started + 1.5)
    assert.is_nil(pod)
    assert.equal("ready_timeout", err.kind)
    assert.equal("pod w-never was not ready in time", err.message)
    assert.is_true(kwhisk.loop.now() - started < 4)
  end)
end)
