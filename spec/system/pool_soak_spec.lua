-- Pool soak: workers invoke a mix of actions (plain, concurrent, failing, slow) on a pool
-- too small for all of them, while the sim's faults fire (5xx and 429 from the API server,
-- resets and idle cuts of log streams, stalls) and action runtimes are killed.
-- KWHISK_POOL_SOAK_SECONDS sets the length (4 in the busted run, longer with `make soak`).
-- What counts: every activation a result or an error value with a kind, no activation
-- with another's log lines, the memory books right throughout, and no pod left behind.
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"
local errors = require "kwhisk.errors"

local SECONDS = tonumber(os.getenv("KWHISK_POOL_SOAK_SECONDS") or "4")
local WORKERS = 6
local PODS = "/api/v1/namespaces/default/pods"
local now, spawn = kwhisk.loop.now, kwhisk.spawn

-- Prints its activation's tag on both streams, sleeping a little in between when asked.
local CODE = [[function main(a)
  print("tag " .. a.tag)
  if a.s > 0 then require("cqueues").sleep(a.s) end
  io.stderr:write("tag ", a.tag, "\n")
  if a.fail then error("asked to fail") end
  return { tag = a.tag }
end]]

local ACTIONS = {
  { name = "s/one", image = "kwhisk/action-lua", memory = "128m", code = CODE },
  { name = "s/two", image = "kwhisk/action-lua", memory = "128m", code = CODE },
  { name = "s/three", image = "kwhisk/action-lua", memory = "192m", code = CODE },
  { name = "s/conc", image = "kwhisk/action-lua", memory = "128m", code = CODE, concurrency = 3 },
}

local FAULTS = {
  { kind = "status", code = 500, path = PODS },
  { kind = "status", code = 503, method = "GET", path = PODS },
  { kind = "status", code = 429, plain = true, retry_after = 0, path = PODS },
  { kind = "reset", after_bytes = 40, path = PODS },
  { kind = "stall", seconds = 0.3, path = PODS },
  { kind = "idle_cut", seconds = 0.2, path = PODS },
  { kind = "status", code = 500, method = "DELETE", path = PODS },
}

describe("kwhisk.pool soak", function()
  it("keeps its books and leaves no pod behind under faults", function()
    local sim = simh.start({})
    finally(function() sim:stop() end)
    local client = assert(kwhisk.client({ kubeconfig = sim.kubeconfig, timeouts = { run = 20 },
      ["invoker-agent"] = { enabled = true, port = assert(sim:info()).agentPort } }))
    local pool = assert(kwhisk.pool.new(client, { memory = "512m", pause_grace = "30 ms",
      idle_timeout = "1500 ms", prewarm = { { image = "kwhisk/action-lua", memory = "128m",
      count = 1 } } }))
    local x = { ok = 0, action_errors = 0, kinds = {}, improper = {}, mixed = {}, audits = 0,
      tags = 0, faults = 0, kills = 0 }
    local stop = now() + SECONDS

    local function check(a, err, tag)
      if a then
        if a.ok then x.ok = x.ok + 1 else x.action_errors = x.action_errors + 1 end
        for _, r in ipairs(a.logs) do
          local t = r.log:match("^tag (%d+)$")
          if t and tonumber(t) ~= tag then x.mixed[#x.mixed + 1] = r.log .. " in " .. tag end
        end
      elseif errors.is(err) then
        x.kinds[err.kind] = (x.kinds[err.kind] or 0) + 1
      else
        x.improper[#x.improper + 1] = tostring(err)
      end
    end

    local function worker(w)
      local n = 0
      while now() < stop do
        n = n + 1
        x.tags = x.tags + 1
        local tag = w * 100000 + n
        local act = ACTIONS[math.random(#ACTIONS)]
        local a, err = pool:invoke(act, { tag = tag, s = math.random() < 0.2 and 0.1 or 0,
          fail = math.random() < 0.1 }, { deadline = now() + 5 })
        check(a, err, tag)
        local ok, why = pool:audit()
        x.audits = x.audits + 1
        if not ok then x.improper[#x.improper + 1] = "books: " .. why end
      end
    end

    local function chaos()
      while now() < stop do
        kwhisk.sleep(0.2)
        assert(sim:fault(FAULTS[math.random(#FAULTS)]))
        x.faults = x.faults + 1
        if math.random() < 0.3 then
          local rts = assert(sim:runtimes())
          local rt = rts[math.random(math.max(1, #rts))]
          if rt then
            os.execute("kill -KILL " .. rt.pid .. " 2>/dev/null")
            x.kills = x.kills + 1
          end
        end
      end
    end

    local tasks = { spawn(chaos) }
    for w = 1, WORKERS do tasks[#tasks + 1] = spawn(worker, w) end
    for _, t in ipairs(tasks) do t:wait() end
    simh.http("DELETE", sim.url .. "/_sim/faults")
    local s = pool:stats()
    assert.is_true(pool:close())
    local left = assert(client:list(pool.labels))
    local kinds, failed = {}, 0
    for k, v in pairs(x.kinds) do kinds[#kinds + 1], failed = k .. "=" .. v, failed + v end
    table.sort(kinds)
    print(string.format("pool soak: %d s, %d activations: %d ok, %d action errors, %d errors "
      .. "(%s); starts cold %d prewarmed %d warm %d; evictions %d, removals %d, failures %d; "
      .. "%d faults, %d runtimes killed, %d audits; pods left %d", SECONDS, x.tags, x.ok,
      x.action_errors, x.tags - x.ok - x.action_errors, table.concat(kinds, " "), s.starts.cold,
      s.starts.prewarmed, s.starts.warm, s.evictions, s.removals, s.failures, x.faults, x.kills,
      x.audits, #left))
    assert.same({}, x.improper)
    assert.same({}, x.mixed)
    assert.equal(0, #left)
    assert.is_true(x.ok > 0)
    assert.equal(x.tags, x.ok + x.action_errors + failed) -- each a result or an error value
  end)
end)
