-- The sim's own surface: its admin API behind the token, its credentials at rest (0600
-- kubeconfig, no token in `ps`), names and request heads refused as the API server refuses
-- them, and no temporary directory left behind by a killed sim.
local json = require "kwhisk.json"
local shell = require "helpers.shell"
local simh = require "helpers.sim"
local tokens = require "helpers.tokens"
local stat = require "posix.sys.stat"
local signal = require "posix.signal"
local wait = require "posix.sys.wait"

local http = simh.http
local read_file = require("kwhisk.fs").read_file
local TOKEN = tokens.list.sim_hardening

-- Sends raw bytes to the sim (then closes the writing side when half_close) and returns the
-- first line of its answer (nil when it closed the connection without one), after keeping
-- the connection open for linger seconds more, when given.
local function raw(url, bytes, half_close, linger)
  local host, port = url:match("^http://([^:/]+):(%d+)")
  local sock = assert(require("cqueues.socket").connect({ host = host, port = tonumber(port) }))
  sock:setmode("b", "b")
  sock:xwrite(bytes, "n", 10)
  if half_close then
    sock:shutdown("w")
  end
  local line = sock:xread("*l", 10)
  if linger then
    require("cqueues").sleep(linger)
  end
  sock:close()
  return line
end

local function mode(path)
  return stat.lstat(path).st_mode % 512
end

local TMP = (os.getenv("TMPDIR") or "") ~= "" and os.getenv("TMPDIR") or "/tmp"

describe("kwhisk sim hardening", function()
  local sim, auth

  setup(function()
    sim = simh.start({}, TOKEN)
    auth = { authorization = "Bearer " .. TOKEN }
  end)
  teardown(function() sim:stop() end)

  -- First: the rotation below leaves the kubeconfig's token stale.
  it("keeps the token out of the runtimes' environment", function()
    local kwhisk = require "kwhisk"
    local client = assert(kwhisk.client({ kubeconfig = sim.kubeconfig,
      ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
    local c = assert(kwhisk.container.create(client, "envcheck", "kwhisk/action-lua"))
    finally(function() c:destroy() end)
    assert(c:init([[function main() return { token = os.getenv("KWHISK_SIM_TOKEN") or "none" }
      end]]))
    assert.same({ token = "none" }, (assert(c:run({}, kwhisk.loop.now() + 30))))
  end)

  it("requires the token on /_sim/ too, so nobody can rotate the token away", function()
    for _, case in ipairs({ { "GET", "/_sim/info" }, { "GET", "/_sim/faults" },
      { "DELETE", "/_sim/faults" }, { "POST", "/_sim/faults", { kind = "rotate_token",
        token = "attacker" } }, { "GET", "/_sim/nothing" } }) do
      local code, text = http(case[1], sim.url .. case[2], case[3])
      assert.equal(401, code, case[1] .. " " .. case[2])
      assert.equal("Unauthorized", json.decode(text).reason)
    end
    -- the attacker's rotation was never armed: the real token still works
    assert.equal(200, (http("GET", sim.url .. "/api/v1/namespaces/default/pods", nil, auth)))
    assert.equal(401, (http("GET", sim.url .. "/api/v1/namespaces/default/pods", nil,
      { authorization = "Bearer attacker" })))
    assert.same({}, assert(sim:faults()))
    assert.equal(200, (http("GET", sim.url .. "/_sim/info", nil, auth)))
  end)

  it("lets whoever armed a rotation go on using the admin API with either token", function()
    local rotated = tokens.list.sim_hardening .. "-rotated"
    assert(sim:fault({ kind = "rotate_token", token = rotated }))
    -- the admin API takes both without completing the rotation
    assert.equal(200, (http("GET", sim.url .. "/_sim/faults", nil, auth)))
    assert.equal(1, assert(sim:faults())[1].remaining)
    assert.equal(200, (http("GET", sim.url .. "/api/v1/namespaces/default/pods", nil,
      { authorization = "Bearer " .. rotated })))
    assert.equal(401, (http("GET", sim.url .. "/_sim/faults", nil, auth)))
    assert(sim:clear_faults())
    TOKEN, auth = rotated, { authorization = "Bearer " .. rotated }
  end)

  it("writes its kubeconfig 0600 and keeps the token off its command line", function()
    assert.equal(tonumber("600", 8), mode(sim.kubeconfig))
    local cmdline = shell.read("/proc/" .. sim.pid .. "/cmdline")
    assert.truthy(cmdline:find("--kubeconfig", 1, true))
    assert.is_nil(cmdline:find(tokens.list.sim_hardening, 1, true))
    assert.equal(401, (http("GET", sim.url .. "/api/v1/namespaces/default/pods")))
  end)

  it("refuses container names that are not DNS-1123 labels, with the API server's causes",
    function()
    local pod = simh.pod("evil")
    pod.spec.containers[1].name = "../../../tmp/evil2"
    local code, text = http("POST", sim.url .. "/api/v1/namespaces/default/pods", pod, auth)
    assert.equal(422, code)
    local st = json.decode(text)
    assert.equal("Invalid", st.reason)
    assert.equal("spec.containers[0].name", st.details.causes[1].field)
    assert.matches("a lowercase RFC 1123 label must consist of", st.details.causes[1].message)
    -- and nothing named after it was written anywhere under the sim's files
    local _, found = shell.run("find " .. shell.quote(sim.dir) .. " -name '*evil2*'")
    assert.equal("", found)
  end)

  it("answers 404 for a namespace that cannot exist and 400 for a name that cannot be a path "
    .. "segment", function()
    for _, ns in ipairs({ "..", "de%00fault", "..%2F..%2Ftmp", "Default", string.rep("a", 64) }) do
      local code, text = http("GET", sim.url .. "/api/v1/namespaces/" .. ns .. "/pods", nil, auth)
      assert.equal(404, code, ns)
      assert.matches('^namespaces ".*" not found$', json.decode(text).message)
      code = http("POST", sim.url .. "/api/v1/namespaces/" .. ns .. "/pods", simh.pod("p"), auth)
      assert.equal(404, code, ns)
    end
    for name, why in pairs({ [".."] = "may not be '..'", ["a%2Fb"] = "may not contain '/'",
      ["a%25b"] = "may not contain '%'" }) do
      local code, text = http("GET", sim.url .. "/api/v1/namespaces/default/pods/" .. name,
        nil, auth)
      assert.equal(400, code, name)
      assert.matches("Name parameter invalid: .*" .. why:gsub("%p", "%%%0"),
        json.decode(text).message)
    end
  end)

  it("answers a huge URI with 414 and huge headers with 431, never a closed connection",
    function()
    local tail = " HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " .. TOKEN .. "\r\n\r\n"
    assert.equal("HTTP/1.1 414 URI Too Long\r",
      raw(sim.url, "GET /api/v1/namespaces/" .. string.rep("a", 100000) .. "/pods" .. tail))
    assert.equal("HTTP/1.1 414 URI Too Long\r",
      raw(sim.url, "GET /" .. string.rep("a", 1000000) .. tail))
    assert.equal("HTTP/1.1 414 URI Too Long\r",
      raw(sim.url, "GET /" .. string.rep("a", 2 * 1024 * 1024) .. tail))
    local big_header = "GET /version HTTP/1.1\r\nHost: x\r\nX-Big: "
      .. string.rep("a", 2 * 1024 * 1024) .. "\r\n\r\n"
    assert.equal("HTTP/1.1 431 Request Header Fields Too Large\r", raw(sim.url, big_header))
    local many = "GET /version HTTP/1.1\r\nHost: x\r\n"
      .. string.rep("X-A: " .. string.rep("b", 1000) .. "\r\n", 1100) .. "\r\n"
    assert.equal("HTTP/1.1 431 Request Header Fields Too Large\r", raw(sim.url, many))
    assert.equal("HTTP/1.1 400 Bad Request\r", raw(sim.url, "GARBAGE\r\n\r\n"))
    -- a Content-Length that is not digits (lua-http raised in the handler reading the body)
    local before = #(read_file(sim.log) or "")
    assert.equal("HTTP/1.1 400 Bad Request\r", raw(sim.url, "PATCH /api/v1/namespaces/default/"
      .. "pods/x" .. tail:gsub("\r\n\r\n$", "\r\nContent-Type: application/merge-patch+json"
      .. "\r\nContent-Length: -1\r\n\r\n{}")))
    assert.is_nil((read_file(sim.log) or ""):find("invalid length", before + 1, true))
    -- and it still serves
    assert.equal("HTTP/1.1 200 OK\r", raw(sim.url, "GET /version" .. tail))
  end)

  it("drops the answer a client left behind a pipelined watch, without raising", function()
    local auth_head = "Host: x\r\nAuthorization: Bearer " .. TOKEN .. "\r\n\r\n"
    local before = #(read_file(sim.log) or "")
    local function logged() return (read_file(sim.log) or ""):sub(before + 1) end
    -- a watch, a request behind it and a stray line (lua-http answers that one 400 and
    -- closes), from a client that stops writing, reads the watch's head and goes a second later
    assert.equal("HTTP/1.1 200 OK\r", raw(sim.url, "GET /api/v1/namespaces/kube-system/pods?"
      .. "watch=true HTTP/1.1\r\n" .. auth_head .. "GET /openapi/v3 HTTP/1.1\r\n"
      .. auth_head .. "\r\n", true, 1))
    -- the watch ends with its client; the answer waiting behind it finds the client gone
    simh.wait_for(function()
      return logged():find("GET /api/v1/namespaces/kube-system/pods 200", 1, true)
    end)
    os.execute("sleep 0.5")
    assert.is_nil(logged():find("assertion failed", 1, true))
  end)

  it("answers a head lua-http raises on with a 400, and goes on serving", function()
    -- a Transfer-Encoding it cannot parse, from a client that then closes its writing side:
    -- left to lua-http, the stream's clean-up spun on the half-closed socket for ever
    assert.equal("HTTP/1.1 400 Bad Request\r", raw(sim.url, "GET /version HTTP/1.1\r\n"
      .. "Host: x\r\nTransfer-Encoding: chunked\181\nAccept: a\r\n\r\n", true))
    assert.equal("HTTP/1.1 200 OK\r", raw(sim.url, "GET /version HTTP/1.1\r\nHost: x\r\n"
      .. "Authorization: Bearer " .. TOKEN .. "\r\n\r\n"))
  end)
end)

describe("kwhisk sim temporary directories", function()
  local bin = os.getenv("PWD") .. "/bin/kwhisk"

  -- Starts `kwhisk sim` without --log-dir (so it makes a directory of its own) and waits
  -- until it serves; returns its pid and that directory.
  local function start_own(kubeconfig)
    local unistd = require "posix.unistd"
    local pid = assert(unistd.fork())
    if pid == 0 then
      local null = require("posix.fcntl").open("/dev/null", require("posix.fcntl").O_WRONLY)
      unistd.dup2(null, 1)
      unistd.dup2(null, 2)
      unistd.execp(bin, { [0] = bin, "sim", "--port", "0", "--agent-port", "0",
        "--kubeconfig", kubeconfig })
      unistd._exit(127)
    end
    simh.wait_for(function() return io.open(kubeconfig) end, 60)
    local p = assert(io.popen("grep -l '^" .. pid .. " ' " .. TMP .. "/kwhisk-sim.*/owner"))
    local owner = p:read("*l")
    p:close()
    return pid, assert(owner, "no directory owned by the sim"):match("^(.*)/owner$")
  end

  it("removes the directory of a SIGKILLed sim when the next one starts", function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    local pid1, dir1 = start_own(dir .. "/kc1")
    assert.equal(tonumber("700", 8), mode(dir1))
    signal.kill(pid1, signal.SIGKILL)
    wait.wait(pid1)
    assert.truthy(stat.lstat(dir1))
    local pid2, dir2 = start_own(dir .. "/kc2")
    finally(function()
      signal.kill(pid2, signal.SIGTERM)
      wait.wait(pid2)
    end)
    assert.is_nil(stat.lstat(dir1))
    assert.truthy(stat.lstat(dir2))
  end)

  it("kills a sim that does not exit on SIGTERM, and removes its directory", function()
    local stuck = simh.start({})
    local pid, dir = stuck.pid, stuck.dir
    signal.kill(pid, signal.SIGSTOP) -- as a sim stuck in a loop: SIGTERM changes nothing
    stuck:stop() -- (waited for ever before)
    assert.is_nil(signal.kill(pid, 0)) -- the process is gone, and reaped
    assert.is_nil(stat.lstat(dir))
  end)
end)
