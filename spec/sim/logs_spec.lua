-- `pods/log` of the simulated cluster by the kubelet's rules (kwhisk.sim.streams with
-- kwhisk.sim.podlog): long lines, follow, timestamp styles, sinceTime, tailLines, limitBytes,
-- and the idle_cut and stall faults.
local json = require "kwhisk.json"
local ktime = require "kwhisk.time"
local shell = require "helpers.shell"
local simh = require "helpers.sim"

local http, wait_for = simh.http, simh.wait_for

local STAMP = "%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d"

local function lines_of(text)
  local out = {}
  for line in text:gmatch("([^\n]*)\n") do
    out[#out + 1] = line
  end
  return out
end

-- A lua-http stream of GET url, headers read; fails the spec on an error status.
local function open_stream(url)
  local req = require("http.request").new_from_uri(url)
  local h, stream = req:go(10)
  assert(h, tostring(stream))
  assert.equal("200", h:get(":status"))
  return stream
end

-- Reads chunks of stream until `want` (a plain string) is in what was read; returns it all.
local function read_until(stream, want, seconds)
  local got = ""
  local deadline = os.time() + (seconds or 5)
  while not got:find(want, 1, true) do
    assert(os.time() <= deadline, "no " .. want .. " in time; got: " .. got)
    local chunk = stream:get_next_chunk(1)
    if chunk then
      got = got .. chunk
    end
  end
  return got
end

describe("kwhisk sim pods/log", function()
  local sim, pods

  setup(function()
    sim = simh.start()
    pods = sim.url .. "/api/v1/namespaces/default/pods"
    local plain = simh.pod("plain", nil, { annotations = {
      ["sim.kwhisk.io/log-lines"] = "one\ntwo\nthree" } })
    local odd = simh.pod("odd", nil, { annotations = {
      ["sim.kwhisk.io/log-lines"] = "first\nsecond",
      ["sim.kwhisk.io/log-timestamps"] = "trimmed",
      ["sim.kwhisk.io/log-offset"] = "-05:30" } })
    for _, p in ipairs({ plain, odd, simh.pod("act", "kwhisk/action-lua") }) do
      assert.equal(201, (http("POST", pods, p)))
    end
    for _, name in ipairs({ "plain", "odd", "act" }) do
      simh.ready(pods .. "/" .. name)
    end
    local act = simh.ready(pods .. "/act")
    local code, text = http("POST", "http://" .. act.status.podIP .. ":8080/init",
      { value = { main = "main", code = [[
        function main(args)
          for _, line in ipairs(args.lines) do
            print(line == "long" and string.rep("0123456789abcdef", 2560) or line)
          end
          return {}
        end]] } })
    assert.equal(200, code, text)
    sim.runtime = "http://" .. act.status.podIP .. ":8080"
  end)
  teardown(function() sim:stop() end)

  local function run_action(lines)
    local code, text = http("POST", sim.runtime .. "/run", { value = { lines = lines } })
    assert.equal(200, code, text)
  end

  it("joins a 40 KiB line split into 16 KiB records", function()
    run_action({ "before", "long", "after" })
    local _, log = http("GET", pods .. "/act/log")
    local lines = lines_of(log)
    assert.equal("before", lines[1])
    assert.equal(40 * 1024, #lines[2])
    assert.equal(string.rep("0123456789abcdef", 2560), lines[2])
    assert.equal("after", lines[3])
    assert.equal("XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX", lines[4])
    -- One timestamp for the whole logical line, not one per record.
    _, log = http("GET", pods .. "/act/log?timestamps=true")
    lines = lines_of(log)
    assert.matches("^" .. STAMP .. "%.%d%d%d%d%d%d%d%d%dZ 0123456789abcdef", lines[2])
    assert.equal(31 + 40 * 1024, #lines[2])
  end)

  it("prints trimmed timestamps at the pod's offset when annotated", function()
    local _, log = http("GET", pods .. "/odd/log?timestamps=true")
    local lines = lines_of(log)
    assert.equal(2, #lines)
    for i, text in ipairs({ "first", "second" }) do
      local stamp = lines[i]:match("^(%S+) " .. text .. "$")
      assert.truthy(stamp, lines[i])
      assert.matches("^" .. STAMP .. "[.%d]*%-05:30$", stamp)
      -- trimmed: no trailing zero in the fraction, and no empty fraction
      assert.is_nil(stamp:match("%.%d*0%-05:30$"))
      assert.is_nil(stamp:match("%.%-"))
      assert.truthy(ktime.parse(stamp))
    end
  end)

  it("truncates sinceTime to the second and includes that second", function()
    local _, log = http("GET", pods .. "/plain/log?timestamps=true")
    local lines = lines_of(log)
    assert.equal(3, #lines)
    local first = assert(ktime.parse(lines[1]:match("^%S+")))
    local last = assert(ktime.parse(lines[3]:match("^%S+")))
    -- The last nanosecond of the first line's second still selects it.
    local since = ktime.format(ktime.new(first.sec, 999999999), "fixed")
    _, log = http("GET", pods .. "/plain/log?sinceTime=" .. since)
    assert.equal("one\ntwo\nthree\n", log)
    -- The next whole second leaves out every line written before it.
    since = ktime.format(ktime.new(last.sec + 1, 0), "seconds")
    local code
    code, log = http("GET", pods .. "/plain/log?sinceTime=" .. since)
    assert.equal(200, code)
    assert.equal("", log)
    code, log = http("GET", pods .. "/plain/log?sinceTime=yesterday")
    assert.equal(422, code)
    assert.matches("sinceTime", json.decode(log).message)
  end)

  it("keeps the last tailLines lines", function()
    local _, log = http("GET", pods .. "/plain/log?tailLines=2")
    assert.equal("two\nthree\n", log)
    _, log = http("GET", pods .. "/plain/log?tailLines=0")
    assert.equal("", log)
    _, log = http("GET", pods .. "/plain/log?tailLines=99")
    assert.equal("one\ntwo\nthree\n", log)
    local lines = lines_of(select(2, http("GET", pods .. "/plain/log?tailLines=1&timestamps=true")))
    assert.equal(1, #lines)
    assert.matches("^%S+ three$", lines[1])
  end)

  it("cuts the output at limitBytes, timestamps included", function()
    local _, log = http("GET", pods .. "/plain/log?limitBytes=6")
    assert.equal("one\ntw", log)
    _, log = http("GET", pods .. "/plain/log?limitBytes=8")
    assert.equal("one\ntwo\n", log)
    _, log = http("GET", pods .. "/plain/log?timestamps=true&limitBytes=33")
    assert.matches("^" .. STAMP .. "%.%d+Z on$", log)
    local code, text = http("GET", pods .. "/plain/log?limitBytes=0")
    assert.equal(422, code)
    assert.matches("limitBytes", json.decode(text).message)
  end)

  it("follows: each line as it is written, ending when the container stops", function()
    local code, text = http("POST", pods, simh.pod("fol", "kwhisk/action-lua"))
    assert.equal(201, code, text)
    local p = simh.ready(pods .. "/fol")
    local base = "http://" .. p.status.podIP .. ":8080"
    assert.equal(200, (http("POST", base .. "/init", { value = { main = "main", code =
      "function main(a) print(a.say) return {} end" } })))
    local stream = open_stream(pods .. "/fol/log?follow=true")
    assert.equal(200, (http("POST", base .. "/run", { value = { say = "hello" } })))
    assert.matches("^hello\n", read_until(stream, "hello\n"))
    assert.equal(200, (http("POST", base .. "/run", { value = { say = "again" } })))
    read_until(stream, "again\n")
    local started = os.time()
    assert.equal(200, (http("DELETE", pods .. "/fol", { gracePeriodSeconds = 30 })))
    local rest = ""
    repeat
      local chunk, err = stream:get_next_chunk(5)
      assert(chunk or err == nil, tostring(err))
      rest = rest .. (chunk or "")
    until chunk == nil
    assert.is_true(os.time() - started <= 3)
    assert.is_nil(rest:find("hello", 1, true))
  end)

  it("wakes a follower as soon as a line is written, not at a poll", function()
    local stream = open_stream(pods .. "/act/log?follow=true&timestamps=true&sinceSeconds=1")
    local now = require("cqueues").monotime
    local waits = {}
    for i = 1, 10 do
      local t0 = now()
      run_action({ "line " .. i })
      read_until(stream, " line " .. i .. "\n")
      waits[i] = now() - t0
    end
    stream:shutdown()
    table.sort(waits)
    -- the median of a run and its line arriving: far below the old 50 ms poll
    assert.is_true(waits[5] < 0.04, "median " .. waits[5])
  end)

  it("refuses stream= without the split-streams gate, as an API server since 1.32", function()
    local code, text = http("GET", pods .. "/plain/log?stream=Stdout")
    assert.equal(422, code)
    local st = json.decode(text)
    assert.equal("Invalid", st.reason)
    assert.equal("stream", st.details.causes[1].field)
    assert.equal("Forbidden: may not be specified", st.details.causes[1].message)
    code = http("GET", pods .. "/plain/log?stream=Stdout&tailLines=0")
    assert.equal(422, code)
  end)

  it("cuts an idle followed stream on an idle_cut fault", function()
    local f = assert(sim:fault({ kind = "idle_cut", seconds = 0.5, path = "/api/v1/namespaces/"
      .. "default/pods/plain/log" }))
    local t0 = os.time()
    local status, out = shell.run("curl -sN -m 8 " .. shell.quote(pods .. "/plain/log?follow=true"))
    -- curl: 18 = the chunked body ended without its last chunk
    assert.equal(18, status, out)
    assert.equal("one\ntwo\nthree\n", out)
    assert.is_true(os.time() - t0 < 5)
    local hits
    for _, x in ipairs(sim:faults()) do
      if x.id == f.id then
        hits = x.hits
      end
    end
    assert.equal(1, hits)
    -- Used up: the next follow keeps going until the client gives up.
    status = shell.run("curl -sN -m 1 " .. shell.quote(pods .. "/plain/log?follow=true"))
    assert.equal(28, status)
  end)

  it("holds answers back on a stall fault, then serves them", function()
    assert(sim:fault({ kind = "stall", seconds = 1.2, method = "GET",
      path = "/api/v1/namespaces/default/pods/plain/log", count = 1 }))
    local status, out = shell.run("curl -s -m 0.6 " .. shell.quote(pods .. "/plain/log"))
    assert.equal(28, status, out)
    wait_for(function()
      local _, log = http("GET", pods .. "/plain/log")
      return log == "one\ntwo\nthree\n"
    end)
    local last = sim:faults()
    assert.equal(1, last[#last].hits)
    assert.equal(0, last[#last].remaining)
  end)

  it("stops on SIGTERM while a follow and a watch are still open", function()
    local follow = open_stream(pods .. "/plain/log?follow=true")
    read_until(follow, "three\n")
    local watch = open_stream(pods .. "?watch=true")
    read_until(watch, "ADDED")
    local t0 = os.time()
    sim:stop()
    assert.is_true(os.time() - t0 <= 3)
    assert.is_nil((follow:get_next_chunk(2)))
  end)
end)
