-- kwhisk.cli.args: the command line parser the subcommands share (kubectl's habits).
local args = require "kwhisk.cli.args"

describe("kwhisk.cli.args", function()
  local OPTIONS = args.with({
    ["--memory"] = { "memory", "value" }, ["-e"] = { "env", "pairs" },
    ["--env"] = { "env", "pairs" }, ["-l"] = { "labels", "selector" },
    ["--wait"] = { "wait", "flag" }, ["-p"] = { "policy", "list" },
  }, args.CLUSTER)

  it("reads values, flags, K=V pairs in order, merged selectors, lists and positionals", function()
    local opts = assert(args.parse({ "a1", "--memory", "256m", "-e", "B=2", "--env=A=1",
      "-l", "x=1,y=2", "-l", "z=3", "--wait", "-p", "one", "-p", "two", "img", "-",
      "-n", "ns", "--kubeconfig=/k", "-v" }, OPTIONS))
    assert.are.same({ "a1", "img", "-" }, opts.positional)
    assert.are.equal("256m", opts.memory)
    assert.are.same({ { "B", "2" }, { "A", "1" } }, opts.env)
    assert.are.same({ x = "1", y = "2", z = "3" }, opts.labels)
    assert.is_true(opts.wait)
    assert.are.same({ "one", "two" }, opts.policy)
    assert.are.equal("ns", opts.namespace)
    assert.are.equal("/k", opts.kubeconfig)
    assert.is_true(opts.verbose)
  end)

  it("keeps the last of a repeated value, and an empty value after =", function()
    local opts = assert(args.parse({ "--memory", "1m", "--memory=" }, OPTIONS))
    assert.are.equal("", opts.memory)
  end)

  it("names what was wrong in one line", function()
    local function fails(argv, message)
      local opts, err = args.parse(argv, OPTIONS)
      assert.is_nil(opts)
      assert.are.equal(message, err)
    end
    fails({ "--bogus" }, "unknown option '--bogus'")
    fails({ "--bogus=1" }, "unknown option '--bogus'")
    fails({ "--memory" }, "--memory needs a value")
    fails({ "--wait=yes" }, "--wait takes no value")
    fails({ "-e", "novalue" }, "-e expects K=V, got 'novalue'")
    fails({ "-l", "a=1,b" }, "-l expects K=V, got 'b'")
  end)

  it("sees --help and -h anywhere", function()
    assert.is_true(args.wants_help({ "run", "x", "-h" }))
    assert.is_true(args.wants_help({ "--help" }))
    assert.is_false(args.wants_help({ "run", "--helpful" }))
  end)

  it("combines option tables without changing them", function()
    local a, b = { ["-a"] = { "a", "flag" } }, { ["-b"] = { "b", "flag" } }
    local all = args.with(a, b)
    assert.are.same({ ["-a"] = a["-a"], ["-b"] = b["-b"] }, all)
    assert.is_nil(a["-b"])
  end)
end)
