-- Every public function and method backed by the FFI or the C core checks its self and its
-- arguments: a wrong one raises a clear error naming it, never a crash (SIGSEGV) or a quiet
-- success.
local kwhisk = require "kwhisk"

describe("public API arguments", function()
  it("a log reader's methods refuse a wrong self by name instead of crashing", function()
    local r = kwhisk.logs.reader()
    for _, m in ipairs({ "next", "drain", "cursor", "feed", "feed_at", "release", "finish",
      "stats" }) do
      local ok, err = pcall(r[m], {})
      assert.is_false(ok)
      assert.matches("bad argument #1 to '" .. m .. "' %(kwhisk.reader expected, got table%)",
        err)
    end
  end)

  it("a log reader refuses a missing pointer, a bad count and a bad output table", function()
    local r = kwhisk.logs.reader()
    assert.has_error(function() r:feed_at(nil, 100) end,
      "bad argument #1 to 'feed_at' (pointer expected, got nil)")
    assert.has_error(function() r:feed_at(require("ffi").new("char *"), 100) end,
      "bad argument #1 to 'feed_at' (pointer expected, got NULL)")
    assert.has_error(function() r:feed_at(require("ffi").new("char[4]"), -1) end,
      "bad argument #2 to 'feed_at' (byte count expected, got -1)")
    assert.has_error(function() r:drain(5) end,
      "bad argument #1 to 'drain' (table or nil expected, got number)")
    -- and still works
    local buf = require("ffi").new("char[?]", 26, "1970-01-01T00:00:01Z hey\n")
    assert.is_true(r:feed_at(buf, 25, buf))
    assert.equal("hey", r:next().log)
  end)

  it("a record's methods refuse what is not a record", function()
    local rec = kwhisk.logline.new(kwhisk.time.new(1), "stdout", "x")
    assert.has_error(function() rec.json({}) end,
      "bad argument #1 to 'json' (log record expected, got table)")
    assert.has_error(function() rec.json_size(7) end,
      "bad argument #1 to 'json_size' (log record expected, got number)")
    assert.has_error(function() getmetatable(rec).__tostring({ time = 1 }) end,
      "bad argument #1 to 'tostring' (log record expected, got table)")
  end)

  it("C-backed objects name their class for a wrong self and the option for a bad option",
    function()
    local core = require "kwhisk.core"
    local loop = core.http.loop()
    local function fails(f)
      local ok, err = pcall(f)
      assert.is_false(ok)
      return err
    end
    assert.matches("bad argument #1 to 'step' %(kwhisk.http.loop expected, got table%)",
      fails(function() local r = loop.step({}) return r end))
    for _, case in ipairs({
      { { url = 1 }, "option 'url': string expected, got number" },
      { {}, "option 'url': required" },
      { { url = "http://127.0.0.1:1/", insecure = "false" },
        "option 'insecure': boolean expected, got string" },
      { { url = "http://127.0.0.1:1/", timeout = 1 / 0 }, "option 'timeout': number from 0 to" },
      { { url = "http://127.0.0.1:1/", max_body = -1 }, "option 'max_body': number from 0 to" },
      { { url = "http://127.0.0.1:1/", headers = { 1 } },
        "option 'headers': entry 1 is not a string" },
    }) do
      local err = fails(function() local r = loop:request(case[1]) return r end)
      assert.matches("bad argument #1 to 'request' (" .. case[2], err, 1, true)
    end
    assert.matches("bad argument #2 to 'open' (option 'port': required)",
      fails(function()
        local r = core.portforward.open(loop, { url = "http://127.0.0.1:1/", host = "h",
          target = "t" })
        return r
      end), 1, true)
  end)

  -- (A method refuses every wrong self by name; a function or a method's other argument may
  -- take a value it can use, but never crashes or fails inside the library.)
  it("survives wrong values as self and as every argument of every FFI- and C-backed "
    .. "function and method: a wrong self refused by name, no crash, no internal error",
    function()
    local cmd = "LUA_PATH='lua/?.lua;lua/?/init.lua;spec/?.lua;;' LUA_CPATH='build/?.so;;' "
      .. "luajit spec/helpers/argsweep.lua 2>&1; echo \"exit $?\""
    local p = assert(io.popen(cmd))
    local out = p:read("*a")
    p:close()
    assert.is_truthy(out:find("exit 0\n$"),
      "the sweep crashed (rerun it with SWEEP_TRACE=1 to see the last call): " .. out)
    local calls = tonumber(out:match("DONE (%d+)"))
    assert.is_true(calls ~= nil and calls > 1000, out)
    assert.is_nil(out:find("BAD ", 1, true), out)
  end)
end)
