-- Kubernetes name and label rules, and pod names for any container name.
local names = require "kwhisk.names"

describe("kwhisk.names", function()
  describe("pod_name", function()
    it("follows the seed's rules for ordinary names", function()
      assert.are.equal("my-container1", names.pod_name("my_Container(1)"))
      assert.are.equal("wsk0-1-prewarm-nodejs10", names.pod_name("wsk0_1_prewarm_nodejs10"))
      assert.are.equal("a", names.pod_name("a_"))
      assert.are.equal("0abc", names.pod_name("0abc"))
    end)

    it("always gives a valid DNS-1123 label", function()
      local inputs = { "", "___", "(((", "!!!", "-lead", "--", "Ünïcødé", "über_action",
        "a.b.c", "dots...", string.rep("x", 64), string.rep("_", 100), "a b", "\0\1",
        string.rep("ab_", 40), "x" .. string.rep("-", 70) .. "y" }
      for _, input in ipairs(inputs) do
        local name = names.pod_name(input)
        assert.is_true(names.is_dns1123_label(name), ("%q -> %q"):format(input, name))
      end
    end)

    it("keeps distinct inputs distinct when it had to change them", function()
      local seen = {}
      for _, input in ipairs { "a.b", "a,b", "a b", "a!b", "", "!", "?",
          string.rep("x", 63) .. "1", string.rep("x", 63) .. "2" } do
        local name = names.pod_name(input)
        assert.is_nil(seen[name], ("%q and %q both give %q"):format(seen[name] or "", input, name))
        seen[name] = input
      end
    end)

    it("is deterministic", function()
      assert.are.equal(names.pod_name("a.b"), names.pod_name("a.b"))
      assert.matches("^a%-b%-%x%x%x%x%x%x%x%x$", names.pod_name("a.b"))
    end)

    it("refuses a non-string", function()
      assert.has_error(function() names.pod_name(42) end,
        "bad argument #1 to 'pod_name' (string expected, got number)")
    end)
  end)

  describe("labels", function()
    it("accepts valid keys and values", function()
      assert.is_nil(names.labels_error { app = "web", ["example.com/tier"] = "a.b_c-d", x = "" })
    end)

    it("names the first bad label and why", function()
      assert.matches('label "a" value "x/y": a valid label',
        names.labels_error { a = "x/y" }, 1, true)
      assert.matches("must be no more than 63 characters",
        names.labels_error { a = string.rep("v", 64) }, 1, true)
      assert.matches('label key "-bad"', names.labels_error { ["-bad"] = "v" }, 1, true)
      assert.matches("prefix part", names.labels_error { ["Bad_Prefix/x"] = "v" }, 1, true)
      assert.matches("must be a string", names.labels_error { a = 1 }, 1, true)
    end)

    it("sanitises any value into a valid one", function()
      for _, v in ipairs { "ns/with/slashes", "-x-", "ünï", string.rep("a", 80), "" } do
        local s = names.sanitize_label_value(v)
        assert.is_nil(names.label_value_error(s), ("%q -> %q"):format(v, s))
      end
      assert.are.equal("ns-with-slashes", names.sanitize_label_value("ns/with/slashes"))
    end)
  end)

  it("checks subdomains", function()
    assert.is_true(names.is_dns1123_subdomain("kwhisk.example.com"))
    assert.is_false(names.is_dns1123_subdomain("a..b"))
    assert.is_false(names.is_dns1123_subdomain(string.rep("a", 254)))
    assert.is_true(names.is_dns1123_subdomain(string.rep("a", 64) .. ".b"))
    assert.is_false(names.is_dns1123_label(string.rep("a", 64)))
  end)
end)
