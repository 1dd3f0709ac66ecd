-- Whole-file reads and writes, with failures as values naming the path.
local fs = require "kwhisk.fs"
local shell = require "helpers.shell"

describe("kwhisk.fs", function()
  it("writes and reads back any bytes", function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    local bytes = "a\0b\r\n\255" .. string.rep("x", 100000)
    assert.is_true(fs.write_file(dir .. "/f", bytes))
    assert.are.equal(bytes, fs.read_file(dir .. "/f"))
  end)

  it("names the path when it cannot", function()
    local s, err = fs.read_file("/nonexistent/kwhisk-file")
    assert.is_nil(s)
    assert.matches("^/nonexistent/kwhisk%-file: ", err)
    local ok, werr = fs.write_file("/nonexistent/dir/f", "x")
    assert.is_nil(ok)
    assert.matches("^/nonexistent/dir/f: ", werr)
  end)
end)
