-- kwhisk.k8s.api: paths, queries, error values, retries, idempotent creates, credential renewal,
-- against a real HTTP server on loopback.
local api = require "kwhisk.k8s.api"
local json = require "kwhisk.json"
local errors = require "kwhisk.errors"
local loop = require "kwhisk.loop"
local kubeconfig = require "kwhisk.k8s.kubeconfig"
local httpd = require "helpers.httpd"
local shell = require "helpers.shell"

local TOKEN = "tok-api-5e1d0c-secret"

local HANDLER = [[
local seen = {}
local pods = {}
local function status(code, reason, message, details)
  return { status = code, headers = { ["content-type"] = "application/json" },
    body = string.format('{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure",' ..
      '"message":%q,"reason":%q,"code":%d%s}', message, reason, code, details or "") }
end
return function(r)
  local path = r.path:match("^[^?]*")
  seen[r.path] = (seen[r.path] or 0) + 1
  local n = seen[r.path]
  if path == "/ok" then
    return { body = '{"kind":"Pod","items":[1,2]}' }
  elseif path == "/echo" then
    return { body = string.format('{"method":%q,"path":%q,"body":%q}', r.method, r.path, r.body) }
  elseif path == "/none" then
    return { status = 204 }
  elseif path == "/missing" then
    return status(404, "NotFound", 'pods "x" not found', ',"details":{"name":"x","kind":"pods"}')
  elseif path == "/html" then
    return { status = 502, body = "<html>" .. string.rep("x", 5000) .. "</html>" }
  elseif path == "/throttle-plain" then
    if n == 1 then
      return { status = 429, headers = { ["retry-after"] = "1" },
               body = "Too many requests, please try again later." }
    end
    return { body = '{"ok":true}' }
  elseif path == "/throttle-status" then
    if n == 1 then
      local r2 = status(429, "TooManyRequests", "slow down", ',"details":{"retryAfterSeconds":1}')
      r2.headers["retry-after"] = os.date("!%a, %d %b %Y %H:%M:%S GMT", os.time() + 1)
      return r2
    end
    return { body = '{"ok":true}' }
  elseif path == "/throttle-long" then
    if n == 1 then
      return { status = 429, headers = { ["retry-after"] = "3600" }, body = "later" }
    end
    return { body = '{"ok":true}' }
  elseif path == "/unavailable" then
    if n <= 2 then return { status = 503, body = "busy" } end
    return { body = '{"ok":true}' }
  elseif path == "/always503" then
    return { status = 503, body = "busy" }
  elseif path == "/reset" then
    if n == 1 then return { body = string.rep("x", 10000), cut_after = 50 } end
    return { body = '{"ok":true}' }
  elseif path == "/stall" then
    return { delay = 2, body = '{"ok":true}' }
  elseif path == "/pods" and r.method == "POST" then
    local pod = r.body
    local name = pod:match('"name":"([^"]+)"')
    if pods[name] then
      return status(409, "AlreadyExists", 'pods "' .. name .. '" already exists')
    end
    pods[name] = pod
    if name == "lost" then return { drop = true } end -- created, but the answer is lost
    return { status = 201, body = pod }
  elseif path:match("^/pods/") and r.method == "GET" then
    local pod = pods[path:match("^/pods/(.*)$")]
    if pod then return { body = pod } end
    return status(404, "NotFound", "not found")
  elseif path == "/auth" then
    local f = io.open("EXPECTED_PATH")
    local want = f and f:read("*l")
    if f then f:close() end
    if r.headers.authorization ~= "Bearer " .. tostring(want) then
      return status(401, "Unauthorized", "Unauthorized")
    end
    return { body = '{"ok":true}' }
  end
  return { status = 404, body = "no route" }
end
]]

describe("kwhisk.k8s.api", function()
  local server, conn, lines

  setup(function()
    server = httpd.start { handler = HANDLER }
    lines = {}
    conn = api.new(kubeconfig.load { server = server.url, token = TOKEN },
      { backoff_base = 0.01, log = function(line) lines[#lines + 1] = line end })
  end)

  teardown(function()
    server:stop()
    for _, line in ipairs(lines) do
      assert.not_matches(TOKEN, line, 1, true)
    end
  end)

  before_each(function()
    for i = #lines, 1, -1 do
      lines[i] = nil
    end
  end)

  it("builds percent-encoded paths and sorted queries", function()
    assert.equal("/api/v1/namespaces/a%20b/pods/p%2F1", api.path("api", "v1", "namespaces",
      "a b", "pods", "p/1"))
    assert.equal("fieldSelector=involvedObject.name%3Dp1&labelSelector=a%3Db%2Cc%20in%20%28x%29" ..
      "&watch=true", api.query { labelSelector = "a=b,c in (x)", watch = true,
                                 fieldSelector = "involvedObject.name=p1" })
    assert.equal("a=1&a=2", api.query { a = { 1, 2 } })
    assert.equal("", api.query(nil))
  end)

  it("sends JSON and decodes JSON", function()
    local v, response = assert(conn:request { method = "POST", path = "/echo",
      query = { labelSelector = "app=x" }, body = { metadata = { name = "p" } } })
    assert.equal("POST", v.method)
    assert.equal("/echo?labelSelector=app%3Dx", v.path)
    assert.same({ metadata = { name = "p" } }, json.decode(v.body))
    assert.equal(200, response.status)
    local last = server:requests()[#server:requests()]
    assert.equal("application/json", last.headers["content-type"])
    assert.equal("application/json", last.headers.accept)
    assert.equal("Bearer " .. TOKEN, last.headers.authorization)
    assert.same({ 1, 2 }, assert(conn:get("/ok")).items)
  end)

  it("treats 204 as success", function()
    assert.is_true(conn:delete("/none"))
  end)

  it("maps a Status to an error value with kind, status and code", function()
    local v, err = conn:get("/missing")
    assert.is_nil(v)
    assert.is_true(errors.is(err, "not_found"))
    assert.equal(404, err.code)
    assert.equal("NotFound", err.status.reason)
    assert.equal('GET /missing: 404 pods "x" not found', tostring(err))
    assert.equal(1, #lines) -- a 404 is not retried
  end)

  it("keeps the first 2 KiB of a non-JSON error body as the message", function()
    local _, err = conn:get("/html", { q = "1" })
    assert.equal("server", err.kind)
    assert.equal(502, err.code)
    assert.is_nil(err.status)
    assert.equal("GET /html?q=1: 502 " .. ("<html>" .. string.rep("x", 5000)):sub(1, 2048),
      err.message)
    assert.equal(5, err.attempts) -- 502 is retried up to the limit
    assert.equal(5, #lines)
  end)

  it("retries a plain-text 429, honouring Retry-After in seconds", function()
    local start = loop.now()
    assert.is_true(assert(conn:get("/throttle-plain")).ok)
    assert.is_true(loop.now() - start >= 1)
    assert.matches("^GET /throttle%-plain %-> 429 %d+ms attempt 1$", lines[1])
    assert.matches("^GET /throttle%-plain %-> 200 %d+ms attempt 2$", lines[2])
  end)

  it("retries a Status 429, honouring Retry-After as an HTTP date", function()
    assert.is_true(assert(conn:get("/throttle-status")).ok)
    assert.equal(2, #lines)
  end)

  it("caps Retry-After", function()
    local c = api.new(conn.connection, { retry_after_max = 0.2, backoff_base = 0.01 })
    local start = loop.now()
    assert.is_true(assert(c:get("/throttle-long")).ok)
    assert.is_true(loop.now() - start < 2)
  end)

  it("retries 503 and a connection reset mid-body on a GET", function()
    assert.is_true(assert(conn:get("/unavailable")).ok)
    assert.equal(3, #lines)
    assert.is_true(assert(conn:get("/reset")).ok)
    assert.matches("^GET /reset %-> transport %d+ms attempt 1$", lines[4])
  end)

  it("does not retry a POST that is not marked idempotent", function()
    local _, err = conn:post("/always503", { a = 1 })
    assert.equal("server", err.kind)
    assert.equal(1, err.attempts)
    local _, err2 = conn:post("/always503", { a = 1 }, { idempotent = true })
    assert.equal(5, err2.attempts)
  end)

  it("gives up after max_attempts with the last error, timeouts included", function()
    local c = api.new(conn.connection, { max_attempts = 2, timeout = 0.2, backoff_base = 0.01,
      log = function(line) lines[#lines + 1] = line end })
    local _, err = c:get("/stall")
    assert.equal("timeout", err.kind)
    assert.equal(2, err.attempts)
    assert.matches("^GET /stall: Timeout was reached", err.message)
    assert.equal(2, #lines)
  end)

  it("makes a retried create safe: a 409 for our own pod is success", function()
    local pod = { apiVersion = "v1", kind = "Pod", metadata = { name = "lost" } }
    local created = assert(conn:create("/pods", pod))
    local id = created.metadata.annotations[api.CREATE_ID_ANNOTATION]
    assert.matches("^%x+$", id)
    assert.equal(32, #id)
    assert.is_nil(pod.metadata.annotations) -- the caller's table is left alone
    assert.matches("^POST /pods %-> transport", lines[1])
    assert.matches("^POST /pods %-> 409", lines[2])
    assert.matches("^GET /pods/lost %-> 200", lines[3])
  end)

  it("reports a conflict for a pod that someone else created", function()
    assert(conn:create("/pods", { metadata = { name = "taken" } }))
    local v, err = conn:create("/pods", { metadata = { name = "taken" } })
    assert.is_nil(v)
    assert.equal("conflict", err.kind)
    assert.equal("AlreadyExists", err.status.reason)
  end)

  it("runs many calls at once", function()
    local tasks = {}
    for i = 1, 50 do
      tasks[i] = loop.spawn(conn.get, conn, "/ok")
    end
    local ok = 0
    for i = 1, 50 do
      local v = tasks[i]:wait()
      ok = ok + (v and v.kind == "Pod" and 1 or 0)
    end
    assert.equal(50, ok)
  end)

  it("opens streams, mapping a non-2xx answer to an error", function()
    local s = assert(conn:stream("/ok", { follow = true }))
    assert.equal(200, s.status)
    assert.equal('{"kind":"Pod","items":[1,2]}', s:read_all())
    local none, err = conn:stream("/missing")
    assert.is_nil(none)
    assert.equal("not_found", err.kind)
    assert.equal('GET /missing: 404 pods "x" not found', err.message)
    assert.matches("^GET /ok%?follow=true %-> 200", lines[1])
  end)

  it("rejects bad arguments, naming them", function()
    assert.has_error(function() conn:get("pods") end,
      "bad argument #1 to 'get' (path starting with / expected, got \"pods\")")
    assert.has_error(function() api.new({}) end,
      "bad argument #1 to 'api.new' (connection with a server URL expected)")
    assert.has_error(function() api.new(conn.connection, { max_attempts = "3" }) end,
      "bad argument #2 to 'api.new' (options.max_attempts: non-negative number expected)")
  end)

  describe("retry-after values", function()
    it("reads seconds and HTTP dates", function()
      assert.equal(7, api.retry_after("7"))
      assert.equal(10, api.retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480))
      assert.equal(0, api.retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412500))
      assert.is_nil(api.retry_after("soon"))
      assert.is_nil(api.retry_after(nil))
    end)
  end)
end)

describe("kwhisk.api credentials", function()
  local dir, cleanup, server, lines

  local function write(path, text)
    local f = assert(io.open(path, "w"))
    f:write(text)
    f:close()
  end

  setup(function()
    dir, cleanup = shell.tmpdir()
    server = httpd.start { handler = (HANDLER:gsub("EXPECTED_PATH", dir .. "/expected")) }
  end)

  teardown(function()
    server:stop()
    cleanup()
  end)

  local function connect(refresh)
    lines = {}
    local connection = assert(kubeconfig.load({ server = server.url, token_file = dir .. "/token" },
      { token_refresh = refresh }))
    return api.new(connection, { log = function(line) lines[#lines + 1] = line end })
  end

  local function last_auth()
    local seen = server:requests()
    return seen[#seen].headers.authorization
  end

  it("retries once with a fresh token after a 401", function()
    write(dir .. "/expected", "new-" .. TOKEN)
    write(dir .. "/token", "old-" .. TOKEN .. "\n")
    local conn = connect(60)
    write(dir .. "/token", "new-" .. TOKEN .. "\n")
    assert.is_true(assert(conn:get("/auth")).ok)
    assert.matches("^GET /auth %-> 401 %d+ms attempt 1$", lines[1])
    assert.matches("^GET /auth %-> 200 %d+ms attempt 2$", lines[2])
    assert.equal("Bearer new-" .. TOKEN, last_auth())
  end)

  it("fails with unauthorized when the fresh token is refused too", function()
    write(dir .. "/expected", "other")
    local conn = connect(60)
    local _, err = conn:get("/auth")
    assert.equal("unauthorized", err.kind)
    assert.equal(2, #lines)
    assert.not_matches(TOKEN, err.message, 1, true)
  end)

  it("re-reads a token file changed mid-run, keeping the last good one on failure", function()
    write(dir .. "/expected", "a-" .. TOKEN)
    write(dir .. "/token", "a-" .. TOKEN)
    local conn = connect(0.1)
    assert.is_true(assert(conn:get("/auth")).ok)
    write(dir .. "/expected", "b-" .. TOKEN)
    write(dir .. "/token", "b-" .. TOKEN)
    loop.sleep(0.15)
    assert.is_true(assert(conn:get("/auth")).ok)
    assert.equal(1, #lines - 1) -- no 401 on the way: the new token was read in time
    assert.equal("Bearer b-" .. TOKEN, last_auth())
    os.remove(dir .. "/token")
    loop.sleep(0.15)
    assert.is_true(assert(conn:get("/auth")).ok)
    assert.equal("Bearer b-" .. TOKEN, last_auth())
  end)

  it("fails to load when the token file cannot be read at all", function()
    local connection, err = kubeconfig.load { server = server.url, token_file = dir .. "/none" }
    assert.is_nil(connection)
    assert.equal("config", err.kind)
    assert.equal("connection.token_file: cannot read a token from " .. dir .. "/none",
      err.message)
  end)
end)
