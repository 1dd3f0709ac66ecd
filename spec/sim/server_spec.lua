-- The simulated cluster end to end (kwhisk.sim.server and friends): kubectl, raw API calls,
-- the action runtime on podIP:8080, logs, watch, faults, the invoker agent, TLS and tokens.
local json = require "kwhisk.json"
local shell = require "helpers.shell"
local simh = require "helpers.sim"

local http, wait_for, pod_body = simh.http, simh.wait_for, simh.pod

describe("kwhisk sim", function()
  local sim, pods

  setup(function()
    sim = simh.start({ "--bookmark-interval", "0.2", "--split-streams" })
    pods = sim.url .. "/api/v1/namespaces/default/pods"
  end)
  teardown(function() sim:stop() end)

  local function get_pod(name)
    local code, text = http("GET", pods .. "/" .. name)
    return code == 200 and json.decode(text) or nil
  end

  local function ready(name)
    return simh.ready(pods .. "/" .. name)
  end

  it("serves discovery", function()
    local code, text = http("GET", sim.url .. "/api/v1")
    assert.equal(200, code)
    assert.equal("APIResourceList", json.decode(text).kind)
    code, text = http("GET", sim.url .. "/version")
    assert.equal(200, code)
    assert.truthy(json.decode(text).gitVersion)
  end)

  it("answers errors as Status bodies", function()
    local code, text = http("GET", sim.url .. "/no/such/path")
    assert.equal(404, code)
    assert.equal("NotFound", json.decode(text).reason)
    local _
    assert.equal(404, (http("GET", pods .. "/ghost")))
    _, text = http("GET", pods .. "/ghost")
    assert.same({ kind = "Status", apiVersion = "v1", metadata = {}, status = "Failure",
      message = "pods \"ghost\" not found", reason = "NotFound",
      details = { name = "ghost", kind = "pods" }, code = 404 }, json.decode(text))
    code, text = http("POST", pods, pod_body("Bad_Name"))
    assert.equal(422, code)
    local st = json.decode(text)
    assert.equal("Invalid", st.reason)
    assert.equal("metadata.name", st.details.causes[1].field)
    code, text = http("POST", pods, { metadata = { name = "nocont" }, spec = {} })
    assert.equal(422, code)
    assert.matches("spec.containers: Required value", json.decode(text).message)
    local wrong = pod_body("wrongns")
    wrong.metadata.namespace = "other"
    code = http("POST", pods, wrong)
    assert.equal(400, code)
    code, text = http("POST", pods, string.rep("x", 3 * 1024 * 1024 + 1))
    assert.equal(413, code)
    assert.equal("RequestEntityTooLarge", json.decode(text).reason)
    code = http("POST", pods .. "?dryRun=All", pod_body("dry"))
    assert.equal(201, code)
    assert.equal(404, (http("GET", pods .. "/dry")))
  end)

  it("runs a pod to Ready with the fields a running pod has, and deletes it", function()
    assert.equal(201, (http("POST", pods, pod_body("life"))))
    local p = ready("life")
    assert.equal("Running", p.status.phase)
    assert.matches("^127%.%d+%.%d+%.%d+$", p.status.podIP)
    assert.truthy(p.status.hostIP and p.status.startTime)
    assert.matches("^containerd://%x+$", p.status.containerStatuses[1].containerID)
    assert.equal(409, (http("POST", pods, pod_body("life"))))
    local code, text = http("DELETE", pods .. "/life", { gracePeriodSeconds = 5 })
    assert.equal(200, code)
    assert.truthy(json.decode(text).metadata.deletionTimestamp)
    assert.equal(409, (http("POST", pods, pod_body("life"))))
    wait_for(function() return get_pod("life") == nil end)
  end)

  it("fails image pulls and records events", function()
    http("POST", pods, pod_body("pull", "example/doesnotexist:1"))
    wait_for(function()
      local p = get_pod("pull")
      local w = p and p.status.containerStatuses and p.status.containerStatuses[1].state.waiting
      return w and w.reason == "ImagePullBackOff"
    end)
    local code, text = http("GET", pods .. "/pull/log")
    assert.equal(400, code)
    assert.equal("container \"user-action\" in pod \"pull\" is waiting to start: trying and "
      .. "failing to pull image", json.decode(text).message)
    local _, events = http("GET", sim.url .. "/api/v1/namespaces/default/events?fieldSelector="
      .. "involvedObject.name%3Dpull")
    local reasons = {}
    for _, e in ipairs(json.decode(events).items) do
      reasons[e.reason] = true
    end
    assert.is_true(reasons.Scheduled and reasons.Pulling and reasons.Failed and reasons.BackOff)
    http("DELETE", pods .. "/pull?gracePeriodSeconds=0")
  end)

  it("runs actions on podIP:8080 and serves their output through pods/log", function()
    http("POST", pods, pod_body("act", "kwhisk/action-lua"))
    local p = ready("act")
    local base = "http://" .. p.status.podIP .. ":8080"
    local code, text = http("POST", base .. "/init", { value = { main = "main", code = [[
      function main(args)
        print("hello " .. args.name)
        io.stderr:write("to stderr\n")
        if args.fail then error("boom") end
        return { greeting = "hi " .. args.name }
      end]] } })
    assert.equal(200, code, text)
    code, text = http("POST", base .. "/run", { value = { name = "ann" } })
    assert.equal(200, code)
    assert.same({ greeting = "hi ann" }, json.decode(text))
    code, text = http("POST", base .. "/run", { value = { name = "x", fail = true } })
    assert.equal(502, code)
    assert.matches("boom", json.decode(text).error)
    local _, log = http("GET", pods .. "/act/log?timestamps=true")
    local lines = {}
    for line in log:gmatch("[^\n]+") do
      lines[#lines + 1] = line
    end
    assert.matches("^%d%d%d%d%-%d%d%-%d%dT%d%d:%d%d:%d%d%.%d%d%d%d%d%d%d%d%dZ hello ann$", lines[1])
    assert.matches(" to stderr$", lines[2])
    assert.matches(" XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX$", lines[3])
    assert.equal(8, #lines)
    _, log = http("GET", pods .. "/act/log?stream=Stderr")
    assert.equal("to stderr\nXXX_THE_END_OF_A_WHISK_ACTIVATION_XXX\nto stderr\n"
      .. "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX\n", log)
    -- With the gate, a specific stream and tailLines are refused together (the feature probe).
    code, text = http("GET", pods .. "/act/log?stream=Stdout&tailLines=0")
    assert.equal(422, code)
    assert.matches("`tailLines` and specific `stream` are mutually exclusive",
      json.decode(text).message, 1, true)
    _, log = http("GET", pods .. "/act/log?tailLines=1")
    assert.equal("XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX\n", log)
    _, log = http("GET", pods .. "/act/log?limitBytes=7")
    assert.equal("hello a", log)
    code = http("GET", pods .. "/act/log?tailLines=-1")
    assert.equal(422, code)
    code = http("GET", pods .. "/act/log?sinceSeconds=1&sinceTime=2024-01-01T00:00:00Z")
    assert.equal(422, code)
    -- The invoker agent stops the runtime for real, and resumes it.
    local info = assert(sim:info())
    local agent = "http://" .. info.hostIP .. ":" .. info.agentPort
    local id = p.status.containerStatuses[1].containerID:gsub("^containerd://", "")
    assert.equal(204, (http("GET", agent .. "/suspend/" .. id)))
    local status = shell.run("curl -s -m 0.5 -XPOST " .. base .. "/run -d '{\"value\":{}}'")
    assert.equal(28, status)
    -- /_sim/runtimes shows the process stopped (T), with its pod and container id
    local rt = assert(sim:runtimes())[1]
    assert.same({ "act", "default", id, "T" }, { rt.pod, rt.namespace, rt.id, rt.state })
    assert.is_true(rt.pid > 1)
    assert.equal(204, (http("GET", agent .. "/resume/" .. id)))
    assert.are_not.equal("T", assert(sim:runtimes())[1].state)
    assert.equal(200, (http("POST", base .. "/run", { value = { name = "again" } })))
    assert.equal(500, (http("GET", agent .. "/suspend/nosuchid")))
    http("DELETE", pods .. "/act?gracePeriodSeconds=0")
    wait_for(function()
      return shell.run("curl -s -m 0.5 -XPOST " .. base .. "/run -d '{}'") ~= 0
    end)
  end)

  it("watches with ADDED, MODIFIED, BOOKMARK and DELETED, and 410 for old versions", function()
    local pipe = io.popen("curl -sN '" .. pods .. "?watch=true&allowWatchBookmarks=true"
      .. "&timeoutSeconds=2&fieldSelector=metadata.name%3Dwatched'")
    os.execute("sleep 0.3")
    http("POST", pods, pod_body("watched"))
    os.execute("sleep 0.5")
    http("DELETE", pods .. "/watched?gracePeriodSeconds=0")
    local types = {}
    for line in pipe:lines() do
      local t = json.decode(line).type
      if types[#types] ~= t and not (t == "BOOKMARK" and #types == 0) then
        types[#types + 1] = t
      end
    end
    pipe:close()
    assert.equal("ADDED", types[1])
    assert.truthy(table.concat(types, " "):find("MODIFIED", 1, true))
    assert.truthy(table.concat(types, " "):find("BOOKMARK", 1, true))
    assert.truthy(table.concat(types, " "):find("DELETED", 1, true))
    assert.equal(1, select(2, table.concat(types, " "):gsub("DELETED", "")))
    assert.truthy(sim:fault({ kind = "watch_gone", mode = "event" }))
    local _, text = http("GET", pods .. "?watch=true&timeoutSeconds=1")
    local ev = json.decode(text:match("[^\n]+"))
    assert.equal("ERROR", ev.type)
    assert.equal(410, ev.object.code)
  end)

  it("takes watch=True and the other spellings Go's ParseBool takes", function()
    for _, spelling in ipairs { "True", "1", "t" } do
      local code, text = http("GET", pods .. "?watch=" .. spelling .. "&timeoutSeconds=1")
      assert.equal(200, code)
      local first = json.decode(text:match("^[^\n]*"))
      assert.is_true(first == nil or first.type ~= nil, "a watch, not a list: " .. text)
    end
    local _, list = http("GET", pods .. "?watch=false")
    assert.equal("PodList", json.decode(list).kind)
  end)

  it("injects and counts faults", function()
    local f = assert(sim:fault({ kind = "status", code = 429, plain = true, retry_after = 2,
      method = "GET", path = "/api/v1/namespaces/default/pods", count = 2 }))
    local code, text, h = http("GET", pods)
    assert.equal(429, code)
    assert.equal("Too many requests, please try again later.\n", text)
    assert.equal("2", h:get("retry-after"))
    assert.equal(429, (http("GET", pods)))
    assert.equal(200, (http("GET", pods)))
    sim:fault({ kind = "status", code = 503, path = "/api" })
    code, text = http("GET", sim.url .. "/api/v1")
    assert.equal(503, code)
    assert.equal("ServiceUnavailable", json.decode(text).reason)
    sim:fault({ kind = "reset", after_bytes = 5, path = "/version" })
    local status, out = shell.run("curl -s " .. sim.url .. "/version")
    assert.is_true(status == 18 or status == 56, out)
    assert.equal(5, #out)
    for _, x in ipairs(assert(sim:faults())) do
      if x.id == f.id then
        assert.equal(2, x.hits)
      else
        assert.equal(1, x.hits)
      end
    end
  end)

  it("drives kubectl through the everyday commands", function()
    simh.require_kubectl()
    local function kubectl(args)
      return shell.run("KUBECONFIG=" .. shell.quote(sim.kubeconfig) .. " kubectl " .. args)
    end
    local status, out = kubectl("create -f spec/fixtures/sim_pods.yaml")
    assert.equal(0, status, out)
    status, out = kubectl("wait --for=condition=Ready pod/k1 pod/k2 --timeout=20s")
    assert.equal(0, status, out)
    status, out = kubectl("get pods -l 'tier in (web),env notin (prod)' -o name")
    assert.equal(0, status, out)
    assert.equal("pod/k1\n", out)
    status, out = kubectl("get pods -l app=kube --field-selector metadata.name=k2 -o name")
    assert.equal(0, status, out)
    assert.equal("pod/k2\n", out)
    status, out = kubectl("logs k1 -c first --timestamps")
    assert.equal(0, status, out)
    assert.matches("^%S+Z one first\n%S+Z two\n$", out)
    local second = out:match("\n(%S+) two")
    status, out = kubectl("logs k1 -c second --since-time=" .. second)
    assert.equal(0, status, out)
    assert.equal("one second\ntwo\n", out)
    status, out = kubectl("logs k1 -c first --tail=1")
    assert.equal(0, status, out)
    assert.equal("two\n", out)
    status, out = kubectl("logs k1 -c first --limit-bytes=3")
    assert.equal(0, status, out)
    assert.equal("one", out)
    status, out = kubectl("create -f spec/fixtures/sim_pods.yaml")
    assert.equal(1, status)
    assert.matches("AlreadyExists", out)
    status, out = kubectl("delete pod k1 --wait")
    assert.equal(0, status, out)
    status, out = kubectl("get pod k1")
    assert.equal(1, status)
    assert.matches("not found", out)
    status, out = kubectl("delete pods -l app=kube")
    assert.equal(0, status, out)
    assert.matches("k2", out)
    status, out = kubectl("run pullfail --image=registry.local/doesnotexist:v1")
    assert.equal(0, status, out)
    wait_for(function()
      local _, reason = kubectl("get pod pullfail -o "
        .. "jsonpath='{.status.containerStatuses[0].state.waiting.reason}'")
      return reason == "ImagePullBackOff"
    end)
    status, out = kubectl("create -f spec/fixtures/sim_pods.yaml --dry-run=server")
    assert.equal(0, status, out)
    assert.equal(404, (http("GET", pods .. "/k1")))
  end)

  it("returns pods that the Kubernetes schema accepts", function()
    http("POST", pods, pod_body("schema", "kwhisk/action-lua"))
    ready("schema")
    local _, list = http("GET", pods)
    local items = json.decode(list).items
    assert.is_true(#items > 0)
    require("helpers.k8s").assert_schema_valid(unpack(items))
  end)
end)

describe("kwhisk sim with TLS and a token", function()
  it("checks the bearer token over TLS and rotates it on demand", function()
    local sim = simh.start({ "--tls", "--token", "s3cret" })
    finally(function() sim:stop() end)
    assert.matches("^https://", sim.url)
    local code, text = http("GET", sim.url .. "/api/v1/namespaces/default/pods")
    assert.equal(401, code)
    assert.equal("Unauthorized", json.decode(text).reason)
    local auth = { authorization = "Bearer s3cret" }
    assert.equal(200, (http("GET", sim.url .. "/api/v1/namespaces/default/pods", nil, auth)))
    local kc = json.decode(io.open(sim.kubeconfig):read("*a"))
    assert.truthy(kc.clusters[1].cluster["certificate-authority-data"])
    assert.equal("s3cret", kc.users[1].user.token)
    simh.require_kubectl()
    local status, out = shell.run("KUBECONFIG=" .. sim.kubeconfig .. " kubectl get pods")
    assert.equal(0, status, out)
    sim:fault({ kind = "rotate_token", token = "n3w" })
    assert.equal(401, (http("GET", sim.url .. "/api/v1/namespaces/default/pods", nil, auth)))
    assert.equal(200, (http("GET", sim.url .. "/api/v1/namespaces/default/pods", nil,
      { authorization = "Bearer n3w" })))
    assert.equal(1, sim:faults()[1].hits)
  end)
end)
