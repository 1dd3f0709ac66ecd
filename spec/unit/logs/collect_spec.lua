-- kwhisk.logs.collect: one activation's logs from a record source (SPEC A7): the byte limit
-- and its notice, sentinels, a source that ends early or fails, the wall-time cap.
local collect = require "kwhisk.logs.collect"
local record = require "kwhisk.logs.record"
local time = require "kwhisk.time"
local errors = require "kwhisk.errors"

-- A source over a list of messages (each a record one second apart), then `ending`:
-- nil (the end), an error value, or "deadline" (nil and a deadline error).
local function source(messages, ending)
  local i = 0
  return function()
    i = i + 1
    if messages[i] then
      return record.new(time.new(1517875200 + i), "stdout", messages[i])
    end
    if ending == "deadline" then
      return nil, errors.new("timeout", "no log record in time", { deadline = true })
    end
    return nil, ending
  end
end

local function logs(records)
  local out = {}
  for i, r in ipairs(records) do out[i] = r.log end
  return out
end

local S = collect.SENTINEL

describe("kwhisk.logs.collect", function()
  it("keeps the records before the second sentinel and drops both sentinels", function()
    local seen = {}
    local records, err = collect.activation(source({ "a", S, "b", S, "next activation" }),
      { limit = 1000, on_record = function(r) seen[#seen + 1] = r.log end })
    assert.is_nil(err)
    assert.same({ "a", "b" }, logs(records))
    assert.same({ "a", S, "b", S }, seen) -- the cursor moves past the sentinels too
  end)

  it("cuts at the byte limit with the seed's notice, counting each record's JSON line", function()
    local one = record.new(time.new(1517875201), "stdout", "a"):json_size() + 1
    local records = collect.activation(source({ "a", "a", "a", S, S }), { limit = 2 * one })
    assert.same({ "a", "a",
      "Logs were truncated because the total bytes size exceeds the limit of " .. 2 * one
        .. " bytes." }, logs(records))
    assert.equal("stderr", records[3].stream)
    -- the sentinels count toward the limit too (they are lines of the stored log)
    local with_sentinels = 3 * one + 2 * (record.new(time.new(1517875201), "stdout", S)
      :json_size() + 1)
    assert.same({ "a", "a", "a" }, logs(collect.activation(source({ "a", "a", "a", S, S }),
      { limit = with_sentinels })))
    assert.equal(4, #collect.activation(source({ "a", "a", "a", S, S }),
      { limit = with_sentinels - 1 }))
  end)

  it("notes missing data when the source ends before the sentinels, if it waits for them",
    function()
      local records, err = collect.activation(source({ "a" }), { limit = 1000,
        wait_for_sentinel = true })
      assert.is_nil(err)
      assert.same({ "a", "There was an issue while collecting your logs. Data might be missing." },
        logs(records))
      assert.same({ "a" }, logs(collect.activation(source({ "a" }), { limit = 1000 })))
    end)

  it("returns the source's error with what it had", function()
    local failure = errors.new("server", "GET log: 500")
    local records, err = collect.activation(source({ "a" }, failure), { limit = 1000 })
    assert.same({ "a" }, logs(records))
    assert.equal(failure, err)
  end)

  it("stops at the time cap without a notice or an error, as the seed's takeWithin", function()
    local got_deadline
    local records, err = collect.activation(function(deadline)
      got_deadline = deadline
      return nil, errors.new("timeout", "late", { deadline = true })
    end, { limit = 1000, wait_for_sentinel = true, timeout = 0.25 })
    assert.same({}, records)
    assert.is_nil(err)
    local left = got_deadline - require("kwhisk.loop").now()
    assert.is_true(left > 0.1 and left <= 0.25, tostring(left))
    assert.same({ "a" }, logs(collect.activation(source({ "a" }, "deadline"),
      { limit = 1000, wait_for_sentinel = true })))
  end)

  it("raises on a missing limit", function()
    assert.has_error(function() collect.activation(source({}), {}) end,
      "bad argument #2 to 'activation' (opts.limit: bytes expected)")
  end)
end)
