-- kwhisk.signals: SIGINT and SIGTERM taken as events. Each case runs in a child luajit, so
-- the signals it blocks and sends never touch busted itself.
local shell = require "helpers.shell"

local function child(code)
  return shell.run("LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/?.so;;' luajit -e "
    .. shell.quote(code))
end

describe("kwhisk.signals", function()
  it("catch() keeps a signal pending until poll() takes it, once", function()
    local status, out = child([[
      local signals = require "kwhisk.signals"
      local w = signals.catch()
      print(w:poll())
      os.execute("kill -INT " .. require("posix.unistd").getpid())
      print(w:poll(), w:poll())
      os.execute("kill -TERM " .. require("posix.unistd").getpid())
      print(w:poll())]])
    assert.are.equal(0, status, out)
    assert.are.equal("nil\n2\tnil\n15\n", out)
  end)

  it("loads twice, and stopping gives the signals back to the process", function()
    local status, out = child([[
      local signals = require "kwhisk.signals"
      package.loaded["kwhisk.signals"] = nil
      signals = require "kwhisk.signals"
      local _, stop = signals.interruptible(function() end)
      stop()
      io.stdout:write("stopped\n") io.stdout:flush()
      os.execute("kill -TERM " .. require("posix.unistd").getpid())
      require("posix.unistd").sleep(1)
      print("still here")]])
    assert.are.equal(143, status, out) -- SIGTERM ended it, as with no kwhisk.signals at all
    assert.are.equal("stopped\n", out)
  end)

  it("interruptible(): the first signal is said and answered, the second exits", function()
    local status, out = child([[
      local signals = require "kwhisk.signals"
      local interrupted = signals.interruptible(function(sig) print("first", sig) end,
        function(sig) print("forced after", sig) io.stdout:flush() end)
      print(interrupted())
      local pid = require("posix.unistd").getpid()
      os.execute("kill -TERM " .. pid)
      print(interrupted(), interrupted())
      os.execute("kill -INT " .. pid)
      require("kwhisk.loop").sleep(1)
      print("not reached")]])
    assert.are.equal(143, status, out)
    assert.are.equal("nil\nfirst\t15\n15\t15\nforced after\t15\n", out)
  end)

  it("status() is 128 + the signal, as a shell reports a death by it", function()
    local signals = require "kwhisk.signals"
    assert.are.equal(130, signals.status(signals.SIGINT))
    assert.are.equal(143, signals.status(signals.SIGTERM))
  end)
end)
