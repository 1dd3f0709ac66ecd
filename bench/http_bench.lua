--- bench/http_bench.lua: requests per second and client CPU per request of kwhisk's HTTP
-- stack against peers measured in the same run, on one minimal local server
-- (bench/js/server.js): sequential keep-alive GETs, and GETs with 100 in flight.
-- Peers: curl (one process, keep-alive: the transport's limit), the official JavaScript
-- client @kubernetes/client-node (installed with npm into BUILD/js on first run), and
-- kubectl get --raw (one process per call, reported apart: not a fair latency peer).
-- Usage (make bench): luajit bench/http_bench.lua [BUILD]
local http = require "kwhisk.http"
local api = require "kwhisk.k8s.api"
local loop = require "kwhisk.loop"
local kubeconfig = require "kwhisk.k8s.kubeconfig"

local BUILD = arg[1] or "build"
local N, INFLIGHT, KUBECTL_CALLS = 2000, 100, 20
local JS_CLIENT = "@kubernetes/client-node@1.3.0" -- 2.x needs Node 22's zstd
local PATH = "/api/v1/namespaces/default/pods/p1"

local function sh(command)
  local pipe = assert(io.popen(command))
  local out = pipe:read("*a")
  pipe:close()
  return out
end

local function start_server()
  local dir = sh("mktemp -d"):match("%S+")
  local pid = tonumber(sh("node bench/js/server.js >" .. dir .. "/port 2>&1 & echo $!"))
  for _ = 1, 500 do
    local f = io.open(dir .. "/port")
    local port = f and tonumber((f:read("*a") or ""):match("^(%d+)\n"))
    if f then
      f:close()
    end
    if port then
      return port, function() os.execute("kill " .. pid .. "; rm -rf " .. dir) end
    end
    os.execute("sleep 0.01")
  end
  error("the benchmark server did not start")
end

-- Runs fn, returning wall seconds and this process's CPU seconds.
local function measure(fn)
  local c0, t0 = os.clock(), loop.now()
  fn()
  return loop.now() - t0, os.clock() - c0
end

-- The better of two runs: the machine is shared, so a single run is noisy.
local function best_of_two(fn)
  local w1, c1 = measure(fn)
  local w2, c2 = measure(fn)
  if w2 < w1 then
    return w2, c2
  end
  return w1, c1
end

-- Wall and children's CPU seconds of a shell command (the shell's `times`).
local function measure_command(command)
  local t0 = loop.now()
  local out = sh("(" .. command .. ") >/dev/null 2>&1; times")
  local wall = loop.now() - t0
  local cpu = 0
  local line = 0
  for l in out:gmatch("[^\n]+") do
    line = line + 1
    if line == 2 then -- children: user system
      for m, s in l:gmatch("(%d+)m([%d%.]+)s") do
        cpu = cpu + tonumber(m) * 60 + tonumber(s)
      end
    end
  end
  return wall, cpu
end

local rows = {}
local function report(group, label, n, wall, cpu)
  rows[#rows + 1] = { group = group, label = label, rps = n / wall, cpu = cpu / n * 1e6 }
end

local function kwhisk_figures(url, conn)
  local function get() assert(http.request { url = url .. PATH }).body:find("p1", 1, true) end
  local function api_get() assert(conn:get(PATH)) end
  for _ = 1, 2000 do
    get() -- the server's JIT warms up before any figure is taken
  end
  for _, case in ipairs { { "kwhisk api:get", api_get }, { "kwhisk http.request", get } } do
    local label, fn = case[1], case[2]
    for _ = 1, 500 do
      fn() -- warm up the connection, the JIT and the server
    end
    report("sequential", label, N, best_of_two(function()
      for _ = 1, N do
        fn()
      end
    end))
    report("concurrent", label, N, best_of_two(function()
      local tasks = {}
      for i = 1, INFLIGHT do
        tasks[i] = loop.spawn(function()
          for _ = 1, N / INFLIGHT do
            fn()
          end
        end)
      end
      for i = 1, INFLIGHT do
        tasks[i]:wait()
      end
    end))
  end
end

local function curl_figures(url)
  local config = os.tmpname()
  local f = assert(io.open(config, "w"))
  for _ = 1, N do
    f:write('url = "', url, PATH, '"\noutput = "/dev/null"\n')
  end
  f:close()
  report("sequential", "curl (one process)", N, measure_command("curl -s -K " .. config))
  report("concurrent", "curl --parallel", N,
    measure_command("curl -s --parallel --parallel-max " .. INFLIGHT .. " -K " .. config))
  os.remove(config)
end

local function js_figures(port)
  local dir = BUILD .. "/js"
  if not io.open(dir .. "/node_modules/@kubernetes/client-node/package.json") then
    os.execute("mkdir -p " .. dir .. " && npm install --silent --no-audit --no-fund --prefix "
      .. dir .. " " .. JS_CLIENT .. " >/dev/null 2>&1")
  end
  os.execute("cp bench/js/client_bench.mjs " .. dir .. "/")
  local out = sh("node " .. dir .. "/client_bench.mjs " .. port .. " " .. N .. " " .. INFLIGHT ..
    " 2>&1")
  local found = false
  for group, n, wall, cpu in out:gmatch("(%a+) (%d+) ([%d%.e%-]+) ([%d%.e%-]+)") do
    report(group, "client-node (JS)", tonumber(n), tonumber(wall), tonumber(cpu))
    found = true
  end
  if not found then
    print("client-node: not measured: " .. out:sub(1, 300))
  end
end

local function print_group(group)
  local base
  print(("%-22s %10s %14s %16s"):format(group, "req/s", "CPU us/req", "req/s vs kwhisk"))
  for _, r in ipairs(rows) do
    if r.group == group then
      base = base or r.rps
      print(("  %-20s %10.0f %14.1f %15.2fx"):format(r.label, r.rps, r.cpu, r.rps / base))
    end
  end
end

local function delayed_figure(url)
  local wall = measure(function()
    local tasks = {}
    for i = 1, 200 do
      tasks[i] = loop.spawn(http.request, { url = url .. PATH .. "?delay=50" })
    end
    for i = 1, 200 do
      assert(tasks[i]:wait())
    end
  end)
  print(("200 GETs answered after 50 ms each, one Lua state: %.0f ms (%.1fx one request)")
    :format(wall * 1000, wall / 0.05))
end

local function kubectl_figure(url)
  local command = {}
  for i = 1, KUBECTL_CALLS do
    command[i] = "kubectl --server=" .. url .. " --token=bench get --raw " .. PATH
  end
  local wall, cpu = measure_command(table.concat(command, "; "))
  local seq
  for _, r in ipairs(rows) do
    if r.group == "sequential" and not seq then
      seq = r
    end
  end
  print(("kubectl get --raw, one process per call: %.1f ms/call, %.0f us CPU/call " ..
    "(kwhisk sequential: %.3f ms/call, %.1f us CPU/call: %.0fx faster, %.0fx less CPU)")
    :format(wall / KUBECTL_CALLS * 1000, cpu / KUBECTL_CALLS * 1e6, 1000 / seq.rps, seq.cpu,
      wall / KUBECTL_CALLS * seq.rps, cpu / KUBECTL_CALLS * 1e6 / seq.cpu))
end

local port, stop = start_server()
local url = "http://127.0.0.1:" .. port
local ok, err = pcall(function()
  local conn = api.new(assert(kubeconfig.load { server = url, token = "bench" }))
  kwhisk_figures(url, conn)
  curl_figures(url)
  js_figures(port)
  print(("HTTP GET of one pod, %d requests per figure, client CPU only"):format(N))
  print_group("sequential")
  print_group("concurrent")
  delayed_figure(url)
  kubectl_figure(url)
end)
stop()
if not ok then
  error(err, 0)
end
