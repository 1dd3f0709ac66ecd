-- kwhisk.logs.collector: one activation's logs collected in C from a reader (SPEC A7): the
-- lines OpenWhisk stores, the sentinels, the byte limit and the cursor. The collector as a
-- stream's sink, against the sim, is in spec/unit/container_spec.lua.
describe("kwhisk.logs collector", function()
  local logs = require "kwhisk.logs"
  local logline = require "kwhisk.logs.record"
  local time = require "kwhisk.time"
  local SENTINEL = require("kwhisk.logs.collect").SENTINEL

  -- A reader that has read the lines (each "<time> <message>"), and the records they make.
  local function reader_of(lines)
    local r = assert(logs.reader())
    assert(r:feed(table.concat(lines, "\n") .. "\n"))
    return r, logs.read_lines(table.concat(lines, "\n") .. "\n")
  end

  it("keeps record:formatted() of each record, drops the sentinels, ends at the second", function()
    local r, records = reader_of({
      "2018-02-06T00:00:18.419889342Z  hello ", "2018-02-06T00:00:18.5Z \255 bytes",
      "2018-02-06T00:00:19Z " .. SENTINEL, "2018-02-06T00:00:19Z " .. SENTINEL,
      "2018-02-06T00:00:20Z next activation",
    })
    local c = assert(logs.collector({ limit = 1e6 }))
    assert.equal("collecting", c:state())
    assert.is_nil(c:cursor())
    assert.is_nil(c:last())
    assert.equal(4, c:drain(r))
    assert.equal("complete", c:state())
    assert.is_true(c:done())
    assert.same({ records[1]:formatted(), records[2]:formatted() }, c:lines())
    assert.same({ sec = 1517875219, count = 2 }, c:cursor())
    assert.equal(records[4].time, c:last())
    local used = 0
    for i = 1, 4 do used = used + records[i]:json_size() + 1 end
    assert.equal(used, c:used())
    assert.equal(0, c:drain(r)) -- done: the next activation's line stays in the reader
    assert.equal("next activation", r:next().log)
  end)

  it("stops at a record that would pass the limit, which stays out of the cursor", function()
    local _, records = reader_of({ "2018-02-06T00:00:18.1Z one", "2018-02-06T00:00:18.2Z two" })
    local limit = records[1]:json_size() + 1 + records[2]:json_size() -- one byte short
    local r = reader_of({ "2018-02-06T00:00:18.1Z one", "2018-02-06T00:00:18.2Z two" })
    local c = assert(logs.collector({ limit = limit, stream = "stderr" }))
    assert.equal(2, c:drain(r))
    assert.equal("over_limit", c:state())
    assert.same({ logline.new(records[1].time, "stderr", "one"):formatted() }, c:lines())
    assert.same({ sec = 1517875218, count = 1 }, c:cursor())
  end)

  it("collects over many feeds, a byte at a time", function()
    local text = {}
    for i = 1, 50 do
      text[i] = time.format(time.new(1517875218 + i, i)) .. " line " .. i
    end
    text[51] = "2018-02-06T01:00:00Z " .. SENTINEL
    text[52] = "2018-02-06T01:00:00Z " .. SENTINEL
    local body = table.concat(text, "\n") .. "\n"
    local r, c = assert(logs.reader()), assert(logs.collector({ limit = 1e6 }))
    for i = 1, #body do
      assert(r:feed(body:sub(i, i)))
      c:drain(r)
    end
    assert.equal("complete", c:state())
    local lines = c:lines()
    assert.equal(50, #lines)
    assert.equal(logs.read_lines(body)[50]:formatted(), lines[50])
  end)

  it("raises on arguments of the wrong type", function()
    assert.has_error(function() logs.collector() end,
      "bad argument #1 to 'collector' (table expected, got nil)")
    assert.has_error(function() logs.collector({ limit = -1 }) end,
      "bad argument #1 to 'collector' (opts.limit: byte count expected)")
    assert.has_error(function() logs.collector({ limit = 1, stream = 1 }) end,
      "bad argument #1 to 'collector' (opts.stream: string expected)")
    local c = assert(logs.collector({ limit = 1 }))
    assert.has_error(function() c.drain({}) end,
      "bad argument #1 to 'drain' (kwhisk.collector expected, got table)")
    assert.has_error(function() c:drain({}) end,
      "bad argument #2 to 'drain' (kwhisk.reader expected, got table)")
    assert.has_error(function() c.lines(nil) end)
    -- the error names the caller's line, not the library's
    local _, err = pcall(function() c.lines({}) end)
    assert.matches("^spec/unit/logs/collector_spec%.lua:%d+: bad argument #1 to 'lines'", err)
    _, err = pcall(function() assert(logs.reader()).next({}) end)
    assert.matches("^spec/unit/logs/collector_spec%.lua:%d+: bad argument #1 to 'next'", err)
  end)
end)
