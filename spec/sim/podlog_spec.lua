-- CRI log files (kwhisk.sim.podlog): the writer's P/F records, the reader's joins, and the
-- kubelet's selection and rendering rules.
local podlog = require "kwhisk.sim.podlog"
local ktime = require "kwhisk.time"
local shell = require "helpers.shell"

local read = shell.read

local function append(path, s)
  local f = assert(io.open(path, "ab"))
  f:write(s)
  f:close()
end

local function records(path)
  local out = {}
  for line in read(path):gmatch("([^\n]*)\n") do
    local stamp, stream, tag, text = line:match("^(%S+) (%S+) ([PF]) (.*)$")
    out[#out + 1] = { stamp = stamp, stream = stream, tag = tag, text = text }
  end
  return out
end

describe("kwhisk.sim.podlog", function()
  local dir, cleanup, path

  before_each(function()
    dir, cleanup = shell.tmpdir()
    path = dir .. "/c.log"
  end)
  after_each(function() cleanup() end)

  it("writes short lines as single F records with 9-digit UTC timestamps", function()
    local w = assert(podlog.writer(path))
    w:write("stdout", "one\ntwo\n")
    w:write("stderr", "err\n")
    w:close()
    local r = records(path)
    assert.equal(3, #r)
    assert.same({ "stdout", "F", "one" }, { r[1].stream, r[1].tag, r[1].text })
    assert.same({ "stdout", "F", "two" }, { r[2].stream, r[2].tag, r[2].text })
    assert.same({ "stderr", "F", "err" }, { r[3].stream, r[3].tag, r[3].text })
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%d%d%d%d%d%d%dZ$", r[1].stamp)
  end)

  it("splits a 40 KiB line into 16 KiB P records and an F, and joins them again", function()
    local long = {}
    for i = 1, 40 * 1024 do
      long[i] = string.char(97 + i % 26)
    end
    long = table.concat(long)
    local w = assert(podlog.writer(path))
    w:write("stdout", long .. "\nafter\n")
    w:close()
    local r = records(path)
    assert.equal(4, #r)
    assert.same({ "P", "P", "F", "F" }, { r[1].tag, r[2].tag, r[3].tag, r[4].tag })
    assert.same({ 16384, 16384, 40 * 1024 - 32768 }, { #r[1].text, #r[2].text, #r[3].text })
    assert.equal(long, r[1].text .. r[2].text .. r[3].text)
    local lines = podlog.reader(path):poll()
    assert.equal(2, #lines)
    assert.equal(long, lines[1].text)
    assert.equal("after", lines[2].text)
  end)

  it("holds a partial line until its newline, or writes it at close", function()
    local w = assert(podlog.writer(path))
    w:write("stdout", "par")
    assert.equal("", read(path))
    w:write("stdout", "tial\nrest")
    assert.equal(1, #records(path))
    w:close()
    local r = records(path)
    assert.same({ "partial", "rest" }, { r[1].text, r[2].text })
  end)

  it("reads incrementally: half-written records and open P runs wait for the rest", function()
    local reader = podlog.reader(path)
    append(path, "2024-05-01T10:00:00.000000001Z stdout P abc")
    assert.same({}, reader:poll())
    append(path, "\n2024-05-01T10:00:00.000000001Z stderr F other\n")
    local got = reader:poll()
    assert.equal(1, #got)
    assert.same({ "stderr", "other" }, { got[1].stream, got[1].text })
    append(path, "2024-05-01T10:00:00.000000002Z stdout F def\n"
      .. "2024-05-01T10:00:01Z stdout F\n")
    got = reader:poll()
    assert.equal(2, #got)
    assert.same({ "stdout", "abcdef" }, { got[1].stream, got[1].text })
    assert.equal("", got[2].text)
    assert.equal(ktime.new(1714557601, 0), got[2].time)
    assert.same({}, reader:poll())
  end)

  it("selects by sinceTime truncated to the second and inclusive, stream, and tail", function()
    local function at(sec, nsec, stream, text)
      return { time = ktime.new(sec, nsec), stream = stream, text = text }
    end
    local lines = { at(99, 999999999, "stdout", "a"), at(100, 0, "stdout", "b"),
      at(100, 500000000, "stderr", "c"), at(101, 1, "stdout", "d") }
    local function texts(selected)
      local out = {}
      for i, l in ipairs(selected) do
        out[i] = l.text
      end
      return table.concat(out)
    end
    -- 100.7 counts as 100: lines earlier in that same second are still in.
    assert.equal("bcd", texts(podlog.select(lines, { since = ktime.new(100, 700000000) })))
    assert.equal("d", texts(podlog.select(lines, { since = ktime.new(101, 0) })))
    assert.equal("abd", texts(podlog.select(lines, { stream = "stdout" })))
    assert.equal("cd", texts(podlog.select(lines, { tail = 2 })))
    assert.equal("", texts(podlog.select(lines, { tail = 0 })))
    assert.equal("abcd", texts(podlog.select(lines, { tail = 10 })))
    assert.equal("bd", texts(podlog.select(lines, { stream = "stdout", tail = 2 })))
  end)

  it("renders fixed, trimmed and offset timestamps", function()
    local l = { time = ktime.new(1714557600, 120000000), text = "x" }
    assert.equal("x\n", podlog.render(l, false))
    assert.equal("2024-05-01T10:00:00.120000000Z x\n", podlog.render(l, true))
    assert.equal("2024-05-01T10:00:00.12Z x\n", podlog.render(l, true, "trimmed"))
    assert.equal("2024-05-01T12:00:00.12+02:00 x\n", podlog.render(l, true, "trimmed", 120))
    assert.equal("2024-05-01T04:30:00.120000000-05:30 x\n",
      podlog.render(l, true, "fixed", -330))
  end)

  it("rotates past max_size keeping max_files, and a reader goes through every rotated file "
    .. "in order", function()
    -- interval 0: a rotation at every write past max_size, faster than any kubelet's
    local w = assert(podlog.writer(path, { max_size = 4096, max_files = 5, interval = 0 }))
    local r = podlog.reader(path)
    r:poll()
    local got = {}
    for i = 1, 400 do
      w:write("stdout", ("line %04d "):format(i) .. ("x"):rep(90) .. "\n")
      if i % 37 == 0 then
        for _, l in ipairs(r:poll()) do got[#got + 1] = tonumber(l.text:sub(6, 9)) end
      end
    end
    for _, l in ipairs(r:poll()) do got[#got + 1] = tonumber(l.text:sub(6, 9)) end
    r:close()
    w:close()
    for i = 1, 400 do assert.equal(i, got[i]) end
    assert.equal(4, #podlog.rotated(path))
    -- a new reader sees only the current file, as a kubelet's non-follow read does
    local first = podlog.reader(path):poll()[1].text
    assert.is_true(tonumber(first:sub(6, 9)) > 350)
  end)
end)
