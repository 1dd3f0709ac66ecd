-- The main job (examples/invoke_many.lua, `make demo`) on its embedded sim: all actions work
-- and every pod is deleted; with one action broken on purpose it exits 1 naming it.
local shell = require "helpers.shell"

local function demo(args)
  return shell.run("env -u KUBECONFIG LUA_PATH='lua/?.lua;lua/?/init.lua;;' " ..
    "LUA_CPATH='build/?.so;;' luajit examples/invoke_many.lua " .. args)
end

describe("the demo", function()
  it("runs every action, the failing one as expected, and removes every pod", function()
    local status, out = demo("--activations 2")
    assert.are.equal(0, status, out)
    assert.matches("\nfails%s+failed%s+as expected: HTTP 502 action:%d+: this acti", out)
    assert.matches("\nchatty%s+ok%s+{\"lines\":1000}%s+1500 ", out)
    local rows = select(2, out:gsub("\n[%w_]+%s+ok%s", ""))
    assert.are.equal(19, rows)
    assert.matches("all pods deleted", out)
  end)

  it("exits 1 and names the action broken on purpose", function()
    local status, out = demo("--activations 1 --break hello")
    assert.are.equal(1, status, out)
    assert.matches("\nhello%s+FAILED%s+init: ", out)
    assert.matches("invoke_many: FAILED: hello\n", out)
    assert.matches("all pods deleted", out)
  end)

  it("refuses a real cluster unless its context is named or --yes is given", function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    shell.write(dir .. "/kubeconfig", [[
apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: prod, context: {cluster: c, user: u}}]
current-context: prod
]])
    local status, out = demo("--kubeconfig " .. shell.quote(dir .. "/kubeconfig"))
    assert.are.equal(2, status, out)
    assert.matches("name its context with %-%-context or confirm with %-%-yes", out)
  end)
end)
