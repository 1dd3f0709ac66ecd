--- kwhisk.json: the JSON codec of kwhisk (C, in kwhisk.core), with array/object marks.
-- Tables marked with json.array_mt / json.object_mt keep their kind through a round trip,
-- so `[]` and `{}` survive decode -> encode. See src/jsondec.h and src/lua_jsonenc.c for
-- the exact rules (strictness, numbers, key order, error messages).
local core = require("kwhisk.core").json

local getmetatable, setmetatable, type, error = getmetatable, setmetatable, type, error

local array_mt, object_mt = core.array_mt, core.object_mt

local json = {
  null = core.null,
  array_mt = array_mt,
  object_mt = object_mt,
  --- json.encode(value) -> string; raises an error naming the path of an unencodable value.
  encode = core.encode,
  --- json.decode(text) -> value | nil, "json:<line>:<column>: <problem> (byte offset N)"
  decode = core.decode,
}

local function mark(t, mt, fname)
  if t == nil then
    return setmetatable({}, mt)
  end
  if type(t) ~= "table" then
    error(("bad argument #1 to 'json.%s' (table expected, got %s)"):format(fname, type(t)), 3)
  end
  local old = getmetatable(t)
  if old ~= nil and old ~= array_mt and old ~= object_mt then
    error(("bad argument #1 to 'json.%s' (table already has a metatable)"):format(fname), 3)
  end
  return setmetatable(t, mt)
end

--- json.array([t]) -> t marked as a JSON array (a new empty one without t).
function json.array(t)
  return mark(t, array_mt, "array")
end

--- json.object([t]) -> t marked as a JSON object (a new empty one without t).
function json.object(t)
  return mark(t, object_mt, "object")
end

function json.is_array(t)
  return type(t) == "table" and getmetatable(t) == array_mt
end

function json.is_object(t)
  return type(t) == "table" and getmetatable(t) == object_mt
end

return json
