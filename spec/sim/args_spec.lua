-- The command line of `kwhisk sim` (kwhisk.sim.args).
describe("kwhisk.sim.args", function()
  local args = require "kwhisk.sim.args"

  it("has defaults and reads every option", function()
    assert.same({ port = 0, host = "127.0.0.1", namespace = "default", agentPort = 3233,
      timeScale = 1, statusLag = 1, containerLogMaxSize = 10 * 1024 * 1024,
      containerLogMaxFiles = 5 }, args.parse({}))
    local o = assert(args.parse({ "--port", "8001", "--tls", "--token=t0k", "--kubeconfig",
      "/tmp/kc", "--split-streams", "--agent-port", "0", "--pod-network", "42",
      "--log-dir", "/tmp/l", "--time-scale", "0.01", "--status-lag=2",
      "--container-log-max-size", "64Ki", "--container-log-max-files", "3" }))
    assert.equal(0.01, o.timeScale)
    assert.equal(2, o.statusLag)
    assert.equal(65536, o.containerLogMaxSize)
    assert.equal(3, o.containerLogMaxFiles)
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
    assert.equal("--container-log-max-size must be a size of at least 1Ki (e.g. 10Mi), got '10'",
      select(2, args.parse({ "--container-log-max-size", "10" })))
    assert.matches("%-%-time%-scale must be a number",
      select(2, args.parse({ "--time-scale", "0" })))
  end)

  describe("the token", function()
    local shell = require "helpers.shell"
    local function env(t)
      return function(name) return name == "KWHISK_SIM_TOKEN" and t or nil end
    end

    it("comes from --token-file (white space trimmed) or $KWHISK_SIM_TOKEN", function()
      local dir, cleanup = shell.tmpdir()
      finally(cleanup)
      shell.write(dir .. "/t", "  f1le-t0k\n")
      local o = assert(args.parse({ "--token-file", dir .. "/t" }, env("env-t0k")))
      assert.equal("f1le-t0k", o.token)
      assert.is_nil(o.tokenFile)
      assert.equal("env-t0k", assert(args.parse({}, env("env-t0k"))).token)
      assert.equal("flag", assert(args.parse({ "--token", "flag" }, env("env-t0k"))).token)
      assert.is_nil(assert(args.parse({}, env(""))).token)
      assert.is_nil(assert(args.parse({}, env(nil))).token)
    end)

    it("refuses both flags, an unreadable or empty file, and unprintable tokens", function()
      local dir, cleanup = shell.tmpdir()
      finally(cleanup)
      shell.write(dir .. "/empty", "\n")
      shell.write(dir .. "/crlf", "a\r\nInjected: 1")
      assert.equal("--token and --token-file exclude each other",
        select(2, args.parse({ "--token", "a", "--token-file", dir .. "/empty" }, env())))
      assert.matches("^%-%-token%-file: cannot read .*/missing",
        select(2, args.parse({ "--token-file", dir .. "/missing" }, env())))
      assert.equal("--token-file " .. dir .. "/empty: the token must be printable ASCII "
        .. "without spaces", select(2, args.parse({ "--token-file", dir .. "/empty" }, env())))
      assert.matches("printable ASCII",
        select(2, args.parse({ "--token-file", dir .. "/crlf" }, env())))
      assert.equal("$KWHISK_SIM_TOKEN: the token must be printable ASCII without spaces",
        select(2, args.parse({}, env("a b"))))
    end)
  end)
end)
