-- The facade module: loading, version, lazy parts.
describe("kwhisk", function()
  local kwhisk = require "kwhisk"

  it("has the C core's version", function()
    assert.are.equal(require("kwhisk.core").version, kwhisk.version)
    assert.matches("^%d+%.%d+%.%d+$", kwhisk.version)
  end)

  it("answers nil for names that are not parts", function()
    assert.is_nil(kwhisk.no_such_part)
  end)
end)
