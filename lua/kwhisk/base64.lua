--- kwhisk.base64: standard base64 (RFC 4648 section 4, with padding), the one codec kwhisk
-- has: kubeconfig's `*-data` credentials and the sim's kubeconfig. Plain Lua.
local byte, char, concat, floor = string.byte, string.char, table.concat, math.floor
local type, error = type, error

local base64 = {}

local ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local VALUE, DIGIT = {}, {}
for i = 1, #ALPHABET do
  VALUE[byte(ALPHABET, i)] = i - 1
  DIGIT[i - 1] = ALPHABET:sub(i, i)
end

--- The base64 text of the bytes s, padded with "=".
function base64.encode(s)
  if type(s) ~= "string" then
    error("bad argument #1 to 'encode' (string expected, got " .. type(s) .. ")", 2)
  end
  local out = {}
  for i = 1, #s, 3 do
    local a, b, c = byte(s, i, i + 2)
    local n = a * 65536 + (b or 0) * 256 + (c or 0)
    local d1, d2 = floor(n / 262144), floor(n / 4096) % 64
    local d3, d4 = floor(n / 64) % 64, n % 64
    out[#out + 1] = DIGIT[d1] .. DIGIT[d2] .. (b and DIGIT[d3] or "=") .. (c and DIGIT[d4] or "=")
  end
  return concat(out)
end

--- The bytes of base64 text s (whitespace ignored), or nil and the reason when s is not
-- base64 (a character outside the alphabet, a length not a multiple of 4, "=" inside).
function base64.decode(s)
  if type(s) ~= "string" then
    error("bad argument #1 to 'decode' (string expected, got " .. type(s) .. ")", 2)
  end
  s = s:gsub("%s", "")
  if #s % 4 ~= 0 or s:find("[^%w%+/=]") or s:find("=[^=]") or s:find("===") then
    return nil, "not base64"
  end
  local out, bits, n = {}, 0, 0
  for i = 1, #s do
    local v = VALUE[byte(s, i)]
    if v then
      bits, n = bits * 64 + v, n + 6
      if n >= 8 then
        n = n - 8
        local b = floor(bits / 2 ^ n)
        out[#out + 1] = char(b)
        bits = bits - b * 2 ^ n
      end
    end
  end
  return concat(out)
end

return base64
