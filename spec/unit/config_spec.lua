-- kwhisk.config: every SPEC A1 key with its default, spellings, units, files, environment.
local config = require "kwhisk.config"
local shell = require "helpers.shell"

local NO_ENV = {}

local function load(input, env)
  return config.load(input, env or NO_ENV)
end

local function write(dir, name, text)
  local path = dir .. "/" .. name
  shell.write(path, text)
  return path
end

describe("kwhisk.config", function()
  it("has every SPEC A1 key with its default", function()
    local cfg = assert(load(nil))
    assert.are.same({ run = 60, logs = 60, api = 30 }, cfg.timeouts)
    assert.are.same({ enabled = false, port = 3233 }, cfg["invoker-agent"])
    assert.are.same({ enabled = true, key = "openwhisk-role", value = "invoker" },
      cfg["user-pod-node-affinity"])
    assert.is_false(cfg["port-forwarding-enabled"])
    assert.is_nil(cfg["pod-template"])
    assert.is_nil(cfg["action-namespace"])
    assert.is_nil(cfg["cpu-scaling"])
    assert.is_nil(cfg["ephemeral-storage"])
    assert.is_nil(cfg["field-ref-environment"])
    assert.is_false(cfg["pdb-enabled"])
    assert.are.equal("kwhisk.policy.openwhisk", cfg["pod-policy"])
  end)

  it("has the client's own keys with their defaults", function()
    local cfg = assert(load(nil))
    assert.are.equal(2^20, cfg["log-max-line"])
    assert.are.equal(2, cfg["log-collect-timeout"])
    assert.are.equal("follow", cfg["log-mode"])
    assert.is_false(cfg["keep-failed-pods"])
    assert.is_nil(cfg.kubeconfig)
    assert.is_nil(cfg.context)
    assert.is_true(config.is_config(cfg))
  end)

  it("parses durations and sizes in every documented spelling", function()
    local cfg = assert(load({
      timeouts = { run = "1 minute", logs = "250 ms" },
      ["cpu-scaling"] = { millicpus = 100, memory = "256 m", ["max-millicpus"] = 4000 },
      ["ephemeral-storage"] = { limit = "2 g", ["scale-factor"] = 2.0 },
      ["log-max-line"] = "2MB",
      ["log-collect-timeout"] = 5,
    }))
    assert.are.equal(60, cfg.timeouts.run)
    assert.are.equal(0.25, cfg.timeouts.logs)
    assert.are.same({ millicpus = 100, memory = 268435456, ["max-millicpus"] = 4000 },
      cfg["cpu-scaling"])
    assert.are.same({ limit = 2^31, ["scale-factor"] = 2.0 }, cfg["ephemeral-storage"])
    assert.are.equal(2000000, cfg["log-max-line"])
    assert.are.equal(5, cfg["log-collect-timeout"])
  end)

  it("exports the duration and size parsers", function()
    assert.are.equal(10, config.parse_duration("10 s"))
    assert.are.equal(0.25, config.parse_duration("250ms"))
    assert.are.equal(7200, config.parse_duration("2 hours"))
    assert.are.equal(1.5, config.parse_duration(1.5))
    assert.matches("expected a duration", select(2, config.parse_duration("soon")))
    assert.matches("expected a duration", select(2, config.parse_duration(math.huge)))
    assert.matches("got %-1", select(2, config.parse_duration(-1)))
    assert.are.equal(256 * 2^20, config.parse_size("256Mi"))
    assert.are.equal(256 * 10^6, config.parse_size("256MB"))
  end)

  it("accepts snake_case as well as kebab-case", function()
    local cfg = assert(load({
      user_pod_node_affinity = { enabled = false },
      cpu_scaling = { millicpus = 300, memory = "3 m", max_millicpus = 1000 },
      pdb_enabled = true,
    }))
    assert.is_false(cfg["user-pod-node-affinity"].enabled)
    assert.are.equal("openwhisk-role", cfg["user-pod-node-affinity"].key)
    assert.are.equal(1000, cfg["cpu-scaling"]["max-millicpus"])
    assert.is_true(cfg["pdb-enabled"])
  end)

  it("fills an ephemeral-storage scale factor of 0 and requires the other fields", function()
    assert.are.same({ limit = 2^30, ["scale-factor"] = 0 },
      assert(load({ ["ephemeral-storage"] = { limit = "1 g" } }))["ephemeral-storage"])
    local cfg, err = load({ ["cpu-scaling"] = { millicpus = 100, memory = "256m" } })
    assert.is_nil(cfg)
    assert.are.equal("config", err.kind)
    assert.are.equal(
      "config: cpu-scaling.max-millicpus: missing (required when cpu-scaling is set)",
      tostring(err))
  end)

  it("takes namespace as another name of action-namespace", function()
    local cfg = assert(load({ namespace = "actions" }))
    assert.are.equal("actions", cfg["action-namespace"])
    assert.are.equal("actions", cfg.namespace)
  end)

  it("rejects unknown keys, naming them and the closest known key", function()
    local cfg, err = load({ timeout = { run = 10 } })
    assert.is_nil(cfg)
    assert.are.equal("config: unknown key 'timeout' (did you mean 'timeouts'?)", tostring(err))
    cfg, err = load({ timeouts = { rnu = 10 } })
    assert.is_nil(cfg)
    assert.are.equal("config: unknown key 'timeouts.rnu' (did you mean 'timeouts.run'?)",
      err.message)
    cfg, err = load({ ["pdb-enable"] = true })
    assert.is_nil(cfg)
    assert.matches("did you mean 'pdb%-enabled'", err.message)
  end)

  it("rejects bad values, naming the key, the value and what was expected", function()
    local cases = {
      { { timeouts = { run = "soon" } }, "config: timeouts.run: expected a duration like" },
      { { timeouts = { run = 0 } }, "config: timeouts.run: expected a duration above zero, got 0" },
      { { ["invoker-agent"] = { port = 70000 } },
        "config: invoker-agent.port: expected an integer from 1 to 65535, got 70000" },
      { { ["pdb-enabled"] = "sometimes" },
        "config: pdb-enabled: expected true or false, got 'sometimes'" },
      { { ["pdb-enabled"] = 1 }, "config: pdb-enabled: expected true or false, got 1" },
      { { ["invoker-agent"] = { enabled = {} } },
        "config: invoker-agent.enabled: expected true or false, got table" },
      { { ["cpu-scaling"] = { millicpus = 1, memory = "1 k", ["max-millicpus"] = 2 } },
        "config: cpu-scaling.memory: expected a size of at least 1 Mi, got '1 k'" },
      { { ["ephemeral-storage"] = { limit = "lots" } },
        "config: ephemeral-storage.limit: expected a size like" },
      { { ["ephemeral-storage"] = { limit = "1g", ["scale-factor"] = -1 } },
        "config: ephemeral-storage.scale-factor: expected a number >= 0, got -1" },
      { { ["log-mode"] = "stream" },
        "config: log-mode: expected one of follow, poll, got 'stream'" },
      { { ["field-ref-environment"] = { POD_NAME = 3 } },
        "config: field-ref-environment: expected a map" },
      { { timeouts = 5 }, "config: timeouts: expected a map of timeouts settings, got 5" },
      { { ["pod-policy"] = 7 },
        "config: pod-policy: expected a module name, a .lua file or a function" },
      { { kubeconfig = "" }, "config: kubeconfig: expected a non-empty string, got ''" },
    }
    for _, case in ipairs(cases) do
      local cfg, err = load(case[1])
      assert.is_nil(cfg)
      assert.are.equal(case[2], err.message:sub(1, #case[2]))
    end
  end)

  it("raises on arguments of the wrong type", function()
    assert.has_error(function() config.load(42, NO_ENV) end,
      "bad argument #1 to 'config.load' (table, YAML file path or nil expected, got number)")
    assert.has_error(function() config.load(nil, 3) end,
      "bad argument #2 to 'config.load' (table or function expected, got number)")
  end)

  describe("environment overrides", function()
    it("follow the seed's CONFIG_whisk_kubernetes_<camelCase> names and win over the input",
      function()
      assert.are.equal("CONFIG_whisk_kubernetes_cpuScaling_maxMillicpus",
        config.env_name("cpu-scaling", "max-millicpus"))
      local cfg = assert(load({ timeouts = { run = 5 } }, {
        CONFIG_whisk_kubernetes_timeouts_run = "2 minutes",
        CONFIG_whisk_kubernetes_userPodNodeAffinity_enabled = "false",
        CONFIG_whisk_kubernetes_invokerAgent_port = "4000",
        CONFIG_whisk_kubernetes_actionNamespace = "ow",
        CONFIG_whisk_kubernetes_pdbEnabled = "true",
        CONFIG_whisk_kubernetes_logMaxLine = "64Ki",
      }))
      assert.are.equal(120, cfg.timeouts.run)
      assert.is_false(cfg["user-pod-node-affinity"].enabled)
      assert.are.equal(4000, cfg["invoker-agent"].port)
      assert.are.equal("ow", cfg["action-namespace"])
      assert.is_true(cfg["pdb-enabled"])
      assert.are.equal(65536, cfg["log-max-line"])
    end)

    it("report a bad value by variable and key", function()
      local cfg, err = load(nil, { CONFIG_whisk_kubernetes_portForwardingEnabled = "maybe" })
      assert.is_nil(cfg)
      assert.are.equal("config: CONFIG_whisk_kubernetes_portForwardingEnabled: "
        .. "port-forwarding-enabled: expected true or false, got 'maybe'", err.message)
      cfg, err = load(nil, { CONFIG_whisk_kubernetes_timeouts_run = "soon" })
      assert.is_nil(cfg)
      assert.matches("^config: CONFIG_whisk_kubernetes_timeouts_run: timeouts.run: expected a "
        .. "duration", err.message)
    end)

    it("read os.getenv by default", function()
      local status, output = shell.run("CONFIG_whisk_kubernetes_timeouts_logs='10 s' luajit -e " ..
        shell.quote("package.path='lua/?.lua;lua/?/init.lua;'..package.path " ..
          "io.write(require('kwhisk.config').load().timeouts.logs)"))
      assert.are.equal(0, status, output)
      assert.are.equal("10", output)
    end)
  end)

  describe("pod-template", function()
    local dir, cleanup
    before_each(function() dir, cleanup = shell.tmpdir() end)
    after_each(function() cleanup() end)

    it("takes inline text, file: and env: and keeps the text", function()
      local text = "apiVersion: v1\nkind: Pod\n"
      assert.are.equal(text, assert(load({ ["pod-template"] = text }))["pod-template"])
      local path = write(dir, "t.yaml", text)
      assert.are.equal(text, assert(load({ ["pod-template"] = "file:" .. path }))["pod-template"])
      assert.are.equal(text, assert(load({ pod_template = "env:MY_TEMPLATE" },
        { MY_TEMPLATE = text }))["pod-template"])
      assert.are.equal(text, assert(load(nil,
        { CONFIG_whisk_kubernetes_podTemplate = text }))["pod-template"])
    end)

    it("reports a missing file or variable by key", function()
      local cfg, err = load({ ["pod-template"] = "file:" .. dir .. "/none.yaml" })
      assert.is_nil(cfg)
      assert.equal("config", err.kind)
      assert.matches("^config: pod%-template: cannot read the pod template: .*none.yaml",
        err.message)
      cfg, err = load({ ["pod-template"] = "env:NO_TEMPLATE" }, {})
      assert.is_nil(cfg)
      assert.equal("config: pod-template: the pod template variable NO_TEMPLATE is not set",
        err.message)
    end)

    it("keeps the text without parsing it (kwhisk.policy parses it)", function()
      local path = "spec/fixtures/templates/not-a-pod.yaml"
      assert.equal(shell.read(path), assert(load({ ["pod-template"] = "file:" .. path }))
        ["pod-template"])
      assert.equal("a: [1", assert(load({ ["pod-template"] = "a: [1" }))["pod-template"])
      -- a lower layer: loading a configuration with a template loads no policy module
      local status, output = shell.run("luajit -e " .. shell.quote(
        "package.path='lua/?.lua;lua/?/init.lua;'..package.path "
        .. "assert(require('kwhisk.config').load({ pod_template = 'kind: Pod' })) "
        .. "for name in pairs(package.loaded) do "
        .. "if name:find('^kwhisk%.policy') then io.write(name) end end"))
      assert.are.equal(0, status, output)
      assert.are.equal("", output)
    end)
  end)

  describe("YAML files", function()
    local dir, cleanup
    before_each(function() dir, cleanup = shell.tmpdir() end)
    after_each(function() cleanup() end)

    it("reads settings at the top level", function()
      local path = write(dir, "c.yaml", "timeouts:\n  run: 10 s\npdb_enabled: true\n" ..
        "field-ref-environment:\n  POD_NAME: metadata.name\n")
      local cfg = assert(load(path))
      assert.are.equal(10, cfg.timeouts.run)
      assert.is_true(cfg["pdb-enabled"])
      assert.are.same({ POD_NAME = "metadata.name" }, cfg["field-ref-environment"])
    end)

    it("reads a whisk.kubernetes block as OpenWhisk writes it", function()
      local path = write(dir, "c.yaml", "whisk:\n  kubernetes:\n    action-namespace: ow\n" ..
        "    cpu-scaling:\n      millicpus: 100\n      memory: 256 m\n      max-millicpus: 4000\n")
      local cfg = assert(load(path))
      assert.are.equal("ow", cfg["action-namespace"])
      assert.are.equal(268435456, cfg["cpu-scaling"].memory)
    end)

    it("treats an empty file as defaults and null as unset", function()
      assert.are.equal(60, assert(load(write(dir, "empty.yaml", ""))).timeouts.run)
      assert.is_nil(assert(load(write(dir, "n.yaml", "cpu-scaling: null\n")))["cpu-scaling"])
    end)

    it("reports syntax errors with the file, line and column, and unknown keys", function()
      local cfg, err = load(write(dir, "bad.yaml", "timeouts:\n  run: [1\n"))
      assert.is_nil(cfg)
      assert.matches("bad.yaml:%d+:%d+: ", err.message)
      cfg, err = load(write(dir, "unknown.yaml", "pod_polcy: x.lua\n"))
      assert.is_nil(cfg)
      assert.are.equal("config: unknown key 'pod_polcy' (did you mean 'pod-policy'?)", err.message)
    end)

    it("resolves a relative pod-policy file against the file's directory", function()
      local cfg = assert(load(write(dir, "p.yaml", "pod-policy: policies/mine.lua\n")))
      assert.are.equal(dir .. "/policies/mine.lua", cfg["pod-policy"])
      cfg = assert(load(write(dir, "q.yaml", "pod_policy: mine.lua\n")))
      assert.are.equal(dir .. "/mine.lua", cfg["pod_policy"] or cfg["pod-policy"])
      cfg = assert(load(write(dir, "r.yaml", "pod-policy: /abs/mine.lua\n")))
      assert.are.equal("/abs/mine.lua", cfg["pod-policy"])
      cfg = assert(load(write(dir, "s.yaml", "pod-policy: kwhisk.policy.openwhisk\n")))
      assert.are.equal("kwhisk.policy.openwhisk", cfg["pod-policy"])
    end)
  end)

  describe("env_warnings", function()
    it("names a misspelled CONFIG_whisk_kubernetes_ variable and the closest real one", function()
      assert.are.same({ "CONFIG_whisk_kubernetes_timeout_run is not a kwhisk setting (did you "
        .. "mean CONFIG_whisk_kubernetes_timeouts_run?)" }, config.env_warnings({
          CONFIG_whisk_kubernetes_timeout_run = "5", CONFIG_whisk_kubernetes_timeouts_logs = "5",
          HOME = "/root" }))
      assert.are.same({}, config.env_warnings({ CONFIG_whisk_kubernetes_pdbEnabled = "true" }))
    end)
  end)
end)
