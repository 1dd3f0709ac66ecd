-- kwhisk.client against the simulated cluster (a separate process): run with the policy,
-- fail fast with events and clean-up, rm by name and labels, labels, the invoker agent.
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"

local now = kwhisk.loop.now

describe("kwhisk.client", function()
  local sim, client, agent_client, logged

  setup(function()
    sim = simh.start({})
    logged = {}
    local function log(line) logged[#logged + 1] = line end
    local settings = { kubeconfig = sim.kubeconfig, timeouts = { run = 20 },
                       ["user-pod-node-affinity"] = { enabled = false }, pdb_enabled = true }
    client = assert(kwhisk.client(settings, { log = log }))
    settings["invoker-agent"] = { enabled = true, port = assert(sim:info()).agentPort }
    agent_client = assert(kwhisk.client(settings, { log = log }))
  end)
  teardown(function() sim:stop() end)

  local function pod_exists(name)
    return client.conn:get(client:pods_path(name)) ~= nil
  end

  it("raises on bad arguments, naming them", function()
    assert.has_error(function() client:run(1, "img") end,
      "bad argument #1 to 'run' (string expected, got number)")
    assert.has_error(function() client:run("a", "img", { memory = "lots" }) end)
    assert.has_error(function() client:rm(42) end)
  end)

  it("runs a pod to Ready and returns the container, native_id without its prefix", function()
    local c = assert(client:run("ready1", "kwhisk/action-lua", { memory = "128m",
      labels = { invoker = "invoker9" } }))
    assert.equal("ready1", c.id)
    assert.matches("^127%.%d+%.%d+%.%d+$", c.address.host)
    assert.equal(8080, c.address.port)
    assert.matches("^127%.", c.worker_ip)
    assert.matches("^%x+$", c.native_id)
    local pod = client.conn:get(client:pods_path("ready1"))
    assert.equal("128Mi", pod.spec.containers[1].resources.limits.memory)
    assert.truthy(client.conn:get(client:pdbs_path("ready1")))
    assert.same({ true }, { client:rm(c) })
    assert.is_nil(client.conn:get(client:pdbs_path("ready1")))
  end)

  local cases = {
    { "pull", "example/doesnotexist:1", "image_pull" },
    { "nocmd", "example/nocommand:1", "command_not_found" },
    { "crash", "example/crashloop:1", "crash_loop" },
    { "runerr", "example/runerror:1", "run_container" },
    { "badcfg", "example/badconfig:1", "container_config" },
    { "unsched", "example/unschedulable:1", "unschedulable" },
  }
  for _, case in ipairs(cases) do
    it("fails fast with kind " .. case[3] .. ", with the events, and deletes the pod", function()
      local started = now()
      local c, err = client:run(case[1], case[2])
      assert.is_nil(c)
      assert.equal(case[3], err.kind)
      assert.is_true(now() - started < 3, "took " .. (now() - started) .. " s")
      assert.is_true(#err.events > 0)
      assert.matches("events: ", err.message)
      assert.equal(err.message, tostring(err))
      local deadline = now() + 3
      while pod_exists(case[1]) and now() < deadline do kwhisk.sleep(0.05) end
      assert.is_false(pod_exists(case[1]))
    end)
  end

  it("times out a pod that never gets ready, and keeps it when told to", function()
    local short = assert(kwhisk.client({ kubeconfig = sim.kubeconfig, timeouts = { run = 1 },
      ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
    local started = now()
    local c, err = short:run("never", "example/neverready:1", { keep = true })
    assert.is_nil(c)
    assert.equal("ready_timeout", err.kind)
    assert.is_true(now() - started < 2)
    assert.is_true(pod_exists("never"))
    assert.is_true((short:rm("never")))
  end)

  it("reports a create the API refuses as pod_api", function()
    sim:fault({ kind = "status", code = 403, method = "POST",
      path = "/api/v1/namespaces/default/pods", count = 1 })
    local c, err = client:run("refused", "kwhisk/action-lua")
    assert.is_nil(c)
    assert.equal("pod_api", err.kind)
    assert.equal(403, err.code)
  end)

  it("deletes by labels in one call, and logs and returns errors", function()
    for i = 1, 3 do
      assert(client:run("lab" .. i, "example/pause:1", { labels = { group = "g1" } }))
    end
    assert(client:run("other", "example/pause:1", { labels = { group = "g2" } }))
    assert.same({ true }, { client:rm({ group = "g1" }) })
    local pods = assert(client:list({ group = "g1" }))
    for _, p in ipairs(pods) do -- terminating ones may linger for the grace period
      assert.truthy(client.conn:get(client:pods_path(p.id)).metadata.deletionTimestamp)
    end
    assert.equal(1, #assert(client:list({ group = "g2" })))
    assert.is_true((client:rm("other")))
    assert.is_true((client:rm("no-such-pod"))) -- already gone is not an error
    sim:fault({ kind = "status", code = 500, path = "/api/v1/namespaces/default/pods/x1",
      count = 10 })
    local before = #logged
    local ok, err = client:rm("x1")
    assert.is_nil(ok)
    assert.equal("server", err.kind)
    assert.equal(err.message, logged[before + 1])
  end)

  it("falls back to list-and-delete when deletecollection is not allowed (405)", function()
    assert(client:run("col1", "example/pause:1", { labels = { group = "g3" } }))
    -- the sim matches a fault's path without the query: the first DELETE is the collection's
    local fault = assert(sim:fault({ kind = "status", code = 405, method = "DELETE",
      path = "/api/v1/namespaces/default/pods", count = 1 }))
    assert.is_true((client:rm({ group = "g3" })))
    local hits
    for _, f in ipairs(assert(sim:faults())) do
      if f.id == fault.id then hits = f.hits end
    end
    assert.equal(1, hits)
    local p = client.conn:get(client:pods_path("col1"))
    assert.is_true(p == nil or p.metadata.deletionTimestamp ~= nil)
  end)

  it("validates labels before PATCHing them", function()
    local c = assert(client:run("labelled", "example/pause:1"))
    assert.is_true(client:add_label(c, { ["openwhisk/warm"] = "yes" }))
    local pod = client.conn:get(client:pods_path("labelled"))
    assert.equal("yes", pod.metadata.labels["openwhisk/warm"])
    local ok, err = client:add_label(c, { k = "a/b" })
    assert.is_nil(ok)
    assert.equal("invalid", err.kind)
    assert.matches('label "k" value "a/b"', err.message)
    client:rm(c)
  end)

  it("suspend and resume are no-ops without the agent", function()
    local c = { id = "x", worker_ip = "127.0.0.1", native_id = "none" }
    assert.is_true(client:suspend(c))
    assert.is_true(client:resume(c))
  end)

  it("agent calls in a row share one connection (a 204 leaves nothing behind on it)", function()
    local c = assert(agent_client:run("agent0", "example/pause:1"))
    for _ = 1, 3 do
      assert.same({ true }, { agent_client:suspend(c) })
      assert.same({ true }, { agent_client:resume(c) })
    end
    agent_client:rm(c)
  end)

  it("with the agent, a suspended action refuses work until resumed; ensure_unpaused", function()
    local c = assert(agent_client:run("agent1", "kwhisk/action-lua",
      { labels = { invoker = "invoker7" } }))
    local container = kwhisk.container.wrap(agent_client, c)
    assert(container:init("function main(a) return { n = a.n } end", "main"))
    assert.same({ n = 1 }, (container:run({ n = 1 }, now() + 5)))
    assert.is_true(agent_client:suspend(c))
    local result, err = container:run({ n = 2 }, now() + 0.5)
    assert.is_nil(result)
    assert.equal("timeout", err.kind)
    assert.is_true(agent_client:resume(c))
    assert.same({ n = 3 }, (container:run({ n = 3 }, now() + 5)))
    assert.is_true(agent_client:suspend(c))
    local ok, aerr = agent_client:suspend({ id = "ghost", worker_ip = c.worker_ip,
                                            native_id = "nosuchid" })
    assert.is_nil(ok)
    assert.equal("agent", aerr.kind)
    assert.equal(500, aerr.code)
    -- deleting with ensure_unpaused resumes first: the runtime answers again until it goes
    local resumed = false
    local rm = kwhisk.spawn(function()
      return agent_client:rm({ invoker = "invoker7" }, { ensure_unpaused = true })
    end)
    local probe = kwhisk.spawn(function()
      local r = container:run({ n = 4 }, now() + 2)
      resumed = r ~= nil and r.n == 4
    end)
    assert.is_true((rm:wait()))
    probe:wait()
    assert.is_true(resumed)
  end)
end)
