-- kwhisk.cli.pod_spec: `kwhisk pod-spec`, the policy dry run.
local shell = require "helpers.shell"
local json = require "kwhisk.json"
local yaml = require "kwhisk.yaml"
local k8s = require "helpers.k8s"

local function kwhisk(args)
  return shell.run("./bin/kwhisk " .. args)
end

describe("kwhisk pod-spec", function()
  it("prints the seed's pod as YAML that kwhisk, the schema check and kubectl accept", function()
    local status, output = kwhisk("pod-spec my-action openwhisk/action-nodejs-v20 --memory 512m " ..
      "--env B=2 --env A=1 --label invoker=invoker0")
    assert.are.equal(0, status, output)
    local documents = assert(yaml.load(output, "pod-spec output"))
    assert.are.equal(1, #documents)
    local pod = documents[1]
    assert.are.equal("my-action", pod.metadata.name)
    assert.are.equal("invoker0", pod.metadata.labels.invoker)
    local c = pod.spec.containers[1]
    assert.are.equal("512Mi", c.resources.limits.memory)
    assert.are.same({ { name = "B", value = "2" }, { name = "A", value = "1" } }, c.env)
    k8s.assert_schema_valid(pod)
    assert.is_true(k8s.kubectl_accepts(output))
  end)

  it("prints the pod and its PDB as two YAML documents, or a JSON List", function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    local f = assert(io.open(dir .. "/config.yaml", "w"))
    f:write("pdb-enabled: true\ncpu-scaling:\n  millicpus: 100\n  memory: 256 m\n",
      "  max-millicpus: 4000\n")
    f:close()
    local status, output = kwhisk("pod-spec a1 img --config " .. shell.quote(dir .. "/config.yaml"))
    assert.are.equal(0, status, output)
    local documents = assert(yaml.load(output))
    assert.are.equal(2, #documents)
    assert.are.equal("100m", documents[1].spec.containers[1].resources.limits.cpu)
    assert.are.equal("PodDisruptionBudget", documents[2].kind)
    k8s.assert_schema_valid(documents[1], documents[2])
    assert.is_true(k8s.kubectl_accepts(output))

    status, output = kwhisk("pod-spec a1 img -o json --config " .. shell.quote(dir
      .. "/config.yaml"))
    assert.are.equal(0, status, output)
    local list = assert(json.decode(output))
    assert.are.equal("List", list.kind)
    assert.are.same({ "Pod", "PodDisruptionBudget" }, { list.items[1].kind, list.items[2].kind })
  end)

  it("uses a policy file given with --policy", function()
    local status, output = kwhisk("pod-spec a1 img -o json --policy examples/policies/spot.lua")
    assert.are.equal(0, status, output)
    local pod = assert(json.decode(output))
    assert.are.equal("kwhisk.io/spot", pod.spec.tolerations[1].key)
  end)

  it("reports usage errors with one line and a hint, exit 2", function()
    for _, case in ipairs({
      { "pod-spec onlyname",
        "kwhisk pod-spec: expects NAME and IMAGE; see 'kwhisk pod-spec --help'\n" },
      { "pod-spec a b --env NOEQUALS", "kwhisk pod-spec: --env expects K=V, got 'NOEQUALS'; see " },
      { "pod-spec a b -o xml", "kwhisk pod-spec: -o must be yaml or json, got 'xml'; see " },
      { "pod-spec a b --memory lots", "kwhisk pod-spec: --memory: expected a size like" },
      { "pod-spec a b --frobnicate", "kwhisk pod-spec: unknown option '--frobnicate'; see " },
      { "pod-spec a b --label", "kwhisk pod-spec: --label needs a value; see " },
    }) do
      local status, output = kwhisk(case[1])
      assert.are.equal(2, status, case[1])
      assert.are.equal(case[2], output:sub(1, #case[2]))
    end
  end)

  it("reports configuration and policy failures, exit 1", function()
    local status, output = kwhisk("pod-spec Bad_Name img")
    assert.are.equal(1, status)
    assert.matches('^kwhisk pod%-spec: policy kwhisk.policy.openwhisk: invalid result: '
      .. 'pod name "Bad_Name"', output)
    status, output = kwhisk("pod-spec a img --config /nonexistent/kwhisk.yaml")
    assert.are.equal(1, status)
    assert.matches("^kwhisk pod%-spec: config: .*nonexistent", output)
    status, output = kwhisk("pod-spec a img --policy spec/fixtures/policies/syntax-error.lua")
    assert.are.equal(1, status)
    assert.matches("syntax%-error%.lua:3:", output)
  end)

  it("has --help", function()
    local status, output = kwhisk("pod-spec --help")
    assert.are.equal(0, status)
    assert.matches("^usage: kwhisk pod%-spec NAME IMAGE", output)
    status, output = kwhisk("--help")
    assert.are.equal(0, status)
    assert.matches("pod%-spec", output)
  end)
end)
