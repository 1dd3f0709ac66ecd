-- Security checks (issue 9): TLS verification cannot be turned off by accident; the
-- Authorization header goes to the API server only, never to action pods, invoker agents
-- or redirect targets; credentials appear in no message or log line; no key is written to
-- a temporary file. `make test-secrets` greps the test logs for the tokens as well.
local kwhisk = require "kwhisk"
local kubeconfig = require "kwhisk.k8s.kubeconfig"
local api = require "kwhisk.k8s.api"
local http = require "kwhisk.http"
local json = require "kwhisk.json"
local fs = require "kwhisk.fs"
local httpd = require "helpers.httpd"
local shell = require "helpers.shell"
local simh = require "helpers.sim"
local tokens = require "helpers.tokens"

local TOKEN = tokens.list.security
local PODS = "/api/v1/namespaces/default/pods"

local function b64(s)
  return require("kwhisk.base64").encode(s)
end

describe("security", function()
  local sim, dir, cleanup, logged

  setup(function()
    sim = simh.start({ "--tls" }, TOKEN)
    dir, cleanup = shell.tmpdir()
    logged = {}
  end)

  teardown(function()
    tokens.keep_log("security-client.log", table.concat(logged, "\n"))
    tokens.keep_log("security-sim.log", fs.read_file(sim.log) or "")
    sim:stop()
    cleanup()
  end)

  local function sim_kubeconfig()
    return json.decode(shell.read(sim.kubeconfig))
  end

  local function write_kubeconfig(name, kc)
    local path = dir .. "/" .. name
    shell.write(path, type(kc) == "string" and kc or json.encode(kc))
    return path
  end

  describe("TLS verification", function()
    it("is on unless asked for: a server without a CA given fails with kind tls", function()
      local conn = api.new(assert(kubeconfig.load { server = sim.url, token = TOKEN }))
      local body, err = conn:get(PODS)
      assert.is_nil(body)
      assert.equal("tls", err.kind)
      -- and the sim's own kubeconfig, with its CA, is trusted
      local good = api.new(assert(kubeconfig.load(sim.kubeconfig)))
      assert.equal("PodList", assert(good:get(PODS)).kind)
    end)

    it("accepts only a real boolean for insecure, and never together with a CA", function()
      for _, v in ipairs({ "false", "true", 1, 0, {} }) do
        assert.has_error(function()
          kubeconfig.load { server = sim.url, insecure = v }
        end, "bad argument #1 to 'kubeconfig.load' (connection key 'insecure': boolean "
          .. "expected, got " .. type(v) .. ")")
        assert.has_error(function()
          http.request { url = sim.url .. "/version", insecure = v }
        end, "bad argument #1 to 'request' (options.insecure: boolean expected, got "
          .. type(v) .. ")")
      end
      assert.has_error(function()
        kubeconfig.load { server = sim.url, insecure = true, ca = "PEM" }
      end, "bad argument #1 to 'kubeconfig.load' (connection key 'insecure': not allowed with "
        .. "a CA)")
      assert.is_false(assert(kubeconfig.load { server = sim.url, insecure = false }).insecure)
    end)

    it("rejects a quoted insecure-skip-tls-verify in a kubeconfig file, as kubectl does", function()
      for _, v in ipairs({ '"true"', "'false'", "yes-please", "1" }) do
        local path = write_kubeconfig("quoted", "current-context: c\n" ..
          "contexts: [{name: c, context: {cluster: c}}]\n" ..
          "clusters: [{name: c, cluster: {server: 'https://127.0.0.1:1', " ..
          "insecure-skip-tls-verify: " .. v .. "}}]\n")
        local c, err = kubeconfig.load(path)
        assert.is_nil(c)
        assert.equal(path .. ": clusters[0].cluster.insecure-skip-tls-verify: true or false "
          .. "expected", err.message)
      end
      -- true and a CA: kubectl refuses it, so does kwhisk
      local kc = sim_kubeconfig()
      kc.clusters[1].cluster["insecure-skip-tls-verify"] = true
      local path = write_kubeconfig("both", kc)
      local c, err = kubeconfig.load(path)
      assert.is_nil(c)
      assert.matches("insecure%-skip%-tls%-verify: not allowed with a CA", err.message)
    end)
  end)

  describe("the Authorization header", function()
    local apiserver, pod, agent, client

    setup(function()
      pod = httpd.start { handler = [[return function() return { body = '{"ok":true}' } end]] }
      agent = httpd.start { handler = [[return function() return { status = 204 } end]] }
      -- The API server: pods answer; /moved redirects to the pod server.
      apiserver = httpd.start { handler = string.format([[return function(r)
        if r.path:match("^/moved") then
          return { status = 302, headers = { location = %q } }
        end
        return { body = '{"kind":"PodList","items":[]}' }
      end]], pod.url .. "/stolen") }
      local path = write_kubeconfig("plain", {
        apiVersion = "v1", kind = "Config", ["current-context"] = "c",
        clusters = { { name = "c", cluster = { server = apiserver.url } } },
        users = { { name = "u", user = { token = TOKEN } } },
        contexts = { { name = "c", context = { cluster = "c", user = "u" } } } })
      client = assert(kwhisk.client({ kubeconfig = path,
        ["invoker-agent"] = { enabled = true, port = agent.port } },
        { log = function(line) logged[#logged + 1] = line end }))
    end)

    teardown(function()
      apiserver:stop()
      pod:stop()
      agent:stop()
    end)

    local function authorizations(server)
      local found = {}
      for _, r in ipairs(server:requests()) do
        found[#found + 1] = r.headers.authorization or "none"
      end
      return found
    end

    it("goes to the API server", function()
      assert.same({}, assert(client:list({ app = "x" })))
      assert.same({ "Bearer " .. TOKEN }, authorizations(apiserver))
    end)

    it("never to an action pod (init, run) nor to the invoker agent", function()
      local c = kwhisk.container.wrap(client, { id = "p1", native_id = "abc",
        worker_ip = "127.0.0.1", address = { host = "127.0.0.1", port = pod.port } })
      assert(c:init("function main() return {} end", "main"))
      assert(c:run({ x = 1 }))
      assert.is_true(client:suspend(c))
      assert.is_true(client:resume(c))
      assert.same({ "none", "none" }, authorizations(pod))
      assert.same({ "none", "none" }, authorizations(agent))
    end)

    it("never follows a redirect away from the API server", function()
      local before = #pod:requests()
      local body, err = client.conn:get("/moved")
      assert.is_nil(body)
      assert.equal(302, err.code)
      assert.equal(before, #pod:requests())
    end)
  end)

  describe("credentials", function()
    it("appear in no error message, log line or string form", function()
      local kc = sim_kubeconfig()
      kc.users[1].user.token = TOKEN .. "-wrong"
      local lines = {}
      local client = assert(kwhisk.client({ kubeconfig = write_kubeconfig("wrong", kc),
        ["user-pod-node-affinity"] = { enabled = false } },
        { log = function(line) lines[#lines + 1] = line end }))
      client.conn:set_logger(function(line) lines[#lines + 1] = line end)
      local c, err = client:run("denied", "example/pause:1")
      assert.is_nil(c)
      assert.equal(401, err.code)
      local pods, lerr = client:list({ app = "x" })
      assert.is_nil(pods)
      local text = table.concat({ tostring(err), err.message, tostring(lerr), tostring(client),
        tostring(client.conn), json.encode(err.status or {}), table.concat(lines, "\n") }, "\n")
      for _, l in ipairs(lines) do logged[#logged + 1] = l end
      assert.is_true(#lines > 0)
      assert.same({}, tokens.found_in(text))
    end)

    it("with a client key: no temporary file ever holds the key", function()
      local status, out = shell.run("cd " .. shell.quote(dir) .. " && openssl req -x509 " ..
        "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout c.key -out c.crt " ..
        "-days 1 -subj /CN=kwhisk-security")
      assert(status == 0, out)
      local key = shell.read(dir .. "/c.key")
      local kc = sim_kubeconfig()
      kc.users[1].user["client-certificate-data"] = b64(shell.read(dir .. "/c.crt"))
      kc.users[1].user["client-key-data"] = b64(key)
      local path = write_kubeconfig("withkey", kc)
      os.remove(dir .. "/c.key")
      local tmp = os.getenv("TMPDIR") or "/tmp"
      shell.write(dir .. "/marker", "")
      local client = assert(kwhisk.client({ kubeconfig = path,
        ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
      assert(client:run("keyed", "example/pause:1"))
      assert(client:list({ app = "x" }))
      assert(client:rm("keyed"))
      -- A line of the key's body is enough to find any copy of it.
      local needle = key:match("\n([A-Za-z0-9+/=]+)\n")
      local _, found = shell.run("find " .. shell.quote(tmp) .. " -xdev -type f -newer " ..
        shell.quote(dir .. "/marker") .. " -size -4M -readable -print0 2>/dev/null | " ..
        "xargs -0 -r grep -lF -e " .. shell.quote(needle) .. " 2>/dev/null")
      assert.equal("", found)
    end)
  end)
end)
