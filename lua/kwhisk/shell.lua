--- kwhisk.shell: words for /bin/sh, the one place kwhisk quotes them (an exec credential
-- plugin's command line, the sim's clean-up). Plain Lua, no FFI.
local tostring = tostring

local shell = {}

--- s (any value, as tostring gives it) as one /bin/sh word: single-quoted, each ' as '\''.
function shell.quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

return shell
