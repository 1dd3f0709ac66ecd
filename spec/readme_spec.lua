-- Every Lua code block of the README runs, so the documentation cannot rot.
local shell = require "helpers.shell"

local function lua_blocks(path)
  local text = assert(io.open(path)):read("*a")
  local blocks = {}
  for code in text:gmatch("```lua\n(.-)```") do
    blocks[#blocks + 1] = code
  end
  return blocks
end

describe("README.md", function()
  local blocks = lua_blocks("README.md")

  it("has Lua examples", function()
    assert.is_true(#blocks >= 3)
  end)

  for i, code in ipairs(blocks) do
    it("runs Lua block " .. i, function()
      local dir, cleanup = shell.tmpdir()
      finally(cleanup)
      local file = dir .. "/block.lua"
      assert(io.open(file, "w")):write(code)
      local status, output = shell.run(
        "LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='build/?.so;;' luajit " .. file)
      assert.are.equal(0, status, output)
    end)
  end
end)
