-- Every code block of the README runs, so the documentation cannot rot: the Lua blocks
-- here, the shell commands here or in the spec that already runs them.
local shell = require "helpers.shell"

local README = shell.read("README.md")

local function lua_blocks()
  local blocks = {}
  for code in README:gmatch("```lua\n(.-)```") do
    blocks[#blocks + 1] = code
  end
  return blocks
end

-- The indented (4-space) lines outside the Lua blocks: the shell commands.
local function shell_commands()
  local commands = {}
  for line in README:gsub("```lua\n.-```", ""):gmatch("\n    ([^\n]+)") do
    commands[#commands + 1] = line:gsub("%s+#.*$", "")
  end
  return commands
end

describe("README.md", function()
  local blocks = lua_blocks()

  it("gives its shell commands where they are run", function()
    local rockspec_spec = shell.read("spec/system/rockspec_spec.lua")
    local seen = 0
    for _, command in ipairs(shell_commands()) do
      seen = seen + 1
      if command:find("^luarocks ") or command == "~/.luarocks/bin/kwhisk version" then
        -- spec/system/rockspec_spec.lua runs these, into a temporary tree.
        assert.truthy(rockspec_spec:find("README's install commands", 1, true), command)
      elseif command:find("^LUA_PATH=") then
        local status, output = shell.run(command)
        assert.are.equal(0, status, output)
        assert.matches("^%d+%.%d+%.%d+", output)
      else
        -- make demo / make test: CI runs the second, spec/demo_spec.lua the demo itself.
        assert.truthy(command == "make demo" or command == "make test", command)
      end
    end
    assert.is_true(seen >= 4)
  end)

  it("has Lua examples", function()
    assert.is_true(#blocks >= 3)
  end)

  for i, code in ipairs(blocks) do
    it("runs Lua block " .. i, function()
      local dir, cleanup = shell.tmpdir()
      finally(cleanup)
      local file = dir .. "/block.lua"
      shell.write(file, code)
      local status, output = shell.run(
        "LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/?.so;;' luajit " .. file)
      assert.are.equal(0, status, output)
    end)
  end
end)
