-- kwhisk.k8s.pods: the one place pod paths are built, and a handle over one connection
-- (against the sim, a process).
local pods = require "kwhisk.k8s.pods"
local simh = require "helpers.sim"

describe("kwhisk.k8s.pods", function()
  it("builds the collection's, a pod's and a subresource's paths, percent-encoded", function()
    assert.equal("/api/v1/namespaces/ns/pods", pods.path("ns"))
    assert.equal("/api/v1/namespaces/ns/pods/a1", pods.path("ns", "a1"))
    assert.equal("/api/v1/namespaces/ns/pods/a1/log", pods.path("ns", "a1", "log"))
    assert.equal("/api/v1/namespaces/my%20ns/pods/a%2F1/portforward",
      pods.path("my ns", "a/1", "portforward"))
    assert.has_error(function() pods.path(nil, "a") end,
      "bad argument #1 to 'pods.path' (namespace string expected, got nil)")
    assert.has_error(function() pods.new({}, "ns") end,
      "bad argument #1 to 'pods.new' (API connection expected, got table)")
  end)

  describe("a handle", function()
    local env = simh.fixture()

    it("is the client's, in the client's namespace", function()
      local client = env.client
      assert.equal("default", client.pods.namespace)
      assert.equal(client.conn, client.pods.conn)
      assert.equal(client.pods:path("x"), client:pods_path("x"))
      assert.matches("^kwhisk pods %(http://127%.0%.0%.1:%d+, namespace default%)$",
        tostring(client.pods))
    end)

    it("gets, lists and streams pods", function()
      local sim, client = env.sim, env.client
      local p = pods.new(client.conn, "default")
      assert(client.conn:create(p:path(), simh.pod("h1", "example/pause:1")))
      finally(function() client.conn:delete(p:path("h1")) end)
      assert.equal("h1", assert(p:get("h1")).metadata.name)
      local list = assert(p:list({ labelSelector = "app=t" }))
      assert.equal("PodList", list.kind)
      assert.equal(1, #list.items)
      assert.equal(0, #assert(p:list({ labelSelector = "app=none" })).items)
      local _, err = p:get("nope")
      assert.equal("not_found", err.kind)
      simh.ready(sim.url .. p:path("h1"))
      local stream = assert(p:stream("h1", "log", { container = "user-action" }))
      assert.equal(200, stream.status)
      stream:close()
    end)
  end)
end)
