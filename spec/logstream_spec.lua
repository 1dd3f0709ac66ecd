-- kwhisk.logstream against the simulated cluster (a separate process): follow and poll
-- modes, continuity when the sim cuts the stream at random byte offsets, the seed's loss.
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"

local N = 10000

-- A policy that stamps pods/log in whole seconds, so that many lines share a timestamp.
local function seconds_policy(ctx)
  local pod, pdb = ctx.default()
  pod.metadata.annotations = pod.metadata.annotations or {}
  pod.metadata.annotations["sim.kwhisk.io/log-timestamps"] = "seconds"
  return pod, pdb
end

describe("kwhisk.logstream", function()
  local sim, client, c

  setup(function()
    sim = simh.start({})
    client = assert(kwhisk.client({ kubeconfig = sim.kubeconfig, pod_policy = seconds_policy,
      ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
    c = assert(kwhisk.container.create(client, "numbers", "kwhisk/action-lua"))
    assert(c:init([[function main(a)
      for i = 1, a.n do print(string.format("line %05d", i)) end
      return {}
    end]]))
    assert(c:run({ n = N }, kwhisk.loop.now() + 30))
  end)
  teardown(function()
    if c then c:destroy() end
    sim:stop()
  end)

  -- Reads records until the first sentinel; the numbers of the lines, in order.
  local function numbers(it, quiet_end)
    local out = {}
    while true do
      local r, err = it(kwhisk.loop.now() + (quiet_end and 1 or 20))
      if not r and quiet_end and err and err.deadline then
        return out
      end
      assert(r, err and tostring(err))
      if r.log == kwhisk.collect.SENTINEL then
        return out
      end
      out[#out + 1] = tonumber(r.log:match("^line (%d+)$"))
    end
  end

  local function assert_each_once(got)
    assert.equal(N, #got)
    for i = 1, N do
      if got[i] ~= i then
        error("line " .. i .. " is " .. tostring(got[i]))
      end
    end
  end

  local function arm_cuts(count)
    local clear = require("http.request").new_from_uri(sim.url .. "/_sim/faults")
    clear.headers:upsert(":method", "DELETE")
    assert(clear:go(5))
    math.randomseed(42)
    for _ = 1, count do
      assert(sim:fault({ kind = "reset", path = "/api/v1/namespaces/default/pods/numbers/log",
        after_bytes = math.random(1, 300000), count = 1 }))
    end
  end

  local function hits()
    local n = 0
    for _, f in ipairs(assert(sim:faults())) do
      n = n + (f.hits or 0)
    end
    return n
  end

  it("shares timestamps between many lines (the hard case for a cursor)", function()
    local body = assert(client.conn:stream(client:pods_path("numbers") .. "/log",
      { timestamps = "true" })):read_all()
    local distinct, seen = 0, {}
    for stamp in body:gmatch("(%S+) [^\n]*\n") do
      if not seen[stamp] then seen[stamp], distinct = true, distinct + 1 end
    end
    assert.is_true(distinct < N / 10, distinct .. " distinct timestamps")
  end)

  it("follow: delivers every line exactly once, in order, through 20 cuts", function()
    arm_cuts(20)
    local it = client:logs(c, nil, { mode = "follow", retries = 25, backoff_max = 0.2 })
    assert_each_once(numbers(it))
    it:close()
    assert.equal(20, hits())
    assert.is_true(it.requests >= 21)
  end)

  it("poll: delivers every line exactly once, in order, through 20 cuts", function()
    arm_cuts(20)
    local it = client:logs(c, nil, { mode = "poll", retries = 25, backoff_max = 0.2 })
    assert_each_once(numbers(it))
    assert.equal(20, hits())
  end)

  it("seed-compatible polling loses lines sharing the cursor's timestamp (known flaw)", function()
    -- The seed re-reads from the last line's time, strictly after it: every line that shares
    -- that timestamp and came after the response's end is dropped. A response limited to a
    -- few KiB makes every poll end mid-second; with the whole log in one second, everything
    -- after the first response is lost.
    local it = client:logs(c, nil, { mode = "poll", seed = true })
    local real_open = it.open
    it.open = function(self, deadline) -- limitBytes as a slow or busy server would cut
      local q = self.next_request
      self.next_request = function(s)
        local query = q(s)
        query.limitBytes = 4096
        return query
      end
      local r, err = real_open(self, deadline)
      self.next_request = q
      return r, err
    end
    local got = numbers(it, true) -- it never sees the sentinel: it stalls, as the seed does
    assert.is_true(#got > 0)
    assert.is_true(#got < N, "expected lost lines, got all " .. #got)
    for i = 2, #got do
      assert.is_true(got[i] > got[i - 1]) -- what it delivers is in order
    end
  end)
end)
