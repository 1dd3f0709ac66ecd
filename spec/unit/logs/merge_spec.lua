-- kwhisk.logs.merge against the simulated cluster (a separate process), with and without
-- --split-streams: an action writing stdout and stderr in turn gets its lines with the right
-- streams, in order, exactly once, in follow and poll mode, across cuts of both streams and
-- across activations (container:logs).
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"

local now = kwhisk.loop.now
local SENTINEL = kwhisk.collect.SENTINEL

local ACTION = [[function main(a)
  for i = 1, a.n do
    if i % 3 == 0 then io.stderr:write("line " .. i .. "\n") else print("line " .. i) end
  end
  return {}
end]]

-- The stream a line i of ACTION went to.
local function stream_of(i)
  return i % 3 == 0 and "stderr" or "stdout"
end

local function new_client(sim)
  return assert(kwhisk.client({ kubeconfig = sim.kubeconfig,
    ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
end

-- Reads records until both sentinels; the other records, in the order they came.
local function until_sentinels(it)
  local out, sentinels = {}, 0
  while sentinels < 2 do
    local r, err = it(now() + 20)
    assert(r, err and tostring(err))
    if r.log == SENTINEL then
      sentinels = sentinels + 1
    else
      out[#out + 1] = r
    end
  end
  return out
end

-- Each line 1..n once, in order, on its stream (or all on stdout when mixed).
local function assert_lines(records, n, mixed, first)
  first = first or 1
  assert.equal(n - first + 1, #records)
  for k, r in ipairs(records) do
    local i = first + k - 1
    assert.equal("line " .. i, r.log)
    assert.equal(mixed and "stdout" or stream_of(i), r.stream, "stream of line " .. i)
  end
end

describe("kwhisk.logmerge with --split-streams", function()
  local sim, client, c

  setup(function()
    sim = simh.start({ "--split-streams" })
    client = new_client(sim)
    c = assert(kwhisk.container.create(client, "merge", "kwhisk/action-lua"))
    assert(c:init(ACTION))
  end)
  teardown(function()
    if c then c:destroy() end
    sim:stop()
  end)

  it("probes the server once and follows both streams, merged in time order", function()
    local it = client:logs(c, nil, { streams = true })
    local first = kwhisk.spawn(function() return it(now() + 20) end)
    kwhisk.sleep(0.1) -- the two follow requests are open while the action runs
    assert(c:run({ n = 30 }, now() + 10))
    local records = { first:wait() }
    for _, r in ipairs(until_sentinels(it)) do
      records[#records + 1] = r
    end
    assert_lines(records, 30)
    assert.is_true(client.split_streams)
    assert.equal(3, it.requests) -- the probe and one request per stream
    local cursor = it:cursor()
    assert.truthy(cursor.stdout and cursor.stderr)
    it:close()
  end)

  it("resumes each stream from its own cursor: nothing lost or repeated", function()
    local it = client:logs(c, nil, { streams = true, mode = "poll" })
    until_sentinels(it)
    local cursor = it:cursor()
    it:close()
    assert(c:run({ n = 12 }, now() + 10))
    it = client:logs(c, nil, { streams = true, mode = "poll", resume = cursor })
    assert_lines(until_sentinels(it), 12)
    it:close()
  end)

  it("keeps order and counts across cuts of the followed streams", function()
    local cut = assert(kwhisk.container.create(client, "merge-cut", "kwhisk/action-lua"))
    assert(cut:init(ACTION))
    for _ = 1, 6 do
      assert(sim:fault({ kind = "reset", path = "/api/v1/namespaces/default/pods/merge-cut/log",
        after_bytes = 150, count = 1 }))
    end
    local it = client:logs(cut, nil, { streams = true })
    local first = kwhisk.spawn(function() return it(now() + 20) end)
    kwhisk.sleep(0.1) -- both follow requests are open
    assert(cut:run({ n = 300 }, now() + 10))
    local records = { first:wait() }
    for _, r in ipairs(until_sentinels(it)) do
      records[#records + 1] = r
    end
    assert_lines(records, 300)
    local hits = 0
    for _, f in ipairs(assert(sim:faults())) do
      hits = hits + (f.hits or 0)
    end
    assert.is_true(hits >= 2, "cuts: " .. hits)
    assert.is_true(it.requests > 2)
    it:close()
    cut:destroy()
  end)

  it("collects activations with container:logs, one stream per sentinel", function()
    local fresh = assert(kwhisk.container.create(client, "merge-c", "kwhisk/action-lua"))
    assert(fresh:init(ACTION))
    for n = 4, 8, 4 do
      assert(fresh:run({ n = n }, now() + 10))
      local records, e = fresh:logs(1024 * 1024, true, { streams = true })
      assert(not e, e and tostring(e))
      assert_lines(records, n)
    end
    assert.truthy(fresh.cursor.stdout and fresh.cursor.stderr)
    fresh:destroy()
  end)

  it("rejects options that exclude each other, naming them", function()
    assert.has_error(function() client:logs(c, nil, { streams = true, stream = "stdout" }) end,
      "bad argument #3 to 'logs' (opts.stream and opts.streams exclude each other)")
    assert.has_error(function() client:logs(c, nil, { streams = true, seed = true }) end,
      "bad argument #3 to 'logs' (opts.seed and opts.streams exclude each other)")
    assert.has_error(function() client:logs(c, nil, { streams = true, grace = -1 }) end,
      "bad argument #3 to 'logs' (opts.grace: seconds expected)")
  end)
end)

describe("kwhisk.logmerge without --split-streams", function()
  local sim, client, c

  setup(function()
    sim = simh.start({})
    client = new_client(sim)
    c = assert(kwhisk.container.create(client, "mixed", "kwhisk/action-lua"))
    assert(c:init(ACTION))
  end)
  teardown(function()
    if c then c:destroy() end
    sim:stop()
  end)

  it("reads the one mixed stream, every record stdout, as the seed", function()
    assert(c:run({ n = 9 }, now() + 10))
    local it = client:logs(c, nil, { streams = true })
    assert_lines(until_sentinels(it), 9, true)
    assert.is_false(client.split_streams)
    assert.equal(2, it.requests) -- the probe (a 422 for stream=) and the follow request
    it:close()
    -- the answer is remembered: no second probe
    it = client:logs(c, nil, { streams = true, mode = "poll" })
    assert_lines(until_sentinels(it), 9, true)
    assert.equal(1, it.requests)
    it:close()
  end)

  it("fails fast on stream= the server refuses", function()
    local it = client:logs(c, nil, { stream = "stderr" })
    local r, err = it(now() + 5)
    assert.is_nil(r)
    assert.equal(422, err.code)
    assert.matches("may not be specified", err.message)
    it:close()
  end)
end)
