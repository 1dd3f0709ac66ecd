-- The command line of `kwhisk sim` (kwhisk.sim.args).
describe("kwhisk.sim.args", function()
  local args = require "kwhisk.sim.args"

  it("has defaults and reads every option", function()
    assert.same({ port = 0, host = "127.0.0.1", namespace = "default", agentPort = 3233 },
      args.parse({}))
    local o = assert(args.parse({ "--port", "8001", "--tls", "--token=t0k", "--kubeconfig",
      "/tmp/kc", "--split-streams", "--agent-port", "0", "--pod-network", "42",
      "--log-dir", "/tmp/l" }))
    assert.equal(8001, o.port)
    assert.is_true(o.tls)
    assert.is_true(o.splitStreams)
    assert.equal("t0k", o.token)
    assert.equal("/tmp/kc", o.kubeconfig)
    assert.equal(0, o.agentPort)
    assert.equal(42, o.podNetwork)
    assert.equal("/tmp/l", o.logDir)
  end)

  it("names the bad argument", function()
    assert.equal("unknown option '--nope'", select(2, args.parse({ "--nope" })))
    assert.equal("--port needs a value", select(2, args.parse({ "--port" })))
    assert.matches("%-%-port must be a number", select(2, args.parse({ "--port", "x" })))
    assert.equal("unexpected argument 'x'", select(2, args.parse({ "x" })))
  end)
end)
