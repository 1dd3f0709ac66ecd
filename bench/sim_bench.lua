-- sim_bench: the simulated cluster under load. N pods (default 500; KWHISK_SIM_BENCH_PODS or
-- the first argument to scale it) are created, waited Ready through a watch and deleted, first
-- as pause-like pods (no process) and then as kwhisk/action-lua pods (one runtime process
-- each), in the same sim. Prints each phase's wall time, the action/pause ratio, the sim's
-- peak RSS (VmHWM) and the runtimes' total memory while all of them run.
local benchutil = require "benchutil"
local cqueues = require "cqueues"
local fs = require "kwhisk.fs"
local http_request = require "http.request"
local json = require "kwhisk.json"
local sim_start = require("kwhisk.sim").start

local COUNT = tonumber(arg[1] or os.getenv("KWHISK_SIM_BENCH_PODS") or "") or 500
local WORKERS = 8
local TIMEOUT = 150

local function request(method, url, body)
  local req = http_request.new_from_uri(url)
  req.headers:upsert(":method", method)
  if body then
    req:set_body(json.encode(body))
    req.headers:upsert("content-type", "application/json")
  end
  local h, stream = req:go(30)
  if not h then
    error(method .. " " .. url .. ": " .. tostring(stream))
  end
  local text = stream:get_body_as_string(30)
  local code = tonumber(h:get(":status"))
  if code >= 300 then
    error(method .. " " .. url .. ": " .. code .. " " .. tostring(text))
  end
  return text
end

-- Runs fn(i) for i = 1..n on WORKERS concurrent coroutines in cq.
local function each(cq, n, fn)
  local next_i = 0
  for _ = 1, WORKERS do
    cq:wrap(function()
      while next_i < n do
        next_i = next_i + 1
        fn(next_i)
      end
    end)
  end
end

local function is_ready(pod)
  for _, c in ipairs(pod.status and pod.status.conditions or {}) do
    if c.type == "Ready" and c.status == "True" then
      return true
    end
  end
  return false
end

-- Follows a watch of the pods labelled phase=<phase>, calling on_event(type, pod) per event.
local function watch(cq, pods, phase, on_event)
  local req = http_request.new_from_uri(pods .. "?watch=true&timeoutSeconds=" .. TIMEOUT
    .. "&labelSelector=phase%3D" .. phase)
  local h, stream = assert(req:go(10))
  assert(h:get(":status") == "200", "watch failed")
  cq:wrap(function()
    local buf = ""
    for chunk in stream:each_chunk() do
      buf = buf .. chunk
      local rest = 1
      for line, after in buf:gmatch("([^\n]*)\n()") do
        local ev = assert(json.decode(line))
        if on_event(ev.type, ev.object) then
          stream:shutdown()
          return
        end
        rest = after
      end
      buf = buf:sub(rest)
    end
  end)
end

-- The bytes of a file, or "" when it is gone (/proc entries vanish with their process).
local function read(path)
  return fs.read_file(path) or ""
end

local function status_kib(pid, field)
  return tonumber(read("/proc/" .. pid .. "/status"):match(field .. ":%s*(%d+)")) or 0
end

-- Proportional set size (shared pages split between their users), in KiB.
local function pss_kib(pid)
  return tonumber(read("/proc/" .. pid .. "/smaps_rollup"):match("\nPss:%s*(%d+)")) or 0
end

-- The action runtimes among the children of pid.
local function runtimes_of(pid)
  local out = {}
  for child in read("/proc/" .. pid .. "/task/" .. pid .. "/children"):gmatch("%d+") do
    if read("/proc/" .. child .. "/cmdline"):find("kwhisk.sim.runtime", 1, true) then
      out[#out + 1] = child
    end
  end
  return out
end

-- One phase: COUNT pods of image created, all Ready, all deleted and gone. Returns the
-- seconds taken and, measured while all were Ready, the runtimes' count, RSS and PSS (KiB).
local function phase(sim, name, image)
  local pods = sim.url .. "/api/v1/namespaces/default/pods"
  local cq = cqueues.new()
  local ready, gone, ready_n, gone_n = {}, {}, 0, 0
  local runtimes = { count = 0, rss = 0, pss = 0 }
  local t0 = cqueues.monotime()
  cq:wrap(function()
    watch(cq, pods, name, function(type_, pod)
      local pod_name = pod.metadata.name
      if type_ == "DELETED" and not gone[pod_name] then
        gone[pod_name], gone_n = true, gone_n + 1
      elseif type_ ~= "DELETED" and not ready[pod_name] and is_ready(pod) then
        ready[pod_name], ready_n = true, ready_n + 1
      end
      return gone_n == COUNT
    end)
    each(cq, COUNT, function(i)
      request("POST", pods, { apiVersion = "v1", kind = "Pod",
        metadata = { name = name .. "-" .. i, labels = { phase = name } },
        spec = { containers = { { name = "user-action", image = image } } } })
    end)
    while ready_n < COUNT do
      assert(cqueues.monotime() - t0 < TIMEOUT, name .. ": only " .. ready_n .. " Ready")
      cqueues.sleep(0.05)
    end
    for _, pid in ipairs(runtimes_of(sim.pid)) do
      runtimes.count = runtimes.count + 1
      runtimes.rss = runtimes.rss + status_kib(pid, "VmRSS")
      runtimes.pss = runtimes.pss + pss_kib(pid)
    end
    each(cq, COUNT, function(i) request("DELETE", pods .. "/" .. name .. "-" .. i) end)
  end)
  assert(cq:loop())
  assert(gone_n == COUNT, name .. ": only " .. gone_n .. " deleted")
  local took = cqueues.monotime() - t0
  -- Deleting a pod stops its runtime: none may be left.
  local deadline = cqueues.monotime() + 10
  while #runtimes_of(sim.pid) > 0 and cqueues.monotime() < deadline do
    cqueues.sleep(0.1)
  end
  assert(#runtimes_of(sim.pid) == 0, name .. ": runtimes left after every pod was deleted")
  return took, runtimes
end

-- The sim's own cost, not the kubelet's timing: no status lag, grace periods of 0.3 s.
local sim = assert(sim_start({ timeout = 30,
  args = benchutil.FAST_SIM_ARGS }))
local ok, err = pcall(function()
  local idle_hwm = status_kib(sim.pid, "VmHWM")
  local pause_s = phase(sim, "pause", "registry.local/pause:3.9")
  local pause_hwm = status_kib(sim.pid, "VmHWM")
  local action_s, rt = phase(sim, "action", "kwhisk/action-lua")
  local action_hwm = status_kib(sim.pid, "VmHWM")
  print(string.format("sim: %d pods created, Ready and deleted per phase (%d client workers)",
    COUNT, WORKERS))
  print(string.format("  pause-like pods   %7.2f s  %7.0f pods/s", pause_s, COUNT / pause_s))
  print(string.format("  kwhisk/action-lua %7.2f s  %7.0f pods/s  (%.1fx the pause-like time)",
    action_s, COUNT / action_s, action_s / pause_s))
  print(string.format("  sim peak RSS (VmHWM): %.1f MiB idle, %.1f MiB after pause-like, "
    .. "%.1f MiB after action pods", idle_hwm / 1024, pause_hwm / 1024, action_hwm / 1024))
  print(string.format("  runtimes while all Ready: %d processes, RSS total %.1f MiB "
    .. "(%.2f MiB each), PSS total %.1f MiB (%.2f MiB each)", rt.count, rt.rss / 1024,
    rt.rss / 1024 / math.max(rt.count, 1), rt.pss / 1024, rt.pss / 1024 / math.max(rt.count, 1)))
end)
sim:stop()
assert(ok, err)
