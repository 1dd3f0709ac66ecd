--- kwhisk.action: an action's code file as c:init takes it, and the runtime image that runs it.
-- .js runs on OpenWhisk's Node.js image, .py on its Python image, .lua on kwhisk/action-lua;
-- a .zip is sent base64 (binary) and runs on Node.js when it holds package.json or index.js
-- at its root, on Python when it holds __main__.py.
local base64 = require "kwhisk.base64"
local errors = require "kwhisk.errors"
local fs = require "kwhisk.fs"

local action = {}

--- The image for each language (OpenWhisk's image names; the sim runs all three).
action.IMAGES = { js = "openwhisk/action-nodejs-v20", py = "openwhisk/action-python-v3.11",
  lua = "kwhisk/action-lua" }

--- The names of the entries of a zip archive (its central directory), or nil.
function action.zip_names(data)
  local names, i = {}, 1
  while true do
    i = data:find("PK\1\2", i, true)
    if not i or i + 46 > #data then
      break
    end
    local function u16(at)
      local lo, hi = data:byte(i + at, i + at + 1)
      return lo + hi * 256
    end
    local n, extra, comment = u16(28), u16(30), u16(32)
    names[#names + 1] = data:sub(i + 46, i + 45 + n)
    i = i + 46 + n + extra + comment
  end
  return #names > 0 and names or nil
end

local function zip_language(names)
  local set = {}
  for _, n in ipairs(names) do
    set[n] = true
  end
  if set["package.json"] or set["index.js"] then
    return "js"
  elseif set["__main__.py"] then
    return "py"
  end
end

--- Reads path: { code, binary, language ("js", "py", "lua"), image }, or nil and an error
-- (kind invalid) naming the file and what was wrong with it.
function action.load(path)
  local ext = path:match("%.(%w+)$")
  ext = ext and ext:lower()
  if not (ext == "zip" or action.IMAGES[ext]) then
    return nil, errors.new("invalid", path .. ": unknown action type (expected .js, .py, .lua "
      .. "or .zip)")
  end
  local data, err = fs.read_file(path)
  if not data then
    return nil, errors.new("invalid", "cannot read " .. path .. ": " .. tostring(err))
  end
  if ext ~= "zip" then
    return { code = data, binary = false, language = ext, image = action.IMAGES[ext] }
  end
  local names = action.zip_names(data)
  local language = names and zip_language(names)
  if not language then
    return nil, errors.new("invalid", path .. ": " .. (names and "a zip action needs "
      .. "package.json or index.js (Node.js) or __main__.py (Python) at its root"
      or "not a zip archive"))
  end
  return { code = base64.encode(data), binary = true, language = language,
    image = action.IMAGES[language] }
end

return action
