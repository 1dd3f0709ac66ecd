-- The sim's `pods/{name}/portforward` route (kwhisk.sim.portforward) with outside clients:
-- the Kubernetes Python client runs an action through it; kubectl is told it needs SPDY.
local json = require "kwhisk.json"
local shell = require "helpers.shell"
local simh = require "helpers.sim"

local http = simh.http

describe("kwhisk sim port-forward", function()
  local sim, pods

  setup(function()
    sim = simh.start({})
    pods = sim.url .. "/api/v1/namespaces/default/pods"
    http("POST", pods, simh.pod("act", "kwhisk/action-lua"))
    http("POST", pods, simh.pod("stuck", "unschedulable"))
    simh.ready(pods .. "/act")
  end)
  teardown(function() sim:stop() end)

  it("carries the Kubernetes Python client's forward to the action runtime", function()
    -- python3-kubernetes comes with `make test` (scripts/ensure-deps): without it, this fails
    local status, out = shell.run("/usr/bin/python3 spec/helpers/k8spf.py "
      .. shell.quote(sim.kubeconfig) .. " default act")
    assert.equals(0, status, out)
    assert.equals('200 200 {"greeting":"hello kwhisk"}', (out:gsub("%s+$", "")))
  end)

  -- kubectl port-forward speaks SPDY (directly, or tunnelled in a WebSocket); the sim serves
  -- only the WebSocket channel protocol, so kubectl gets a refusal that says so.
  it("answers kubectl port-forward (SPDY) with a clear refusal", function()
    simh.require_kubectl()
    local status, out = shell.run("KUBECONFIG=" .. shell.quote(sim.kubeconfig)
      .. " timeout 20 kubectl port-forward pod/act :8080")
    assert.is_not.equals(0, status)
    assert.matches("WebSocket %(v4.channel.k8s.io%) only, not SPDY", out)
  end)

  it("refuses what it cannot forward with Status bodies", function()
    local code, text = http("GET", pods .. "/ghost/portforward?ports=8080")
    assert.equals(404, code)
    assert.equals('pods "ghost" not found', json.decode(text).message)
    code, text = http("GET", pods .. "/act/portforward")
    assert.equals(400, code)
    assert.equals('query parameter "ports" is required', json.decode(text).message)
    code, text = http("GET", pods .. "/act/portforward?ports=8080,9090")
    assert.equals(400, code)
    assert.matches("one port", json.decode(text).message)
    code, text = http("GET", pods .. "/stuck/portforward?ports=8080")
    assert.equals(400, code)
    assert.equals("pod stuck does not have a host assigned", json.decode(text).message)
    code, text = http("GET", pods .. "/act/portforward?ports=8080")
    assert.equals(400, code)
    assert.matches("unable to upgrade connection", json.decode(text).message)
  end)
end)
