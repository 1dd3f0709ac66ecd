--- examples/cleanup.lua: what an invoker does at start-up: delete the pods a previous run of
-- this invoker left behind (by its invoker and release labels), then start afresh.
-- Uses KUBECONFIG; luajit examples/cleanup.lua [INVOKER] [RELEASE]
local kwhisk = require "kwhisk"

local invoker, release = tonumber(arg[1] or "0"), arg[2] or "kwhisk-example"
local labels = { invoker = "invoker" .. invoker, release = release }
local client = assert(kwhisk.client({ kubeconfig = os.getenv("KUBECONFIG") }))

-- What a crashed predecessor may have left: two pods of this invoker.
for i = 1, 2 do
  assert(client:run("leftover-" .. i, "kwhisk/action-lua", { labels = labels }))
end
print(#assert(client:list(labels)) .. " pods of invoker" .. invoker .. " before cleanup")
assert(kwhisk.container.cleanup(client, invoker, release, 30))
local left = #assert(client:list(labels))
print(left .. " pods after cleanup")
assert(left == 0)
