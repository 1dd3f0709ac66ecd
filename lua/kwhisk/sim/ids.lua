--- kwhisk.sim.ids: random identifiers as a cluster hands them out: object uids (UUID v4 form)
-- and container ids (64 hex digits), from /dev/urandom.
local ids = {}

--- n random bytes as 2n lowercase hex digits.
ids.hex = require("kwhisk.random").hex

--- A random UUID (version 4) string.
function ids.uid()
  local h = ids.hex(16)
  local variant = string.format("%x", 8 + tonumber(h:sub(17, 17), 16) % 4)
  return h:sub(1, 8) .. "-" .. h:sub(9, 12) .. "-4" .. h:sub(14, 16) .. "-" .. variant
    .. h:sub(18, 20) .. "-" .. h:sub(21, 32)
end

return ids
