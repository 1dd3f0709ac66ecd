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

local function u16(data, at)
  local lo, hi = data:byte(at, at + 1)
  return lo + hi * 256
end

local function u32(data, at)
  return u16(data, at) + u16(data, at + 2) * 65536
end

-- Where the zip's end-of-central-directory record starts: the last "PK\5\6" among the final
-- 65,557 bytes (the record's 22 and a comment of at most 65,535), or nil.
local function end_record(data)
  local from, at = math.max(1, #data - 65556), nil
  while true do
    local i = data:find("PK\5\6", from, true)
    if not i then
      break
    end
    at, from = i, i + 1
  end
  return at and at + 21 <= #data and at or nil
end

--- The names of the entries of a zip archive, read from its central directory as the end
-- record places it (so a zip stored inside the zip adds none of its own), or nil when data
-- is not a zip.
function action.zip_names(data)
  local e = end_record(data)
  if not e then
    return nil
  end
  local names, i = {}, u32(data, e + 16) + 1
  for _ = 1, u16(data, e + 10) do
    if i + 45 > #data or data:sub(i, i + 3) ~= "PK\1\2" then
      return nil
    end
    local n, extra, comment = u16(data, i + 28), u16(data, i + 30), u16(data, i + 32)
    if i + 45 + n > #data then
      return nil
    end
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
