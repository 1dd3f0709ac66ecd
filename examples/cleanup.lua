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
-- cleanup returns once the deletions are accepted: the pods may stay Terminating for their
-- grace period (their runtimes ignore SIGTERM). Count those still running.
assert(kwhisk.container.cleanup(client, invoker, release, 30))
local left = 0
for _, c in ipairs(assert(client:list(labels))) do
  local pod = assert(client.conn:get(client:pods_path(c.id)))
  if not pod.metadata.deletionTimestamp then left = left + 1 end
end
print(left .. " pods after cleanup")
assert(left == 0)
-- With wait_gone it also waits until they are gone.
assert(kwhisk.container.cleanup(client, invoker, release, 60, { wait_gone = true }))
print(#assert(client:list(labels)) .. " pods left once gone")
