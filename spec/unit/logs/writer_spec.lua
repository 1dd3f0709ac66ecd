-- kwhisk.logs.writer: records formatted in C and written to a file descriptor (SPEC A4).
describe("kwhisk.logs writer", function()
  local logs = require "kwhisk.logs"
  local time = require "kwhisk.time"
  local shell = require "helpers.shell"
  local fcntl = require "posix.fcntl"
  local unistd = require "posix.unistd"
  local bit = require "bit"

  local text = table.concat({
    "2018-02-06T00:00:18.419889342Z  first activation \t",
    "no-space",
    "2018-02-06T00:00:19.5-01:00 offset \"quoted\" \255",
    "2018-02-06T00:00:20Z last",
  }, "\n") .. "\n"

  local dir, cleanup
  setup(function() dir, cleanup = shell.tmpdir() end)
  teardown(function() cleanup() end)

  -- Runs fn(writer) with a writer to a new file; returns what the file holds.
  local function written(opts, fn)
    local path = dir .. "/out"
    local fd = assert(fcntl.open(path, bit.bor(fcntl.O_WRONLY, fcntl.O_CREAT, fcntl.O_TRUNC), 420))
    opts.fd = fd
    fn(assert(logs.writer(opts)))
    unistd.close(fd)
    return shell.read(path)
  end

  it("writes the text and JSON forms of every record, as tostring(r) and r:json() do", function()
    local records = logs.read_lines(text)
    local want_text, want_json = {}, {}
    for i, r in ipairs(records) do
      r.stream = "stderr"
      want_text[i], want_json[i] = tostring(r) .. "\n", r:json() .. "\n"
    end
    for format, want in pairs({ text = want_text, json = want_json }) do
      local got = written({ format = format, stream = "stderr" }, function(w)
        local reader = assert(logs.reader())
        assert(reader:feed(text))
        assert.is_nil(w:last())
        assert.equal(3, w:drain(reader))
        assert.is_true(w:flush())
        assert.equal("2018-02-06T00:00:20.0Z", tostring(w:last()))
      end)
      assert.equal(table.concat(want), got, format)
    end
  end)

  it("streams many records through a small buffer, all of them, in order", function()
    local lines = {}
    for i = 1, 20000 do
      lines[i] = ("2024-05-01T10:%02d:%02d.%dZ line %d"):format(math.floor(i / 60) % 60, i % 60,
        i % 1000, i)
    end
    local body = table.concat(lines, "\n")
    local drained = 0
    local got = written({}, function(w)
      local reader = assert(logs.reader())
      for at = 1, #body, 9999 do
        assert(reader:feed(body:sub(at, at + 9998)))
        drained = drained + assert(w:drain(reader))
      end
      reader:finish()
      assert.equal(1, w:drain(reader))
      drained = drained + 1
      assert.is_true(w:flush())
    end)
    assert.equal(20000, drained)
    local i = 0
    for line in got:gmatch("([^\n]*)\n") do
      i = i + 1
      local stamp = tostring(assert(time.parse(lines[i]:match("^(%S+)"))))
      assert.equal(stamp .. " stdout: line " .. i, line)
    end
    assert.equal(20000, i)
  end)

  it("reports a failed write as an io error", function()
    local r, w = unistd.pipe()
    unistd.close(r)
    local signal = require "posix.signal"
    local old = signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    local writer = assert(logs.writer({ fd = w }))
    local reader = assert(logs.reader())
    assert(reader:feed(text))
    assert.equal(3, writer:drain(reader))
    local ok, err = writer:flush()
    signal.signal(signal.SIGPIPE, old)
    unistd.close(w)
    assert.is_nil(ok)
    assert.equal("io", err.kind)
    assert.matches("^writing the log: Broken pipe", err.message)
  end)

  it("refuses bad options", function()
    assert.has_error(function() logs.writer("x") end,
      "bad argument #1 to 'writer' (table or nil expected, got string)")
    assert.has_error(function() logs.writer({ format = "xml" }) end,
      "bad argument #1 to 'writer' (opts.format: 'text' or 'json' expected)")
    assert.has_error(function() logs.writer({ fd = -1 }) end,
      "bad argument #1 to 'writer' (opts.fd: file descriptor expected)")
    assert.has_error(function() logs.writer({ stream = 1 }) end,
      "bad argument #1 to 'writer' (opts.stream: string expected)")
  end)
end)
