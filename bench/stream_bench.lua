--- bench/stream_bench.lua: log streaming throughput of kwhisk against peers (issue 9, part 1).
-- One generated log (BUILD/bench-data, bench/tools/loggen.c: 9-digit and trimmed timestamps,
-- about 5% of the bytes in lines of 16-64 KiB) is served over loopback by nginx as a static
-- body at the pods/log path, so the server is not the bottleneck. Each reader is one process,
-- run 3 times in turn (the best wall time counts), under /usr/bin/time for CPU seconds and
-- peak RSS: kwhisk into Lua records, kwhisk's C transport and reader alone, kubectl logs
-- --timestamps, @kubernetes/client-node Log, python3-kubernetes read_namespaced_pod_log,
-- and curl -o /dev/null (the transport's limit). A missing peer is reported as skipped.
-- Sizes: KWHISK_BENCH_LOG_MB (default 200; 1024 for the full 1 GiB).
-- Usage (make bench): luajit bench/stream_bench.lua [BUILD]
local u = require "benchutil"

local BUILD = arg[1] or "build"
local MIB = tonumber(os.getenv("KWHISK_BENCH_LOG_MB") or "200")
local RUNS = 3
local NS, POD, CONTAINER = "default", "p", "c"
local LOG_PATH = "/api/v1/namespaces/" .. NS .. "/pods/" .. POD .. "/log"
local POD_JSON = ('{"kind":"Pod","apiVersion":"v1","metadata":{"name":"%s","namespace":"%s"},'
  .. '"spec":{"containers":[{"name":"%s","image":"pause"}]},"status":{"phase":"Running"}}')
  :format(POD, NS, CONTAINER)
-- Discovery, as much as kubectl reads before it asks for a pod's log.
local API = '{"kind":"APIVersions","versions":["v1"],"serverAddressByClientCIDRs":[]}'
local APIS = '{"kind":"APIGroupList","apiVersion":"v1","groups":[]}'
local API_V1 = '{"kind":"APIResourceList","groupVersion":"v1","resources":['
  .. '{"name":"pods","singularName":"pod","namespaced":true,"kind":"Pod","shortNames":["po"],'
  .. '"verbs":["get","list"]},{"name":"pods/log","singularName":"","namespaced":true,'
  .. '"kind":"Pod","verbs":["get"]}]}'

local function nginx_string(s)
  return "'" .. s:gsub("[\\']", "\\%0") .. "'"
end

-- The generated log and its line count (made once per size).
local function log_file()
  local dir = BUILD .. "/bench-data"
  local path = ("%s/log-%d.txt"):format(dir, MIB)
  local lines = tonumber(u.read_file(path .. ".lines") or "")
  if not lines then
    os.execute("mkdir -p " .. dir)
    lines = tonumber(u.sh(BUILD .. "/bench-tools/loggen " .. path .. " " .. MIB))
    assert(lines, "loggen failed")
    u.write_file(path .. ".lines", lines .. "\n")
  end
  local size = tonumber(u.sh("stat -c %s " .. path))
  return path, lines, size
end

local function nginx_config(dir, port, log)
  local function exact(path, body)
    return ("    location = %s { default_type application/json; return 200 %s; }\n")
      :format(path, nginx_string(body))
  end
  return table.concat {
    "worker_processes 1;\nuser root;\npid ", dir, "/nginx.pid;\nerror_log ", dir, "/error.log;\n",
    "events { worker_connections 64; }\nhttp {\n  access_log off;\n  sendfile on;\n",
    "  client_body_temp_path ", dir, "/body;\n  proxy_temp_path ", dir, "/proxy;\n",
    "  fastcgi_temp_path ", dir, "/fcgi;\n  uwsgi_temp_path ", dir, "/uwsgi;\n",
    "  scgi_temp_path ", dir, "/scgi;\n",
    "  server {\n    listen 127.0.0.1:", port, ";\n",
    exact("/api", API), exact("/apis", APIS), exact("/api/v1", API_V1),
    exact("/api/v1/namespaces/" .. NS .. "/pods/" .. POD, POD_JSON),
    "    location = ", LOG_PATH, " { default_type text/plain; alias ", log, "; }\n",
    "  }\n}\n" }
end

-- Starts nginx serving log on a free loopback port: server URL and a stop function, or nil.
local function start_nginx(log)
  local nginx = u.have("nginx") and "nginx" or (io.open("/usr/sbin/nginx") and "/usr/sbin/nginx")
  if not nginx then
    return nil, "nginx is not installed (scripts/ensure-deps bench)"
  end
  local dir, remove = u.tmpdir()
  local abs_log = u.sh("readlink -f " .. u.quote(log)):match("[^\n]+")
  for attempt = 1, 10 do
    local port = 20000 + (os.time() * 7 + attempt * 1009) % 30000
    u.write_file(dir .. "/nginx.conf", nginx_config(dir, port, abs_log))
    local pid = tonumber(u.sh(nginx .. " -p " .. dir .. " -c " .. dir
      .. "/nginx.conf -g 'daemon off;' >/dev/null 2>&1 & echo $!"))
    local url = "http://127.0.0.1:" .. port
    os.execute("sleep 0.2")
    if os.execute("kill -0 " .. pid .. " 2>/dev/null") == 0 and u.wait_http(url .. "/api") then
      return url, function() os.execute("kill " .. pid); remove() end
    end
    os.execute("kill " .. pid .. " 2>/dev/null")
  end
  remove()
  return nil, "nginx did not start"
end

local function readers(url, dir)
  local log_url = url .. LOG_PATH .. "?timestamps=true&container=" .. CONTAINER
  local kubeconfig = dir .. "/kubeconfig"
  u.write_file(kubeconfig, table.concat {
    "apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n    server: ", url,
    "\nusers:\n- name: bench\n  user: {}\ncontexts:\n- name: bench\n  context:\n",
    "    cluster: bench\n    user: bench\n    namespace: ", NS, "\ncurrent-context: bench\n" })
  local q = u.quote
  local peer_args = table.concat({ q(url), NS, POD, CONTAINER }, " ")
  local js_ok, js_why = u.client_node(BUILD)
  if js_ok then
    os.execute("cp bench/js/log_read.mjs " .. BUILD .. "/js/")
  end
  local py_ok = os.execute("/usr/bin/python3 -c 'import kubernetes' 2>/dev/null") == 0
  return {
    { name = "kwhisk, records into Lua", key = "kwhisk-lua", records = true,
      command = "luajit bench/tools/log_records.lua " .. q(log_url) },
    { name = "kwhisk, C reader alone", key = "kwhisk-c", records = true,
      command = BUILD .. "/bench-tools/logread " .. q(log_url) },
    { name = "kwhisk transport, no reader", key = "kwhisk-transport", bytes = true,
      command = BUILD .. "/bench-tools/logread --transport-only " .. q(log_url) },
    { name = "curl -o /dev/null", key = "curl", need = u.have("curl") or "curl is not installed",
      command = "curl -sf -o /dev/null " .. q(log_url) },
    { name = "kubectl logs --timestamps", key = "kubectl",
      need = u.have("kubectl") or "kubectl is not installed",
      command = "kubectl --kubeconfig " .. q(kubeconfig) .. " --cache-dir " .. q(dir .. "/cache")
        .. " logs " .. POD .. " -c " .. CONTAINER .. " --timestamps >/dev/null" },
    { name = "client-node Log", key = "client-node", bytes = true, need = js_ok or js_why,
      command = "node " .. BUILD .. "/js/log_read.mjs " .. peer_args },
    { name = "python3-kubernetes", key = "python", bytes = true,
      need = py_ok or "python3-kubernetes is not installed",
      command = "/usr/bin/python3 bench/py/log_read.py " .. peer_args },
  }
end

-- Checks what a reader printed against the log: records and message bytes, or bytes read.
local function check(reader, out, lines, size)
  local a = tonumber(out:match("^%s*(%d+)"))
  if reader.records and a ~= lines then
    return ("read %s records, the log has %d lines"):format(tostring(a), lines)
  elseif reader.bytes and a ~= size then
    return ("read %s bytes, the log has %d"):format(tostring(a), size)
  end
end

local function main()
  local log, lines, size = log_file()
  local url, stop = start_nginx(log)
  if not url then
    print("stream_bench: skipped: " .. stop)
    return
  end
  local dir, remove = u.tmpdir()
  local rows, by_key = {}, {}
  for _, reader in ipairs(readers(url, dir)) do
    if reader.need ~= nil and reader.need ~= true then
      print(("  %-28s skipped: %s"):format(reader.name, reader.need))
    else
      local r, err = u.best_of(RUNS, u.time_command, reader.command)
      err = err or check(reader, r.out, lines, size)
      if err then
        print(("  %-28s skipped: failed: %s"):format(reader.name, err))
      else
        r.name, r.key, r.mbps = reader.name, reader.key, size / r.wall / 1e6
        rows[#rows + 1], by_key[reader.key] = r, r
      end
    end
  end
  stop()
  remove()
  print(("log from nginx over loopback: %.0f MiB, %d lines; best of %d runs per reader")
    :format(size / 2 ^ 20, lines, RUNS))
  print(("  %-28s %8s %7s %7s %9s %8s %9s"):format("reader", "MB/s", "wall s", "CPU s",
    "RSS MiB", "vs curl", "x kubectl"))
  local curl, kubectl = by_key.curl, by_key.kubectl
  local dat = { "# reader MB/s cpu_s rss_mib (bench/stream_bench.lua)" }
  for _, r in ipairs(rows) do
    print(("  %-28s %8.0f %7.2f %7.2f %9.1f %8s %9s"):format(r.name, r.mbps, r.wall, r.cpu,
      r.rss_mib, curl and ("%.0f%%"):format(r.mbps / curl.mbps * 100) or "-",
      kubectl and ("%.1fx"):format(r.mbps / kubectl.mbps) or "-"))
    dat[#dat + 1] = ('"%s" %.1f %.3f %.1f'):format(r.name, r.mbps, r.cpu, r.rss_mib)
  end
  os.execute("mkdir -p " .. BUILD .. "/bench-results")
  local dat_path = BUILD .. "/bench-results/stream.dat"
  u.write_file(dat_path, table.concat(dat, "\n") .. "\n")
  if u.have("gnuplot") then
    os.execute(("gnuplot -e \"dat='%s'; out='bench/stream.png'; size='%d MiB'\" bench/plot.gp")
      :format(dat_path, MIB))
    print("  chart: bench/stream.png")
  else
    print("  chart: skipped: gnuplot is not installed")
  end
  local c, l = by_key["kwhisk-c"], by_key["kwhisk-lua"]
  local function goal(text, ok)
    local verdict = ok == nil and "not measured" or ok and "met" or "MISSED"
    print(("  goal: %-52s %s"):format(text, verdict))
  end
  goal("C reader >= 80% of curl's throughput", c and curl and c.mbps >= 0.8 * curl.mbps)
  goal("records into Lua >= 5x kubectl", l and kubectl and l.mbps >= 5 * kubectl.mbps)
  goal("kwhisk peak RSS < 16 MiB", c and l and math.max(c.rss_mib, l.rss_mib) < 16)
end

main()
