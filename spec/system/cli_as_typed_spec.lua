-- The CLI exactly as the README types it, with no LUA_PATH or LUA_CPATH: `bin/kwhisk` from the
-- repo root, `./kwhisk` from bin/, the full path from another directory, and a symlink on
-- PATH. Each finds its own source tree.
local shell = require "helpers.shell"

local ROOT = os.getenv("PWD")
local CLEAN = "env -u LUA_PATH -u LUA_CPATH "

local function kwhisk(where, command)
  return shell.run("cd " .. shell.quote(where) .. " && " .. CLEAN .. command)
end

describe("kwhisk as typed", function()
  local cases = {
    { "from the repo root", ROOT, "bin/kwhisk" },
    { "from bin/", ROOT .. "/bin", "./kwhisk" },
    { "from another directory", "/", ROOT .. "/bin/kwhisk" },
  }
  for _, case in ipairs(cases) do
    it(case[1] .. ": --help, version, and a subcommand's --help", function()
      local status, out = kwhisk(case[2], case[3] .. " --help")
      assert.are.equal(0, status, out)
      assert.matches("^usage: kwhisk COMMAND", out)
      status, out = kwhisk(case[2], case[3] .. " version")
      assert.are.equal(0, status, out)
      assert.matches("^kwhisk %d+%.%d+%.%d+\n$", out)
      status, out = kwhisk(case[2], case[3] .. " sim --help")
      assert.are.equal(0, status, out)
      assert.matches("^usage: kwhisk sim", out)
    end)
  end

  it("through a symlink on PATH, from another directory", function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    assert.are.equal(0, (shell.run("ln -s " .. shell.quote(ROOT .. "/bin/kwhisk") .. " " ..
      shell.quote(dir .. "/kwhisk"))))
    local status, out = kwhisk("/", "PATH=" .. shell.quote(dir .. ":" .. os.getenv("PATH")) ..
      " kwhisk pod-spec a img -o json")
    assert.are.equal(0, status, out)
    assert.are.equal("a", require("kwhisk.json").decode(out).metadata.name)
  end)

  it("every subcommand answers --help with its usage, exit 0", function()
    for _, name in ipairs({ "run", "rm", "logs", "invoke", "suspend", "resume", "pod-spec",
      "sim", "version" }) do
      local status, out = kwhisk(ROOT, "bin/kwhisk " .. name .. " --help")
      assert.are.equal(0, status, name .. ": " .. out)
      assert.matches("^usage: kwhisk " .. name:gsub("%-", "%%-"), out)
    end
  end)

  it("warns about a misspelled CONFIG_whisk_kubernetes_ variable, naming the closest", function()
    local status, out = kwhisk(ROOT, "CONFIG_whisk_kubernetes_timeout_run=5 bin/kwhisk pod-spec "
      .. "a img -o json 2>&1 >/dev/null")
    assert.are.equal(0, status, out)
    assert.are.equal("kwhisk: warning: CONFIG_whisk_kubernetes_timeout_run is not a kwhisk "
      .. "setting (did you mean CONFIG_whisk_kubernetes_timeouts_run?)\n", out)
  end)

  it("finds a config file's relative pod-policy beside the file, from any directory", function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    os.execute("mkdir -p " .. shell.quote(dir .. "/conf"))
    shell.write(dir .. "/conf/kwhisk.yaml", "pod-policy: team.lua\n")
    shell.write(dir .. "/conf/team.lua", "return { build = function(ctx) local pod, pdb = "
      .. "ctx.default() pod.metadata.labels.team = 'a' return pod, pdb end }\n")
    local status, out = kwhisk("/", ROOT .. "/bin/kwhisk pod-spec a img -o json --config "
      .. shell.quote(dir .. "/conf/kwhisk.yaml"))
    assert.are.equal(0, status, out)
    assert.are.equal("a", require("kwhisk.json").decode(out).metadata.labels.team)
  end)

  it("reports a bad configuration with kind config", function()
    local status, out = kwhisk(ROOT, "bin/kwhisk pod-spec a img --config /nonexistent.yaml")
    assert.are.equal(1, status, out)
    assert.matches("^kwhisk pod%-spec: config: ", out)
  end)

  it("make demo DEMO_ARGS=--help prints the demo's usage, exit 0", function()
    local status, out = shell.run("make demo DEMO_ARGS=--help")
    assert.are.equal(0, status, out)
    assert.matches("^usage: luajit examples/invoke_many.lua ", out)
    assert.matches("Ctrl%-C stops and cleans up", out)
  end)
end)
