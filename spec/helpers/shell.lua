--- Helpers for specs that run commands: run one and capture what it printed.
local fs = require "kwhisk.fs"

local shell = {}

--- Quotes s for /bin/sh.
shell.quote = require("kwhisk.shell").quote

--- Runs a shell command; returns its exit status and its output (stdout and stderr).
function shell.run(command)
  local pipe = assert(io.popen("(" .. command .. ") 2>&1; echo \"exit:$?\""))
  local output = pipe:read("*a")
  pipe:close()
  local body, status = output:match("^(.-)exit:(%d+)%s*$")
  return tonumber(status), body
end

--- The bytes of a file (raises when it cannot be read).
function shell.read(path)
  return assert(fs.read_file(path))
end

--- Writes a whole file (raises when it cannot).
function shell.write(path, s)
  assert(fs.write_file(path, s))
end

--- A fresh temporary directory, removed by the returned cleanup function.
function shell.tmpdir()
  local dir = assert(io.popen("mktemp -d")):read("*l")
  return dir, function() os.execute("rm -rf " .. shell.quote(dir)) end
end

return shell
