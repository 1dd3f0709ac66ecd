-- Specs of kwhisk.json: encode/decode, the array/object marks, errors and limits.
local json = require "kwhisk.json"

describe("kwhisk.json", function()
  local function roundtrip(text)
    return json.encode(assert(json.decode(text)))
  end

  describe("decode -> encode round trips", function()
    it("keeps empty arrays and objects apart", function()
      assert.equal("[]", roundtrip("[]"))
      assert.equal("{}", roundtrip("{}"))
      assert.equal('{"a":[],"b":{},"c":[[],{}]}', roundtrip(' { "b" : {}, "a":[], "c":[[],{}] } '))
    end)

    it("marks decoded arrays and objects", function()
      local v = json.decode('{"a":[],"b":{}}')
      assert.is_true(json.is_object(v))
      assert.is_true(json.is_array(v.a))
      assert.is_true(json.is_object(v.b))
      assert.is_false(json.is_array(v.b))
    end)

    it("keeps unicode, escapes and NUL bytes", function()
      local v = json.decode('"caf\\u00e9 \\ud83d\\ude00 \\" \\\\ \\/ \\n\\t a\\u0000b"')
      assert.equal("café 😀 \" \\ / \n\t a\0b", v)
      assert.equal('"café 😀 \\" \\\\ / \\n\\t a\\u0000b"', json.encode(v))
      assert.equal('["é","\\u0001"]', roundtrip('["é","\\u0001"]'))
    end)

    it("sorts object keys", function()
      assert.equal('{"a":1,"b":2,"z":3}', json.encode({ z = 3, b = 2, a = 1 }))
    end)

    it("decodes null to json.null and keeps the key", function()
      local v = json.decode('{"x":null}')
      assert.equal(json.null, v.x)
      assert.equal('{"x":null}', json.encode(v))
    end)

    it("lets the last duplicate key win", function()
      assert.same({ a = 2 }, json.decode('{"a":1,"a":2}'))
    end)

    it("decodes a scalar document", function()
      assert.equal(12.5, json.decode(" 12.5 "))
      assert.equal(true, json.decode("true"))
      assert.equal("s", json.decode('"s"'))
    end)
  end)

  describe("encode", function()
    it("treats unmarked tables by their keys", function()
      assert.equal("{}", json.encode({}))
      assert.equal("[1,2,3]", json.encode({ 1, 2, 3 }))
      assert.equal('{"a":true}', json.encode({ a = true }))
    end)

    it("honours marks even when empty", function()
      assert.equal("[]", json.encode(json.array()))
      assert.equal("{}", json.encode(json.object()))
      assert.equal('{"args":[],"resources":{}}',
        json.encode({ args = json.array({}), resources = json.object({}) }))
    end)

    it("writes integers without exponent and other numbers exactly", function()
      assert.equal("[0,-7,9007199254740992,1e+300,0.1,0.30000000000000004]",
        json.encode({ 0, -7, 2 ^ 53, 1e300, 0.1, 0.1 + 0.2 }))
      assert.equal(0.1 + 0.2, json.decode(json.encode(0.1 + 0.2)))
    end)

    it("does not escape / and replaces invalid UTF-8", function()
      assert.equal('"a/b\xEF\xBF\xBD"', json.encode("a/b\255"))
    end)

    it("encodes nil and json.null as null", function()
      assert.equal("null", json.encode(nil))
      assert.equal("[null]", json.encode({ json.null }))
    end)

    local function encode_error(v)
      local ok, err = pcall(json.encode, v)
      assert.is_false(ok)
      return err
    end

    it("names the path of an unencodable value", function()
      local pod = { spec = { containers = { { name = "a" }, { name = "b", args = { print } } } } }
      assert.equal(
        "json.encode: cannot encode a function at value.spec.containers[2].args[1]",
        encode_error(pod))
      assert.equal('json.encode: NaN has no JSON form at value["app.k/x"]',
        encode_error({ ["app.k/x"] = 0 / 0 }))
      assert.equal("json.encode: infinity has no JSON form at value[1]",
        encode_error({ math.huge }))
    end)

    it("refuses mixed, sparse and oddly keyed tables", function()
      assert.matches("both string and integer keys at value$", encode_error({ 1, x = 2 }))
      assert.matches("sparse array .* at value.a$", encode_error({ a = { 1, nil, 3 } }))
      assert.matches("neither a string nor a positive integer at value$",
        encode_error({ [1.5] = 1 }))
      assert.matches("neither a string nor a positive integer", encode_error({ [true] = 1 }))
      assert.matches("array%-marked table with keys other than 1..n",
        encode_error(json.array({ x = 1 })))
      assert.matches("object%-marked table with a key that is not a string",
        encode_error(json.object({ 1 })))
    end)

    it("refuses cycles and deep nesting", function()
      local t = { a = {} }
      t.a.b = t
      assert.equal("json.encode: table contains itself (a cycle) at value.a.b", encode_error(t))
      local deep = {}
      for _ = 1, 1000 do deep = { deep } end
      assert.matches("nesting deeper than 1000 tables", encode_error(deep))
    end)

    it("works normally after an error and after a large value", function()
      encode_error({ print })
      assert.equal('{"a":[1]}', json.encode({ a = { 1 } }))
      local big = string.rep("x", 200000)
      assert.equal(200002, #json.encode(big))
      assert.equal('"y"', json.encode("y"))
      assert.is_nil(json.decode("[" .. big))
      assert.equal(big, json.decode('"' .. big .. '\\n"'):sub(1, -2))
    end)

    it("refuses other userdata-like values", function()
      assert.matches("cannot encode a thread", encode_error({ coroutine.create(print) }))
    end)
  end)

  describe("decode errors", function()
    local cases = {
      { "", "json:1:1: expected a JSON value, got end of input (byte offset 0)" },
      { "[1,2", "json:1:5: expected ',' or ']' in array, got end of input (byte offset 4)" },
      { '{"a" 1}', "json:1:6: expected ':' after object key, got '1' (byte offset 5)" },
      { "[1]\n  x",
        "json:2:3: expected end of input after the JSON value, got 'x' (byte offset 6)" },
      { "01", "json:1:1: leading zeros are not allowed in numbers (byte offset 0)" },
      { '"\\q"', "json:1:3: expected an escape character (\"\\/bfnrtu) after '\\', "
        .. "got 'q' (byte offset 2)" },
      { '"a\nb"', "json:1:3: control character 0x0a in string (must be escaped) (byte offset 2)" },
      { "NaN", "json:1:1: expected a JSON value, got 'N' (byte offset 0)" },
    }
    for _, case in ipairs(cases) do
      it("reports " .. case[2], function()
        local v, err = json.decode(case[1])
        assert.is_nil(v)
        assert.equal(case[2], err)
      end)
    end

    it("refuses nesting deeper than 1000 without crashing", function()
      local v, err = json.decode(string.rep("[", 100000))
      assert.is_nil(v)
      assert.equal("json:1:1001: nesting deeper than 1000 arrays/objects (byte offset 1000)", err)
      assert.is_table(json.decode(string.rep("[", 1000) .. string.rep("]", 1000)))
    end)

    it("keeps big integers as (imprecise) numbers", function()
      assert.equal(2 ^ 53, json.decode("9007199254740993"))
      assert.equal(1e30, json.decode("1000000000000000000000000000000"))
    end)

    it("replaces lone surrogates and invalid UTF-8 with U+FFFD", function()
      assert.equal("\xEF\xBF\xBDx", json.decode('"\\ud800x"'))
      assert.equal("\xEF\xBF\xBD", json.decode('"\255"'))
    end)

    it("raises for a non-string argument", function()
      assert.has_error(function() json.decode({}) end)
    end)
  end)

  describe("marks", function()
    it("mark and return the same table", function()
      local t = {}
      assert.equal(t, json.array(t))
      assert.equal(json.array_mt, getmetatable(t))
      assert.equal(t, json.object(t))
      assert.equal(json.object_mt, getmetatable(t))
    end)

    it("refuse non-tables and foreign metatables", function()
      assert.has_error(function() json.array(1) end,
        "bad argument #1 to 'json.array' (table expected, got number)")
      assert.has_error(function() json.object(setmetatable({}, {})) end,
        "bad argument #1 to 'json.object' (table already has a metatable)")
    end)

    it("are shared with kwhisk.core", function()
      local core = require("kwhisk.core").json
      assert.equal(core.array_mt, json.array_mt)
      assert.equal(core.null, json.null)
    end)
  end)

  it("round trips a Pod with args: [] and resources: {}", function()
    local text = '{"apiVersion":"v1","kind":"Pod","metadata":{"labels":{"app":"x"},"name":"p"},' ..
      '"spec":{"containers":[{"args":[],"image":"busybox","name":"c","resources":{}}]}}'
    assert.equal(text, roundtrip(text))
  end)
end)
