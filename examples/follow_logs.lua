--- examples/follow_logs.lua: follows a container's log while it runs three activations,
-- in a second task, until the pod is deleted and the stream ends. Uses KUBECONFIG.
local kwhisk = require "kwhisk"
local now = kwhisk.loop.now

local client = assert(kwhisk.client({ kubeconfig = os.getenv("KUBECONFIG") }))
local c = assert(kwhisk.container.create(client, "follow-logs", "kwhisk/action-lua", {}))
assert(c:init('function main(p) for i = 1, 3 do print(p.n .. "." .. i) end return {} end',
  "main", nil, now() + 10))

local follower = kwhisk.spawn(function()
  local count = 0
  for record in client:logs(c, nil, { mode = "follow" }) do
    count = count + 1
    print("followed: " .. tostring(record))
  end
  return count
end)
for n = 1, 3 do assert(c:run({ n = n }, now() + 10)) end
kwhisk.sleep(0.5)
assert(c:destroy())
-- 3 activations x (3 lines + a sentinel on stdout and on stderr)
local count = follower:wait()
print(count .. " records followed")
assert(count == 15, "expected 15 records, got " .. count)
