-- The API server's checks of names, labels and pods (kwhisk.sim.validate).
describe("kwhisk.sim.validate", function()
  local validate = require "kwhisk.sim.validate"

  it("accepts DNS-1123 subdomains and rejects the rest", function()
    assert.is_nil(validate.subdomain("my-pod.v1"))
    assert.matches("RFC 1123", validate.subdomain("My_Pod"))
    assert.matches("RFC 1123", validate.subdomain("-a"))
    assert.matches("253", validate.subdomain(("a"):rep(254)))
  end)

  it("checks label values and qualified keys", function()
    assert.is_nil(validate.label_value(""))
    assert.is_nil(validate.label_value("a.b_c-d"))
    assert.matches("valid label", validate.label_value("a/b"))
    assert.matches("63", validate.label_value(("x"):rep(64)))
    assert.is_nil(validate.qualified_name("sim.kwhisk.io/failure"))
    assert.matches("name part", validate.qualified_name("a/-b"))
    assert.matches("prefix", validate.qualified_name("/b"))
  end)

  it("gives the causes of an invalid pod", function()
    local causes = validate.pod({ metadata = { name = "Bad", labels = { a = "x/y" } },
      spec = { containers = { { name = "c" } } } })
    local fields = {}
    for _, c in ipairs(causes) do
      fields[#fields + 1] = c.field .. " " .. c.reason
    end
    table.sort(fields)
    assert.same({ "metadata.labels FieldValueInvalid", "metadata.name FieldValueInvalid",
      "spec.containers[0].image FieldValueRequired" }, fields)
    assert.same({ { reason = "FieldValueRequired", field = "spec.containers",
      message = "Required value" } }, validate.pod({ metadata = { name = "ok" }, spec = {} }))
    assert.equal('Pod "x" is invalid: spec.containers: Required value',
      validate.message("Pod", "x", { { field = "spec.containers", message = "Required value" } }))
  end)
end)
