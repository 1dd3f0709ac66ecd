-- kwhisk.cli.common: exit statuses, usage errors and failures on stderr, the configuration
-- the cluster options name, -o checks and encodings.
local common = require "kwhisk.cli.common"
local errors = require "kwhisk.errors"
local json = require "kwhisk.json"
local yaml = require "kwhisk.yaml"
local shell = require "helpers.shell"

-- What fn writes to stream ("stdout" or "stderr"), and what fn returned.
local function capture(stream, fn)
  local real, written = io[stream], {}
  io[stream] = { write = function(_, ...) -- luacheck: ignore 122
    for _, s in ipairs({ ... }) do written[#written + 1] = s end
  end }
  local ok, result = pcall(fn)
  io[stream] = real -- luacheck: ignore 122
  assert(ok, result)
  return table.concat(written), result
end

describe("kwhisk.cli.common", function()
  it("reports a usage error in one line with a hint, exit 2", function()
    local err, status = capture("stderr", function() return common.usage_error("rm", "bad") end)
    assert.are.equal(2, status)
    assert.are.equal("kwhisk rm: bad; see 'kwhisk rm --help'\n", err)
  end)

  it("reports a failure with its kind once, exit 1", function()
    local err, status = capture("stderr", function()
      return common.fail("run", errors.new("image_pull", "pod a: ErrImagePull"))
    end)
    assert.are.equal(1, status)
    assert.are.equal("kwhisk run: image_pull: pod a: ErrImagePull\n", err)
    err = capture("stderr", function()
      return common.fail("run", errors.new("config", "config: timeouts.run: bad"))
    end)
    assert.are.equal("kwhisk run: config: timeouts.run: bad\n", err) -- not "config: config:"
    err = capture("stderr", function() return common.fail("logs", "plain text") end)
    assert.are.equal("kwhisk logs: plain text\n", err)
  end)

  it("prints help on stdout, exit 0", function()
    local out, status = capture("stdout", function() return common.help("usage: x\n") end)
    assert.are.equal(0, status)
    assert.are.equal("usage: x\n", out)
  end)

  it("lays --kubeconfig, --context and -n over the --config file", function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    shell.write(dir .. "/c.yaml", "kubeconfig: /from/file\naction-namespace: filens\n")
    local cfg = assert(common.config({ config = dir .. "/c.yaml", context = "ctx" }))
    assert.are.equal("/from/file", cfg.kubeconfig)
    assert.are.equal("ctx", cfg.context)
    assert.are.equal("filens", cfg["action-namespace"])
    cfg = assert(common.config({ config = dir .. "/c.yaml", kubeconfig = "/k", namespace = "n" }))
    assert.are.same({ "/k", "n" }, { cfg.kubeconfig, cfg["action-namespace"] })
    local _, err = common.config({ config = dir .. "/none.yaml" })
    assert.are.equal("config", err.kind)
  end)

  it("checks -o against the allowed formats", function()
    assert.is_nil(common.check_output({}, { "json" }))
    assert.is_nil(common.check_output({ output = "yaml" }, { "json", "yaml" }))
    assert.are.equal("-o must be json or yaml, got 'xml'",
      common.check_output({ output = "xml" }, { "json", "yaml" }))
  end)

  it("encodes an object as one JSON line or one YAML document without ---", function()
    local object = { kind = "Pod", metadata = { name = "a" } }
    local line = common.encode(object, "json")
    assert.are.equal("\n", line:sub(-1))
    assert.are.same(object, json.decode(line))
    local doc = common.encode(object, "yaml")
    assert.is_nil(doc:find("^%-%-%-"))
    assert.are.same(object, assert(yaml.load(doc))[1])
  end)
end)
