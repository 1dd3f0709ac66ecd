-- The two rocks, installed offline as the README says (--deps-mode=none: Debian's packages
-- provide cqueues, http, luaposix and luaossl as system modules) into a temporary
-- tree, and used from another directory with nothing from the source tree on the paths: the
-- library, the `kwhisk` command (which runs as luajit itself, so signals reach it), the sim,
-- and the docs/testing.md example run by busted.
local shell = require "helpers.shell"
local sim = require "helpers.sim"
local fs = require "kwhisk.fs"

-- The README's install commands (`luarocks --lua-version=5.1 --local make ...`), in order.
local function readme_installs()
  local commands = {}
  for line in shell.read("README.md"):gmatch("\n    (luarocks [^\n]+)") do
    commands[#commands + 1] = line
  end
  return commands
end

-- Runs a README install command into tree instead of ~/.luarocks.
local function luarocks_make(tree, command)
  assert.truthy(command and command:find(" --local ", 1, true), command)
  return shell.run((command:gsub(" %-%-local ", " --tree=" .. shell.quote(tree) .. " ")))
end

-- The code blocks of docs/testing.md that follow a "File `NAME`:" line, as { NAME = text }.
local function doc_files()
  local files = {}
  local doc = shell.read("docs/testing.md")
  for name, body in doc:gmatch("\nFile `([^`]+)`:[^\n]*\n.-```lua\n(.-)```") do
    files[name] = body
  end
  return files
end

describe("the rocks, installed", function()
  local tree, cleanup, env, sim_only_files
  lazy_setup(function()
    tree, cleanup = shell.tmpdir()
    local installs = readme_installs()
    assert.are.equal(2, #installs)
    local status, output = luarocks_make(tree, installs[1])
    assert.are.equal(0, status, output)
    sim_only_files = select(2, shell.run("ls " .. shell.quote(tree .. "/share/lua/5.1/kwhisk") ..
      " | grep -x -e sim -e testing.lua"))
    status, output = luarocks_make(tree, installs[2])
    assert.are.equal(0, status, output)
    -- Only the installed tree: nothing from the source tree, build/ or the environment.
    env = "cd / && env -u LUA_PATH -u LUA_CPATH PATH=" .. shell.quote(tree .. "/bin:" ..
      os.getenv("PATH")) .. " "
  end)
  lazy_teardown(function() if cleanup then cleanup() end end)

  local function paths()
    return string.format("LUA_PATH=%s LUA_CPATH=%s",
      shell.quote(tree .. "/share/lua/5.1/?.lua;" .. tree .. "/share/lua/5.1/?/init.lua;;"),
      shell.quote(tree .. "/lib/lua/5.1/?.so;;"))
  end

  it("the kwhisk rock ships nothing of the sim; the library loads from the tree", function()
    assert.are.equal("", sim_only_files)
    local probe = "local k = require 'kwhisk'; " ..
      "print(k.version, package.searchpath('kwhisk.core', package.cpath))"
    local status, output = shell.run("cd / && " .. paths() .. " luajit -e " .. shell.quote(probe))
    assert.are.equal(0, status, output)
    local core_path = tree:gsub("%p", "%%%0") .. "/lib/lua/5.1/kwhisk/core.so"
    assert.matches("^%d+%.%d+%.%d+\t" .. core_path, output)
  end)

  it("require 'kwhisk' under a Lua without the FFI fails with one line", function()
    local status, output = shell.run("cd / && " .. paths() ..
      " lua5.1 -e 'local ok, err = pcall(require, \"kwhisk\") io.write(err)'")
    assert.are.equal(0, status, output)
    assert.are.equal("kwhisk needs LuaJIT (the FFI)", output)
  end)

  it("kwhisk version, sim --help and pod-spec run from another directory", function()
    local status, output = shell.run(env .. "kwhisk version")
    assert.are.equal(0, status, output)
    assert.matches("^kwhisk %d+%.%d+%.%d+\n$", output)
    status, output = shell.run(env .. "kwhisk sim --help")
    assert.are.equal(0, status, output)
    assert.matches("^usage: kwhisk sim ", output)
    status, output = shell.run(env .. "kwhisk pod-spec my-action img --memory 512m -o json")
    assert.are.equal(0, status, output)
    local pod = require("kwhisk.json").decode(output)
    assert.are.equal("512Mi", pod.spec.containers[1].resources.limits.memory)
    status, output = shell.run(env .. "kwhisk pod-spec onlyname")
    assert.are.equal(2, status, output)
    assert.matches("^kwhisk pod%-spec: expects NAME and IMAGE", output)
  end)

  it("kwhisk.sim.start() works from the tree; one that cannot start says why", function()
    local probe = [[
      local s = assert(require('kwhisk.sim').start())
      print(s.url) s:stop()
      print(select(2, require('kwhisk.sim').start({ args = { '--port', '99999' } })))]]
    local status, output = shell.run("cd / && " .. paths() .. " luajit -e " .. shell.quote(probe))
    assert.are.equal(0, status, output)
    assert.matches("^http://127%.0%.0%.1:%d+\n", output)
    assert.matches("kwhisk sim did not start: it exited with status 2;\n  kwhisk sim: %-%-port " ..
      "must be a number", output)
  end)

  describe("against an installed `kwhisk sim`", function()
    local dir, dir_cleanup, sim_pid
    lazy_setup(function()
      dir, dir_cleanup = shell.tmpdir()
      local _, pid = shell.run(env .. "kwhisk sim --time-scale 0.01 --port 0 --kubeconfig "
        .. dir .. "/kc --log-dir " .. dir .. "/logs >" .. dir .. "/sim.log 2>&1 & echo $!")
      sim_pid = tonumber(pid)
      sim.wait_for(function() return fs.read_file(dir .. "/kc") end, 20)
    end)
    lazy_teardown(function()
      if sim_pid then
        os.execute("kill -TERM " .. sim_pid)
        sim.wait_for(function() return shell.run("kill -0 " .. sim_pid) ~= 0 end)
      end
      if dir_cleanup then dir_cleanup() end
    end)

    local function pod_status(name)
      local url = require("kwhisk.json").decode(shell.read(dir .. "/kc"))
        .clusters[1].cluster.server
      return (sim.http("GET", url .. "/api/v1/namespaces/default/pods/" .. name))
    end

    it("kwhisk invoke runs an action from another directory", function()
      shell.write(dir .. "/hello.lua", "function main(p) print('hi') return { n = p.n } end")
      local status, output = shell.run(env .. "kwhisk invoke kwhisk/action-lua " .. dir ..
        "/hello.lua -p n=3 --kubeconfig " .. dir .. "/kc")
      assert.are.equal(0, status, output)
      assert.matches(" stdout: hi\n{\"n\":3}\n$", output)
    end)

    it("SIGTERM to kwhisk run --wait leaves no process and no pod", function()
      os.execute(env .. "kwhisk run rk-wait kwhisk/action-lua --wait --kubeconfig " .. dir ..
        "/kc >" .. dir .. "/run.out 2>&1 & echo $! >" .. dir .. "/run.pid")
      local pid = tonumber(sim.wait_for(function() return fs.read_file(dir .. "/run.pid") end))
      sim.wait_for(function() return (fs.read_file(dir .. "/run.out") or ""):find("NATIVE ID") end,
        20)
      -- The installed command is luajit itself: no wrapper process stands between.
      assert.are.equal("luajit\n", shell.read("/proc/" .. pid .. "/comm"))
      assert.are.equal(200, pod_status("rk-wait"))
      os.execute("kill -TERM " .. pid)
      sim.wait_for(function() return shell.run("kill -0 " .. pid .. " 2>/dev/null") ~= 0 end)
      sim.wait_for(function() return pod_status("rk-wait") == 404 end)
      assert.matches("interrupted; deleting the pod rk%-wait", shell.read(dir .. "/run.out"))
    end)
  end)

  it("runs the docs/testing.md example with busted, outside the repository", function()
    local dir, dir_cleanup = shell.tmpdir()
    finally(dir_cleanup)
    local files = doc_files()
    for _, name in ipairs({ "my_policy.lua", "my_policy_spec.lua", ".busted" }) do
      assert.truthy(files[name], name .. " is not in docs/testing.md")
      shell.write(dir .. "/" .. name, files[name])
    end
    local status, output = shell.run("cd " .. shell.quote(dir) ..
      " && env -u LUA_PATH -u LUA_CPATH KWHISK_TREE=" .. shell.quote(tree) .. " busted")
    assert.are.equal(0, status, output)
    assert.matches("3 successes / 0 failures / 0 errors / 0 pending", output)
  end)
end)
