-- The sim's files at rest (kwhisk.sim.files): private files through mkstemp and rename, and
-- temporary directories that a later sim removes once their owner is gone.
local files = require "kwhisk.sim.files"
local shell = require "helpers.shell"
local stat = require "posix.sys.stat"

local TMP = (os.getenv("TMPDIR") or "") ~= "" and os.getenv("TMPDIR") or "/tmp"

describe("kwhisk.sim.files", function()
  it("writes a private file 0600, replacing a planted symlink instead of following it",
    function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    shell.write(dir .. "/victim", "keep me")
    assert(require("posix.unistd").link(dir .. "/victim", dir .. "/kc", true))
    assert(require("posix.unistd").link(dir .. "/victim", dir .. "/kc.tmp", true))
    assert(files.write_private(dir .. "/kc", "secret"))
    assert.equal("keep me", shell.read(dir .. "/victim"))
    assert.equal("secret", shell.read(dir .. "/kc"))
    local st = stat.lstat(dir .. "/kc")
    assert.equal(1, stat.S_ISREG(st.st_mode) ~= 0 and 1 or 0)
    assert.equal(tonumber("600", 8), st.st_mode % 512)
    local p = io.popen("ls -A " .. shell.quote(dir))
    assert.equal("kc\nkc.tmp\nvictim\n", p:read("*a"))
    p:close()
  end)

  it("says why it cannot write", function()
    local ok, err = files.write_private("/nonexistent-dir/kc", "x")
    assert.is_nil(ok)
    assert.matches("cannot make a temporary file in /nonexistent%-dir", err)
  end)

  it("removes a tree without following the symlinks in it", function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    shell.write(dir .. "/outside", "keep me")
    assert(require("posix.sys.stat").mkdir(dir .. "/t"))
    assert(require("posix.sys.stat").mkdir(dir .. "/t/sub"))
    shell.write(dir .. "/t/sub/f", "x")
    assert(require("posix.unistd").link(dir .. "/outside", dir .. "/t/link", true))
    assert(require("posix.unistd").link(dir, dir .. "/t/sub/up", true))
    assert.is_true(files.remove_tree(dir .. "/t"))
    assert.is_nil(stat.lstat(dir .. "/t"))
    assert.equal("keep me", shell.read(dir .. "/outside"))
    assert.is_true(files.remove_tree(dir .. "/t"))
  end)

  it("removes only this user's directories whose owner is gone", function()
    local prefix = "kwhisk-filespec-" .. require("posix.unistd").getpid()
    -- a directory made by a process that has exited
    local p = io.popen("LUA_PATH='lua/?.lua;lua/?/init.lua;;' luajit -e "
      .. shell.quote("print(require('kwhisk.sim.files').own_tmpdir('" .. prefix .. "'))"))
    local dead = p:read("*l")
    p:close()
    local mine = assert(files.own_tmpdir(prefix))
    local ownerless = assert(require("posix.stdlib").mkdtemp(TMP .. "/" .. prefix .. ".XXXXXX"))
    finally(function()
      os.execute("rm -rf " .. shell.quote(mine) .. " " .. shell.quote(ownerless))
    end)
    assert.truthy(stat.lstat(dead))
    assert.equal(1, files.remove_stale(prefix))
    assert.is_nil(stat.lstat(dead))
    assert.truthy(stat.lstat(mine))
    assert.truthy(stat.lstat(ownerless))
  end)
end)
