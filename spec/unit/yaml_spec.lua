-- Specs of kwhisk.yaml: loading streams the Kubernetes way, errors, limits and dump.
local yaml = require "kwhisk.yaml"
local json = require "kwhisk.json"
local shell = require "helpers.shell"

describe("kwhisk.yaml", function()
  local function load1(text)
    local docs, err = yaml.load(text)
    assert.is_nil(err)
    return docs[1]
  end

  describe("load", function()
    it("keeps args: [] and resources: {} through to JSON", function()
      local pod = load1([[
apiVersion: v1
kind: Pod
metadata:
  name: action
spec:
  containers:
  - name: user-action
    image: busybox
    args: []
    resources: {}
]])
      local text = json.encode(pod)
      assert.matches('"args":%[%]', text)
      assert.matches('"resources":{}', text)
      assert.is_true(json.is_array(pod.spec.containers))
      assert.is_true(json.is_object(pod.metadata))
    end)

    it("loads every document of a stream", function()
      local docs = yaml.load("a: 1\n---\n- x\n---\njust a scalar\n")
      assert.equal(3, #docs)
      assert.is_true(json.is_array(docs))
      assert.same({ a = 1 }, docs[1])
      assert.same({ "x" }, docs[2])
      assert.equal("just a scalar", docs[3])
    end)

    it("gives zero documents for empty input", function()
      local docs = yaml.load("")
      assert.equal(0, #docs)
      assert.equal("[]", json.encode(docs))
    end)

    it("resolves plain scalars like Kubernetes and keeps quoted ones", function()
      local v = load1([[
t: true
y: yes
off: off
n: ~
e:
i: 0x1F
o: 0755
f: 1.5e3
inf: -.inf
s: hello
q: "true"
q2: '123'
tag: !!str 42
date: 2024-01-01
]])
      assert.same({ true, true, false, json.null, json.null, 31, 493, 1500, -math.huge },
        { v.t, v.y, v.off, v.n, v.e, v.i, v.o, v.f, v.inf })
      assert.same({ "hello", "true", "123", "42", "2024-01-01" },
        { v.s, v.q, v.q2, v.tag, v.date })
    end)

    it("keeps keys with null values", function()
      assert.equal('{"a":null}', json.encode(load1("a:")))
    end)

    it("expands anchors, aliases and merge keys", function()
      local v = load1("base: &b {x: 1, y: 2}\ncopy: *b\nd:\n  <<: *b\n  y: 3\n")
      assert.same({ x = 1, y = 2 }, v.copy)
      assert.are_not.equal(v.base, v.copy) -- separate tables
      assert.same({ x = 1, y = 3 }, v.d)
    end)

    it("turns scalar keys into strings", function()
      assert.same({ ["1"] = "a", ["true"] = "b" }, load1("1: a\ntrue: b\n"))
    end)

    it("keeps unicode text", function()
      assert.equal("café 😀", load1("k: café 😀").k)
    end)
  end)

  describe("errors", function()
    local cases = {
      { "a: b: c", "yaml:1:5: mapping values are not allowed in this context" },
      { "a:\n\tb: 1", "yaml:2:1: found character that cannot start any token " ..
        "(while scanning for the next token at line 2)" },
      { "a:\n  b: 1\n c: 2",
        "yaml:3:2: did not find expected key (while parsing a block mapping at line 1)" },
      { "a: *missing", "yaml:1:4: unknown anchor *missing" },
      { "? {a: 1}\n: x", "yaml:1:3: a mapping key must be a scalar, not a mapping" },
      { "ok: 1\nbad: \255", "yaml:2:6: invalid leading UTF-8 octet (byte 0xff at offset 11)" },
      { "a: !!int nope", 'yaml:1:4: value "nope" does not match its tag tag:yaml.org,2002:int' },
    }
    for _, case in ipairs(cases) do
      it("reports " .. case[2], function()
        local docs, err = yaml.load(case[1])
        assert.is_nil(docs)
        assert.equal(case[2], err)
      end)
    end

    it("names the source", function()
      local _, err = yaml.load("a: b: c", "pod.yaml")
      assert.equal("pod.yaml:1:5: mapping values are not allowed in this context", err)
    end)

    it("refuses a billion laughs quickly", function()
      local lines = { 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]' }
      local prev = "a"
      for c in ("bcdefghi"):gmatch(".") do
        local refs = ("*" .. prev .. ","):rep(8) .. "*" .. prev
        lines[#lines + 1] = ("%s: &%s [%s]"):format(c, c, refs)
        prev = c
      end
      local t0 = os.clock()
      local docs, err = yaml.load(table.concat(lines, "\n"))
      assert.is_nil(docs)
      assert.matches("^yaml:7:%d+: document expands to more than 1000000 nodes", err)
      assert.is_true(os.clock() - t0 < 0.5)
    end)

    it("refuses deep nesting", function()
      local docs, err = yaml.load(("["):rep(5000))
      assert.is_nil(docs)
      assert.equal("yaml:1:1001: nesting deeper than 1000 levels", err)
    end)

    it("raises for bad arguments", function()
      assert.has_error(function() yaml.load(nil) end,
        "bad argument #1 to 'yaml.load' (string expected, got nil)")
      assert.has_error(function() yaml.load("", 1) end,
        "bad argument #2 to 'yaml.load' (string expected, got number)")
    end)
  end)

  describe("load_file", function()
    it("loads a file and names it in errors", function()
      local dir = shell.tmpdir()
      local path = dir .. "/pod.yaml"
      local f = assert(io.open(path, "w"))
      f:write("kind: Pod\n---\nbad: [\n")
      f:close()
      local docs, err = yaml.load_file(path)
      assert.is_nil(docs)
      assert.equal(1, err:find(path .. ":4:1: ", 1, true))
      f = assert(io.open(path, "w"))
      f:write("kind: Pod\n")
      f:close()
      assert.same({ { kind = "Pod" } }, yaml.load_file(path))
      os.remove(path)
      os.remove(dir)
    end)

    it("reports a missing file with its path first", function()
      local docs, err = yaml.load_file("/nonexistent/kwhisk.yaml")
      assert.is_nil(docs)
      assert.equal(1, err:find("/nonexistent/kwhisk.yaml", 1, true))
    end)
  end)

  describe("dump", function()
    it("writes block YAML with sorted keys, [] and {}", function()
      local text = yaml.dump({ spec = { containers = { { name = "c", args = json.array() } } },
        metadata = { labels = json.object() }, kind = "Pod" })
      assert.equal("kind: Pod\nmetadata:\n  labels: {}\nspec:\n  containers:\n" ..
        "  - args: []\n    name: c\n", text)
    end)

    it("quotes strings that would read back as something else", function()
      local v = { "true", "yes", "123", "", "null", "~", " x ", "a: b", "# c", "0x1F", "1e3" }
      assert.same(v, yaml.load(yaml.dump(v))[1])
      assert.matches('%- "yes"', yaml.dump(v))
    end)

    it("round trips JSON-able values", function()
      local values = {
        { a = { 1, 2.5, -3, 1e300, 0.1 }, b = json.null, c = true, d = json.array(), e = {} },
        { multi = "line one\nline two\n", tab = "a\tb", uni = "café 😀", nul = "a\0b" },
        "plain", 42, false, json.null, json.array({ json.object(), json.array() }),
      }
      for _, v in ipairs(values) do
        local back = yaml.load(yaml.dump(v))[1]
        assert.equal(json.encode(v), json.encode(back))
      end
    end)

    it("keeps its output in a collectable userdata, so a raise cannot leak it", function()
      yaml.dump({ a = 1 })
      local mt = debug.getregistry()["kwhisk.yaml.output"]
      assert.is_table(mt)
      assert.is_function(mt.__gc)
      assert.is_function(mt.__tostring)
    end)

    it("raises like json.encode for unencodable values", function()
      assert.has_error(function() yaml.dump({ f = print }) end,
        "yaml.dump: cannot encode a function at value.f")
    end)
  end)
end)
