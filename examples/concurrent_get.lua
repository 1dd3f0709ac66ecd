--- examples/concurrent_get.lua: fetches one URL many times at once from a single Lua
-- state, each request in its own task. Usage: luajit examples/concurrent_get.lua URL [N]
local kwhisk = require "kwhisk"

local url, n = arg[1], tonumber(arg[2] or "10")
if not url then
  io.stderr:write("usage: luajit examples/concurrent_get.lua URL [N]\n")
  os.exit(2)
end

local tasks = {}
for i = 1, n do
  tasks[i] = kwhisk.spawn(kwhisk.http.request, { url = url, timeout = 10 })
end
local failed = 0
for i = 1, n do
  local response, err = tasks[i]:wait()
  if not response then
    failed = failed + 1
    io.stderr:write(tostring(err), "\n")
  end
end
print(("%d requests, %d failed"):format(n, failed))
os.exit(failed == 0 and 0 or 1)
