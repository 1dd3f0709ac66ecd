-- kwhisk.k8s.kubeconfig: resolution order, kubectl's merge rules, credential forms, exec
-- plugins, in-cluster, and errors that name the file and the key.
local kubeconfig = require "kwhisk.k8s.kubeconfig"
local api = require "kwhisk.k8s.api"
local httpd = require "helpers.httpd"
local shell = require "helpers.shell"

local TOKEN = "tok-kc-41a7-secret"
local PLUGIN = select(2, shell.run("pwd")):match("%S+") .. "/spec/fixtures/exec-credential.sh"

local function b64(s)
  local status, out = shell.run("printf %s " .. shell.quote(s) .. " | base64 -w0")
  assert(status == 0)
  return out
end

describe("kwhisk.k8s.kubeconfig", function()
  local dir, cleanup

  local function write(name, text)
    local path = dir .. "/" .. name
    shell.write(path, text)
    return path
  end

  local function lines(name)
    local n = 0
    for _ in io.lines(dir .. "/" .. name) do
      n = n + 1
    end
    return n
  end

  setup(function()
    dir, cleanup = shell.tmpdir()
    shell.run("mkdir -p " .. shell.quote(dir .. "/sub/certs"))
  end)

  teardown(function()
    cleanup()
  end)

  describe("an explicit table", function()
    it("defaults the namespace and keeps the given keys", function()
      local c = assert(kubeconfig.load { server = "https://127.0.0.1:6443", token = TOKEN })
      assert.equal("https://127.0.0.1:6443", c.server)
      assert.equal("default", c.namespace)
      assert.is_false(c.insecure)
      assert.equal(TOKEN, c.credentials:get().token)
      assert.not_matches(TOKEN, tostring(c.credentials), 1, true)
      c = assert(kubeconfig.load { server = "http://x", namespace = "ow", insecure = true })
      assert.equal("ow", c.namespace)
      assert.is_true(c.insecure)
    end)

    it("raises on unknown keys and a bad server, naming them", function()
      assert.has_error(function() kubeconfig.load { server = "http://x", tokn = "t" } end,
        "bad argument #1 to 'kubeconfig.load' (connection key 'tokn' unknown)")
      assert.has_error(function() kubeconfig.load { server = "x" } end,
        "bad argument #1 to 'kubeconfig.load' (connection key 'server': http:// or https:// "
          .. "URL expected)")
      assert.has_error(function() kubeconfig.load(42) end,
        "bad argument #1 to 'kubeconfig.load' (path or table expected, got number)")
    end)
  end)

  describe("a kubeconfig file", function()
    it("follows current-context, with -data and relative file credentials", function()
      write("sub/certs/ca.crt", "CA PEM")
      write("sub/certs/client.key", "KEY PEM")
      local path = write("sub/config", ([[
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: c1
  cluster:
    server: https://10.0.0.1:6443
    certificate-authority: certs/ca.crt
users:
- name: u1
  user:
    client-certificate-data: %s
    client-key: certs/client.key
    token: %s
    tokenFile: /nonexistent
contexts:
- name: dev
  context: {cluster: c1, user: u1, namespace: ow}
- name: bare
  context: {cluster: c1, user: u1}
]]):format(b64("CERT PEM"), TOKEN))
      local c = assert(kubeconfig.load(path))
      assert.equal("https://10.0.0.1:6443", c.server)
      assert.equal("ow", c.namespace)
      assert.equal("CA PEM", c.ca)
      local creds = c.credentials:get()
      assert.equal("CERT PEM", creds.cert)
      assert.equal("KEY PEM", creds.key)
      assert.equal(TOKEN, creds.token) -- token beats tokenFile
      local bare = assert(kubeconfig.load(path, { context = "bare" }))
      assert.equal("default", bare.namespace)
    end)

    it("merges KUBECONFIG files: the first to define an entry wins", function()
      local first = write("first", [[
current-context: ctx
users:
- name: u
  user: {token: first-token}
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: from-first}
]])
      local second = write("second", [[
current-context: other
clusters:
- name: c
  cluster: {server: "https://second:443", insecure-skip-tls-verify: true}
users:
- name: u
  user: {token: second-token}
contexts:
- name: ctx
  context: {cluster: c, user: u, namespace: from-second}
- name: other
  context: {cluster: c, user: u}
]])
      local env = { KUBECONFIG = first .. ":" .. dir .. "/missing:" .. second .. ":" .. first }
      local c = assert(kubeconfig.load(nil, { env = env }))
      assert.equal("https://second:443", c.server)
      assert.equal("from-first", c.namespace)
      assert.equal("first-token", c.credentials:get().token)
      assert.is_true(c.insecure)
      assert.equal(first .. ":" .. second .. " (context ctx)", c.source)
      env.KUBECONFIG = second .. ":" .. first
      c = assert(kubeconfig.load(nil, { env = env }))
      assert.equal("second-token", c.credentials:get().token)
      assert.equal("default", c.namespace) -- context "other" names no namespace
    end)

    it("falls back to ~/.kube/config, then to in-cluster", function()
      shell.run("mkdir -p " .. shell.quote(dir .. "/home/.kube") .. " " ..
        shell.quote(dir .. "/sa"))
      write("home/.kube/config", [[
current-context: h
clusters: [{name: c, cluster: {server: "https://home:6443"}}]
contexts: [{name: h, context: {cluster: c}}]
]])
      local c = assert(kubeconfig.load(nil, { env = { HOME = dir .. "/home" } }))
      assert.equal("https://home:6443", c.server)
      assert.is_nil(c.credentials:get().token)
      write("sa/token", TOKEN .. "\n")
      write("sa/ca.crt", "SA CA")
      write("sa/namespace", "openwhisk\n")
      local env = { HOME = dir .. "/nohome", KUBERNETES_SERVICE_HOST = "fd00::1",
                    KUBERNETES_SERVICE_PORT = "443" }
      c = assert(kubeconfig.load(nil, { env = env, incluster_dir = dir .. "/sa" }))
      assert.equal("https://[fd00::1]:443", c.server)
      assert.equal("openwhisk", c.namespace)
      assert.equal("SA CA", c.ca)
      assert.equal(TOKEN, c.credentials:get().token)
      env.KUBERNETES_SERVICE_HOST = "10.96.0.1"
      assert.equal("https://10.96.0.1:443",
        assert(kubeconfig.load(nil, { env = env, incluster_dir = dir .. "/sa" })).server)
      local none, err = kubeconfig.load(nil, { env = { HOME = dir .. "/nohome" } })
      assert.is_nil(none)
      assert.equal("config", err.kind)
      assert.matches("no configuration", err.message)
    end)

    it("names the file, the key and the problem of a broken kubeconfig", function()
      local function fails(text, want, options)
        local path = write("broken", text)
        local c, err = kubeconfig.load(path, options)
        assert.is_nil(c)
        assert.equal("config", err.kind)
        assert.equal((want:gsub("FILE", path)), err.message)
      end
      local cluster = "clusters: [{name: c, cluster: {server: 'https://x'}}]\n"
      fails("a: [1, 2\n", "FILE:2:1: did not find expected ',' or ']'" ..
        " (while parsing a flow sequence at line 1)")
      fails("- 1\n", "FILE: a kubeconfig must be a mapping")
      fails("clusters: 3\n", "FILE: clusters: a list expected")
      fails("contexts: {a: 1}\n", "FILE: contexts: a list expected")
      fails("users: [{user: {}}]\n", "FILE: users[0].name: a string expected")
      fails(cluster, "FILE: current-context: not set and no context was named")
      fails(cluster .. "current-context: nope\n", "FILE: contexts: no context named nope")
      fails("current-context: a\ncontexts: [{name: a, context: {cluster: z}}]\n",
        "FILE: contexts[0].context.cluster: no cluster named z")
      fails("current-context: a\nclusters: [{name: c, cluster: {server: ftp://x}}]\n" ..
        "contexts: [{name: a, context: {cluster: c}}]\n",
        "FILE: clusters[0].cluster.server: an http(s) URL expected")
      local ctx = "current-context: a\ncontexts: [{name: a, context: {cluster: c, user: u}}]\n"
      fails(cluster .. ctx, "FILE: contexts[0].context.user: no user named u")
      fails(cluster .. ctx .. "users: [{name: u, user: {client-key-data: '%%%'}}]\n",
        "FILE: users[0].user.client-key-data: not base64")
      fails(cluster .. ctx .. "users: [{name: u, user: {client-certificate: nope.crt}}]\n",
        "FILE: users[0].user.client-certificate: cannot read " .. dir ..
        "/nope.crt: " .. dir .. "/nope.crt: No such file or directory")
      fails("current-context: a\ncontexts: [{name: a, context: {cluster: c}}]\n" ..
        "clusters: [{name: c, cluster: {server: 'https://x', insecure-skip-tls-verify: true, " ..
        "certificate-authority-data: " .. b64("CA") .. "}}]\n",
        "FILE: clusters[0].cluster.insecure-skip-tls-verify: not allowed with a CA")
      fails(cluster .. ctx .. "users: [{name: u, user: {exec: {command: x, " ..
        "apiVersion: client.authentication.k8s.io/v1alpha1}}}]\n",
        "FILE: users[0].user.exec.apiVersion: unsupported client.authentication.k8s.io/v1alpha1" ..
        " (client.authentication.k8s.io/v1 or v1beta1 expected)")
      local missing, err = kubeconfig.load(dir .. "/absent")
      assert.is_nil(missing)
      assert.equal(dir .. "/absent: cannot read: " .. dir ..
        "/absent: No such file or directory", err.message)
    end)
  end)

  describe("exec plugins", function()
    local function config(api_version, expiry)
      write("plugin-token", TOKEN)
      write("runs", "")
      return write("exec-config", ([[
current-context: a
clusters: [{name: c, cluster: {server: "%s"}}]
contexts: [{name: a, context: {cluster: c, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: %s
      command: %s
      env:
      - {name: COUNT_FILE, value: "%s/runs"}
      - {name: TOKEN_FILE, value: "%s/plugin-token"}
      - {name: EXPIRY, value: "%s"}
]]):format("https://x", api_version, PLUGIN, dir, dir, expiry or ""))
    end

    it("runs the plugin once and caches its token until it expires", function()
      local c = assert(kubeconfig.load(config("client.authentication.k8s.io/v1")))
      assert.equal(TOKEN, c.credentials:get().token)
      assert.equal(TOKEN, c.credentials:get().token)
      assert.equal(1, lines("runs"))
      c.credentials:renew()
      assert.equal(TOKEN, c.credentials:get().token)
      assert.equal(2, lines("runs"))
      c = assert(kubeconfig.load(config("client.authentication.k8s.io/v1beta1",
        "2001-01-01T00:00:00Z")))
      c.credentials:get()
      c.credentials:get()
      assert.equal(2, lines("runs")) -- expired: every use runs it again
      c = assert(kubeconfig.load(config("client.authentication.k8s.io/v1beta1",
        os.date("!%Y-%m-%dT%H:%M:%SZ", os.time() + 3600))))
      c.credentials:get()
      c.credentials:get()
      assert.equal(1, lines("runs"))
    end)

    it("reports a failing plugin without its output", function()
      local path = config("client.authentication.k8s.io/v1")
      os.remove(dir .. "/plugin-token")
      local c = assert(kubeconfig.load(path))
      local creds, err = c.credentials:get()
      assert.is_nil(creds.token)
      assert.equal("config", err.kind)
      assert.equal(path .. ": users[0].user.exec: the exec plugin " .. PLUGIN ..
        " failed (exit status 1)", err.message)
      local _, call_err = api.new(c):get("/x") -- the call fails with the plugin's error
      assert.equal(err.message, call_err.message)
    end)
  end)
end)

describe("kwhisk.kubeconfig with a server", function()
  local dir, cleanup, server

  local function write(name, text)
    local f = assert(io.open(dir .. "/" .. name, "w"))
    f:write(text)
    f:close()
    return dir .. "/" .. name
  end

  setup(function()
    dir, cleanup = shell.tmpdir()
    server = httpd.start { handler = ([[
      return function(r)
        local f = io.open("%s/expected")
        local want = f and f:read("*l")
        if f then f:close() end
        if r.headers.authorization ~= "Bearer " .. tostring(want) then
          return { status = 401, body = "Unauthorized" }
        end
        return { body = '{"ok":true}' }
      end]]):format(dir) }
  end)

  teardown(function()
    server:stop()
    cleanup()
  end)

  it("re-runs the exec plugin after a 401 and succeeds with its fresh token", function()
    write("expected", "old-" .. TOKEN)
    write("plugin-token", "old-" .. TOKEN)
    write("runs", "")
    local path = write("config", ([[
current-context: a
clusters: [{name: c, cluster: {server: "%s"}}]
contexts: [{name: a, context: {cluster: c, user: u}}]
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: %s
      env:
      - {name: COUNT_FILE, value: "%s/runs"}
      - {name: TOKEN_FILE, value: "%s/plugin-token"}
]]):format(server.url, PLUGIN, dir, dir))
    local logged = {}
    local conn = api.new(assert(kubeconfig.load(path)),
      { log = function(line) logged[#logged + 1] = line end })
    assert.is_true(assert(conn:get("/a")).ok)
    write("expected", "new-" .. TOKEN)
    write("plugin-token", "new-" .. TOKEN)
    assert.is_true(assert(conn:get("/b")).ok)
    local runs = 0
    for _ in io.lines(dir .. "/runs") do
      runs = runs + 1
    end
    assert.equal(2, runs)
    assert.same({ "401", "200" }, { logged[2]:match("%-> (%d+)"), logged[3]:match("%-> (%d+)") })
    local _, err = api.new(assert(kubeconfig.load { server = server.url, token = TOKEN }),
      { log = function(line) logged[#logged + 1] = line end }):get("/c")
    assert.equal("unauthorized", err.kind)
    for _, text in ipairs(logged) do
      assert.not_matches(TOKEN, text, 1, true)
    end
    assert.not_matches(TOKEN, err.message, 1, true)
  end)
end)
