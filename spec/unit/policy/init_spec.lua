-- kwhisk.policy: choosing a policy (module, file, function), the ctx it gets, caching, and
-- the checks on what it returns.
local policy = require "kwhisk.policy"
local config = require "kwhisk.config"
local json = require "kwhisk.json"
local shell = require "helpers.shell"

local MB = 2^20
local FIXTURES = "spec/fixtures/policies/"

local function cfg(settings)
  return assert(config.load(settings, {}))
end

local function build(settings, name)
  return policy.build(name or "p1", "img", 256 * MB, { A = "1" }, { l = "v" }, cfg(settings))
end

describe("kwhisk.policy", function()
  it("uses the seed's builder by default", function()
    local pod, pdb = build({ ["pdb-enabled"] = true })
    assert.are.equal("p1", pod.metadata.name)
    assert.are.equal("256Mi", pod.spec.containers[1].resources.limits.memory)
    assert.are.equal("policy/v1", pdb.apiVersion)
  end)

  it("is reachable from the facade", function()
    assert.are.equal(policy, require("kwhisk").policy)
    assert.are.equal(config, require("kwhisk").config)
  end)

  it("replaces the default with a policy file named by pod-policy", function()
    local pod = build({ ["pod-policy"] = FIXTURES .. "annotate.lua" })
    assert.are.equal("annotate", pod.metadata.annotations["kwhisk.io/policy"])
    assert.are.equal("img", pod.spec.containers[1].image)
  end)

  it("gives the policy its ctx: inputs, config, a copy of the template, and default", function()
    local p = assert(policy.load(FIXTURES .. "annotate.lua"))
    local before = #p.calls
    local settings = { ["pod-policy"] = FIXTURES .. "annotate.lua",
      ["pod-template"] = "file:spec/fixtures/templates/affinity.yaml" }
    assert(build(settings))
    local ctx = p.calls[before + 1]
    assert.are.equal("p1", ctx.name)
    assert.are.equal("img", ctx.image)
    assert.are.equal(256 * MB, ctx.memory)
    assert.are.same({ { name = "A", value = "1" } }, ctx.env)
    assert.are.same({ l = "v" }, ctx.labels)
    assert.is_true(config.is_config(ctx.config))
    assert.are.equal("Pod", ctx.template.kind)
    assert.are.equal("function", type(ctx.default))
    -- the template is a fresh copy on every call
    ctx.template.spec = nil
    assert(build(settings))
    assert.is_table(p.calls[before + 2].template.spec)
  end)

  it("parses the configuration's pod template, naming the key once (kind config)", function()
    assert.is_nil(policy.template(cfg({})))
    local pod = assert(policy.template(cfg({
      ["pod-template"] = "file:spec/fixtures/templates/affinity.yaml" })))
    assert.are.equal("Pod", pod.kind)
    local _, err = policy.template(cfg({ ["pod-template"] = "kind: Service" }))
    assert.are.equal("config", err.kind)
    assert.are.equal("config: pod-template: the template is a Service, expected a Pod",
      err.message)
    _, err = policy.template(cfg({
      ["pod-template"] = "file:spec/fixtures/templates/not-a-pod.yaml" }))
    assert.matches("^config: pod%-template: the template is a Service", err.message)
    local built
    built, err = build({ ["pod-template"] = "a: [1" })
    assert.is_nil(built)
    assert.are.equal("config", err.kind)
    assert.matches("^config: pod%-template:2:1: did not find expected", err.message)
  end)

  it("accepts a function or a module name and loads each policy once", function()
    local calls = 0
    local function fn(ctx)
      calls = calls + 1
      return ctx.default()
    end
    assert(build({ ["pod-policy"] = fn }))
    assert.are.equal(1, calls)
    assert.are.equal(policy.load(fn), policy.load(fn))
    assert.are.equal(policy.load("kwhisk.policy.openwhisk").build,
      require("kwhisk.policy.openwhisk").build)
    assert.are.equal(policy.load(FIXTURES .. "annotate.lua"),
      policy.load(FIXTURES .. "annotate.lua"))
  end)

  it("reports a syntax error in a policy file with its file and line", function()
    local p, err = policy.load(FIXTURES .. "syntax-error.lua")
    assert.is_nil(p)
    assert.are.equal("policy", err.kind)
    assert.matches("^policy spec/fixtures/policies/syntax%-error%.lua: .*syntax%-error%.lua:3: ",
      tostring(err))
  end)

  it("reports missing files and modules and files that return no policy", function()
    assert.matches("^policy spec/none%.lua: cannot open", tostring(select(2,
      policy.load("spec/none.lua"))))
    assert.matches("^policy no.such.module: module 'no.such.module' not found",
      tostring(select(2, policy.load("no.such.module"))))
    assert.are.equal("policy " .. FIXTURES
      .. "not-a-table.lua: expected a table with a build(ctx) function, "
      .. "got number", tostring(select(2, policy.load(FIXTURES .. "not-a-table.lua"))))
    local pod, err = build({ ["pod-policy"] = "no.such.module" })
    assert.is_nil(pod)
    assert.are.equal("policy", err.kind)
  end)

  it("returns an error naming the policy and the problem for an invalid result", function()
    local pod, err = build({ ["pod-policy"] = FIXTURES .. "no-port.lua" })
    assert.is_nil(pod)
    assert.are.equal("policy", err.kind)
    assert.are.equal("policy " .. FIXTURES .. "no-port.lua: invalid result: "
      .. "the user-action container does not expose port 8080", tostring(err))
    local cases = {
      { function() return "pod" end, "the pod is a string, not a table" },
      { function() return { kind = "Pod", apiVersion = "v1", metadata = {} } end,
        "pod has no metadata.name" },
      { function(ctx) local p = ctx.default(); p.spec.containers[1].image = nil; return p end,
        "the user-action container has no image" },
      { function(ctx) local p = ctx.default(); p.spec.containers[1].name = "main"; return p end,
        "pod has no user-action container" },
      { function(ctx)
          local p = ctx.default()
          p.spec.containers[2] = p.spec.containers[1]
          return p
        end,
        "pod has more than one user-action container" },
      { function(ctx) local p = ctx.default(); p.metadata.labels.bad = "a/b"; return p end,
        'pod metadata.labels: label "bad" value "a/b"' },
      { function(ctx) local p = ctx.default(); return p, { kind = "PodDisruptionBudget",
        apiVersion = "policy/v1beta1" } end,
          "expected kind PodDisruptionBudget, apiVersion policy/v1" },
    }
    for _, case in ipairs(cases) do
      pod, err = build({ ["pod-policy"] = case[1] })
      assert.is_nil(pod)
      assert.matches("^policy .*: invalid result: " .. case[2]:gsub("%p", "%%%0"), err.message)
    end
  end)

  it("reports a policy that raises or returns nil, err", function()
    local pod, err = build({ ["pod-policy"] = function() error("quota lookup failed", 0) end })
    assert.is_nil(pod)
    assert.matches("^policy .* failed: quota lookup failed$", tostring(err))
    pod, err = build({ ["pod-policy"] = function() return nil, "no capacity" end })
    assert.is_nil(pod)
    assert.matches("^policy .* failed: no capacity$", tostring(err))
  end)

  it("refuses names that are not valid pod names", function()
    local pod, err = build(nil, "My_Pod")
    assert.is_nil(pod)
    assert.matches('pod name "My_Pod" is not a valid DNS%-1123 name', err.message)
  end)

  it("raises on bad arguments, naming them", function()
    local c = cfg()
    assert.has_error(function() policy.build(1, "img", MB, nil, nil, c) end,
      "bad argument #1 to 'build' (string expected, got number)")
    assert.has_error(function() policy.build("p", "", MB, nil, nil, c) end,
      "bad argument #2 to 'build' (non-empty string expected, got an empty string)")
    assert.has_error(function() policy.build("p", "img", 1000, nil, nil, c) end,
      "bad argument #3 to 'build' (whole number of bytes, at least 1 MiB, expected, got 1000)")
    assert.has_error(function() policy.build("p", "img", MB, "A=1", nil, c) end,
      "bad argument #4 to 'build' (env: table expected, got string)")
    assert.has_error(function() policy.build("p", "img", MB, nil, { { 1, "x" } }, c) end,
      "bad argument #5 to 'build' (labels[1]: name: string expected, got number)")
    assert.has_error(function() policy.build("p", "img", MB, nil, nil, { bogus = 1 }) end,
      "bad argument #6 to 'build' (config: unknown key 'bogus' (did you mean 'context'?))")
    assert.has_error(function() policy.load(42) end,
      "bad argument #1 to 'load' (module name, file path or function expected, got number)")
  end)

  it("takes raw settings as config too", function()
    local pod = policy.build("p", "img", MB, nil, nil,
      { ["user-pod-node-affinity"] = { enabled = false } })
    assert.is_nil(pod.spec.affinity)
    assert.are.equal('{"limits":{"memory":"1Mi"},"requests":{"memory":"1Mi"}}',
      json.encode(pod.spec.containers[1].resources))
  end)

  it("replaces the default through a configuration file, without touching kwhisk's code", function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    local f = assert(io.open(dir .. "/mine.lua", "w"))
    f:write("return { build = function(ctx) local p = ctx.default(); ",
      "p.spec.priorityClassName = 'actions'; return p end }\n")
    f:close()
    f = assert(io.open(dir .. "/config.yaml", "w"))
    f:write("pod-policy: ", dir, "/mine.lua\n")
    f:close()
    local pod = assert(policy.build("p", "img", MB, nil, nil,
      assert(config.load(dir .. "/config.yaml", {}))))
    assert.are.equal("actions", pod.spec.priorityClassName)
  end)
end)
