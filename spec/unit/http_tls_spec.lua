-- kwhisk.http over TLS: a CA, server and client certificates generated here (openssl CLI),
-- credentials passed from memory; verification, client certificates, insecure, HTTP/2.
local http = require "kwhisk.http"
local api = require "kwhisk.k8s.api"
local kubeconfig = require "kwhisk.k8s.kubeconfig"
local httpd = require "helpers.httpd"
local shell = require "helpers.shell"

local TOKEN = "tok-tls-93b1-secret"

local read = shell.read

local function make_pki(dir)
  local ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
  local script = table.concat({
    "cd " .. shell.quote(dir),
    "openssl req -x509 " .. ec .. " -keyout ca.key -out ca.crt -days 1 -subj /CN=kwhisk-test-ca",
    "openssl req " .. ec .. " -keyout server.key -out server.csr -subj /CN=127.0.0.1",
    "printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext",
    "openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial" ..
      " -out server.crt -days 1 -extfile san.ext",
    "openssl req " .. ec .. " -keyout client.key -out client.csr -subj /CN=kwhisk-client",
    "openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial" ..
      " -out client.crt -days 1",
  }, " && ")
  local status, output = shell.run(script)
  assert(status == 0, output)
end

describe("kwhisk.http over TLS", function()
  local dir, cleanup, server, mutual, ca, cert, key

  setup(function()
    dir, cleanup = shell.tmpdir()
    make_pki(dir)
    ca, cert, key = read(dir .. "/ca.crt"), read(dir .. "/client.crt"), read(dir .. "/client.key")
    local handler = [[return function(r) return { body = '{"ok":true}' } end]]
    server = httpd.start { handler = handler,
      tls = { cert = dir .. "/server.crt", key = dir .. "/server.key" } }
    mutual = httpd.start { handler = handler, tls = { cert = dir .. "/server.crt",
      key = dir .. "/server.key", client_ca = dir .. "/ca.crt" } }
  end)

  teardown(function()
    server:stop()
    mutual:stop()
    cleanup()
  end)

  it("verifies the server with the given CA", function()
    local r = assert(http.request { url = server.url .. "/", ca = ca, token = TOKEN })
    assert.equal(200, r.status)
    assert.equal('{"ok":true}', r.body)
  end)

  it("fails with kind tls and a clear message without the CA", function()
    local r, err = http.request { url = server.url .. "/", token = TOKEN }
    assert.is_nil(r)
    assert.equal("tls", err.kind)
    assert.matches("SSL certificate problem", err.message)
    assert.not_matches(TOKEN, err.message, 1, true)
  end)

  it("fails with kind tls when the CA is not the server's", function()
    local r, err = http.request { url = server.url .. "/", ca = cert }
    assert.is_nil(r)
    assert.equal("tls", err.kind)
  end)

  it("authenticates with a client certificate and key from memory", function()
    local r = assert(http.request { url = mutual.url .. "/", ca = ca, cert = cert, key = key })
    assert.equal(200, r.status)
  end)

  it("is refused by a server that requires a client certificate when none is given", function()
    local r, err = http.request { url = mutual.url .. "/", ca = ca, token = TOKEN }
    assert.is_nil(r)
    assert.truthy(err.kind == "tls" or err.kind == "transport")
    assert.not_matches(TOKEN, err.message, 1, true)
  end)

  it("skips verification only when insecure is asked", function()
    assert.equal(200, assert(http.request { url = server.url .. "/", insecure = true }).status)
  end)

  it("speaks HTTP/2 when the server offers it", function()
    assert(http.request { url = server.url .. "/", ca = ca })
    local seen = server:requests()
    assert.equal(2, seen[#seen].version)
  end)

  it("multiplexes concurrent requests over HTTP/2", function()
    local loop = require "kwhisk.loop"
    local tasks = {}
    for i = 1, 50 do
      tasks[i] = loop.spawn(http.request, { url = server.url .. "/" .. i, ca = ca })
    end
    local ok = 0
    for i = 1, 50 do
      local r = tasks[i]:wait()
      ok = ok + (r and r.status == 200 and 1 or 0)
    end
    assert.equal(50, ok)
  end)

  it("works through kubeconfig and api with file credentials", function()
    local connection = assert(kubeconfig.load { server = mutual.url, ca_file = dir .. "/ca.crt",
      cert_file = dir .. "/client.crt", key_file = dir .. "/client.key", token = TOKEN })
    local conn = api.new(connection)
    assert.is_true(assert(conn:get("/x")).ok)
    local seen = mutual:requests()
    assert.equal("Bearer " .. TOKEN, seen[#seen].headers.authorization)
    local _, err = kubeconfig.load { server = mutual.url, ca_file = dir .. "/nope.crt" }
    assert.equal("config", err.kind)
    assert.matches("^connection.ca_file: cannot read " .. dir .. "/nope.crt", err.message)
  end)
end)
