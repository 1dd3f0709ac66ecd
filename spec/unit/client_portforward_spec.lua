-- kwhisk.client with `port-forwarding-enabled` against the simulated cluster: containers are
-- reached on localhost through kwhisk.k8s.portforward, and rm/destroy close their forwards.
local kwhisk = require "kwhisk"
local shell = require "helpers.shell"
local simh = require "helpers.sim"
local container = kwhisk.container

local ECHO = "function main(a) return { n = a.n, s = a.s } end"

-- Runs spec/helpers/pfclient.py against port in the background; turns the loop until it
-- prints its line.
local function local_client(port, args)
  local dir, cleanup = shell.tmpdir()
  local out = dir .. "/out"
  os.execute(string.format("python3 spec/helpers/pfclient.py %d %s >%s 2>&1 &", port, args,
    out))
  local deadline, text = kwhisk.loop.now() + 30, ""
  while kwhisk.loop.now() < deadline and not text:find("\n") do
    kwhisk.sleep(0.02)
    text = shell.read(out)
  end
  cleanup()
  return (text:gsub("%s+$", ""))
end

-- Runs fn in a task and returns its results, failing the spec (instead of hanging it) when
-- it is not done within `seconds`: a forward that swallows a request must not stall busted.
local function within(seconds, fn)
  local task = kwhisk.spawn(fn)
  local deadline = kwhisk.loop.now() + seconds
  while not task.done and kwhisk.loop.now() < deadline do
    kwhisk.sleep(0.02)
  end
  assert(task.done, "not done within " .. seconds .. " s")
  return task:wait()
end

-- Waits (turning the loop) until the forward has a connection.
local function connected(fwd)
  local deadline = kwhisk.loop.now() + 20
  while fwd:connections() == 0 and kwhisk.loop.now() < deadline do
    kwhisk.sleep(0.02)
  end
  return fwd:connections()
end

describe("kwhisk.client with port-forwarding", function()
  local sim, client

  setup(function()
    sim = simh.start({})
    client = assert(kwhisk.client({ kubeconfig = sim.kubeconfig, ["port-forwarding-enabled"] =
      true, ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
  end)
  teardown(function() sim:stop() end)

  it("runs a whole invocation through localhost and closes the forward on destroy", function()
    local c = assert(container.create(client, "fwd_one", "kwhisk/action-lua"))
    assert.equals("localhost", c.address.host)
    assert.is_true(c.address.port > 0)
    local fwd = client.forwards[c.id]
    assert.equals(c.address.port, fwd.local_port)
    local deadline = kwhisk.loop.now() + 20
    assert(c:init("function main(a) print('hi ' .. a.n) return { n = a.n } end", "main", nil,
      deadline))
    assert.same({ n = 7 }, (assert(c:run({ n = 7 }, deadline))))
    local records = within(20, function() return c:logs(10000, true) end)
    assert.equals(1, #records)
    assert.equals("hi 7", records[1].log)
    -- init and run may share one kept-alive local connection: one WebSocket or two.
    assert.is_true(fwd:accepted() >= 1)
    c:destroy()
    assert.is_true(fwd.closed)
    assert.is_nil(client.forwards[c.id])
    local response = kwhisk.http.request { url = "http://127.0.0.1:" .. c.address.port .. "/run",
      connect_timeout = 2 }
    assert.is_nil(response)
  end)

  describe("one action container", function()
    local c
    setup(function()
      c = assert(container.create(client, "fwd_echo", "kwhisk/action-lua"))
      assert(c:init(ECHO, "main", nil, kwhisk.loop.now() + 20))
    end)
    teardown(function() c:destroy() end)

    it("carries 50 concurrent connections through one forward", function()
      local fwd = client.forwards[c.id]
      local before = fwd:accepted()
      local tasks = {}
      for i = 1, 50 do
        tasks[i] = kwhisk.spawn(function()
          -- Connection: close makes each request its own local connection (and WebSocket).
          return kwhisk.http.request { url = "http://localhost:" .. c.address.port .. "/run",
            method = "POST", body = kwhisk.json.encode({ value = { n = i } }),
            headers = { "Content-Type: application/json", "Connection: close" }, timeout = 60 }
        end)
      end
      for i = 1, 50 do
        local response = assert(tasks[i]:wait())
        assert.equals(200, response.status)
        assert.same({ n = i }, kwhisk.json.decode(response.body))
      end
      -- Each request closes its connection; one may still ride the connection that setup's
      -- init kept alive.
      assert.is_true(fwd:accepted() - before >= 49)
      assert.same({}, fwd:errors())
    end)

    it("carries a 10 MiB body both ways unchanged", function()
      local chunk = {}
      for i = 0, 255 do chunk[#chunk + 1] = string.format("%02x", i) end
      local s = table.concat(chunk):rep(10 * 1024 * 1024 / 512)
      local result = assert(c:run({ s = s }, kwhisk.loop.now() + 120))
      assert.equals(#s, #result.s)
      assert.is_true(result.s == s)
    end)
  end)

  it("ends its connections when the forward is closed", function()
    local pod = assert(client:run("fwd-close", "kwhisk/action-lua"))
    local fwd = client.forwards[pod.id]
    local task = kwhisk.spawn(function()
      assert.equals(1, connected(fwd))
      fwd:close()
    end)
    assert.matches("^eof$", local_client(pod.address.port, "wait"))
    task:wait()
    assert.equals(0, fwd:connections())
    client:rm(pod)
  end)

  it("resets a connection whose pod is deleted and reports why", function()
    local pod = assert(client:run("fwd-gone", "kwhisk/action-lua"))
    local fwd = client.forwards[pod.id]
    local task = kwhisk.spawn(function()
      assert.equals(1, connected(fwd))
      assert(client.conn:delete(client:pods_path(pod.id))) -- not rm: that closes the forward
    end)
    assert.equals("reset", local_client(pod.address.port, "wait"))
    task:wait()
    -- connected() sees the local connection; its WebSocket upgrade may still be on its way
    -- when the delete lands: then the API server refuses the upgrade, as a real one does
    local errs = fwd:errors()
    assert.equals(1, #errs)
    local e = errs[1]
    if e.kind == "bad_request" then
      assert.matches('pod fwd%-gone is not running', e.message)
    else
      assert.equals("port_forward", e.kind)
      assert.matches("error forwarding port 8080 to pod: the pod is gone", e.message)
    end
    client:rm(pod)
  end)

  it("gives the server's refusal of the upgrade as a clear error", function()
    local port, err = client:port_forward("ghost", 8080)
    assert.is_nil(port)
    assert.equals("not_found", err.kind)
    assert.equals(404, err.code)
    assert.matches('pods "ghost" not found', err.message)
    assert.has_error(function() client:port_forward(nil, 8080) end,
      "bad argument #1 to 'port_forward' (pod name expected, got nil)")
  end)
end)
