--- kwhisk.sim.status: the API server's `Status` error bodies (SPEC B), one constructor per
-- reason, so every handler answers errors the way a real cluster does.
local json = require "kwhisk.json"

local status = {}

local REASONS = {
  [400] = "BadRequest", [401] = "Unauthorized", [403] = "Forbidden", [404] = "NotFound",
  [405] = "MethodNotAllowed", [406] = "NotAcceptable", [409] = "Conflict", [410] = "Expired",
  [413] = "RequestEntityTooLarge", [415] = "UnsupportedMediaType", [422] = "Invalid",
  [429] = "TooManyRequests", [500] = "InternalError", [503] = "ServiceUnavailable",
  [504] = "Timeout",
}

--- A Status table: code, message, and optionally reason (else the code's usual one) and details.
function status.new(code, message, reason, details)
  return { kind = "Status", apiVersion = "v1", metadata = json.object({}), status = "Failure",
    message = message, reason = reason or REASONS[code] or "Unknown", details = details,
    code = code }
end

--- 404 for a named object of a resource (e.g. `pods "x" not found`).
function status.not_found(resource, name, group)
  local qualified = group and (resource .. "." .. group) or resource
  return status.new(404, qualified .. " \"" .. name .. "\" not found", "NotFound",
    { name = name, group = group, kind = resource })
end

--- 409 AlreadyExists for a named object.
function status.exists(resource, name, group)
  local qualified = group and (resource .. "." .. group) or resource
  return status.new(409, qualified .. " \"" .. name .. "\" already exists", "AlreadyExists",
    { name = name, group = group, kind = resource })
end

--- 422 Invalid with causes (kind is the object kind, e.g. "Pod").
function status.invalid(kind, name, message, causes, group)
  return status.new(422, message, "Invalid", { name = name, group = group, kind = kind,
    causes = json.array(causes) })
end

--- 404 for a path the server does not serve.
function status.unknown_path()
  return status.new(404, "the server could not find the requested resource", "NotFound",
    json.object({}))
end

return status
