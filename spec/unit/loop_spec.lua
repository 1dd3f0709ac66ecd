-- kwhisk.loop: tasks, waits and sleeps in one Lua state.
local loop = require "kwhisk.loop"

describe("kwhisk.loop", function()
  it("returns every result of the task's function, nils included", function()
    local task = loop.spawn(function(a, b) return a, nil, b end, 1, 2)
    local a, b, c = task:wait()
    assert.same({ 1, nil, 2 }, { a, b, c })
    assert.is_true(task.done)
    assert.same({ 1, nil, 2 }, { task:wait() }) -- a finished task answers again
  end)

  it("raises the task's error again in the waiter", function()
    local task = loop.spawn(function() error({ kind = "boom" }) end)
    local ok, err = pcall(task.wait, task)
    assert.is_false(ok)
    assert.same({ kind = "boom" }, err)
  end)

  it("runs sleeping tasks concurrently, waking them in deadline order", function()
    local order = {}
    local slow = loop.spawn(function() loop.sleep(0.1); order[#order + 1] = "slow" end)
    local fast = loop.spawn(function() loop.sleep(0.02); order[#order + 1] = "fast" end)
    slow:wait()
    fast:wait()
    assert.same({ "fast", "slow" }, order)
  end)

  it("lets tasks wait for other tasks, and spawn tasks themselves", function()
    local outer = loop.spawn(function()
      local inner = loop.spawn(function() loop.sleep(0.01); return "inner" end)
      return inner:wait() .. "+outer"
    end)
    assert.equal("inner+outer", outer:wait())
  end)

  it("blocks outside tasks for at least the time asked", function()
    local start = loop.now()
    loop.sleep(0.05)
    assert.is_true(loop.now() - start >= 0.05)
    assert.is_nil(loop.current())
  end)

  it("knows the current task inside one", function()
    local task
    task = loop.spawn(function() return loop.current() == task end)
    assert.is_true(task:wait())
  end)

  it("runs everything spawned with run()", function()
    local n = 0
    for _ = 1, 10 do
      loop.spawn(function() loop.sleep(0.01); n = n + 1 end)
    end
    loop.run()
    assert.equal(10, n)
  end)

  it("reports a deadlock instead of hanging", function()
    local a, b
    a = loop.spawn(function() loop.sleep(0); return b:wait() end)
    b = loop.spawn(function() loop.sleep(0); return a:wait() end)
    assert.has_error(function() a:wait() end,
      "kwhisk.loop: deadlock: waiting, but no transfer, timer or task can progress")
  end)

  it("gives the first of several tasks to finish, or nil at the deadline", function()
    local slow = loop.spawn(function() loop.sleep(0.2); return "slow" end)
    local fast = loop.spawn(function() loop.sleep(0.02); return "fast" end)
    assert.equal(fast, loop.first({ slow, fast }))
    assert.is_nil(loop.first({ slow }, loop.now() + 0.01))
    -- inside a task too; a wake that comes later does not cut a following sleep short
    local inner = loop.spawn(function()
      local a = loop.spawn(function() loop.sleep(0.02) end)
      local b = loop.spawn(function() loop.sleep(0.03) end)
      local first = loop.first({ a, b }, loop.now() + 1)
      local t0 = loop.now()
      loop.sleep(0.1)
      return first == a, loop.now() - t0, loop.first({ slow }, loop.now() + 0.01)
    end)
    local was_a, slept, none = inner:wait()
    assert.is_true(was_a)
    assert.is_true(slept >= 0.1, "slept " .. slept)
    assert.is_nil(none)
    assert.equal("slow", slow:wait())
  end)

  it("wakes every wait on a condition at notify, or returns false at the deadline", function()
    local cond = loop.condition()
    local woken = {}
    local tasks = {}
    for i = 1, 3 do
      tasks[i] = loop.spawn(function()
        woken[i] = cond:wait(loop.now() + 5)
        return loop.now()
      end)
    end
    loop.sleep(0.05)
    assert.same({}, woken)
    local t0 = loop.now()
    cond:notify()
    for i = 1, 3 do
      assert.is_true(tasks[i]:wait() - t0 < 0.5)
    end
    assert.same({ true, true, true }, woken)
    -- outside a task: the deadline passes with no notify
    t0 = loop.now()
    assert.is_false(cond:wait(t0 + 0.05))
    assert.is_true(loop.now() - t0 >= 0.05)
    -- outside a task, woken by a task's notify
    loop.spawn(function() loop.sleep(0.02) cond:notify() end)
    assert.is_true(cond:wait(loop.now() + 5))
  end)

  it("rejects bad arguments, naming them", function()
    assert.has_error(function() loop.spawn(42) end,
      "bad argument #1 to 'spawn' (function expected, got number)")
    assert.has_error(function() loop.sleep("1") end,
      "bad argument #1 to 'sleep' (number expected, got string)")
    local task
    task = loop.spawn(function() return pcall(task.wait, task) end)
    local ok, err = task:wait()
    assert.is_false(ok)
    assert.matches("a task cannot wait for itself", err)
  end)
end)

describe("kwhisk facade", function()
  local kwhisk = require "kwhisk"

  it("offers spawn and sleep", function()
    local task = kwhisk.spawn(function(x) kwhisk.sleep(0.01); return x * 2 end, 21)
    assert.equal(42, task:wait())
    assert.equal(loop, kwhisk.loop)
    assert.equal(require("kwhisk.errors"), kwhisk.errors)
  end)
end)
