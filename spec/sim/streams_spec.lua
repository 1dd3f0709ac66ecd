-- kwhisk.sim.streams: watches resumed from a resourceVersion, filtered, ended by their
-- timeout or a 410 (as an answer or an ERROR event); pods/log options refused as the API
-- server refuses them, and the container a log request names (against the sim, a process).
local json = require "kwhisk.json"
local simh = require "helpers.sim"

describe("kwhisk.sim.streams", function()
  local sim, pods
  local http = simh.http

  setup(function()
    sim = simh.start({})
    pods = sim.url .. "/api/v1/namespaces/default/pods"
    local two = simh.pod("two", "example/pause:1")
    two.spec.containers[2] = { name = "side", image = "example/pause:1" }
    assert.equal(201, (http("POST", pods, two)))
    assert.equal(201, (http("POST", pods, simh.pod("one", "example/pause:1"))))
    simh.ready(pods .. "/one")
  end)
  teardown(function() sim:stop() end)

  -- The events of a watch that ends by its timeoutSeconds: { {type, name}, ... }.
  local function watch(query)
    local code, text = http("GET", pods .. "?watch=true&timeoutSeconds=1&" .. query)
    local events = {}
    for line in text:gmatch("[^\n]+") do
      local e = json.decode(line)
      local object = e.object
      events[#events + 1] = { e.type, object.metadata and object.metadata.name or object.code }
    end
    return code, events
  end

  it("starts with ADDED for every matching pod, filtered by field and label", function()
    local code, events = watch("fieldSelector=metadata.name%3Done")
    assert.equal(200, code)
    assert.same({ { "ADDED", "one" } }, events)
    local _
    _, events = watch("labelSelector=app%3Dnone")
    assert.same({}, events)
  end)

  it("resumes after a resourceVersion with only the changes since", function()
    local _, list = http("GET", pods)
    local rv = json.decode(list).metadata.resourceVersion
    assert.equal(200, (http("PATCH", pods .. "/one", { metadata = { labels = { x = "1" } } },
      { ["content-type"] = "application/merge-patch+json" })))
    local _, events = watch("resourceVersion=" .. rv .. "&fieldSelector=metadata.name%3Done")
    assert.same({ { "MODIFIED", "one" } }, events)
  end)

  it("answers a watch that is gone with 410 Expired, or with an ERROR event", function()
    assert(sim:fault({ kind = "watch_gone", mode = "http", count = 1 }))
    local code, text = http("GET", pods .. "?watch=true&timeoutSeconds=1")
    assert.equal(410, code)
    assert.equal("Expired", json.decode(text).reason)
    assert(sim:fault({ kind = "watch_gone", mode = "event", count = 1 }))
    local events
    code, events = watch("")
    assert.equal(200, code)
    assert.same({ { "ERROR", 410 } }, events)
  end)

  -- The Status of a refused pods/log request.
  local function refused(pod, query)
    local code, text = http("GET", pods .. "/" .. pod .. "/log?" .. query)
    return code, json.decode(text) or text
  end

  it("refuses bad log options with one 422 naming every cause, and bad containers", function()
    local INVALID = 'PodLogOptions "one" is invalid: '
    for _, case in ipairs({
      { "one", "sinceSeconds=5&sinceTime=2024-01-01T00:00:00Z", 422, INVALID .. "sinceSeconds: "
        .. "Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified" },
      { "one", "tailLines=-1&limitBytes=0", 422, INVALID .. "[tailLines: Invalid value: -1: must "
        .. "be greater than or equal to 0, limitBytes: Invalid value: 0: must be greater than 0]" },
      { "one", "sinceTime=yesterday", 422, INVALID .. 'sinceTime: Invalid value: "yesterday": '
        .. "must be an RFC 3339 time" },
      { "two", "", 400, "a container name must be specified for pod two, choose one of: "
        .. "[user-action side]" },
      { "one", "container=nope", 400, "container nope is not valid for pod one" },
      { "nosuch", "", 404, 'pods "nosuch" not found' },
    }) do
      local code, st = refused(case[1], case[2])
      assert.equal(case[3], code, case[2])
      assert.equal(case[4], st.message)
    end
    assert.equal(2, #select(2, refused("one", "tailLines=-1&limitBytes=0")).details.causes)
  end)
end)
