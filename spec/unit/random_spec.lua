-- kwhisk.random: the one source of random identifiers.
local random = require "kwhisk.random"

describe("kwhisk.random", function()
  it("gives 2n lowercase hex digits, different every time", function()
    local seen = {}
    for n = 1, 32 do
      local h = random.hex(n)
      assert.matches("^[0-9a-f]+$", h)
      assert.equal(2 * n, #h)
      if n >= 8 then
        assert.is_nil(seen[h], h)
        seen[h] = true
      end
    end
    assert.are_not.equal(random.hex(16), random.hex(16))
  end)
end)
