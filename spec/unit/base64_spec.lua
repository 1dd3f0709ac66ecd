-- kwhisk.base64: RFC 4648's test vectors, agreement with coreutils' base64, bad input.
local base64 = require "kwhisk.base64"
local shell = require "helpers.shell"

describe("kwhisk.base64", function()
  local VECTORS = { [""] = "", f = "Zg==", fo = "Zm8=", foo = "Zm9v", foob = "Zm9vYg==",
                    fooba = "Zm9vYmE=", foobar = "Zm9vYmFy" } -- RFC 4648 section 10

  it("encodes and decodes RFC 4648's test vectors", function()
    for bytes, text in pairs(VECTORS) do
      assert.are.equal(text, base64.encode(bytes))
      assert.are.equal(bytes, base64.decode(text))
    end
  end)

  it("agrees with coreutils' base64 on every byte value, and ignores whitespace", function()
    local bytes = {}
    for i = 0, 255 do bytes[#bytes + 1] = string.char(i) end
    local all = table.concat(bytes) .. "\0tail"
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    shell.write(dir .. "/bytes", all)
    local status, wrapped = shell.run("base64 " .. shell.quote(dir .. "/bytes"))
    assert.are.equal(0, status)
    assert.is_truthy(wrapped:find("\n.", 1)) -- coreutils wraps at 76 columns
    assert.are.equal(all, base64.decode(wrapped))
    assert.are.equal((wrapped:gsub("%s", "")), base64.encode(all))
  end)

  it("refuses text that is not base64", function()
    for _, bad in ipairs({ "%%%", "Zg=", "Zg=a", "Z===", "Zm9v!A==", "Zg==Zg==" }) do
      local bytes, err = base64.decode(bad)
      assert.is_nil(bytes, bad)
      assert.are.equal("not base64", err)
    end
    assert.has_error(function() base64.encode(1) end,
      "bad argument #1 to 'encode' (string expected, got number)")
  end)
end)
