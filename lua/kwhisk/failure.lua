--- kwhisk.failure: the error values kwhisk returns as `nil, err` (DESIGN "Errors are values"):
-- a table with a stable `kind`, a `message`, the Kubernetes `status` when there was one,
-- and `tostring(err) == err.message`.
local setmetatable = setmetatable

local failure = {}

local mt = { __tostring = function(err) return err.message end }
failure.mt = mt

--- A new error value.
function failure.new(kind, message, status)
  return setmetatable({ kind = kind, message = message, status = status }, mt)
end

return failure
