-- Bad input, from the server (spec/BAD_INPUT.md): a test server poses as the API server and
-- answers truncated JSON, wrong types, huge numbers, deep nesting, odd Status bodies and
-- broken watch events. Every case gives an error value naming what was wrong, never a raise.
local kwhisk = require "kwhisk"
local api = require "kwhisk.k8s.api"
local kubeconfig = require "kwhisk.k8s.kubeconfig"
local json = require "kwhisk.json"
local httpd = require "helpers.httpd"
local shell = require "helpers.shell"

-- Bodies by the first path segment after /case/, or by namespace for the client's calls.
local HANDLER = [[
local BODIES = {
  truncated = '{"kind":"PodList","items":[{"metadata":{"na',
  deep = string.rep("[", 100000) .. string.rep("]", 100000),
  html = "<html><body>gateway</body></html>",
  huge = '{"big":123456789012345678901234567890123456789,"small":1e-400}',
  overflow = '{"exp":-1e400}',
  nul = '{"a":"x\\u0000y"}',
}
local STATUS = {
  ["status-types"] = { 404, '{"kind":"Status","code":"x","message":42,"reason":7,"details":"d"}' },
  ["status-causes"] = { 422, '{"kind":"Status","code":422,"reason":"Invalid","message":"bad",' ..
    '"details":{"causes":"not a list","retryAfterSeconds":"soon"}}' },
  ["status-long"] = { 500, string.rep("z", 10 * 1024 * 1024) },
  ["status-truncated"] = { 409, '{"kind":"Status","code":409,"message":"pods \\"p\\" al' },
}
local LISTS = {
  ["items-string"] = '{"kind":"PodList","items":"nope"}',
  ["items-numbers"] = '{"kind":"PodList","items":[5,"x"]}',
  ["items-bad-pods"] = '{"kind":"PodList","items":[{"metadata":7,"status":"up"}]}',
  ["list-array"] = '[1,2,3]',
  ["list-empty"] = '',
}
return function(r)
  local path = r.path:match("^[^?]*")
  local case = path:match("^/case/([^/]+)")
  if case and BODIES[case] then
    return { body = BODIES[case] }
  elseif case and STATUS[case] then
    return { status = STATUS[case][1], body = STATUS[case][2] }
  end
  local ns = path:match("^/api/v1/namespaces/([^/]+)/")
  if ns and LISTS[ns] and r.method == "GET" and not r.path:match("watch=") then
    return { status = ns == "list-empty" and 204 or 200, body = LISTS[ns] }
  end
  if ns == "watch-garbage" and r.method == "POST" then
    return { status = 201, body = r.body }
  elseif ns == "watch-garbage" and r.path:match("watch=") then
    return { chunks = { 'not json\n', '{"type":"ADDED","object":5}\n',
      '{"type":"MODIFIED","object":{"metadata":{"name":"p"},"status":"up"}}\n',
      '{"type":"ADDED","object":{"metadata":{"name":"p"},"status":{"containerStatuses":5,' ..
      '"conditions":"x"}}}\n', '{"type":"ERROR","object":{"code":"x"}}\n', '{"type":"ADD' },
      interval = 0.05 }
  elseif ns == "watch-garbage" and r.method == "GET" and path:match("/pods/") then
    return { body = '{"metadata":{"name":"p"},"status":{"phase":7,"conditions":[5,{"type":1}]}}' }
  end
  return { body = '{"kind":"Status","code":200}' }
end
]]

describe("bad input: server answers", function()
  local server, conn, dir, cleanup

  setup(function()
    server = httpd.start { handler = HANDLER }
    conn = api.new(assert(kubeconfig.load { server = server.url }),
      { max_attempts = 2, backoff_base = 0.01 })
    dir, cleanup = shell.tmpdir()
  end)

  teardown(function()
    server:stop()
    cleanup()
  end)

  local function fails(path, kind, pattern)
    local body, err = conn:get(path)
    assert.is_nil(body, path)
    assert.equal(kind, err.kind, path)
    assert.matches(pattern, err.message)
    assert.equal(err.message, tostring(err))
    return err
  end

  it("truncated JSON, deep nesting and HTML: the response is not JSON, and why", function()
    fails("/case/truncated", "server", "^GET /case/truncated: the response is not JSON: ")
    fails("/case/deep", "server", "^GET /case/deep: the response is not JSON: .*nest")
    fails("/case/html", "server", "^GET /case/html: the response is not JSON: ")
  end)

  it("huge numbers: big integers are (imprecise) numbers, 1e400 an error; NUL kept", function()
    local v = assert(conn:get("/case/huge"))
    assert.is_true(v.big > 1.2e38 and v.big < 1.3e38)
    assert.equal(0, v.small)
    fails("/case/overflow", "server", "not JSON: json:1:8: number out of range of a double")
    assert.equal("x\0y", assert(conn:get("/case/nul")).a)
  end)

  it("Status bodies with wrong types, bad causes, no end, or 10 MiB of text", function()
    local err = fails("/case/status-types", "not_found", "^GET /case/status%-types: 404 HTTP 404$")
    assert.equal(404, err.code)
    err = fails("/case/status-causes", "invalid", "^GET /case/status%-causes: 422 bad$")
    assert.is_nil(err.retry_after)
    err = fails("/case/status-long", "server", "^GET /case/status%-long: 500 z+$")
    assert.is_true(#err.message < 2200)
    fails("/case/status-truncated", "conflict", "^GET /case/status%-truncated: 409 {\"kind\"")
  end)

  describe("the client", function()
    local function client_for(ns)
      local kc = json.encode({ apiVersion = "v1", kind = "Config", ["current-context"] = "c",
        clusters = { { name = "c", cluster = { server = server.url } } },
        contexts = { { name = "c", context = { cluster = "c", namespace = ns } } },
        users = json.array({}) })
      shell.write(dir .. "/" .. ns, kc)
      return assert(kwhisk.client({ kubeconfig = dir .. "/" .. ns, timeouts = { run = "2 s" },
        ["user-pod-node-affinity"] = { enabled = false } },
        { log = function() end, api = { max_attempts = 1 } }))
    end

    it("lists: a list of the wrong shape is an error naming it, not a raise", function()
      local cases = { ["items-string"] = "a list with items expected",
        ["items-numbers"] = "item 1 has no metadata.name",
        ["items-bad-pods"] = "item 1 has no metadata.name",
        ["list-array"] = "a list with items expected",
        ["list-empty"] = "a list with items expected" }
      for ns, why in pairs(cases) do
        local pods, err = client_for(ns):list({ app = "x" })
        assert.is_nil(pods, ns)
        assert.equal("server", err.kind, ns)
        assert.equal("GET /api/v1/namespaces/" .. ns .. "/pods: " .. why, err.message)
      end
    end)

    it("run: garbage watch events and pods of wrong shape end in ready_timeout", function()
      local c, err = client_for("watch-garbage"):run("p", "example/pause:1", { keep = true })
      assert.is_nil(c)
      assert.equal("ready_timeout", err.kind)
    end)
  end)
end)
