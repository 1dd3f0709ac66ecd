-- kwhisk.logs: the seed's readLines and the incremental reader (SPEC A3, C2).
describe("kwhisk.logs", function()
  local logs = require "kwhisk.logs"
  local time = require "kwhisk.time"
  local shell = require "helpers.shell"

  local function summary(records)
    local out = {}
    for i, r in ipairs(records) do
      out[i] = tostring(r.time) .. "|" .. r.stream .. "|" .. r.log .. (r.truncated and "|T" or "")
    end
    return table.concat(out, "\n")
  end

  local text = table.concat({
    "2018-02-06T00:00:18.419889342Z first activation",
    "",
    "2018-02-06T00:00:18Z  keeps  its spaces \r",
    "no-space",
    "2018-02-06T00:00:19.5-01:00 offset",
    "2018-02-06T00:00:19.5Z a\rb\r",
    "2018-02-06T00:00:19.5Z ",
    "2018-02-06T00:00:19.5Z bad \255 utf-8",
    "\r",
    "unable to retrieve container logs for containerd://abc",
    "2018-02-06T00:00:20.000000001Z last",
  }, "\n")
  local want = table.concat({
    "2018-02-06T00:00:18.419889342Z|stdout|first activation",
    "2018-02-06T00:00:18.0Z|stdout| keeps  its spaces ",
    "2018-02-06T01:00:19.5Z|stdout|offset",
    "2018-02-06T00:00:19.5Z|stdout|a\rb",
    "2018-02-06T00:00:19.5Z|stdout|",
    "2018-02-06T00:00:19.5Z|stdout|bad \255 utf-8",
    "2018-02-06T00:00:20.000000001Z|stdout|last",
  }, "\n")

  describe("read_lines", function()
    it("follows SPEC A3: terminators, empty lines, the first space, skips, stdout", function()
      assert.are.equal(want, summary(logs.read_lines(text)))
    end)

    it("keeps only lines strictly after since", function()
      local since = time.new(1517875219, 500000000)
      local got = logs.read_lines(text, since)
      assert.are.equal("2018-02-06T01:00:19.5Z|stdout|offset\n"
        .. "2018-02-06T00:00:20.000000001Z|stdout|last", summary(got))
    end)

    it("with seed = true, moves the cutoff line by line (SPEC A3.5)", function()
      -- a line that shares the previous kept line's time, or is earlier, is dropped
      local stamps = "2018-02-06T00:00:18Z a\n2018-02-06T00:00:18Z b\n"
        .. "2018-02-06T00:00:19Z c\n2018-02-06T00:00:18.5Z d\n2018-02-06T00:00:20Z e\n"
      local function logs_of(records)
        local out = {}
        for i, r in ipairs(records) do out[i] = r.log end
        return table.concat(out, " ")
      end
      assert.equal("a c e", logs_of(logs.read_lines(stamps, nil, true)))
      assert.equal("c e", logs_of(logs.read_lines(stamps, time.new(1517875218), true)))
      assert.equal("a b c d e", logs_of(logs.read_lines(stamps)))
      assert.equal("2018-02-06T00:00:18.419889342Z|stdout|first activation\n"
        .. "2018-02-06T01:00:19.5Z|stdout|offset", summary(logs.read_lines(text, nil, true)))
    end)

    it("reads nothing from nothing", function()
      assert.are.same({}, logs.read_lines(""))
      assert.are.same({}, logs.read_lines("\n\r\n\n"))
    end)

    it("raises on arguments of the wrong type", function()
      assert.has_error(function() logs.read_lines(nil) end,
        "bad argument #1 to 'read_lines' (string expected, got nil)")
      assert.has_error(function() logs.read_lines("", "2018-02-06T00:00:18Z") end)
    end)
  end)

  describe("reader", function()
    local function read(pieces, opts)
      local r = logs.reader(opts)
      local out = {}
      for _, p in ipairs(pieces) do
        assert(r:feed(p))
        r:drain(out)
      end
      r:finish()
      r:drain(out)
      return out, r
    end

    it("reads the same whatever byte the text is cut at", function()
      for cut = 0, #text do
        local got = read({ text:sub(1, cut), text:sub(cut + 1) })
        assert.are.equal(want, summary(got), "cut at " .. cut)
      end
    end)

    it("reads the same fed one byte at a time", function()
      local pieces = {}
      for i = 1, #text do
        pieces[i] = text:sub(i, i)
      end
      assert.are.equal(want, summary((read(pieces))))
    end)

    it("holds a line until its newline or the end of the stream", function()
      local r = logs.reader()
      r:feed("2018-02-06T00:00:18Z par")
      assert.is_nil(r:next())
      r:feed("tial")
      assert.is_nil(r:next())
      r:finish()
      assert.are.equal("partial", r:next().log)
      assert.is_nil(r:next())
    end)

    it("cuts a 10 MiB line at max_line and marks it truncated", function()
      local big = "2018-02-06T00:00:18Z " .. string.rep("x", 10 * 2 ^ 20)
      local pieces = {}
      for i = 1, #big, 65536 do
        pieces[#pieces + 1] = big:sub(i, i + 65535)
      end
      pieces[#pieces + 1] = "\n2018-02-06T00:00:19Z after\n"
      local got, r = read(pieces)
      assert.are.equal(2, #got)
      assert.is_true(got[1].truncated)
      assert.are.equal(2 ^ 20 - 21, #got[1].log)
      assert.are.equal("after", got[2].log)
      assert.is_nil(got[2].truncated)
      assert.are.equal(1, r:stats().truncated)
      local small = read({ "2018-02-06T00:00:18Z 123456789\n" }, { max_line = 25 })
      assert.are.equal("1234", small[1].log)
      assert.is_true(small[1].truncated)
    end)

    it("counts malformed lines and keeps the last error texts", function()
      local _, r = read({ text })
      local s = r:stats()
      assert.are.same({
        lines = 7, delivered = 7, skipped = 0, empty = 2, malformed = 2, truncated = 0,
        errors = { "no-space", "unable to retrieve container logs for containerd://abc" },
      }, s)
    end)

    it("resumes after any record without losing or repeating lines of one second", function()
      local lines = {
        "2018-02-06T00:00:18.5Z a", "2018-02-06T00:00:18.5Z b", "2018-02-06T00:00:18.5Z c",
        "2018-02-06T00:00:19Z d", "2018-02-06T00:00:19Z e",
      }
      local all = table.concat(lines, "\n") .. "\n"
      for stop = 1, #lines do
        local r = logs.reader()
        r:feed(all)
        local got = {}
        for i = 1, stop do
          got[i] = r:next().log
        end
        local cursor = r:cursor()
        -- The server answers sinceTime = cursor.sec with that whole second again.
        local prefix = ("2018-02-06T00:00:%02d"):format(cursor.sec - 1517875200)
        local r2 = logs.reader({ resume = cursor })
        r2:feed(all:sub((all:find(prefix, 1, true))))
        r2:finish()
        for _, rec in ipairs(r2:drain()) do
          got[#got + 1] = rec.log
        end
        assert.are.equal("abcde", table.concat(got), "stopped after " .. stop)
      end
    end)

    it("checks its options", function()
      assert.has_error(function() logs.reader({ max_line = 0 }) end)
      assert.has_error(function() logs.reader({ since = "x" }) end)
      assert.has_error(function() logs.reader({ resume = { sec = 1 } }) end)
      assert.has_error(function()
        logs.reader({ since = time.new(0), resume = { sec = 0, count = 0 } })
      end)
      assert.has_error(function() logs.reader():feed(42) end)
    end)

    it("delivers records from a JIT-compiled loop", function()
      local script = [[
        local logs = require "kwhisk.logs"
        local line = "2018-02-06T00:00:18.419889342Z some message of a typical length\n"
        local body = line:rep(2000)
        local r = logs.reader()
        for _ = 1, 50 do r:feed(body); local out = r:drain() ; assert(#out == 2000) end
      ]]
      local status, out = shell.run("LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/?.so;;'"
        .. " luajit -jv -e " .. shell.quote(script))
      assert.are.equal(0, status, out)
      assert.matches("TRACE%s+%d+ init.lua:%d+ loop", out)
      assert.is_nil(out:find("NYI", 1, true), out)
    end)
  end)
end)
