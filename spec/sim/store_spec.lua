-- The sim's object store: versions, history and subscriptions (kwhisk.sim.store).
describe("kwhisk.sim.store", function()
  local store = require "kwhisk.sim.store"

  local function pod(name, ns)
    return { metadata = { name = name, namespace = ns or "default" } }
  end

  it("creates, refuses duplicates, lists by name and deletes", function()
    local s = store.new()
    assert.truthy(s:create("pods", pod("b")))
    assert.truthy(s:create("pods", pod("a")))
    assert.truthy(s:create("pods", pod("a", "other")))
    local ok, err = s:create("pods", pod("a"))
    assert.is_nil(ok)
    assert.equal("exists", err)
    local names = {}
    for _, p in ipairs(s:list("pods", "default")) do
      names[#names + 1] = p.metadata.name
    end
    assert.same({ "a", "b" }, names)
    assert.equal(3, #s:list("pods"))
    assert.equal("3", s:get("pods", "other", "a").metadata.resourceVersion)
    assert.truthy(s:delete("pods", "default", "a"))
    assert.is_nil(s:get("pods", "default", "a"))
    assert.is_nil(s:delete("pods", "default", "a"))
  end)

  it("replays changes since a version and says when it is too old", function()
    local s = store.new(3)
    local p = s:create("pods", pod("a"))
    s:update("pods", p)
    s:update("pods", p)
    s:delete("pods", "default", "a")
    local since = assert(s:since("pods", 2))
    assert.same({ "MODIFIED", "DELETED" }, { since[1].type, since[2].type })
    assert.is_nil(s:since("pods", 0))
    assert.same({}, s:since("pods", 4))
  end)

  it("keeps replaying the last changes long after its history filled up", function()
    local s = store.new(100)
    local p = s:create("pods", pod("a"))
    for _ = 1, 10000 do s:update("pods", p) end -- 100 times the history
    local since = assert(s:since("pods", 10000 - 5))
    assert.equal(6, #since)
    assert.equal(10001, since[6].rv)
    assert.is_nil(s:since("pods", 10000 - 200)) -- gone: 410
    local kept = 0
    for _ in pairs(s.log) do kept = kept + 1 end
    assert.is_true(kept <= 100 + 3, kept .. " entries kept") -- the history and its bounds
  end)

  it("calls subscribers with copies until they unsubscribe", function()
    local s = store.new()
    local seen = {}
    local stop = s:subscribe(function(e) seen[#seen + 1] = e end)
    local p = s:create("pods", pod("a"))
    p.metadata.name = "changed"
    stop()
    s:update("pods", p)
    assert.equal(1, #seen)
    assert.equal("a", seen[1].object.metadata.name)
  end)
end)
