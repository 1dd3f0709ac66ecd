-- kwhisk.k8s.portforward against a small API server that speaks the port-forward protocol
-- (spec/helpers/pfserver.lua, on kwhisk.sim.portforward), with local clients in a child
-- process (spec/helpers/pfclient.py) while this Lua state turns the event loop.
local kwhisk = require "kwhisk"
local shell = require "helpers.shell"

local server, conn, echo_port

local function start_server()
  local pipe = assert(io.popen("luajit spec/helpers/pfserver.lua & echo $!"))
  local pid = pipe:read("*l")
  local api_port, port = pipe:read("*l"):match("^(%d+) (%d+)$")
  server = { pid = pid, pipe = pipe }
  echo_port = tonumber(port)
  conn = kwhisk.api.new({ server = "http://127.0.0.1:" .. api_port, namespace = "ns" })
end

-- Runs pfclient.py in the background and turns the loop until it prints its result.
local function client(fwd, args, seconds)
  local dir, cleanup = shell.tmpdir()
  local out = dir .. "/out"
  os.execute(string.format("python3 spec/helpers/pfclient.py %d %s >%s 2>&1 &", fwd.local_port,
    args, out))
  local deadline = kwhisk.loop.now() + (seconds or 30)
  local text = ""
  while kwhisk.loop.now() < deadline do
    kwhisk.sleep(0.02)
    local f = io.open(out)
    text = f and f:read("*a") or ""
    if f then f:close() end
    if text:find("\n") then
      break
    end
  end
  cleanup()
  return (text:gsub("%s+$", ""))
end

describe("kwhisk.k8s.portforward", function()
  setup(start_server)
  teardown(function()
    os.execute("kill " .. server.pid)
    server.pipe:close()
  end)

  it("forwards one connection and gives its local address", function()
    local fwd = assert(kwhisk.portforward.open(conn, "echo", echo_port))
    assert.matches("^localhost:%d+$", fwd:address())
    assert.equals("ok 1", client(fwd, "echo 1 1000"))
    fwd:close()
  end)

  it("carries 50 concurrent connections through one forward", function()
    local fwd = assert(kwhisk.portforward.open(conn, "echo", echo_port))
    assert.equals("ok 50", client(fwd, "echo 50 100000", 60))
    assert.equals(50, fwd:accepted())
    assert.same({}, fwd:errors())
    fwd:close()
  end)

  it("carries 10 MiB both ways unchanged", function()
    local fwd = assert(kwhisk.portforward.open(conn, "echo", echo_port, { buffer = 65536 }))
    assert.equals("ok 1", client(fwd, "echo 1 " .. 10 * 1024 * 1024, 120))
    fwd:close()
  end)

  it("ends its connections when closed", function()
    local fwd = assert(kwhisk.portforward.open(conn, "echo", echo_port))
    local task = kwhisk.spawn(function()
      -- The client (a Python process) may take a while to start on a loaded machine.
      local deadline = kwhisk.loop.now() + 20
      while fwd:connections() == 0 and kwhisk.loop.now() < deadline do
        kwhisk.sleep(0.05)
      end
      kwhisk.sleep(0.5) -- its first echo is done: it waits for the end
      assert.equals(1, fwd:connections())
      fwd:close()
    end)
    assert.equals("echoed eof", client(fwd, "hold"))
    task:wait()
    assert.equals(0, fwd:connections())
  end)

  it("resets a connection whose pod goes away and reports the error channel's text", function()
    local fwd = assert(kwhisk.portforward.open(conn, "gone", echo_port))
    assert.equals("echoed reset", client(fwd, "hold"))
    local errs = fwd:errors()
    assert.equals(1, #errs)
    assert.equals("port_forward", errs[1].kind)
    assert.matches("the pod is gone", errs[1].message)
    fwd:close()
  end)

  it("reports a refused connection to the pod's port", function()
    local fwd = assert(kwhisk.portforward.open(conn, "closed", 1))
    assert.equals("no-echo reset", client(fwd, "hold"))
    assert.matches("dial tcp 127.0.0.1:1", fwd:errors()[1].message)
    fwd:close()
  end)

  it("gives a clean error when the WebSocket is cut mid-frame", function()
    local fwd = assert(kwhisk.portforward.open(conn, "cut", echo_port))
    assert.equals("no-echo reset", client(fwd, "hold"))
    local err = fwd:errors()[1]
    assert.equals("transport", err.kind)
    assert.matches("cut before its close frame", err.message)
    assert.equals(0, fwd:connections())
    fwd:close()
  end)

  it("returns the server's Status when it refuses the upgrade", function()
    local fwd, err = kwhisk.portforward.open(conn, "missing", 8080)
    assert.is_nil(fwd)
    assert.equals("not_found", err.kind)
    assert.equals(404, err.code)
    assert.matches('pods "missing" not found', err.message)
  end)

  it("refuses bad arguments", function()
    assert.has_error(function() kwhisk.portforward.open(conn, "echo", 0) end,
      "bad argument #3 to 'portforward.open' (port number expected, got 0)")
    assert.has_error(function() kwhisk.portforward.open(conn, 42, 80) end)
    assert.has_error(function() kwhisk.portforward.open({}, "p", 80) end)
  end)
end)

describe("kwhisk.k8s.portforward against a server that never answers the upgrade", function()
  it("gives up at the connection's call deadline with kind timeout", function()
    local silent = require("helpers.httpd").start { handler = [[return function()
      return { delay = 30, status = 200, body = "" }
    end]] }
    finally(function() silent:stop() end)
    local slow = kwhisk.api.new({ server = silent.url, namespace = "ns" }, { call_timeout = 1 })
    local started = kwhisk.loop.now()
    local fwd, err = kwhisk.portforward.open(slow, "p", 8080)
    assert.is_nil(fwd)
    assert.equals("timeout", err.kind)
    assert.is_true(kwhisk.loop.now() - started < 5)
  end)
end)
