-- kwhisk.client against the sim's kubelet behaviours (a separate process): Terminating pods
-- (rm returns once accepted, run waits for a Terminating name, uid preconditions, the delete
-- grace period), start failures read from lastState, persistent log errors, 404s, rotations
-- that split a second, and status lag without a busy loop.
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"

local now = kwhisk.loop.now

-- A pod policy: the default pod with these annotations.
local function annotate(annotations)
  return function(ctx)
    local pod, pdb = ctx.default()
    pod.metadata.annotations = pod.metadata.annotations or {}
    for k, v in pairs(annotations) do
      pod.metadata.annotations[k] = v
    end
    return pod, pdb
  end
end

local SLOW = { ["sim.kwhisk.io/time-scale"] = "0.1" } -- the 30 s grace period lasts 3 s

describe("kwhisk.client on the sim's kubelet", function()
  local sim, logged

  setup(function()
    sim = simh.start({ "--container-log-max-size", "4Ki" })
  end)
  teardown(function() sim:stop() end)

  local function client(annotations, settings)
    logged = {}
    local cfg = { kubeconfig = sim.kubeconfig, timeouts = { run = 20 },
      pod_policy = annotate(annotations or {}), ["user-pod-node-affinity"] = { enabled = false } }
    for k, v in pairs(settings or {}) do
      cfg[k] = v
    end
    return assert(kwhisk.client(cfg, { log = function(line) logged[#logged + 1] = line end }))
  end

  local function pod_of(cl, name)
    return cl.conn:get(cl:pods_path(name))
  end

  describe("Terminating pods", function()
    it("rm returns once the deletion is accepted; wait_gone waits until the pod is gone",
      function()
      local cl = client(SLOW)
      local c = assert(cl:run("term-rm", "kwhisk/action-lua"))
      local t = now()
      assert.is_true((cl:rm(c)))
      assert.is_true(now() - t < 1)
      assert.truthy(pod_of(cl, "term-rm").metadata.deletionTimestamp)
      assert.is_true((cl:rm(c, { wait_gone = true })))
      assert.is_true(now() - t > 2, "gone before the grace period ended")
      assert.is_nil(pod_of(cl, "term-rm"))
    end)

    it("run waits for a Terminating pod of its name, then creates; an rm of the old "
      .. "container leaves the new pod alone (uid precondition)", function()
      local cl = client(SLOW)
      local old = assert(cl:run("term-name", "kwhisk/action-lua"))
      assert.is_true((cl:rm(old)))
      local t = now()
      local new = assert(cl:run("term-name", "kwhisk/action-lua"))
      assert.is_true(now() - t > 2, "created while the old pod was Terminating")
      assert.are_not.equal(old.uid, new.uid)
      assert.matches("still Terminating", table.concat(logged, "\n"))
      assert.is_true((cl:rm(old)))
      local p = pod_of(cl, "term-name")
      assert.equal(new.uid, p.metadata.uid)
      assert.is_nil(p.metadata.deletionTimestamp)
      assert.is_true((cl:rm(new, { wait_gone = true, timeout = 10 })))
    end)

    it("a run that cannot outwait a Terminating pod fails at its deadline", function()
      local cl = client({ ["sim.kwhisk.io/time-scale"] = "1" })
      local old = assert(cl:run("term-late", "example/pause:1"))
      assert.is_true((cl:rm(old)))
      local short = client({}, { timeouts = { run = 1 } })
      local c, err = short:run("term-late", "example/pause:1")
      assert.is_nil(c)
      assert.equal("pod_api", err.kind)
      assert.matches("still Terminating at the run deadline", err.message)
      assert.truthy(pod_of(cl, "term-late").metadata.deletionTimestamp)
      cl.conn:delete(cl:pods_path("term-late"), { gracePeriodSeconds = 0 })
    end)

    it("a run whose name is taken never deletes the pod that holds it, even when reading "
      .. "that pod fails", function()
      local cl = client()
      local other = assert(cl:run("taken", "example/pause:1"))
      assert(sim:fault({ kind = "status", code = 403, method = "GET",
        path = "/api/v1/namespaces/default/pods/taken", count = 50 }))
      local c, err = client({}, { timeouts = { run = 2 } }):run("taken", "example/pause:1")
      assert(sim:clear_faults())
      assert.is_nil(c)
      assert.equal("pod_api", err.kind)
      assert.matches("already exists %(reading it: ", err.message)
      local p = assert(pod_of(cl, "taken"))
      assert.equal(other.uid, p.metadata.uid)
      assert.is_nil(p.metadata.deletionTimestamp)
      assert.is_true((cl:rm(other, { wait_gone = true, timeout = 10 })))
    end)

    it("deletes with the delete-grace-period setting", function()
      local cl = client(SLOW, { ["delete-grace-period"] = 1 })
      local c = assert(cl:run("term-grace", "example/pause:1"))
      assert.is_true((cl:rm(c)))
      assert.equal(1, pod_of(cl, "term-grace").metadata.deletionGracePeriodSeconds)
      assert.is_true((cl:rm(c, { wait_gone = true, timeout = 5 })))
    end)
  end)

  it("reads a missing command from lastState StartError while the pod is in "
    .. "CrashLoopBackOff", function()
    local kind, message = kwhisk.podstate.check({ status = { phase = "Running",
      containerStatuses = { { name = "user-action", restartCount = 3,
        state = { waiting = { reason = "CrashLoopBackOff", message = "back-off 40s restarting "
          .. "failed container=user-action pod=p_default(u)" } },
        lastState = { terminated = { exitCode = 128, reason = "StartError",
          message = "failed to create containerd task: exec: \"/action/exec\": executable "
            .. "file not found in $PATH: unknown" } } } } } })
    assert.equal("command_not_found", kind)
    assert.matches("CrashLoopBackOff after StartError: .*executable file not found", message)
    local cl = client({ ["sim.kwhisk.io/time-scale"] = "1" })
    local c, err = kwhisk.container.create(cl, "nocmd", "example/nocommand:1")
    assert.is_nil(c)
    assert.equal("command_not_found", err.kind)
    assert.equal("executable file not found in image example/nocommand:1", err.message)
  end)

  describe("log errors", function()
    local cl, c

    setup(function()
      cl = client()
      c = assert(kwhisk.container.create(cl, "logerr", "kwhisk/action-lua"))
      assert(c:init("function main() print('hi') return {} end"))
    end)
    teardown(function() c:destroy() end)
    before_each(function() simh.http("DELETE", sim.url .. "/_sim/faults") end)

    local function arm(kind, count)
      assert(sim:fault({ kind = "kubelet_log", error = kind, count = count,
        path = "/api/v1/namespaces/default/pods/logerr/log" }))
    end

    it("turns a persistent kubelet 400 into log_unavailable after a bounded time, and the "
      .. "collection says logs are missing", function()
      assert(c:run({}))
      arm("unretrievable", 100000)
      local t = now()
      local records, err = c:logs(1000000, true)
      assert.is_true(now() - t < 3)
      assert.equal("log_unavailable", err.kind)
      assert.matches("unable to retrieve container logs for containerd://", err.message)
      assert.equal("There was an issue while collecting your logs. Data might be missing.",
        records[#records].log)
      local it = cl:logs(c, nil, { error_wait = 1 })
      local r, serr = it(now() + 10)
      assert.is_nil(r)
      assert.equal("log_unavailable", serr.kind)
      -- 0.1 s, 0.2 s, 0.4 s apart: not every 100 ms
      assert.is_true(it.requests <= 5, it.requests .. " requests in 1 s")
      it:close()
    end)

    it("ends the stream on the kubelet's 404 (the pod does not exist)", function()
      arm("pod-missing", 1)
      local it = cl:logs(c, nil, { mode = "poll" })
      local r, err = it(now() + 5)
      assert.is_nil(r)
      assert.is_nil(err)
    end)
  end)

  it("resumes exactly after the last line when a rotation split the cursor's second, and "
    .. "reports a rotation that lost lines", function()
    local big = {}
    for i = 1, 6 do
      big[i] = ("L%02d "):format(i) .. ("y"):rep(596)
    end
    local cl = client({ ["sim.kwhisk.io/log-lines"] = table.concat(big, "\n") })
    local c = assert(kwhisk.container.create(cl, "rot", "kwhisk/action-lua"))
    assert(c:init([[function main()
      for i = 7, 12 do print(("L%02d "):format(i) .. ("y"):rep(596)) end
      return {} end]]))
    local function label(r)
      return r and r.log:sub(1, 3)
    end
    local s1 = cl:logs(c, nil, { mode = "follow" })
    for i = 1, 6 do
      assert.equal(("L%02d"):format(i), label(s1(now() + 5)))
    end
    local after6 = s1:cursor()
    -- L07 fills the 4 KiB file; L08 on go to a new one (once the kubelet's monitor interval,
    -- 10 s scaled to 0.1 s, has passed since the runtime opened its log)
    kwhisk.loop.sleep(0.3)
    assert(c:run({}))
    assert.equal("L07", label(s1(now() + 5)))
    assert.equal("L08", label(s1(now() + 5)))
    local after8 = s1:cursor()
    s1:close()
    -- the current file starts at L08: a count of the second's lines alone would skip L09...
    local s2 = cl:logs(c, nil, { mode = "poll", resume = after8 })
    for i = 9, 12 do
      assert.equal(("L%02d"):format(i), label(s2(now() + 5)))
    end
    assert.equal(0, s2.gaps)
    s2:close()
    -- ...and L07 went with the rotated file: after L06 the resumed read can only say so
    local s3 = cl:logs(c, nil, { mode = "poll", resume = after6 })
    assert.equal("L08", label(s3(now() + 5)))
    assert.equal(1, s3.gaps)
    s3:close()
    assert.matches("the log rotated after the last line read", table.concat(logged, "\n"))
    c.cursor = after6
    local records = c:logs(1000000, true, { mode = "poll" })
    assert.equal("L08", label(records[1]))
    assert.equal("There was an issue while collecting your logs. Data might be missing.",
      records[#records].log)
    c:destroy()
  end)

  it("reconnects with a bounded back-off while the status lags behind a stopped "
    .. "container", function()
    -- a container that exits 0.5 s after it started; the status shows it 1 s later
    local cl = client()
    local pod = { apiVersion = "v1", kind = "Pod", metadata = { name = "lagging",
      annotations = { ["sim.kwhisk.io/time-scale"] = "1", ["sim.kwhisk.io/log-lines"] = "hello" } },
      spec = { containers = { { name = "user-action", image = "example/crashloop:1" } } } }
    assert(cl.conn:create(cl:pods_path(), pod))
    local it = cl:logs({ id = "lagging" }, nil, { mode = "follow" })
    local r, err = it(now() + 5)
    assert.equal("hello", r and r.log, err and tostring(err))
    local t = now()
    r, err = it(now() + 10)
    assert.is_nil(r, err and tostring(err))
    assert.is_nil(err)
    local took = now() - t
    assert.is_true(took > 0.8 and took < 4, "ended after " .. took .. " s")
    -- reconnected while the status still showed the container running, never in a busy loop
    assert.is_true(it.requests >= 2 and it.requests <= 10, it.requests .. " requests")
    cl.conn:delete(cl:pods_path("lagging"), { gracePeriodSeconds = 0 })
  end)
end)
