-- The sim's kubelet behaviours, against `kwhisk sim` as a separate process: graceful deletion
-- (runtimes ignore SIGTERM until the grace period's end), status lag, start failures with the
-- kubelet's back-off, log errors as HTTP errors (fault kubelet_log) and log rotation.
local json = require "kwhisk.json"
local simh = require "helpers.sim"

local http, wait_for = simh.http, simh.wait_for

local function now()
  return require("cqueues").monotime()
end

-- Every watch event of pod `name` for `seconds` (one watch request the server ends).
local function watch_events(pods, name, seconds, rv)
  local _, text = http("GET", pods .. "?watch=true&fieldSelector=metadata.name%3D" .. name
    .. "&timeoutSeconds=" .. seconds .. (rv and "&resourceVersion=" .. rv or ""))
  local events = {}
  for line in text:gmatch("[^\n]+") do
    events[#events + 1] = json.decode(line)
  end
  return events
end

local function annotated(name, image, annotations)
  return simh.pod(name, image, { annotations = annotations })
end

describe("kwhisk sim kubelet", function()
  local sim, pods

  setup(function()
    sim = simh.start({ "--container-log-max-size", "4Ki" })
    pods = sim.url .. "/api/v1/namespaces/default/pods"
  end)
  teardown(function() sim:stop() end)

  local function get(name)
    local code, text = http("GET", pods .. "/" .. name)
    return code == 200 and json.decode(text) or nil
  end

  describe("graceful deletion", function()
    it("keeps a runtime that ignores SIGTERM serving, Terminating, until the grace period "
      .. "ends, then kills it (137); the name is taken until then", function()
      -- time scale 0.1: the default 30 s grace period lasts 3 s
      assert.equal(201, (http("POST", pods, annotated("grace1", "kwhisk/action-lua",
        { ["sim.kwhisk.io/time-scale"] = "0.1" }))))
      local p = simh.ready(pods .. "/grace1")
      local rv = p.metadata.resourceVersion
      local started = now()
      local code, text = http("DELETE", pods .. "/grace1")
      assert.equal(200, code)
      local deleted = json.decode(text)
      assert.truthy(deleted.metadata.deletionTimestamp)
      assert.equal(30, deleted.metadata.deletionGracePeriodSeconds)
      -- the runtime ignored SIGTERM: it still answers
      local rcode = http("POST", "http://" .. p.status.podIP .. ":8080/init",
        { value = { code = "function main() return {} end" } })
      assert.equal(200, rcode)
      code, text = http("POST", pods, annotated("grace1", "nginx"))
      assert.equal(409, code)
      assert.equal("AlreadyExists", json.decode(text).reason)
      wait_for(function() return get("grace1") == nil end, 10)
      local gone = now() - started
      assert.is_true(gone >= 2.9 and gone < 4.5, "gone after " .. gone .. " s")
      local events = watch_events(pods, "grace1", 1, rv)
      local last_modified
      for _, e in ipairs(events) do
        if e.type == "MODIFIED" then last_modified = e.object end
      end
      assert.equal("DELETED", events[#events].type)
      local term = last_modified.status.containerStatuses[1].state.terminated
      assert.equal(137, term.exitCode)
      assert.equal("Error", term.reason)
      assert.equal(201, (http("POST", pods, annotated("grace1", "nginx"))))
      http("DELETE", pods .. "/grace1?gracePeriodSeconds=0")
    end)

    it("lets a pod whose process exits on SIGTERM go at once, and a shorter grace period "
      .. "shortens a running one", function()
      assert.equal(201, (http("POST", pods, annotated("quick", "kwhisk/action-lua",
        { ["sim.kwhisk.io/sigterm"] = "exit", ["sim.kwhisk.io/time-scale"] = "1" }))))
      assert.equal(201, (http("POST", pods, annotated("slow", "nginx",
        { ["sim.kwhisk.io/time-scale"] = "1" }))))
      simh.ready(pods .. "/quick", 20)
      simh.ready(pods .. "/slow", 20)
      local started = now()
      http("DELETE", pods .. "/quick")
      http("DELETE", pods .. "/slow")
      wait_for(function() return get("quick") == nil end, 5)
      assert.is_true(now() - started < 3)
      assert.truthy(get("slow").metadata.deletionTimestamp)
      local _, text = http("DELETE", pods .. "/slow", { gracePeriodSeconds = 1 })
      assert.equal(1, json.decode(text).metadata.deletionGracePeriodSeconds)
      wait_for(function() return get("slow") == nil end, 5)
      assert.is_true(now() - started < 5)
    end)
  end)

  it("ends a followed log when the container stops, before the status shows it "
    .. "(status lag)", function()
    -- time scale 1 for this pod: a 1 s status lag
    assert.equal(201, (http("POST", pods, annotated("lag", "kwhisk/action-lua",
      { ["sim.kwhisk.io/sigterm"] = "exit", ["sim.kwhisk.io/time-scale"] = "1" }))))
    simh.ready(pods .. "/lag", 20)
    local req = require("http.request").new_from_uri(pods .. "/lag/log?follow=true")
    local h, stream = req:go(10)
    assert.equal("200", h:get(":status"))
    http("DELETE", pods .. "/lag")
    stream:get_body_as_string(5)
    local ended = now()
    local p = get("lag")
    assert.truthy(p.status.containerStatuses[1].state.running,
      "the status already showed the stop")
    wait_for(function() return get("lag") == nil end, 5)
    local lag = now() - ended
    assert.is_true(lag > 0.5 and lag < 2.5, "status lag " .. lag)
  end)

  it("alternates RunContainerError and CrashLoopBackOff for a missing command, with "
    .. "restartCount, lastState StartError and the back-off doubling", function()
    -- time scale 0.1: a status lag of 0.1 s, back-offs of 1 s, 2 s, ...
    local code, text = http("POST", pods, annotated("nocmd", "example/nocommand:1",
      { ["sim.kwhisk.io/time-scale"] = "0.1" }))
    assert.equal(201, code)
    local rows = {}
    local rv = json.decode(text).metadata.resourceVersion
    for _, e in ipairs(watch_events(pods, "nocmd", 4, rv)) do
      local cs = e.object.status.containerStatuses
      local w = cs and cs[1].state.waiting
      if w then
        local row = w.reason .. " " .. cs[1].restartCount .. " " .. ((w.message or ""):match(
          "^back%-off (%w+)") or "-") .. " " .. (cs[1].lastState.terminated
          and cs[1].lastState.terminated.reason or "-")
        if rows[#rows] ~= row then rows[#rows + 1] = row end
      end
    end
    local from = rows[1] == "ContainerCreating 0 - -" and 2 or 1
    assert.same({ "RunContainerError 0 - -", "CrashLoopBackOff 1 10s StartError",
      "RunContainerError 1 - StartError", "CrashLoopBackOff 2 20s StartError" },
      { unpack(rows, from, from + 3) })
    local last = get("nocmd").status.containerStatuses[1].lastState.terminated
    assert.equal(128, last.exitCode)
    assert.matches("executable file not found in %$PATH", last.message)
    http("DELETE", pods .. "/nocmd")
  end)

  describe("log errors", function()
    setup(function()
      assert.equal(201, (http("POST", pods, annotated("logs", "nginx",
        { ["sim.kwhisk.io/log-lines"] = "hello" }))))
      simh.ready(pods .. "/logs")
    end)

    local function log_error(kind)
      assert(sim:fault({ kind = "kubelet_log", error = kind, path = "/api/v1/namespaces/"
        .. "default/pods/logs/log" }))
      local code, text = http("GET", pods .. "/logs/log")
      local st = json.decode(text)
      assert.equal("Status", st.kind)
      return code, st.reason, st.message
    end

    it("answers each kubelet failure as an HTTP error with the kubelet's text", function()
      local cid = get("logs").status.containerStatuses[1].containerID
      assert.same({ 400, "BadRequest", "unable to retrieve container logs for " .. cid },
        { log_error("unretrievable") })
      assert.same({ 400, "BadRequest", "container \"user-action\" in pod \"logs\" is waiting "
        .. "to start: trying and failing to pull image" }, { log_error("pull-backoff") })
      assert.same({ 400, "BadRequest", "container \"user-action\" in pod \"logs\" is waiting "
        .. "to start: ContainerCreating" }, { log_error("creating") })
      assert.same({ 400, "BadRequest", "container \"user-action\" in pod \"logs\" is "
        .. "terminated" }, { log_error("terminated") })
      assert.same({ 404, "NotFound", "pod \"logs\" does not exist" }, { log_error("pod-missing") })
      -- used up: the log is back
      local code, text = http("GET", pods .. "/logs/log")
      assert.equal(200, code)
      assert.equal("hello\n", text)
    end)

    it("refuses a kubelet_log fault without a known error", function()
      local ok, err = sim:fault({ kind = "kubelet_log", error = "bogus" })
      assert.is_nil(ok)
      assert.matches("error must be one of unretrievable", err)
    end)
  end)

  it("rotates a container's log past containerLogMaxSize, keeps 5 files, serves only the "
    .. "current file without follow and the whole log to a follower", function()
    -- time scale 0.05: the kubelet's 10 s monitor interval lasts 0.5 s
    assert.equal(201, (http("POST", pods, annotated("rot", "kwhisk/action-lua",
      { ["sim.kwhisk.io/time-scale"] = "0.05" }))))
    local p = simh.ready(pods .. "/rot")
    local req = require("http.request").new_from_uri(pods .. "/rot/log?follow=true")
    local h, stream = req:go(10)
    assert.equal("200", h:get(":status"))
    local action = "http://" .. p.status.podIP .. ":8080/"
    assert.equal(200, (http("POST", action .. "init", { value = { code = [[
      function main(a)
        for _ = 1, a.n do
          count = (count or 0) + 1
          print(("line %04d "):format(count) .. ("x"):rep(90))
        end
        return {} end]] } })))
    -- 8 runs of 50 records of about 140 bytes: 7 KiB each, and a look at the file (the
    -- monitor interval) after each
    for _ = 1, 8 do
      require("cqueues").sleep(0.6)
      assert.equal(200, (http("POST", action .. "run", { value = { n = 50 } })))
    end
    local rotated = {}
    for name in require("posix.dirent").files(sim.dir .. "/logs") do
      if name:match("_rot_.*%.log%.") then rotated[#rotated + 1] = name end
    end
    assert.equal(4, #rotated)
    local _, current = http("GET", pods .. "/rot/log")
    local first = tonumber(current:match("^line (%d+)"))
    assert.is_true(first > 300, "the current file starts at line " .. tostring(first))
    assert.matches("line 0400 x+\nXXX_THE_END_OF_A_WHISK_ACTIVATION_XXX\n"
      .. "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX\n$", current)
    assert.is_nil(current:find("line 0001 ", 1, true))
    local followed = ""
    local deadline = os.time() + 10
    while not followed:find("line 0400", 1, true) and os.time() <= deadline do
      followed = followed .. (stream:get_next_chunk(1) or "")
    end
    stream:shutdown()
    http("DELETE", pods .. "/rot?gracePeriodSeconds=0")
    local n = 0
    for i in followed:gmatch("line (%d+) ") do
      n = n + 1
      assert.equal(n, tonumber(i))
    end
    assert.equal(400, n)
  end)
end)
