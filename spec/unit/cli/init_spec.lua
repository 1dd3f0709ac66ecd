-- kwhisk.cli: the command dispatcher (`kwhisk COMMAND ...`), and kwhisk.cli.sim's hand-over
-- to the sim's own parser. The subcommands: pod_spec_spec, and cluster_spec against a sim.
local shell = require "helpers.shell"

-- Runs bin/kwhisk; its exit status, stdout and stderr.
local function kwhisk(args)
  local dir, cleanup = shell.tmpdir()
  local status, out = shell.run("./bin/kwhisk " .. args .. " 2>" .. shell.quote(dir .. "/err"))
  local err = shell.read(dir .. "/err")
  cleanup()
  return status, out, err
end

describe("kwhisk.cli", function()
  it("prints the commands: exit 0 when asked, 2 when no command was given", function()
    for _, args in ipairs({ "--help", "-h", "help" }) do
      local status, out, err = kwhisk(args)
      assert.are.equal(0, status, args)
      assert.matches("^usage: kwhisk COMMAND", out)
      assert.matches("\n  pod%-spec  ", out)
      assert.are.equal("", err)
    end
    local status, out = kwhisk("")
    assert.are.equal(2, status)
    assert.matches("^usage: kwhisk COMMAND", out)
  end)

  it("refuses an unknown command with a hint, exit 2", function()
    local status, out, err = kwhisk("frobnicate --now")
    assert.are.equal(2, status)
    assert.are.equal("", out)
    assert.are.equal("kwhisk: unknown command 'frobnicate'; see 'kwhisk --help'\n", err)
  end)

  it("hands the rest of the arguments to the command's module", function()
    local status, out = kwhisk("version")
    assert.are.equal(0, status)
    assert.matches("^kwhisk %d+%.%d+%.%d+\n$", out)
    -- kwhisk.cli.sim: the sim parses its own flags
    local err
    status, out, err = kwhisk("sim --bogus")
    assert.are.equal(2, status)
    assert.are.equal("", out)
    assert.are.equal("kwhisk sim: unknown option '--bogus'; see 'kwhisk sim --help'\n", err)
  end)

  it("is the main function of bin/kwhisk, returning the exit status", function()
    local cli = require "kwhisk.cli"
    local real = io.stderr
    local written = {}
    io.stderr = { write = function(_, ...) -- luacheck: ignore 122
      for _, s in ipairs({ ... }) do written[#written + 1] = s end
    end }
    local status = cli.main({ "nope" })
    io.stderr = real -- luacheck: ignore 122
    assert.are.equal(2, status)
    assert.matches("unknown command 'nope'", table.concat(written))
  end)
end)
