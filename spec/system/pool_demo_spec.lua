-- `kwhisk pool-demo` (also `make pool-demo`) on its embedded sim: every phase shows the starts
-- it is about, the pool pauses, evicts and removes idle containers, and no pod is left; on a
-- configured cluster it wants --yes.
local shell = require "helpers.shell"

local function pool_demo(args)
  return shell.run("env -u KUBECONFIG ./bin/kwhisk pool-demo " .. args .. " 2>&1")
end

describe("kwhisk pool-demo", function()
  it("shows prewarmed, warm, resumed, cold and concurrent starts, then removes every pod",
    function()
      local status, out = pool_demo("")
      assert.are.equal(0, status, out)
      assert.matches("\nprewarmed%s+2 prewarmed 2%s", out)
      assert.matches("\nwarm%s+6 warm 6%s", out)
      assert.matches("\nresumed%s+2 warm 2%s", out)
      assert.matches("\nfill, evict%s+6 ", out)
      assert.matches("\nconcurrent%s+4 ", out)
      local paused, evicted, removed =
        out:match("; (%d+) paused, (%d+) evicted, (%d+) removed idle")
      assert.is_true(tonumber(paused) >= 2 and tonumber(evicted) >= 1 and tonumber(removed) >= 1,
        out)
      assert.matches("0 failures; all pods removed\n", out)
    end)

  it("wants --yes for a configured cluster, and no arguments", function()
    local status, out = shell.run("KUBECONFIG=/nonexistent ./bin/kwhisk pool-demo 2>&1")
    assert.are.equal(2, status, out)
    assert.matches("confirm with %-%-yes", out)
    status, out = pool_demo("extra")
    assert.are.equal(2, status, out)
    assert.matches("takes no arguments", out)
  end)
end)
