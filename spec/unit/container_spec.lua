-- kwhisk.container against the simulated cluster (a separate process): the seed's creation
-- messages, one activation's logs (SPEC A7), the action protocol, clean-up, 100 pods at once.
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"
local container = kwhisk.container

local now = kwhisk.loop.now
local ACTION = [[function main(a)
  for _, l in ipairs(a.lines or {}) do print(l) end
  return { n = a.n }
end]]

describe("kwhisk.container", function()
  local sim, client

  setup(function()
    sim = simh.start({})
    client = simh.client(sim)
  end)
  teardown(function() sim:stop() end)

  it("exposes pod_name from kwhisk.names", function()
    assert.equal("my-container1", container.pod_name("my_Container(1)"))
    assert.equal(kwhisk.names.pod_name, container.pod_name)
  end)

  it("maps creation failures to the seed's messages and leaves no pod", function()
    local cases = {
      { "example/doesnotexist:1", "Failed to pull container image 'example/doesnotexist:1'." },
      { "example/nocommand:1", "executable file not found in image example/nocommand:1" },
      { "example/crashloop:1", "Failed to run container with image 'example/crashloop:1'." },
    }
    for i, case in ipairs(cases) do
      local c, err = container.create(client, "Fail_" .. i, case[1])
      assert.is_nil(c)
      assert.equal(case[2], err.message)
      assert.truthy(err.cause)
    end
    local _, err = container.create(client, "dup", "example/pause:1")
    assert.is_nil(err)
    local c2, err2 = container.create(client, "dup", "example/pause:1")
    assert.is_nil(c2)
    assert.equal("Failed to provision resources to run the action.", err2.message)
    client:rm("dup")
    kwhisk.sleep(0.5)
    for i = 1, #cases do
      local p = client.conn:get(client:pods_path("fail-" .. i))
      assert.is_true(p == nil or p.metadata.deletionTimestamp ~= nil)
    end
  end)

  describe("logs of one activation", function()
    local c
    setup(function()
      c = assert(container.create(client, "collector", "kwhisk/action-lua"))
      assert(c:init(ACTION, "main"))
    end)
    teardown(function() c:destroy() end)

    local function texts(records)
      local out = {}
      for i, r in ipairs(records) do out[i] = r.stream .. ":" .. r.log end
      return out
    end

    for _, mode in ipairs({ "follow", "poll" }) do
      it(mode .. ": strips sentinels, and the next call starts after the previous one", function()
        assert.same({ n = 1 }, (c:run({ n = 1, lines = { "a" .. mode, "b" } })))
        local records = c:logs(10000, true, { mode = mode })
        assert.same({ "stdout:a" .. mode, "stdout:b" }, texts(records))
        local sentinel_time = c.last
        assert(c:run({ n = 2, lines = { "c" } }))
        local started = now()
        records = c:logs(10000, false, { mode = mode })
        assert.same({ "stdout:c" }, texts(records))
        assert.is_true(records[1].time > sentinel_time)
        assert.is_true(now() - started < 0.5)
      end)
    end

    it("truncates at the limit with the notice, moving the cursor past what passed", function()
      assert(c:run({ lines = { "one", "two", "three" } }))
      -- the largest size of such a record (9 fraction digits), plus a little: one fits
      local size = kwhisk.logline.new(kwhisk.time.new(0, 123456789), "stdout", "one")
        :json_size() + 1
      local limit = size + 10
      local records, err, complete = c:logs(limit, true)
      assert.is_nil(err)
      assert.is_false(complete) -- the rest of this activation is still to read
      assert.equal(2, #records)
      assert.equal("one", records[1].log)
      assert.equal("stderr", records[2].stream)
      assert.equal("Logs were truncated because the total bytes size exceeds the limit of "
        .. limit .. " bytes.", records[2].log)
      records, err, complete = c:logs(10000, true)
      assert.same({ "stdout:two", "stdout:three" }, texts(records))
      assert.same({ nil, true }, { err, complete })
    end)

    it("ends at the time cap without sentinels; the notice only when waiting for them", function()
      local started = now()
      local records, _, complete = c:logs(10000, true, { timeout = 0.3 })
      assert.same({}, records) -- no new lines, no sentinel: the cap ends it, with no notice
      assert.is_false(complete)
      assert.is_true(now() - started >= 0.3 and now() - started < 1)
      -- a log that ends (the pod stops) before the sentinels
      local short = assert(container.create(client, "ending", "kwhisk/action-lua"))
      assert(short:init(ACTION, "main"))
      assert(short:run({ lines = { "x" } }))
      short.cursor = nil -- read the whole log again: two sentinels, so no notice
      assert.same({ "stdout:x" }, texts(short:logs(10000, true)))
      assert(short:run({ lines = { "y" } }))
      client:rm(short)
      local got = texts(short:logs(10000, true, { mode = "follow" }))
      assert.same({ "stdout:y" }, got) -- ended at the sentinels before the pod stopped
      local with = texts(short:logs(10000, true, { mode = "follow", timeout = 5 }))
      assert.same({ "stderr:There was an issue while collecting your logs. Data might be "
        .. "missing." }, with)
      local without = texts(short:logs(10000, false, { mode = "follow", timeout = 5 }))
      assert.same({}, without)
    end)
  end)

  describe("log lines of one activation, collected in C", function()
    local c
    setup(function()
      c = assert(container.create(client, "lines", "kwhisk/action-lua"))
      assert(c:init(ACTION, "main"))
    end)
    teardown(function() c:destroy() end)

    -- OpenWhisk's stored form: the time padded to 30 columns, the stream, ": ", the message.
    local function stored(stream, message)
      return "^" .. ("%d"):rep(4) .. "%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d+Z +" .. stream .. ": "
        .. message:gsub("%p", "%%%0") .. "$"
    end

    -- The lines c:log_lines gave after the cursor `before`, and those c:logs' records give
    -- from the same cursor: they must be the same.
    local function as_records(before, mode)
      local after = c.cursor
      c.cursor = before
      local records = c:logs(10000, true, { mode = mode })
      assert.same({ after.sec, after.count }, { c.cursor.sec, c.cursor.count })
      local lines = {}
      for i, r in ipairs(records) do lines[i] = r:formatted() end
      return lines
    end

    for _, mode in ipairs({ "follow", "poll" }) do
      it(mode .. ": the lines of c:logs' records, and the next call starts after", function()
        local before = c.cursor
        assert(c:run({ lines = { "a" .. mode, "  padded\t ", "caf\195\169" } }))
        local lines, err, complete = c:log_lines(10000, true, { mode = mode })
        assert.same({ nil, true }, { err, complete })
        assert.equal(3, #lines)
        assert.matches(stored("stdout", "a" .. mode), lines[1])
        assert.matches(stored("stdout", "padded"), lines[2])
        assert.matches(stored("stdout", "caf\195\169"), lines[3])
        assert.equal(" ", lines[1]:sub(31, 31)) -- 30 columns of time, then the space
        local last = c.last
        assert.same(as_records(before, mode), lines)
        assert.equal(c.last, last) -- the last sentinel's time, as c:logs leaves it
        assert(c:run({ lines = { "c" } }))
        lines = c:log_lines(10000, false, { mode = mode })
        assert.equal(1, #lines)
        assert.matches(stored("stdout", "c"), lines[1])
      end)
    end

    it("truncates at the limit with the notice; the next call starts at what did not fit",
      function()
        assert(c:run({ lines = { "one", "two", "three" } }))
        local size = kwhisk.logline.new(kwhisk.time.new(0, 123456789), "stdout", "one")
          :json_size() + 1
        local limit = size + 10
        local lines, err, complete = c:log_lines(limit, true)
        assert.is_nil(err)
        assert.is_false(complete)
        assert.equal(2, #lines)
        assert.matches(stored("stdout", "one"), lines[1])
        assert.matches(stored("stderr", "Logs were truncated because the total bytes size "
          .. "exceeds the limit of " .. limit .. " bytes."), lines[2])
        lines, err, complete = c:log_lines(10000, true)
        assert.same({ nil, true }, { err, complete })
        assert.equal(2, #lines)
        assert.matches(stored("stdout", "two"), lines[1])
        assert.matches(stored("stdout", "three"), lines[2])
      end)

    it("ends at the time cap; a log that ends before the sentinels gets the notice", function()
      local started = now()
      local lines, _, complete = c:log_lines(10000, true, { timeout = 0.3 })
      assert.same({}, lines)
      assert.is_false(complete)
      assert.is_true(now() - started >= 0.3 and now() - started < 1)
      local short = assert(container.create(client, "lines-ending", "kwhisk/action-lua"))
      assert(short:init(ACTION, "main"))
      assert(short:run({ lines = { "y" } }))
      client:rm(short)
      lines = short:log_lines(10000, true, { mode = "follow" })
      assert.equal(1, #lines)
      assert.matches(stored("stdout", "y"), lines[1])
      local with = short:log_lines(10000, true, { mode = "follow", timeout = 5 })
      assert.equal(1, #with)
      assert.matches(stored("stderr", "There was an issue while collecting your logs. Data "
        .. "might be missing."), with[1])
      assert.same({}, (short:log_lines(10000, false, { mode = "follow", timeout = 5 })))
    end)

    it("poll: reads no further once the activation's sentinels are in", function()
      assert(c:run({ lines = { "small" } }))
      local big = {}
      for i = 1, 20000 do big[i] = ("next activation, line %05d of 20000"):format(i) end
      assert(c:run({ lines = big })) -- 800 KB after the sentinels of the first
      local bytes = c.bytes or 0
      local lines = c:log_lines(10000, true, { mode = "poll" })
      assert.equal(1, #lines)
      assert.matches(stored("stdout", "small"), lines[1])
      assert.is_true(c.bytes - bytes < 400000, (c.bytes - bytes) .. " bytes read")
      assert.equal(20000, #c:log_lines(10 * 2 ^ 20, true, { mode = "poll" }))
    end)

    it("takes the limit as c:logs does, and names itself when it is wrong", function()
      assert(c:run({ lines = { "limit" } }))
      local lines, err, complete = c:log_lines("10000", true)
      assert.same({ 1, nil, true }, { #lines, err, complete })
      assert.has_error(function() c:log_lines("lots", true) end,
        "bad argument #1 to 'log_lines' (bytes expected, got lots)")
    end)

    it("seed mode: the records of c:logs, formatted", function()
      local before, last = c.cursor, c.last
      assert(c:run({ lines = { "seeded" } }))
      local lines = c:log_lines(10000, true, { seed = true })
      local moved = c.last
      c.cursor, c.last = before, last
      local records = c:logs(10000, true, { seed = true })
      assert.equal(1, #lines)
      assert.equal(records[1]:formatted(), lines[1])
      assert.equal(c.last, moved)
    end)
  end)

  it("keeps the time cap while the pod is not started yet, however slow the API is", function()
    -- 204 (not scheduled) and 400 (waiting to start), each with a slow or refused request
    local cases = {
      { "schedule-delay", { kind = "stall", seconds = 5 } },
      { "start-delay", { kind = "stall", seconds = 5 } },
      { "schedule-delay", { kind = "status", code = 503, retry_after = 5 } },
      { "start-delay", { kind = "status", code = 429, retry_after = 5 } },
    }
    for i, case in ipairs(cases) do
      local name = "unstarted" .. i
      assert(client.conn:create(client:pods_path(), simh.pod(name, "kwhisk/action-lua",
        { annotations = { ["sim.kwhisk.io/" .. case[1]] = "30" } })))
      local c = container.wrap(client, { id = name })
      for _, mode in ipairs({ "follow", "poll" }) do
        local first = c:logs(10000, true, { mode = mode, timeout = 0.3 })
        assert.same({}, first) -- waited out: no records, no notice
        local fault = { path = client:pods_path(name) .. "/log", count = 20 }
        for k, v in pairs(case[2]) do fault[k] = v end
        assert(sim:fault(fault))
        local started = now()
        local records = c:logs(10000, true, { mode = mode, timeout = 0.3 })
        local took = now() - started
        assert.same({}, records)
        assert.is_true(took < 0.5, case[1] .. " " .. case[2].kind .. " " .. mode .. ": took "
          .. took .. " s")
        assert(sim:clear_faults())
      end
      client:rm(name)
    end
  end)

  it("cleans up an invoker's pods at start-up and shutdown", function()
    for i = 1, 3 do
      assert(client:run("inv" .. i, "example/pause:1",
        { labels = { invoker = "invoker3", release = "r1" } }))
    end
    assert(client:run("keepme", "example/pause:1",
      { labels = { invoker = "invoker4", release = "r1" } }))
    assert.is_true((container.cleanup(client, 3, "r1", 10)))
    -- returned once the deletions were accepted: whatever is left is Terminating
    for _, c in ipairs(client:list({ invoker = "invoker3" })) do
      assert.truthy(client.conn:get(client:pods_path(c.id)).metadata.deletionTimestamp)
    end
    assert.is_true((container.cleanup(client, 3, "r1", 10, { wait_gone = true })))
    assert.same({}, client:list({ invoker = "invoker3" }))
    assert.equal(1, #client:list({ invoker = "invoker4" }))
    client:rm("keepme")
  end)

  it("runs, invokes and removes 100 pods concurrently from one Lua state", function()
    -- 100 runtimes start on a shared machine: allow them more than the default minute
    local patient = assert(kwhisk.client({ kubeconfig = sim.kubeconfig, timeouts = { run = 180 },
      ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
    local tasks = {}
    for i = 1, 100 do
      tasks[i] = kwhisk.spawn(function()
        local c, err = container.create(patient, "many_" .. i, "kwhisk/action-lua",
          { labels = { batch = "b100" } })
        assert(c, err and tostring(err.cause))
        assert(c:init(ACTION, "main"))
        local result = assert(c:run({ n = i, lines = { "hi " .. i } }, now() + 30))
        local records = c:logs(10000, true)
        assert(c:destroy())
        return result.n, records[1] and records[1].log
      end)
    end
    for i = 1, 100 do
      local n, line = tasks[i]:wait()
      assert.equal(i, n)
      assert.equal("hi " .. i, line)
    end
    local deadline = now() + 10
    while #client:list({ batch = "b100" }) > 0 and now() < deadline do kwhisk.sleep(0.1) end
    assert.same({}, client:list({ batch = "b100" }))
  end)
end)
