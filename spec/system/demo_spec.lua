-- The main job (examples/invoke_many.lua, `make demo`) on its embedded sim: all actions work
-- in Lua, JavaScript and Python (one of them a zip action), and every pod is deleted; with one
-- action broken on purpose it exits 1 naming it.
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
    assert.matches('\ngreet%s+ok%s+{"greeting":"hello, world"}%s+2 ', out)
    assert.matches('\nvowels%s+ok%s+{"vowels":{"a":1,"e":3,"i":1,"o":4,"u":2}}%s+4 ', out)
    assert.matches('\nstats%s+ok%s+{"count":8,"max":9,"median":3.5,"min":1}%s+2 ', out)
    local rows = select(2, out:gsub("\n[%w_]+%s+ok%s", ""))
    assert.are.equal(22, rows)
    assert.matches("all pods deleted", out)
  end)

  it("exits 1 and names the action broken on purpose", function()
    local status, out = demo("--activations 1 --break greet")
    assert.are.equal(1, status, out)
    assert.matches("\ngreet%s+FAILED%s+init: ", out)
    assert.matches("invoke_many: greet: init: demo%-greet /init: HTTP 502: Initialization has "
      .. "failed due to: SyntaxError", out)
    assert.matches("invoke_many: FAILED: greet\n", out)
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
