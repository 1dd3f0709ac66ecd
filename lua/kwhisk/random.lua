--- kwhisk.random: random identifiers from /dev/urandom, the one source for activation ids,
-- call ids, pool labels, invoke pod names and the sim's uids and container ids.
local format = string.format

local random = {}

local urandom

--- n random bytes as 2n lowercase hex digits; raises when /dev/urandom cannot be read (a
-- machine without it cannot make an id that is safe to retry on).
function random.hex(n)
  urandom = urandom or assert(io.open("/dev/urandom", "rb"))
  local bytes = assert(urandom:read(n), "/dev/urandom: short read")
  return (bytes:gsub(".", function(c) return format("%02x", c:byte()) end))
end

return random
