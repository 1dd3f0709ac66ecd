-- kwhisk.shell: one /bin/sh word for any string.
local shell = require "kwhisk.shell"

describe("kwhisk.shell.quote", function()
  it("gives /bin/sh one word that is the string itself", function()
    for _, s in ipairs({ "", "plain", "it's", "'", "''", "a b\tc\nd", "$HOME `id` \\ \"q\"",
                         "*", "-n" }) do
      local pipe = assert(io.popen("printf '%s|' " .. shell.quote(s)))
      local out = pipe:read("*a")
      pipe:close()
      assert.are.equal(s .. "|", out)
    end
  end)

  it("quotes what tostring gives", function()
    assert.are.equal("'42'", shell.quote(42))
  end)
end)
