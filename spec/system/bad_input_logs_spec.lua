-- Bad input, logs (spec/BAD_INPUT.md): a 100 MiB single log line, read in memory and over
-- HTTP, stays within bounded memory and arrives cut and flagged; a log of 10^6 lines with
-- no newline at the end loses none, the last one included.
local logs = require "kwhisk.logs"
local http = require "kwhisk.http"
local httpd = require "helpers.httpd"
local fs = require "kwhisk.fs"

local MIB = 2 ^ 20
local STAMP = "2018-02-06T00:00:18Z "

local function vmrss_mib()
  collectgarbage("collect")
  local status = fs.read_file("/proc/self/status") or ""
  return tonumber(status:match("VmRSS:%s*(%d+)")) / 1024
end

describe("bad input: logs", function()
  it("a 100 MiB line is cut at max_line and flagged; memory stays bounded", function()
    local chunk = string.rep("x", 64 * 1024) -- one string fed 1600 times
    local before = vmrss_mib()
    local peak = before
    local r = logs.reader({ max_line = MIB })
    local out = {}
    assert(r:feed(STAMP))
    for i = 1, 100 * 16 do
      assert(r:feed(chunk))
      r:drain(out)
      if i % 100 == 0 then
        peak = math.max(peak, vmrss_mib())
      end
    end
    assert(r:feed("\n" .. STAMP .. "after\n"))
    r:finish()
    r:drain(out)
    assert.equal(2, #out)
    assert.is_true(out[1].truncated)
    assert.equal(MIB - #STAMP, #out[1].log)
    assert.equal("after", out[2].log)
    assert.is_nil(out[2].truncated)
    assert.equal(1, r:stats().truncated)
    -- the line is 100 MiB; what the reader holds is max_line and a little more
    assert.is_true(peak - before < 16, "RSS grew " .. (peak - before) .. " MiB")
  end)

  it("a 100 MiB line over HTTP, read in place, is cut and flagged with bounded memory", function()
    local server = httpd.start { handler = [[return function()
      local chunk = string.rep("y", 256 * 1024)
      local chunks = { "2018-02-06T00:00:18Z " }
      for i = 2, 401 do chunks[i] = chunk end
      chunks[#chunks + 1] = "\n2018-02-06T00:00:19Z after"
      return { chunks = chunks }
    end]] }
    local before = vmrss_mib()
    local stream = assert(http.stream { url = server.url .. "/log" })
    local got = {}
    local records = stream:records(logs.reader({ max_line = MIB }))
    while true do
      local record, err = records()
      assert.is_nil(err)
      if not record then break end
      got[#got + 1] = record
    end
    local grown = vmrss_mib() - before
    stream:close()
    server:stop()
    assert.equal(2, #got)
    assert.is_true(got[1].truncated)
    assert.equal(MIB - #STAMP, #got[1].log)
    assert.equal("after", got[2].log) -- the last line has no newline either
    assert.is_true(grown < 24, "RSS grew " .. grown .. " MiB")
  end)

  it("10^6 lines with no newline at the end: every line, the last one included", function()
    local r = logs.reader()
    local n, block = 1000000, {}
    local delivered, last, out = 0, nil, {}
    for i = 1, n do
      block[#block + 1] = string.format("2018-02-06T00:00:%02d.%09dZ line %d", i % 60, i, i)
      if #block == 10000 or i == n then
        -- a newline after every line but the very last
        assert(r:feed(table.concat(block, "\n") .. (i == n and "" or "\n")))
        block = {}
        r:drain(out)
        delivered = delivered + #out
        last = out[#out] or last
        out = {}
      end
    end
    assert.equal(n - 1, delivered) -- the last line waits for its end
    r:finish()
    r:drain(out)
    assert.equal(1, #out)
    assert.equal("line " .. n, out[1].log)
    assert.equal("line " .. (n - 1), last.log)
    local s = r:stats()
    assert.equal(n, s.delivered)
    assert.equal(0, s.malformed)
    assert.equal(0, s.truncated)
  end)
end)
