-- kwhisk.sim.resources: the sim's REST handlers as the API server answers them: defaults,
-- refusals as Status, selectors, delete options and preconditions, deletecollection, merge
-- patches, PDBs, dry runs (against the sim, a process).
local json = require "kwhisk.json"
local simh = require "helpers.sim"

describe("kwhisk.sim.resources", function()
  local sim, pods, pdbs
  local http = simh.http

  setup(function()
    sim = simh.start({})
    pods = sim.url .. "/api/v1/namespaces/default/pods"
    pdbs = sim.url .. "/apis/policy/v1/namespaces/default/poddisruptionbudgets"
  end)
  teardown(function() sim:stop() end)

  local function call(method, url, body, headers)
    local code, text = http(method, url, body, headers)
    return code, json.decode(text)
  end

  it("fills a new pod's defaults as the API server does", function()
    local code, pod = call("POST", pods, simh.pod("d1", "example/pause:1"))
    assert.equal(201, code)
    local spec, c = pod.spec, pod.spec.containers[1]
    assert.same({ "Always", 30, "ClusterFirst", "default-scheduler" }, { spec.restartPolicy,
      spec.terminationGracePeriodSeconds, spec.dnsPolicy, spec.schedulerName })
    assert.equal("IfNotPresent", c.imagePullPolicy)
    assert.equal("/dev/termination-log", c.terminationMessagePath)
    assert.equal("default", pod.metadata.namespace)
    assert.matches("^%x+%-%x+%-%x+%-%x+%-%x+$", pod.metadata.uid)
    assert.is_string(pod.metadata.resourceVersion)
    local _
    _, pod = call("POST", pods, simh.pod("d2", "example/pause"))
    assert.equal("Always", pod.spec.containers[1].imagePullPolicy) -- no tag: latest
    _, pod = call("POST", pods, simh.pod("d3", "example/pause:latest"))
    assert.equal("Always", pod.spec.containers[1].imagePullPolicy)
  end)

  it("refuses duplicates, other kinds and other namespaces with a Status", function()
    local code, st = call("POST", pods, simh.pod("d1", "example/pause:1"))
    assert.same({ 409, "AlreadyExists", 'pods "d1" already exists' },
      { code, st.reason, st.message })
    local svc = simh.pod("x1")
    svc.kind = "Service"
    code, st = call("POST", pods, svc)
    assert.equal(400, code)
    assert.equal("the kind of the provided object (Service) does not match Pod", st.message)
    local other = simh.pod("x2")
    other.metadata.namespace = "elsewhere"
    code, st = call("POST", pods, other)
    assert.equal(400, code)
    assert.matches("namespace of the provided object does not match", st.message)
    code, st = call("POST", pods, "[1,")
    assert.same({ 400, "Status" }, { code, st.kind })
  end)

  it("refuses a field of the wrong JSON type with the API server's 400, and loses nothing",
    function()
    local bad = simh.pod("t1", "example/pause:1")
    bad.spec.nodeSelector = "disk=ssd"
    local code, st = call("POST", pods, bad)
    assert.same({ 400, "BadRequest", 'Pod in version "v1" cannot be handled as a Pod: json: '
      .. "cannot unmarshal string into Go struct field PodSpec.spec.nodeSelector of type "
      .. "map[string]string" }, { code, st.reason, st.message })
    assert.equal(404, (call("GET", pods .. "/t1")))
    code, st = call("DELETE", pods .. "/d1", { gracePeriodSeconds = "0" })
    assert.same({ 400, "json: cannot unmarshal string into Go struct field DeleteOptions."
      .. "gracePeriodSeconds of type int64" }, { code, st.message })
    assert.equal(200, (call("GET", pods .. "/d1")))
    code, st = call("POST", pdbs, { kind = "PodDisruptionBudget", apiVersion = "policy/v1",
      metadata = { name = "t2" }, spec = 5 })
    assert.same({ 400, "BadRequest" }, { code, st.reason })
    -- null is a zero value: no metadata is no name (422); a null field is an absent one
    code, st = call("POST", pods, '{"kind":"Pod","metadata":null,"spec":{"containers":'
      .. '[{"name":"c","image":"example/pause:1"}]}}')
    assert.same({ 422, "metadata.name" }, { code, st.details.causes[1].field })
    local t3 = simh.pod("t3", "example/pause:1")
    t3.spec.nodeSelector, t3.spec.tolerations = json.null, { json.null }
    code = call("POST", pods, t3)
    assert.equal(201, code)
    simh.wait_for(function() return select(2, call("GET", pods .. "/t3")).spec.nodeName end)
    assert.equal(200, (call("DELETE", pods .. "/t3", { gracePeriodSeconds = 0 })))
  end)

  it("answers the log of a pod bound to a node that does not exist with that node's 404",
    function()
    local bound = simh.pod("n1", "example/pause:1")
    bound.spec.nodeName = "no-such-node"
    assert.equal(201, (call("POST", pods, bound)))
    local code, st = call("GET", pods .. "/n1/log?container=user-action")
    assert.same({ 404, 'nodes "no-such-node" not found' }, { code, st.message })
    local pod
    code, pod = call("GET", pods .. "/n1")
    assert.same({ 200, "Pending", "no-such-node" }, { code, pod.status.phase, pod.spec.nodeName })
    assert.equal(200, (call("DELETE", pods .. "/n1")))
  end)

  it("lists by label and field selectors, and refuses a bad selector", function()
    local code, list = call("GET", pods .. "?labelSelector=app%3Dt&fieldSelector="
      .. "metadata.name%3Dd1")
    assert.equal(200, code)
    assert.same({ "PodList", 1, "d1" }, { list.kind, #list.items, list.items[1].metadata.name })
    local st
    code, st = call("GET", pods .. "?fieldSelector=spec.image%3Dx")
    assert.equal(400, code)
    assert.equal("Status", st.kind)
  end)

  it("deletes with preconditions and a dry run, and deletes collections by label", function()
    local _, pod = call("GET", pods .. "/d2")
    local code, st = call("DELETE", pods .. "/d2", { preconditions = { uid = "nope" } })
    assert.equal(409, code)
    assert.equal("Precondition failed: UID in precondition: nope, UID in object meta: "
      .. pod.metadata.uid, st.message)
    code = call("DELETE", pods .. "/d2?dryRun=All")
    assert.equal(200, code)
    assert.equal(200, (call("GET", pods .. "/d2")))
    -- the subresources take only their own methods
    assert.equal(405, (call("DELETE", pods .. "/d2/status")))
    assert.equal(405, (call("POST", pods .. "/d2/log")))
    assert.equal(200, (call("GET", pods .. "/d2/status")))
    code, st = call("DELETE", pods .. "/d2?gracePeriodSeconds=soon")
    assert.same({ 400, "BadRequest" }, { code, st.reason })
    assert.equal(200, (call("GET", pods .. "/d2")))
    code, st = call("DELETE", pods .. "/d2?propagationPolicy=Sometimes")
    assert.same({ 422, "Invalid" }, { code, st.reason })
    code = call("DELETE", pods .. "/d2?gracePeriodSeconds=0")
    assert.equal(200, code)
    simh.wait_for(function() return (call("GET", pods .. "/d2")) == 404 end)
    local list
    code, list = call("DELETE", pods .. "?labelSelector=app%3Dt&gracePeriodSeconds=0")
    assert.equal(200, code)
    assert.equal(2, #list.items) -- d1 and d3
    simh.wait_for(function() return #select(2, call("GET", pods)).items == 0 end)
  end)

  it("merges label and annotation patches, null removing a key", function()
    call("POST", pods, simh.pod("p1", "example/pause:1"))
    local merge = { ["content-type"] = "application/merge-patch+json" }
    local code, pod = call("PATCH", pods .. "/p1", { metadata = { labels = { a = "1" },
      annotations = { n = "x" } } }, merge)
    assert.equal(200, code)
    assert.same({ app = "t", a = "1" }, pod.metadata.labels)
    local _
    _, pod = call("PATCH", pods .. "/p1", '{"metadata":{"labels":{"app":null}}}', merge)
    assert.same({ a = "1" }, pod.metadata.labels)
    local st
    code, st = call("PATCH", pods .. "/p1", { metadata = { labels = { ["bad key!"] = "v" } } },
      merge)
    assert.same({ 422, "Invalid" }, { code, st.reason })
    code = call("PATCH", pods .. "/p1", { metadata = {} }, { ["content-type"] = "text/plain" })
    assert.equal(415, code)
    assert.equal(404, (call("PATCH", pods .. "/none", { metadata = {} }, merge)))
    call("DELETE", pods .. "/p1?gracePeriodSeconds=0")
  end)

  it("creates, gets and deletes policy/v1 PDBs", function()
    local pdb = { apiVersion = "policy/v1", kind = "PodDisruptionBudget",
      metadata = { name = "b1" }, spec = { minAvailable = 1,
        selector = { matchLabels = { name = "b1" } } } }
    local code, got = call("POST", pdbs, pdb)
    assert.equal(201, code)
    assert.equal(0, got.status.disruptionsAllowed)
    assert.equal(409, (call("POST", pdbs, pdb)))
    assert.equal("b1", select(2, call("GET", pdbs .. "/b1")).metadata.name)
    -- a dry run, in the query or as kubectl --dry-run=server sends it (a list in the body)
    assert.equal(200, (call("DELETE", pdbs .. "/b1?dryRun=All")))
    assert.equal(200, (call("DELETE", pdbs .. "/b1", { dryRun = { "All" } })))
    assert.equal(200, (call("GET", pdbs .. "/b1")))
    assert.equal(200, (call("DELETE", pdbs .. "/b1")))
    local st
    code, st = call("GET", pdbs .. "/b1")
    assert.same({ 404, 'poddisruptionbudgets.policy "b1" not found' }, { code, st.message })
  end)
end)
