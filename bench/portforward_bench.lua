--- bench/portforward_bench.lua: throughput through a port-forward (client -> local port ->
-- WebSocket -> kwhisk sim -> pod) against the direct connection to podIP:8080, as a ratio
-- from one run. The action echoes its input, so each call carries the body both ways.
-- Usage: luajit bench/portforward_bench.lua [MiB per call (default 4)] [calls (default 8)]
local benchutil = require "benchutil"
local kwhisk = require "kwhisk"
local http = require "kwhisk.http"
local json = require "kwhisk.json"
local loop = require "kwhisk.loop"

local MIB, CALLS = tonumber(arg[1] or "4"), tonumber(arg[2] or "8")

local ECHO = "function main(p) return { s = p.s } end"

local function post(base, path, body)
  local response, err = http.request { url = base .. path, method = "POST", body = body,
    headers = { "Content-Type: application/json" }, timeout = 120 }
  assert(response and response.status == 200, tostring(err or (response and response.body)))
  return response.body
end

-- Seconds for CALLS echo calls of a MIB MiB string to base (http://host:port).
local function echo_seconds(base, payload)
  local body = json.encode { value = { s = payload } }
  post(base, "/run", body) -- warm up
  local start = loop.now()
  for _ = 1, CALLS do
    local answer = post(base, "/run", body)
    assert(#answer >= #payload, "short answer")
  end
  return loop.now() - start
end

-- The forward's cost, not the kubelet's timing: no status lag, grace periods of 0.3 s.
local sim = assert(kwhisk.sim.start({ args = benchutil.FAST_SIM_ARGS }))
local ok, err = pcall(function()
  local client = assert(kwhisk.client { kubeconfig = sim.kubeconfig })
  local c = assert(client:run("pf-bench", "kwhisk/action-lua", { memory = "256m" }))
  local local_port, forward = assert(client:port_forward(c.id, 8080))
  local payload = string.rep("0123456789abcdef", MIB * 65536)
  post(("http://%s:%d"):format(c.address.host, c.address.port), "/init",
    json.encode { value = { main = "main", code = ECHO } })
  local bytes = 2 * CALLS * #payload
  local direct = echo_seconds(("http://%s:%d"):format(c.address.host, c.address.port), payload)
  local forwarded = echo_seconds(("http://127.0.0.1:%d"):format(local_port), payload)
  print(("port-forward throughput: %d calls of %d MiB each way, kwhisk sim"):format(CALLS, MIB))
  print(("  direct to podIP:8080   %7.1f MB/s"):format(bytes / direct / 1e6))
  print(("  through the forward    %7.1f MB/s   (%.2fx the direct time)")
    :format(bytes / forwarded / 1e6, forwarded / direct))
  forward:close()
  client:rm(c)
end)
sim:stop()
assert(ok, err)
