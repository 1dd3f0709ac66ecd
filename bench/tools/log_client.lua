--- bench/tools/log_client.lua: kwhisk delivering a pod's log as records into Lua through
-- the everyday API, `client:logs` (follow mode: the stream ends when the pod's container no
-- longer runs), a loop that reads every record's time and log. One process per run of
-- bench/stream_bench.lua. Prints "records message_bytes".
-- Usage: luajit bench/tools/log_client.lua KUBECONFIG POD
local kubeconfig, pod = arg[1], arg[2]
assert(kubeconfig and pod, "usage: log_client.lua KUBECONFIG POD")
local cfg = assert(require("kwhisk.config").load(nil))
cfg.kubeconfig = kubeconfig
local client = assert(require("kwhisk.client").new(cfg, { log = function() end }))
local records, bytes, nsec = 0, 0, 0
for r in client:logs({ id = pod, name = pod }) do
  records = records + 1
  bytes = bytes + #r.log
  nsec = nsec + r.time.nsec
end
print(records, bytes, nsec)
