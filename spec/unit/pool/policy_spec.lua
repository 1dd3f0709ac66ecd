-- kwhisk.pool.policy, the warm pool's default policy, on candidate records alone.
local policy = require "kwhisk.pool.policy"

local MIB = 2 ^ 20

local function c(name, state, memory, active, last_used)
  return { name = name, state = state, memory = memory * MIB, active = active,
    last_used = last_used }
end

describe("kwhisk.pool.policy", function()
  it("chooses a running container over a paused one, then the fullest, then the newest", function()
    local paused = c("p", "paused", 128, 0, 9)
    local old = c("old", "warm", 128, 0, 1)
    local new = c("new", "warm", 128, 0, 5)
    local full = c("full", "warm", 128, 2, 0)
    assert.equal(new, policy.choose({ candidates = { paused, old, new } }))
    assert.equal(full, policy.choose({ candidates = { paused, old, new, full } }))
    assert.equal(paused, policy.choose({ candidates = { paused } }))
    assert.equal(old, policy.choose({ candidates = { c("s", "starting", 128, 1, 9), old } }))
  end)

  it("evicts the least recently used first, prewarmed ones last, only enough", function()
    local pre = c("pre", "prewarmed", 256, 0, 0)
    local a = c("a", "warm", 128, 0, 3)
    local b = c("b", "paused", 128, 0, 1)
    local list = { pre, a, b }
    assert.same({ b }, policy.evict({ need = 100 * MIB, candidates = list }))
    assert.same({ b, a }, policy.evict({ need = 200 * MIB, candidates = list }))
    assert.same({ b, a, pre }, policy.evict({ need = 300 * MIB, candidates = list }))
    assert.same({}, policy.evict({ need = 600 * MIB, candidates = list })) -- not enough: none
    assert.same({ pre, a, b }, list) -- the candidates list is left as it was
  end)

  it("takes the first of a list that free the bytes asked, or none", function()
    local a, b = c("a", "warm", 128, 0, 0), c("b", "warm", 64, 0, 0)
    assert.same({ a }, policy.take({ a, b }, 1))
    assert.same({ a, b }, policy.take({ a, b }, 192 * MIB))
    assert.same({}, policy.take({ a, b }, 193 * MIB))
    assert.same({}, policy.take({}, 0))
  end)
end)
