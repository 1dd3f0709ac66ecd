--- kwhisk.quantity: sizes, memory, cpu and ephemeral-storage quantities.
-- One parser for every size kwhisk reads (configuration, CLI, policies), with the
-- seed's units (SPEC A1): `256 m`, `256M`, `256Mi` are 2^20-based, `MB` is 10^6, a bare
-- integer is bytes. Formatting writes quantities Kubernetes accepts (`256Mi`, `300m`).
local floor, tonumber, tostring, type = math.floor, tonumber, tostring, type
local format = string.format

local quantity = {}

local MIB = 1048576
quantity.MIB = MIB

-- Unit (lower-cased, spaces removed) -> multiplier.
local UNITS = {
  [""] = 1, b = 1, byte = 1, bytes = 1,
  k = 2^10, ki = 2^10, kib = 2^10, kb = 1e3,
  m = 2^20, mi = 2^20, mib = 2^20, mb = 1e6,
  g = 2^30, gi = 2^30, gib = 2^30, gb = 1e9,
  t = 2^40, ti = 2^40, tib = 2^40, tb = 1e12,
}

local SIZE_EXPECTED =
  "expected a size like `256 m`, `256Mi`, `1 g`, `256MB` or a whole number of bytes"

local function is_integer(n)
  return n == floor(n) and n >= 0 and n < 2^53
end

--- Parses a size; returns the number of bytes (an integer), or nil and what was expected.
function quantity.parse_size(s)
  if type(s) == "number" then
    if is_integer(s) then return s end
    return nil, SIZE_EXPECTED .. ", got " .. tostring(s)
  end
  if type(s) ~= "string" then
    return nil, SIZE_EXPECTED .. ", got a " .. type(s)
  end
  local number, unit = s:match("^%s*(%d+%.?%d*)%s*(%a*)%s*$")
  local multiplier = unit and UNITS[unit:lower()]
  local bytes = multiplier and tonumber(number) * multiplier
  if not bytes or not is_integer(bytes) then
    return nil, SIZE_EXPECTED .. ", got '" .. s .. "'"
  end
  return bytes
end

local CPU_EXPECTED = "expected a cpu quantity like `300m`, `0.5` or `2`"

--- Parses a Kubernetes cpu quantity; returns whole millicpus, or nil and what was expected.
function quantity.parse_cpu(s)
  local cores = type(s) == "number" and s
  local millis
  if type(s) == "string" then
    millis = tonumber(s:match("^%s*(%d+)m%s*$"))
    cores = tonumber(s:match("^%s*(%d+%.?%d*)%s*$"))
  end
  millis = millis or (cores and cores * 1000)
  if not millis or not is_integer(millis) then
    return nil, CPU_EXPECTED .. ", got " .. (type(s) == "string" and "'" .. s .. "'" or tostring(s))
  end
  return millis
end

--- Whole mebibytes of a byte count ("memory in MB" of SPEC A1: integer division).
function quantity.mebibytes(bytes)
  return floor(bytes / MIB)
end

--- A number of mebibytes as a quantity: `256Mi`, `2.5Mi` (never `512.0Mi`).
function quantity.format_mi(mb)
  if mb == floor(mb) then
    return format("%dMi", mb)
  end
  return format("%.15g", mb) .. "Mi"
end

--- Millicpus as a quantity: `300m`.
function quantity.format_cpu(millis)
  return format("%dm", millis)
end

--- Bytes as the shortest exact binary quantity: `1Gi`, `256Mi`, `1536Ki`, `1000`.
function quantity.format_size(bytes)
  for _, unit in ipairs({ { "Ti", 2^40 }, { "Gi", 2^30 }, { "Mi", 2^20 }, { "Ki", 2^10 } }) do
    if bytes >= unit[2] and bytes % unit[2] == 0 then
      return format("%d%s", bytes / unit[2], unit[1])
    end
  end
  return format("%d", bytes)
end

return quantity
