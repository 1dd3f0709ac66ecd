-- kwhisk.logs.record: records, their JSON and text forms, their size, decoding (SPEC A4).
describe("kwhisk.logs.record", function()
  local logline = require "kwhisk.logs.record"
  local time = require "kwhisk.time"
  local t = time.new(1517875218, 419889342)
  local FORMAT = "ParseCaseSensitive(false)Value(Year)'-'Value(MonthOfYear,2)'-'"
    .. "Value(DayOfMonth,2)'T'Value(HourOfDay,2)':'Value(MinuteOfHour,2)':'"
    .. "Value(SecondOfMinute,2)Fraction(NanoOfSecond,1,9,DecimalPoint)'Z'"

  it("writes SPEC A4's JSON example byte for byte", function()
    local r = logline.new(t, "stdout", "first activation")
    local json = [[{"log":"first activation","stream":"stdout",]]
      .. [["time":"2018-02-06T00:00:18.419889342Z"}]]
    assert.are.equal(json, r:json())
    assert.are.equal(#json, r:json_size())
    assert.are.equal(t, r.time)
    assert.are.equal("stdout", r.stream)
    assert.are.equal("first activation", r.log)
  end)

  it("escapes only quotes, backslashes and control characters", function()
    local r = logline.new(time.new(0), "stderr", "q\" b\\ s/ \b\f\n\r\t \1\31 é")
    assert.are.equal([[{"log":"q\" b\\ s/ \b\f\n\r\t \u0001\u001f é","stream":"stderr",]]
      .. [["time":"1970-01-01T00:00:00.0Z"}]], r:json())
  end)

  it("counts the size in UTF-16 units: é one, an emoji two", function()
    local base = logline.new(t, "stdout", ""):json_size()
    assert.are.equal(base + 1, logline.new(t, "stdout", "é"):json_size())
    assert.are.equal(base + 2, logline.new(t, "stdout", "\240\159\152\128"):json_size())
    assert.are.equal(base + 2, logline.new(t, "stdout", "\n"):json_size())
  end)

  it("replaces each invalid UTF-8 byte with U+FFFD, so the JSON stays valid", function()
    local r = logline.new(t, "stdout", "a\255b\192\128c\237\160\128")
    local json = r:json()
    assert.are.equal('{"log":"a\239\191\189b\239\191\189\239\191\189c\239\191\189\239\191\189'
      .. '\239\191\189","stream":"stdout","time":"2018-02-06T00:00:18.419889342Z"}', json)
    local back = assert(logline.decode(json))
    assert.are.equal("a\239\191\189b", back.log:sub(1, 5))
  end)

  it("prints the text form with the message trimmed", function()
    assert.are.equal("2018-02-06T00:00:18.419889342Z stdout: first activation",
      tostring(logline.new(t, "stdout", " \t first activation \r\n")))
  end)

  it("gives the line OpenWhisk stores: the time padded to 30 columns, invalid UTF-8 as U+FFFD",
    function()
      -- OpenWhisk's LogLine.toFormattedString: f"$time%-30s $stream: ${log.trim}", over the
      -- log as its JSON form carries it
      assert.are.equal("2018-02-06T00:00:18.419889342Z stdout: first activation",
        logline.new(t, "stdout", " \t first activation \r\n"):formatted())
      assert.are.equal("1970-01-01T00:00:00.5Z         stderr: a\239\191\189b \195\169",
        logline.new(time.new(0, 500000000), "stderr", "a\255b \195\169 "):formatted())
      local r = logline.new(t, "stdout", "\192\128x")
      assert.are.equal(assert(logline.decode(r:json())).log, r:formatted():match(": (.*)$"))
      assert.has_error(function() r.formatted({}) end,
        "bad argument #1 to 'formatted' (log record expected, got table)")
    end)

  it("decodes its JSON form back", function()
    local r = logline.new(t, "stdout", "x \"y\" é \0 z")
    local back = assert(logline.decode(r:json()))
    assert.are.equal(r.time, back.time)
    assert.are.equal(r.stream, back.stream)
    assert.are.equal(r.log, back.log)
    assert.is_true(logline.is_record(back))
  end)

  it("gives SPEC A4's exact messages", function()
    local cases = {
      { "[1]", "JSON object expected" },
      { "{}", "key not found: time" },
      { [[{"time":"2018-02-06T00:00:18.5Z","log":"x"}]], "key not found: stream" },
      { [[{"time":"2018-02-06T00:00:18.5Z","stream":"x"}]], "key not found: log" },
      { [[{"time":"2018-02-06T00:00:18.5Z","stream":true,"log":"x"}]],
        "Expected String as JsString, but got true" },
      { [[{"time":"2018-02-06T00:00:18.5Z","stream":"x","log":[1, 2]}]],
        "Expected String as JsString, but got [1,2]" },
      { [[{"time":"2018-02-06T00:00:18.5Z","stream":"x","log":{ "a" : [ 1 , "b c" ] }}]],
        [[Expected String as JsString, but got {"a":[1,"b c"]}]] },
      { [[{"time":12,"stream":"x","log":"y"}]],
        "Could not parse a java.time.Instant from 12 (Expected in format: " .. FORMAT .. ")" },
      { [[{"time":"2018-02-06 00:00:18.5Z","stream":"x","log":"y"}]],
        "Could not parse a java.time.Instant from 2018-02-06 00:00:18.5Z (Expected in format: "
        .. FORMAT .. ": expected 'T' or 't' at byte 10" },
      { "[1,2]", "JSON object expected" },
      { [[{"time":null,"stream":"x","log":"y"}]],
        "Could not parse a java.time.Instant from null (Expected in format: " .. FORMAT .. ")" },
      { [[{"time":"yesterday","stream":"x","log":"y"}]],
        "Could not parse a java.time.Instant from yesterday (Expected in format: " .. FORMAT
        .. ": expected a digit at byte 0" },
      { "{", "invalid JSON: json:1:2: expected a string key in object, "
        .. "got end of input (byte offset 1)" },
    }
    for _, case in ipairs(cases) do
      local r, err = logline.decode(case[1])
      assert.is_nil(r)
      assert.are.equal(case[2], err)
    end
  end)

  it("raises on arguments of the wrong type", function()
    assert.has_error(function() logline.new("2018", "stdout", "x") end,
      "bad argument #1 to 'new' (time expected, got string)")
    assert.has_error(function() logline.new(t, nil, "x") end)
    assert.has_error(function() logline.decode({}) end)
  end)
end)
