-- kwhisk.action: code files as c:init takes them, and the image each one runs on.
local action = require "kwhisk.action"
local shell = require "helpers.shell"
local zip = require "helpers.zip"

describe("kwhisk.action", function()
  local dir, cleanup
  setup(function() dir, cleanup = shell.tmpdir() end)
  teardown(function() cleanup() end)

  it("chooses the image by extension, and a zip's by what its root holds", function()
    shell.write(dir .. "/a.JS", "function main() {}")
    local a = assert(action.load(dir .. "/a.JS"))
    assert.same({ code = "function main() {}", binary = false, language = "js",
      image = "openwhisk/action-nodejs-v20" }, a)
    shell.write(dir .. "/a.py", "def main(a): return a")
    assert.equal("openwhisk/action-python-v3.11", assert(action.load(dir .. "/a.py")).image)
    shell.write(dir .. "/a.lua", "function main() end")
    assert.equal("kwhisk/action-lua", assert(action.load(dir .. "/a.lua")).image)
    for name, files in pairs({ js = { ["package.json"] = "{}", ["lib/x.js"] = "" },
      idx = { ["index.js"] = "" }, py = { ["__main__.py"] = "", ["util.py"] = "" } }) do
      zip.write(dir .. "/" .. name .. ".zip", files)
      local z = assert(action.load(dir .. "/" .. name .. ".zip"))
      assert.is_true(z.binary)
      assert.equal(name == "py" and "py" or "js", z.language)
      assert.equal(shell.read(dir .. "/" .. name .. ".zip"),
        require("kwhisk.base64").decode(z.code))
      local names = action.zip_names(shell.read(dir .. "/" .. name .. ".zip"))
      table.sort(names)
      local want = {}
      for n in pairs(files) do want[#want + 1] = n end
      table.sort(want)
      assert.same(want, names)
    end
  end)

  it("reads a zip's root from its central directory, not from a zip stored inside it", function()
    -- __main__.py at the root, and vendor/dep.zip, stored uncompressed, holding index.js
    assert.equal(0, (shell.run("python3 -c " .. shell.quote([[
import io, sys, zipfile
inner = io.BytesIO()
with zipfile.ZipFile(inner, "w") as z:
    z.writestr("index.js", "exports.main = () => ({})")
with zipfile.ZipFile(sys.argv[1], "w") as z:
    z.writestr("__main__.py", "def main(a): return a")
    z.writestr(zipfile.ZipInfo("vendor/dep.zip"), inner.getvalue())
]]) .. " " .. shell.quote(dir .. "/nested.zip"))))
    local z = assert(action.load(dir .. "/nested.zip"))
    assert.equal("py", z.language)
    local names = action.zip_names(shell.read(dir .. "/nested.zip"))
    table.sort(names)
    assert.same({ "__main__.py", "vendor/dep.zip" }, names)
    -- cut short, a zip is no zip
    assert.is_nil(action.zip_names(shell.read(dir .. "/nested.zip"):sub(1, -30)))
  end)

  it("names the file and what is wrong with it", function()
    local _, err = action.load(dir .. "/x.rb")
    assert.equal("invalid", err.kind)
    assert.equal(dir .. "/x.rb: unknown action type (expected .js, .py, .lua or .zip)",
      err.message)
    _, err = action.load(dir .. "/missing.js")
    assert.matches("^cannot read " .. dir:gsub("%p", "%%%0") .. "/missing.js: ", err.message)
    shell.write(dir .. "/fake.zip", "not a zip")
    _, err = action.load(dir .. "/fake.zip")
    assert.equal(dir .. "/fake.zip: not a zip archive", err.message)
  end)
end)
