-- kwhisk.time: parsing (superset and the seed's grammar), formatting, time values.
describe("kwhisk.time", function()
  local time = require "kwhisk.time"

  local function parses(s, sec, nsec, grammar)
    local t, err = time.parse(s, grammar)
    assert.is_nil(err)
    assert.are.equal(sec, t.sec)
    assert.are.equal(nsec, t.nsec)
  end

  local function fails(s, expected, grammar)
    local t, err = time.parse(s, grammar)
    assert.is_nil(t)
    assert.are.equal(expected, err)
  end

  describe("parse", function()
    it("reads every example of SPEC A2 in both grammars", function()
      for _, g in ipairs({ "openwhisk", "superset" }) do
        parses("1970-01-01T00:00:00.0Z", 0, 0, g)
        parses("2018-02-06T00:00:18.5Z", 1517875218, 500000000, g)
        parses("2018-02-06T00:09:35.38267193Z", 1517875775, 382671930, g)
        parses("2018-02-06T00:00:18.000000001Z", 1517875218, 1, g)
        parses("2018-02-06t00:00:18.419889342z", 1517875218, 419889342, g)
      end
    end)

    it("takes no fraction and numeric offsets in the superset only", function()
      parses("2018-02-06T00:00:18Z", 1517875218, 0)
      parses("2018-02-05T19:00:18.5-05:00", 1517875218, 500000000)
      parses("2018-02-06T05:30:18+05:30", 1517875218, 0)
      parses("2018-02-06T00:00:18+00:00", 1517875218, 0)
      fails("2018-02-06T00:00:18Z",
        'invalid timestamp "2018-02-06T00:00:18Z": expected \'.\' and 1 to 9 fraction digits'
        .. " at byte 19", "openwhisk")
      fails("2018-02-06T00:00:18.5+01:00",
        [[invalid timestamp "2018-02-06T00:00:18.5+01:00": expected 'Z' or 'z' at byte 21]],
        "openwhisk")
    end)

    it("refuses 10 fraction digits", function()
      fails("2018-02-06T00:00:18.1234567890Z",
        [[invalid timestamp "2018-02-06T00:00:18.1234567890Z": expected 'Z', 'z', '+' or '-']]
        .. [[ (at most 9 fraction digits) at byte 29]])
    end)

    it("knows leap years and refuses impossible dates and times", function()
      parses("2024-02-29T00:00:00Z", 1709164800, 0)
      parses("2000-02-29T00:00:00Z", 951782400, 0)
      fails("2023-02-29T00:00:00Z", [[invalid timestamp "2023-02-29T00:00:00Z":]]
        .. [[ expected a day that exists in that month at byte 8]])
      fails("1900-02-29T00:00:00.0Z", [[invalid timestamp "1900-02-29T00:00:00.0Z":]]
        .. [[ expected a day that exists in that month at byte 8]], "openwhisk")
      fails("2018-02-31T00:00:00.0Z", [[invalid timestamp "2018-02-31T00:00:00.0Z":]]
        .. [[ expected a day that exists in that month at byte 8]], "openwhisk")
      fails("2018-01-01T24:00:00Z",
        [[invalid timestamp "2018-01-01T24:00:00Z": expected an hour 00-23 at byte 11]])
      fails("2018-01-01T23:59:60Z",
        [[invalid timestamp "2018-01-01T23:59:60Z": expected a second 00-59 at byte 17]])
      fails("2018-01-01T00:00:00+24:00", [[invalid timestamp "2018-01-01T00:00:00+24:00":]]
        .. [[ expected an offset hour 00-23 at byte 20]])
    end)

    it("names the byte and what was expected for any other mistake", function()
      fails("", [[invalid timestamp "": expected a digit at byte 0]])
      fails("2018-02-06 00:00:18Z",
        [[invalid timestamp "2018-02-06 00:00:18Z": expected 'T' or 't' at byte 10]])
      fails("2018-02-06T00:00:18Z ",
        [[invalid timestamp "2018-02-06T00:00:18Z ": expected the end of the timestamp at byte 20]])
    end)

    it("raises on arguments of the wrong type", function()
      assert.has_error(function() time.parse(42) end,
        "bad argument #1 to 'parse' (string expected, got number)")
      assert.has_error(function() time.parse("x", "iso") end)
    end)
  end)

  describe("format", function()
    local t = time.new(1517875218, 500000000)

    it("prints the seed's format by default", function()
      assert.are.equal("1970-01-01T00:00:00.0Z", time.format(time.new(0, 0)))
      assert.are.equal("2018-02-06T00:00:18.5Z", time.format(t))
      assert.are.equal("2018-02-06T00:09:35.38267193Z", tostring(time.new(1517875775, 382671930)))
      assert.are.equal("2018-02-06T00:00:18.000000001Z", tostring(time.new(1517875218, 1)))
    end)

    it("prints the fixed, trimmed and seconds styles and offsets", function()
      assert.are.equal("2018-02-06T00:00:18.500000000Z", time.format(t, "fixed"))
      assert.are.equal("2018-02-06T00:00:18.5Z", time.format(t, "trimmed"))
      assert.are.equal("2018-02-06T00:00:18Z", time.format(time.new(1517875218), "trimmed"))
      assert.are.equal("2018-02-06T00:00:18Z", time.format(t, "seconds"))
      assert.are.equal("2018-02-05T19:00:18.5-05:00", time.format(t, nil, -300))
      assert.are.equal("2018-02-06T05:30:18+05:30", time.format(t, "seconds", 330))
      assert.has_error(function() time.format(t, "iso") end)
      assert.has_error(function() time.format(t, nil, 1440) end)
      assert.has_error(function() time.format("2018") end)
    end)

    it("round-trips through parse in every style that keeps nanoseconds", function()
      for _, style in ipairs({ "openwhisk", "fixed", "trimmed" }) do
        for _, off in ipairs({ 0, -300, 330, 1439 }) do
          local u = time.new(-86399, 7)
          assert.are.equal(u, time.parse(time.format(u, style, off)))
          assert.are.equal(t, time.parse(time.format(t, style, off)))
        end
      end
    end)
  end)

  describe("parse_http_date", function()
    it("reads IMF-fixdate (Retry-After) through the same parser", function()
      assert.are.equal(time.new(1445412490), time.parse_http_date("Wed, 21 Oct 2015 07:28:10 GMT"))
      assert.are.equal(time.new(951782400), time.parse_http_date("Tue, 29 Feb 2000 00:00:00 GMT"))
    end)

    it("refuses other forms and impossible dates, quoting them", function()
      local t, err = time.parse_http_date("Wednesday, 21-Oct-15 07:28:10 GMT")
      assert.is_nil(t)
      assert.are.equal('invalid HTTP date "Wednesday, 21-Oct-15 07:28:10 GMT": expected '
        .. '"Day, DD Mon YYYY hh:mm:ss GMT"', err)
      assert.is_nil(time.parse_http_date("Wed, 21 Foo 2015 07:28:10 GMT"))
      t, err = time.parse_http_date("Mon, 30 Feb 2015 07:28:10 GMT")
      assert.is_nil(t)
      assert.matches('^invalid HTTP date "Mon, 30 Feb 2015 07:28:10 GMT": expected', err)
      assert.has_error(function() time.parse_http_date(1) end,
        "bad argument #1 to 'parse_http_date' (string expected, got number)")
    end)
  end)

  describe("values", function()
    it("keep nanoseconds, compare and add", function()
      local a = time.new(1517875218, 999999999)
      local b = a:add(0, 1)
      assert.are.equal(1517875219, b.sec)
      assert.are.equal(0, b.nsec)
      assert.is_true(a < b and a <= b and a <= a)
      assert.is_false(b < a)
      assert.is_true(a == time.new(1517875218, 999999999))
      assert.is_false(a == b)
      assert.is_false(a == nil)
      assert.are.equal(a, b:add(0, -1))
      assert.are.equal(time.new(-1, 999999999), time.new(0, 0):add(0, -1))
      assert.are.equal(1e-9, b:seconds_since(a))
      assert.has_error(function() a:add(0.5) end,
        "bad argument #1 to 'add' (integer seconds expected, got 0.5)")
      assert.has_error(function() a:add(0, "1") end,
        "bad argument #2 to 'add' (integer nanoseconds expected, got 1)")
    end)

    it("work before 1970 and far ahead", function()
      local t = assert(time.parse("1969-12-31T23:59:59.5Z"))
      assert.are.equal(-1, t.sec)
      assert.are.equal(500000000, t.nsec)
      assert.are.equal("+10000-01-01T00:00:00Z", time.format(time.new(253402300800), "seconds"))
    end)

    it("checks new's arguments", function()
      assert.has_error(function() time.new(1.5) end,
        "bad argument #1 to 'new' (integer seconds expected, got 1.5)")
      assert.has_error(function() time.new(1, 1e9) end)
      assert.has_error(function() time.new(1, -1) end)
    end)

    it("now is close to os.time", function()
      local t = time.now()
      assert.is_true(math.abs(t.sec - os.time()) <= 2)
      assert.is_true(t.nsec >= 0 and t.nsec < 1e9)
    end)
  end)
end)
