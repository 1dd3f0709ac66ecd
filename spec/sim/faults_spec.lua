-- Faults on demand: matching, counting and validation (kwhisk.sim.faults).
describe("kwhisk.sim.faults", function()
  local faults = require "kwhisk.sim.faults"

  it("fires for the next N matching requests and counts them", function()
    local f = faults.new()
    local fault = assert(f:add({ kind = "status", code = 429, count = 2, method = "get",
      path = "/api/v1/namespaces/default/pods" }))
    local kinds = { status = true }
    assert.is_nil(f:take(kinds, "POST", "/api/v1/namespaces/default/pods"))
    assert.is_nil(f:take(kinds, "GET", "/api/v1/namespaces/other/pods"))
    assert.equal(fault, f:take(kinds, "GET", "/api/v1/namespaces/default/pods/p1"))
    assert.equal(fault, f:take(kinds, "GET", "/api/v1/namespaces/default/pods"))
    assert.is_nil(f:take(kinds, "GET", "/api/v1/namespaces/default/pods"))
    assert.equal(2, fault.hits)
    assert.equal(0, fault.remaining)
    assert.is_nil(f:take({ reset = true }, "GET", "/"))
  end)

  it("rejects faults it cannot apply, saying why", function()
    local f = faults.new()
    local function problem(spec) return select(2, f:add(spec)) end
    assert.equal("unknown fault kind: boom", problem({ kind = "boom" }))
    assert.matches("code must be", problem({ kind = "status", code = 200 }))
    assert.matches("mode must be", problem({ kind = "watch_gone" }))
    assert.matches("token", problem({ kind = "rotate_token" }))
    assert.matches("count must be", problem({ kind = "stall", count = -1 }))
    assert.equal(0, #f:all())
  end)
end)
