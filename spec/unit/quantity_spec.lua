-- kwhisk.quantity: sizes (SPEC A1 units), cpu quantities, and formatting.
local quantity = require "kwhisk.quantity"

describe("kwhisk.quantity", function()
  describe("parse_size", function()
    it("reads m, M and Mi as 2^20 and MB as 10^6", function()
      assert.are.equal(256 * 2^20, quantity.parse_size("256 m"))
      assert.are.equal(256 * 2^20, quantity.parse_size("256M"))
      assert.are.equal(256 * 2^20, quantity.parse_size("256Mi"))
      assert.are.equal(256 * 2^20, quantity.parse_size("256 MiB"))
      assert.are.equal(256 * 10^6, quantity.parse_size("256MB"))
    end)

    it("reads k, g, t units, bytes, and integers", function()
      assert.are.equal(2^30, quantity.parse_size("1 g"))
      assert.are.equal(2 * 10^9, quantity.parse_size("2GB"))
      assert.are.equal(3 * 2^10, quantity.parse_size("3Ki"))
      assert.are.equal(2^40, quantity.parse_size("1T"))
      assert.are.equal(1024, quantity.parse_size("1024"))
      assert.are.equal(7, quantity.parse_size("7 b"))
      assert.are.equal(4096, quantity.parse_size(4096))
      assert.are.equal(1536 * 2^20, quantity.parse_size("1.5 g"))
    end)

    it("rejects what is not a whole number of bytes, saying what it expected", function()
      for _, bad in ipairs({ "", "m", "12 parsecs", "-1", "1.5", "0.3 k", "1e3", "2 m extra" }) do
        local n, err = quantity.parse_size(bad)
        assert.is_nil(n, bad)
        assert.matches("expected a size like", err)
        assert.matches("got '" .. bad:gsub("%p", "%%%0") .. "'", err)
      end
      assert.matches("got 1.5", select(2, quantity.parse_size(1.5)))
      assert.matches("got a table", select(2, quantity.parse_size({})))
    end)
  end)

  describe("parse_cpu", function()
    it("reads millicpus and cores", function()
      assert.are.equal(300, quantity.parse_cpu("300m"))
      assert.are.equal(500, quantity.parse_cpu("0.5"))
      assert.are.equal(2000, quantity.parse_cpu("2"))
      assert.are.equal(1500, quantity.parse_cpu(1.5))
    end)

    it("rejects fractions of a millicpu and junk", function()
      for _, bad in ipairs({ "0.0001", "3mm", "m", "1.5m", "two" }) do
        local n, err = quantity.parse_cpu(bad)
        assert.is_nil(n, bad)
        assert.matches("expected a cpu quantity", err)
      end
    end)
  end)

  describe("formatting", function()
    it("writes whole and fractional mebibytes without a trailing .0", function()
      assert.are.equal("512Mi", quantity.format_mi(512.0))
      assert.are.equal("2.5Mi", quantity.format_mi(2.5))
      assert.are.equal("0Mi", quantity.format_mi(0))
    end)

    it("writes millicpus", function()
      assert.are.equal("300m", quantity.format_cpu(300))
    end)

    it("writes the shortest exact binary size", function()
      assert.are.equal("1Gi", quantity.format_size(2^30))
      assert.are.equal("256Mi", quantity.format_size(256 * 2^20))
      assert.are.equal("1536Ki", quantity.format_size(1536 * 2^10))
      assert.are.equal("1000", quantity.format_size(1000))
      assert.are.equal("0", quantity.format_size(0))
    end)

    it("counts memory in whole mebibytes (integer division)", function()
      assert.are.equal(2, quantity.mebibytes(3 * 2^20 - 1))
      assert.are.equal(256, quantity.mebibytes(256 * 2^20))
    end)
  end)
end)
