-- Label and field selectors of the simulated cluster (kwhisk.sim.selector).
describe("kwhisk.sim.selector", function()
  local selector = require "kwhisk.sim.selector"

  local function matches(text, labels)
    local sel = assert(selector.labels(text))
    return selector.match_labels(sel, labels)
  end

  it("matches every operator of the label grammar", function()
    local l = { app = "web", tier = "front", n = "5" }
    assert.is_true(matches("app=web", l))
    assert.is_true(matches("app==web", l))
    assert.is_false(matches("app!=web", l))
    assert.is_true(matches("missing!=x", l))
    assert.is_true(matches("app in (db, web)", l))
    assert.is_false(matches("app notin (web)", l))
    assert.is_true(matches("missing notin (web)", l))
    assert.is_true(matches("tier", l))
    assert.is_true(matches("!missing", l))
    assert.is_false(matches("!app", l))
    assert.is_true(matches("n>4,n<6", l))
    assert.is_false(matches("app in (web),tier notin (front)", l))
    assert.is_true(matches("", l))
  end)

  it("names what is wrong with a bad selector", function()
    local sel, err = selector.labels("app in ()")
    assert.is_nil(sel)
    assert.matches("values set can't be empty", err)
    sel, err = selector.labels("app=bad value!")
    assert.is_nil(sel)
    assert.matches("invalid label value", err)
    assert.is_nil((selector.labels("n>x")))
  end)

  it("matches supported fields and rejects others", function()
    local fields = { ["metadata.name"] = function(o) return o.metadata.name end,
      ["status.phase"] = function(o) return o.status.phase end }
    local pod = { metadata = { name = "p1" }, status = { phase = "Running" } }
    local sel = assert(selector.fields("metadata.name=p1,status.phase!=Pending", fields))
    assert.is_true(selector.match_fields(sel, pod))
    sel = assert(selector.fields("status.phase==Pending", fields))
    assert.is_false(selector.match_fields(sel, pod))
    local none, err = selector.fields("spec.bogus=x", fields)
    assert.is_nil(none)
    assert.equal("field label not supported: spec.bogus", err)
  end)
end)
