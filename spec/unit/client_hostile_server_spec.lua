-- kwhisk.client against servers that never finish an answer: one that drips 2 bytes every
-- 0.5 s (every API call has an overall deadline, timeouts.api) and one whose watch sends an
-- event line that never ends (bounded at 16 MiB, as client-go bounds a watch event); and
-- servers whose pod watches end at once (no busy loop) or with an ERROR that is not a 410.
local kwhisk = require "kwhisk"
local httpd = require "helpers.httpd"
local shell = require "helpers.shell"
local json = require "kwhisk.json"
local podstate = require "kwhisk.k8s.podstate"

local now = kwhisk.loop.now

local function kubeconfig(dir, url)
  local path = dir .. "/kubeconfig"
  shell.write(path, json.encode({ apiVersion = "v1", kind = "Config",
    ["current-context"] = "c", clusters = { { name = "c", cluster = { server = url } } },
    users = { { name = "u", user = { token = "t" } } },
    contexts = { { name = "c", context = { cluster = "c", user = "u" } } } }))
  return path
end

describe("kwhisk.client against a server that drips its answers", function()
  local server, dir, cleanup, client

  setup(function()
    server = httpd.start { handler = [[return function()
      local chunks = {}
      for i = 1, 400 do chunks[i] = "  " end
      return { status = 200, headers = { ["content-type"] = "application/json" },
        chunks = chunks, interval = 0.5 }
    end]] }
    dir, cleanup = shell.tmpdir()
    client = assert(kwhisk.client({ kubeconfig = kubeconfig(dir, server.url),
      timeouts = { api = 1, logs = 3 } }, { log = function() end }))
  end)
  teardown(function()
    server:stop()
    cleanup()
  end)

  it("fails list, get and rm with kind timeout at timeouts.api, and events at once", function()
    local calls = {
      list = function() return client:list({}) end,
      get = function() return client.conn:get(client:pods_path("x")) end,
      rm = function() return client:rm("x") end,
      events = function() return nil, client:events("x") end,
    }
    for name, call in pairs(calls) do
      local started = now()
      local ok, err = call()
      local took = now() - started
      assert.is_true(took < 2, name .. " took " .. took .. " s")
      assert.falsy(ok)
      if name ~= "events" then
        assert.are.equal("timeout", err.kind, name)
        assert.matches("no complete answer within 1 s", err.message)
      else
        assert.are.same({}, err)
      end
    end
  end)
end)

describe("kwhisk.client against a watch whose event line never ends", function()
  local server, dir, cleanup, client

  setup(function()
    -- Watches get 64 MiB without a newline; a plain GET of the pod answers it Ready.
    server = httpd.start { handler = [[return function(request)
      if request.path:find("watch=true", 1, true) then
        local chunks, piece = {}, string.rep("x", 1024 * 1024)
        for i = 1, 64 do chunks[i] = piece end
        chunks[1] = '{"type":"ADDED","object":{"metadata":{"name":"p","note":"' .. piece
        return { status = 200, headers = { ["content-type"] = "application/json" },
          chunks = chunks }
      end
      return { status = 200, headers = { ["content-type"] = "application/json" },
        body = '{"kind":"Pod","metadata":{"name":"p"},"status":{"phase":"Running",'
          .. '"conditions":[{"type":"Ready","status":"True"}]}}' }
    end]] }
    dir, cleanup = shell.tmpdir()
    client = assert(kwhisk.client({ kubeconfig = kubeconfig(dir, server.url) },
      { log = function() end }))
  end)
  teardown(function()
    server:stop()
    cleanup()
  end)

  it("gives up the watch past 16 MiB and falls back to polling the pod", function()
    local pod, err = podstate.wait_ready(client.pods, "p", now() + 20)
    assert.is_table(pod, err and err.message)
    assert.are.equal("p", pod.metadata.name)
    local gets = 0
    for _, r in ipairs(server:requests()) do
      if r.path:find("/pods/p", 1, true) and not r.path:find("watch=true", 1, true) then
        gets = gets + 1 -- the pod polled, not the watch and not the node
      end
    end
    -- Read to its end, the watch would have ended and been opened again until the deadline.
    assert.is_true(gets >= 1)
    assert.are.equal(16 * 1024 * 1024, podstate.MAX_WATCH_LINE)
  end)
end)

describe("kwhisk.client against a server whose pod watches end at once", function()
  local server, dir, cleanup

  -- A pod that never gets Ready; every watch of pods answers `watch_body` and ends.
  local function start(watch_body)
    server = httpd.start { handler = ([[return function(request)
      local pod = '{"kind":"Pod","metadata":{"name":"x","uid":"u1","resourceVersion":"5"},'
        .. '"status":{"phase":"Pending"}}'
      if request.path:find("/pods", 1, true) and request.path:find("watch=", 1, true) then
        return { status = 200, headers = { ["content-type"] = "application/json" },
          body = %q }
      elseif request.method == "POST" then
        return { status = 201, headers = { ["content-type"] = "application/json" }, body = pod }
      elseif request.path:find("/pods/x", 1, true) then
        return { status = 200, headers = { ["content-type"] = "application/json" }, body = pod }
      end
      return { status = 200, headers = { ["content-type"] = "application/json" },
        body = '{"kind":"List","metadata":{"resourceVersion":"5"},"items":[]}' }
    end]]):format(watch_body) }
    dir, cleanup = shell.tmpdir()
    return assert(kwhisk.client({ kubeconfig = kubeconfig(dir, server.url),
      ["user-pod-node-affinity"] = { enabled = false }, ["keep-failed-pods"] = true },
      { log = function() end }))
  end
  after_each(function()
    server:stop()
    cleanup()
  end)

  local function pod_watches()
    local n = 0
    for _, r in ipairs(server:requests()) do
      if r.path:find("/pods", 1, true) and r.path:find("watch=", 1, true) then n = n + 1 end
    end
    return n
  end

  it("watches again at a growing pace, not in a loop, when each watch ends empty", function()
    local client = start("")
    local c, err = client:run("x", "example/pause:1", { timeout = 2 })
    assert.is_nil(c)
    assert.equal("ready_timeout", err.kind)
    local n = pod_watches()
    assert.is_true(n >= 2 and n <= 8, n .. " watches in 2 s")
  end)

  it("polls after an ERROR event that is not a 410", function()
    local client = start('{"type":"ERROR","object":{"kind":"Status","code":500}}\n')
    local c, err = client:run("x", "example/pause:1", { timeout = 2 })
    assert.is_nil(c)
    assert.equal("ready_timeout", err.kind)
    assert.equal(1, pod_watches())
  end)
end)
