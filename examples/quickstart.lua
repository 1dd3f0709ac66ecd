--- examples/quickstart.lua: the tour. Connect (KUBECONFIG), run an action pod, init and
-- run it, read this activation's logs, remove the pod.
local kwhisk = require "kwhisk"
local now = kwhisk.loop.now

local client = assert(kwhisk.client({ kubeconfig = os.getenv("KUBECONFIG") }))
local c = assert(kwhisk.container.create(client, "quickstart", "kwhisk/action-lua",
  { memory = "128m" }))
assert(c:init('function main(p) print("hi " .. p.name) return {ok = true} end', "main",
  nil, now() + 10))
local result = assert(c:run({ name = "kwhisk" }, now() + 10))
for _, record in ipairs(c:logs(10 * 2^20, true)) do print(record) end
print(kwhisk.json.encode(result), c.address.host, c.native_id)
assert(c:destroy())
