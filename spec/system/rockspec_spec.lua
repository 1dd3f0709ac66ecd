-- The rockspec installs kwhisk offline into a tree, from which `require "kwhisk"` works.
local shell = require "helpers.shell"

describe("rockspec", function()
  it("installs into a temporary tree and loads from there", function()
    local tree, cleanup = shell.tmpdir()
    finally(cleanup)
    local status, output = shell.run(
      "luarocks --lua-version=5.1 --tree=" .. shell.quote(tree) ..
      " make --deps-mode=none rockspec/kwhisk-scm-1.rockspec LUA_INCDIR=/usr/include/luajit-2.1")
    assert.are.equal(0, status, output)
    -- Only the installed tree on the paths: nothing from the source tree or build/.
    local paths = string.format("LUA_PATH=%s LUA_CPATH=%s",
      shell.quote(tree .. "/share/lua/5.1/?.lua;" .. tree .. "/share/lua/5.1/?/init.lua"),
      shell.quote(tree .. "/lib/lua/5.1/?.so"))
    local probe = "local k = require 'kwhisk'; " ..
      "print(k.version, package.searchpath('kwhisk.core', package.cpath))"
    status, output = shell.run("cd / && " .. paths .. " luajit -e " .. shell.quote(probe))
    assert.are.equal(0, status, output)
    local core_path = tree:gsub("%p", "%%%0") .. "/lib/lua/5.1/kwhisk/core.so"
    assert.matches("^%d+%.%d+%.%d+\t" .. core_path, output)

    -- The installed command: LuaRocks' wrapper runs it under lua5.1; it re-runs under
    -- LuaJIT and finds its modules in the tree, with no paths from the environment.
    local bin = shell.quote(tree .. "/bin/kwhisk")
    status, output = shell.run("cd / && env -u LUA_PATH -u LUA_CPATH " .. bin .. " version")
    assert.are.equal(0, status, output)
    assert.matches("^kwhisk %d+%.%d+%.%d+\n$", output)
    status, output = shell.run("cd / && env -u LUA_PATH -u LUA_CPATH " .. bin ..
      " pod-spec my-action img --memory 512m -o json")
    assert.are.equal(0, status, output)
    local pod = require("kwhisk.json").decode(output)
    assert.are.equal("my-action", pod.metadata.name)
    assert.are.equal("512Mi", pod.spec.containers[1].resources.limits.memory)
    status, output = shell.run("cd / && " .. bin .. " pod-spec onlyname")
    assert.are.equal(2, status, output)
    assert.matches("^kwhisk pod%-spec: expects NAME and IMAGE", output)
  end)
end)
