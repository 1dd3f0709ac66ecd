--- kwhisk.fs: reading and writing whole files, the one place kwhisk does it.
-- Failures are values: nil and io.open's message, which starts with the path.
local io_open = io.open

local fs = {}

--- The bytes of the file at path, or nil and a message naming the path.
function fs.read_file(path)
  local f, err = io_open(path, "rb")
  if not f then
    return nil, err
  end
  local s, rerr = f:read("*a")
  f:close()
  if not s then
    return nil, path .. ": " .. tostring(rerr)
  end
  return s
end

--- Writes s as the whole file at path; true, or nil and a message naming the path.
function fs.write_file(path, s)
  local f, err = io_open(path, "wb")
  if not f then
    return nil, err
  end
  local ok, werr = f:write(s)
  local closed, cerr = f:close()
  if not ok or not closed then
    return nil, path .. ": " .. tostring(werr or cerr)
  end
  return true
end

return fs
