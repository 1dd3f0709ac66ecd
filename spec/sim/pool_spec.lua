-- kwhisk.pool against the simulated cluster (a separate process): the three start kinds,
-- reuse, pause and resume (the runtime process really stopped), idle removal, eviction,
-- queueing and pool_full, concurrency and its logs, the books after each kind of failure,
-- policies, and close() leaving no pod behind.
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"
local shell = require "helpers.shell"

local now, spawn = kwhisk.loop.now, kwhisk.spawn
local IMAGE = "kwhisk/action-lua"

local function action(name, code, extra)
  local a = { name = name, image = IMAGE, memory = "128m", code = code or
    "function main(a) print('hello ' .. a.n) io.stderr:write('err ' .. a.n, '\\n') "
    .. "return { n = a.n } end" }
  for k, v in pairs(extra or {}) do a[k] = v end
  return a
end

-- An action that sleeps in its runtime (the sim's runtime serves on cqueues).
local SLOW = "function main(a) print('begin ' .. a.n) require('cqueues').sleep(a.s or 0.3) "
  .. "print('end ' .. a.n) return { n = a.n } end"

-- The lines of records (without streams=true the API mixes stdout and stderr).
local function texts(records)
  local out = {}
  for i, r in ipairs(records) do out[i] = r.log end
  return out
end

-- Polls cond (running the pool's tasks meanwhile) until it holds; fails after seconds.
local function eventually(cond, seconds, what)
  local deadline = now() + (seconds or 10)
  while not cond() do
    assert(now() < deadline, "not in time: " .. (what or "condition"))
    kwhisk.sleep(0.02)
  end
end

describe("kwhisk.pool", function()
  local sim, client

  setup(function()
    sim = simh.start({})
    client = assert(kwhisk.client({ kubeconfig = sim.kubeconfig, timeouts = { run = 20 },
      ["invoker-agent"] = { enabled = true, port = assert(sim:info()).agentPort } }))
  end)
  teardown(function() sim:stop() end)

  -- The pool's pods as the cluster has them (terminating ones count until gone).
  local function cluster_pods(p)
    local list = assert(client:list(p.labels))
    local names = {}
    for i, c in ipairs(list) do names[i] = c.id end
    table.sort(names)
    return names
  end

  local function runtime_of(pod)
    for _, rt in ipairs(assert(sim:runtimes())) do
      if rt.pod == pod then return rt end
    end
  end

  -- The books balance and the pool's pods are the cluster's.
  local function books(p)
    local ok, why = p:audit()
    assert.is_true(ok, why)
    eventually(function()
      return table.concat(cluster_pods(p), ",") == table.concat(p:pods(), ",")
    end, 10, "pods of the pool = pods in the cluster")
  end

  local function closed(p)
    assert.is_true(p:close())
    assert.same({}, cluster_pods(p))
  end

  it("raises on bad options and arguments, naming them", function()
    assert.has_error(function() kwhisk.pool.new(client, { memroy = "1g" }) end,
      "bad argument #2 to 'kwhisk.pool.new' (opts.memroy: unknown option)")
    assert.has_error(function() kwhisk.pool.new(client, { memory = "lots" }) end)
    assert.has_error(function() kwhisk.pool.new(client, { pause_grace = "soon" }) end)
    assert.has_error(function() kwhisk.pool.new(client, { prewarm = { { count = 1 } } }) end)
    local p = assert(kwhisk.pool.new(client, { memory = "256m" }))
    assert.has_error(function() p:invoke({ name = "x", image = IMAGE }, {}) end,
      "bad argument #1 to 'invoke' (action.code: a string expected, got nil)")
    assert.has_error(function() p:invoke(action("x", nil, { concurrency = 0 }), {}) end)
    assert.has_error(function() p:invoke(action("x"), "params") end,
      "bad argument #2 to 'invoke' (params: a table expected, got string)")
    local a, err = p:invoke(action("big", nil, { memory = "512m" }), {})
    assert.is_nil(a)
    assert.equal("pool_full", err.kind)
    assert.matches("more than the pool's 256", err.message)
    closed(p)
    assert.has_error(function() p:invoke(action("x"), {}) end,
      "kwhisk.pool: invoke on a closed pool")
  end)

  it("starts prewarmed, then warm on the same container, and cold for a new shape", function()
    local p = assert(kwhisk.pool.new(client, { memory = "1g", pause_grace = "10 s",
      prewarm = { { image = IMAGE, memory = "128m", count = 1 } } }))
    eventually(function() return p:stats().containers.prewarmed == 1 end, 15, "prewarmed")
    local hello = action("guest/hello")
    local a = assert(p:invoke(hello, { n = 1 }, { deadline = now() + 20 }))
    assert.equal("prewarmed", a.start)
    assert.is_true(a.ok)
    assert.same({ n = 1 }, a.result)
    assert.same({ "hello 1", "err 1" }, texts(a.logs))
    for _, k in ipairs({ "wait", "init", "run", "logs" }) do
      assert.is_true(a.times[k] >= 0, k)
    end
    local b = assert(p:invoke(hello, { n = 2 }, { deadline = now() + 20 }))
    assert.equal("warm", b.start)
    assert.equal(a.container, b.container)
    assert.same({ "hello 2", "err 2" }, texts(b.logs))
    local c = assert(p:invoke(action("guest/other", nil, { memory = "192m" }), { n = 3 }))
    assert.equal("cold", c.start)
    assert.same({ "hello 3", "err 3" }, texts(c.logs))
    -- the prewarmed container taken is replaced in the background
    eventually(function() return p:stats().containers.prewarmed == 1 end, 15, "refilled")
    local s = p:stats()
    assert.same({ cold = 1, prewarmed = 1, warm = 1 }, s.starts)
    assert.equal((128 * 2 + 192) * 2 ^ 20, s.memory.used) -- hello, other, the new prewarmed
    books(p)
    closed(p)
  end)

  it("never shares a container across actions, even with the same name", function()
    local p = assert(kwhisk.pool.new(client, { memory = "1g", pause_grace = "10 s" }))
    local a = assert(p:invoke(action("same"), { n = 1 }))
    local b = assert(p:invoke(action("same", "function main(a) return { v = 2 } end"), {}))
    local c = assert(p:invoke(action("third"), { n = 3 }))
    assert.same({ v = 2 }, b.result)
    assert.equal("cold", b.start)
    assert.are_not.equal(a.container, b.container)
    assert.are_not.equal(a.container, c.container)
    assert.equal(3, #p:pods())
    closed(p)
  end)

  it("runs a zip action of another runtime, sending the protocol's binary and name", function()
    local zip = require "helpers.zip"
    local p = assert(kwhisk.pool.new(client, { memory = "1g", pause_grace = "10 s" }))
    local packed = { name = "guest/packed", image = "openwhisk/action-python-v3.11",
      memory = "128m", binary = true, code = zip.base64({ ["__main__.py"] =
        "import os\ndef main(a):\n    print('zip', a['n'])\n"
        .. "    return {'n': a['n'], 'action': os.environ.get('__OW_ACTION_NAME')}\n" }) }
    local a = assert(p:invoke(packed, { n = 1 }, { deadline = now() + 30 }))
    assert.is_true(a.ok, a.result and require("kwhisk.json").encode(a.result))
    assert.same({ n = 1, action = "guest/packed" }, a.result)
    assert.same({ "zip 1" }, texts(a.logs))
    local b = assert(p:invoke(packed, { n = 2 }, { deadline = now() + 30 }))
    assert.equal("warm", b.start)
    -- the same code sent as text is another action: never the zip's container
    local text = assert(p:invoke(action("guest/packed", nil, { image = IMAGE }), { n = 3 }))
    assert.are_not.equal(a.container, text.container)
    books(p)
    closed(p)
  end)

  it("pauses an idle container through the invoker agent and resumes it on reuse", function()
    local p = assert(kwhisk.pool.new(client, { memory = "512m", pause_grace = "50 ms" }))
    local a = assert(p:invoke(action("pauser"), { n = 1 }))
    eventually(function() return p:stats().containers.paused == 1 end, 5, "paused")
    eventually(function() return runtime_of(a.container).state == "T" end, 5, "stopped")
    local b = assert(p:invoke(action("pauser"), { n = 2 }))
    assert.equal("warm", b.start)
    assert.equal(a.container, b.container)
    assert.same({ "hello 2", "err 2" }, texts(b.logs))
    assert.are_not.equal("T", runtime_of(a.container).state)
    books(p)
    closed(p)
  end)

  it("removes a container idle for idle_timeout (paused first)", function()
    local p = assert(kwhisk.pool.new(client, { memory = "512m", pause_grace = "50 ms",
      idle_timeout = "400 ms" }))
    local a = assert(p:invoke(action("idler"), { n = 1 }))
    eventually(function() return p:stats().removals == 1 end, 5, "removed")
    eventually(function() return #cluster_pods(p) == 0 end, 10, "pod gone")
    assert.is_nil(runtime_of(a.container))
    assert.equal(0, p:stats().memory.used)
    books(p)
    closed(p)
  end)

  it("evicts the least recently used idle container when memory is full", function()
    local p = assert(kwhisk.pool.new(client, { memory = "256m", pause_grace = "10 s" }))
    local first = assert(p:invoke(action("e1"), { n = 1 }))
    local second = assert(p:invoke(action("e2"), { n = 2 }))
    assert(p:invoke(action("e2"), { n = 2 }))
    local third = assert(p:invoke(action("e3"), { n = 3 }, { deadline = now() + 20 }))
    assert.equal("cold", third.start)
    assert.equal(1, p:stats().evictions)
    assert.same({ second.container, third.container }, p:pods())
    assert.are_not.equal(first.container, third.container)
    books(p)
    closed(p)
  end)

  it("queues while memory is busy: pool_full at the deadline, else runs later", function()
    local p = assert(kwhisk.pool.new(client, { memory = "128m", pause_grace = "10 s" }))
    local slow = spawn(function() return p:invoke(action("busy", SLOW), { n = 1, s = 1 }) end)
    eventually(function() return p:stats().containers.busy == 1 end, 15, "busy")
    local t0 = now()
    local a, err = p:invoke(action("other"), { n = 2 }, { deadline = t0 + 0.2 })
    assert.is_nil(a)
    assert.equal("pool_full", err.kind)
    assert.is_true(now() - t0 >= 0.19)
    local later = spawn(function()
      return p:invoke(action("other"), { n = 3 }, { deadline = now() + 20 })
    end)
    assert.equal(1, (assert(slow:wait())).result.n)
    local b = assert(later:wait())
    assert.equal("cold", b.start)
    assert.same({ n = 3 }, b.result)
    assert.equal(1, p:stats().evictions)
    books(p)
    closed(p)
  end)

  -- n activations of action at once; their activations, and the number with the notice
  -- of shared logs. Each one's records are checked: none is another activation's.
  local function at_once(p, conc, n)
    local tasks, out, shared = {}, {}, 0
    for i = 1, n do
      tasks[i] = spawn(function() return p:invoke(conc, { n = i }, { deadline = now() + 20 }) end)
    end
    for i = 1, n do
      local a = assert(tasks[i]:wait())
      assert.same({ n = i }, a.result)
      out[i] = a
      for _, r in ipairs(a.logs) do
        local k = r.log:match("^%a+ (%d+)$")
        assert.is_true(k == nil or tonumber(k) == i, "activation " .. i .. " got " .. r.log)
        if r.log:find("same time as", 1, true) then shared = shared + 1 end
      end
    end
    return out, shared
  end

  it("runs up to concurrency activations in one container; their logs never mix", function()
    local p = assert(kwhisk.pool.new(client, { memory = "512m", pause_grace = "10 s" }))
    local conc = action("conc", SLOW, { concurrency = 3 })
    local warmup = assert(p:invoke(conc, { n = 0, s = 0 }))
    assert.same({ "begin 0", "end 0" }, texts(warmup.logs))
    local three, shared = at_once(p, conc, 3)
    assert.equal(3, shared)
    for i = 1, 3 do assert.equal(warmup.container, three[i].container) end
    -- alone again, an activation gets exactly its own lines (the overlapped ones skipped)
    local solo = assert(p:invoke(conc, { n = 9, s = 0 }))
    assert.equal(warmup.container, solo.container)
    assert.same({ "begin 9", "end 9" }, texts(solo.logs))
    -- a fourth at once goes to a second container, alone there: its own lines
    local four
    four, shared = at_once(p, conc, 4)
    local per, alone = {}, nil
    for i = 1, 4 do
      per[four[i].container] = (per[four[i].container] or 0) + 1
    end
    for name, k in pairs(per) do if k == 1 then alone = name end end
    assert.equal(3, shared)
    assert.is_not_nil(alone)
    for i = 1, 4 do
      if four[i].container == alone then
        assert.same({ "begin " .. i, "end " .. i }, texts(four[i].logs))
      end
    end
    books(p)
    closed(p)
  end)

  it("hands out the lines OpenWhisk stores with log_format = 'lines', collected in C", function()
    assert.has_error(function() kwhisk.pool.new(client, { log_format = "text" }) end,
      "bad argument #2 to 'kwhisk.pool.new' (opts.log_format: 'records' or 'lines' expected, "
      .. "got text)")
    local p = assert(kwhisk.pool.new(client, { memory = "512m", pause_grace = "10 s",
      log_format = "lines" }))
    -- the time padded to 30 columns, the stream, ": ", the message
    local function line(stream, message)
      return "^%d%d%d%d%-%d%d%-%d%dT[%d:.]+Z +" .. stream .. ": " .. message .. "$"
    end
    for n = 1, 3 do -- cold, then warm on the same followed log
      local a = assert(p:invoke(action("lines"), { n = n }, { deadline = now() + 20 }))
      assert.equal(2, #a.logs)
      assert.matches(line("stdout", "hello " .. n), a.logs[1])
      assert.matches(line("stdout", "err " .. n), a.logs[2])
      assert.equal(" ", a.logs[1]:sub(31, 31))
    end
    -- activations that overlap get the notice, as a line too; then one alone its own lines
    local conc = action("lines-conc", SLOW, { concurrency = 2 })
    assert(p:invoke(conc, { n = 0, s = 0 }))
    local tasks = {}
    for i = 1, 2 do
      tasks[i] = spawn(function() return p:invoke(conc, { n = i }, { deadline = now() + 20 }) end)
    end
    for i = 1, 2 do
      local a = assert(tasks[i]:wait())
      assert.equal(1, #a.logs)
      assert.matches(line("stderr", "Logs not collected for this activation: .*"), a.logs[1])
    end
    local solo = assert(p:invoke(conc, { n = 9, s = 0 }))
    assert.equal(2, #solo.logs)
    assert.matches(line("stdout", "begin 9"), solo.logs[1])
    assert.matches(line("stdout", "end 9"), solo.logs[2])
    books(p)
    closed(p)
  end)

  describe("keeps its books after every kind of failure", function()
    local p
    before_each(function()
      p = assert(kwhisk.pool.new(client, { memory = "512m", pause_grace = "10 s" }))
    end)
    after_each(function()
      books(p)
      assert.equal(0, p:stats().waiting)
      closed(p)
    end)

    it("a pod that cannot start: the creation's kind, no memory held", function()
      local a, err = p:invoke(action("nopull", nil, { image = "doesnotexist" }), {})
      assert.is_nil(a)
      assert.equal("image_pull", err.kind)
      assert.equal(0, p:stats().memory.used)
      assert.equal(1, p:stats().failures)
    end)

    it("an init that fails: kind init with its logs, the container removed", function()
      local a, err = p:invoke(action("badinit", "function main( return end"), {})
      assert.is_nil(a)
      assert.equal("init", err.kind)
      assert.matches("Initialization has failed", err.message)
      assert.is_true(#err.logs >= 1)
      eventually(function() return p:stats().memory.used == 0 end, 10, "removed")
    end)

    it("an action's own error: a result, the container kept", function()
      local bad = action("thrower", "function main(a) print('x') error('boom') end")
      local a = assert(p:invoke(bad, {}))
      assert.is_false(a.ok)
      assert.equal("action", a.error.kind)
      assert.matches("boom", a.result.error)
      assert.same({ "x" }, texts(a.logs))
      local b = assert(p:invoke(bad, {}))
      assert.equal("warm", b.start)
      assert.equal(a.container, b.container)
    end)

    it("a runtime that died: kind container, removed, the next one cold", function()
      local a = assert(p:invoke(action("victim"), { n = 1 }))
      assert.equal(0, (shell.run("kill -KILL " .. runtime_of(a.container).pid)))
      local b, err = p:invoke(action("victim"), { n = 2 }, { deadline = now() + 5 })
      assert.is_nil(b)
      assert.equal("container", err.kind)
      assert.equal(1, p:stats().failures)
      local c = assert(p:invoke(action("victim"), { n = 3 }, { deadline = now() + 20 }))
      assert.equal("cold", c.start)
      assert.are_not.equal(a.container, c.container)
    end)

    it("an activation past its deadline: kind container, removed", function()
      local a, err = p:invoke(action("sleeper", SLOW), { n = 1, s = 3 },
        { deadline = now() + 15 })
      assert(a, err)
      a, err = p:invoke(action("sleeper", SLOW), { n = 2, s = 3 }, { deadline = now() + 0.3 })
      assert.is_nil(a)
      assert.equal("container", err.kind)
      assert.equal("timeout", err.cause.kind)
    end)

    it("an API server failing the create: pod_api, no memory held", function()
      assert(sim:fault({ kind = "status", code = 403, method = "POST",
        path = "/api/v1/namespaces/default/pods", count = 1 }))
      local a, err = p:invoke(action("refused"), {})
      assert.is_nil(a)
      assert.equal("pod_api", err.kind)
      assert.equal(0, p:stats().memory.used)
    end)
  end)

  it("takes a replaceable policy by module name or .lua file", function()
    -- examples/pool_policy.lua evicts the biggest idle container, not the least recent
    local p = assert(kwhisk.pool.new(client, { memory = "384m", pause_grace = "10 s",
      policy = "examples/pool_policy.lua" }))
    local small = assert(p:invoke(action("m1"), { n = 1 }))
    local big = assert(p:invoke(action("m2", nil, { memory = "256m" }), { n = 2 }))
    local t = assert(p:invoke(action("m3"), { n = 3 }, { deadline = now() + 20 }))
    assert.same({ small.container, t.container }, p:pods())
    assert.are_not.equal(big.container, t.container)
    closed(p)
    local bad, err = kwhisk.pool.new(client, { policy = "no.such.module" })
    assert.is_nil(bad)
    assert.equal("policy", err.kind)
    bad, err = kwhisk.pool.new(client, { policy = { choose = 42 } })
    assert.is_nil(bad)
    assert.matches("choose must be a function", err.message)
    local default = assert(kwhisk.pool.load_policy())
    assert.equal(require("kwhisk.pool.policy").evict, default.evict)
    assert.equal(default, assert(kwhisk.pool.load_policy("kwhisk.pool.policy")))
  end)

  it("reports a policy that fails or answers wrongly as an error value", function()
    local p = assert(kwhisk.pool.new(client, { memory = "128m", pause_grace = "10 s",
      policy = { evict = function() return { "not a container" } end } }))
    assert(p:invoke(action("w1"), { n = 1 }))
    local a, err = p:invoke(action("w2"), { n = 2 })
    assert.is_nil(a)
    assert.equal("policy", err.kind)
    assert.matches("not one of the candidates", err.message)
    closed(p)
  end)

  it("close() removes prewarmed, warm, paused and busy containers alike", function()
    local p = assert(kwhisk.pool.new(client, { memory = "1g", pause_grace = "50 ms",
      prewarm = { { image = IMAGE, memory = "128m", count = 2 } } }))
    eventually(function() return p:stats().containers.prewarmed == 2 end, 15, "prewarmed")
    local a = assert(p:invoke(action("c1", nil, { memory = "192m" }), { n = 1 }))
    eventually(function() return runtime_of(a.container).state == "T" end, 5, "paused")
    local busy = spawn(function() return p:invoke(action("c2", SLOW), { n = 2, s = 5 }) end)
    eventually(function() return p:stats().containers.busy == 1 end, 15, "busy")
    -- c2 took a prewarmed container: its refill is created in the background
    eventually(function() return #cluster_pods(p) == 4 end, 15, "the prewarm refilled")
    closed(p)
    local r, err = busy:wait()
    assert.is_nil(r)
    assert.equal("container", err.kind)
    for _, rt in ipairs(assert(sim:runtimes())) do
      assert.is_nil(rt.pod:find(p.prefix, 1, true), rt.pod)
    end
  end)
end)
