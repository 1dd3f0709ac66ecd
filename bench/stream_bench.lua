--- bench/stream_bench.lua: log streaming throughput of kwhisk against peers (issue 9 part 1,
-- issue 13). One generated log (BUILD/bench-data, bench/tools/loggen.c: 9-digit and trimmed
-- timestamps, about 5% of the bytes in lines of 16-64 KiB) is served over loopback by nginx
-- as a static body at the pods/log path, so the server is not the bottleneck. Readers, each
-- its own process: kwhisk's `client:logs` loop into Lua records, `kwhisk logs NAME` (once and
-- -f), kwhisk's C transport with the reader and without, curl -o /dev/null (the transport's
-- limit), kubectl logs --timestamps (once and -f), @kubernetes/client-node Log and
-- python3-kubernetes read_namespaced_pod_log. A missing peer is reported as skipped.
--
-- Honest figures on a shared machine: a first, untimed round checks every reader's output
-- (record or line counts; kubectl's and curl's bytes against the log's checksum; the first
-- and last lines `kwhisk logs` prints). Then ROUNDS timed rounds run every reader once each,
-- interleaved (the order turns every round); wall time is the monotonic clock's, CPU and peak
-- RSS /usr/bin/time's. A reader's figure is its median; a goal's ratio is the median of the
-- ratios taken within each round (wall time; the last column compares median CPU seconds
-- with kubectl's, which tells more when the machine is busy). Every goal of issue 13's
-- table prints as met or MISSED.
-- Sizes: KWHISK_BENCH_LOG_MB (default 200; 1024 for the full 1 GiB); KWHISK_BENCH_ROUNDS
-- (default 5).
-- Usage (make bench): luajit bench/stream_bench.lua [BUILD]
local u = require "benchutil"

local BUILD = arg[1] or "build"
local MIB = tonumber(os.getenv("KWHISK_BENCH_LOG_MB") or "200")
local ROUNDS = tonumber(os.getenv("KWHISK_BENCH_ROUNDS") or "5")
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
  local kubectl = "kubectl --kubeconfig " .. q(kubeconfig) .. " --cache-dir " .. q(dir .. "/cache")
    .. " logs " .. POD .. " -c " .. CONTAINER .. " --timestamps"
  local kwhisk = "bin/kwhisk logs " .. POD .. " --kubeconfig " .. q(kubeconfig)
  local no_kubectl = u.have("kubectl") or "kubectl is not installed"
  -- check: "records" (prints its record count first), "bytes" (prints the bytes it read),
  -- "log" (its output is the log itself), "text" (prints the log's records in text form).
  return {
    { name = "kwhisk client:logs into Lua", key = "kwhisk-lua", check = "records",
      command = "luajit bench/tools/log_client.lua " .. q(kubeconfig) .. " " .. POD },
    { name = "kwhisk logs NAME", key = "kwhisk-logs", check = "text", command = kwhisk },
    { name = "kwhisk logs NAME -f", key = "kwhisk-logs-f", check = "text",
      command = kwhisk .. " -f" },
    { name = "kwhisk C transport + reader", key = "kwhisk-c", check = "records",
      command = BUILD .. "/bench-tools/logread " .. q(log_url) },
    { name = "kwhisk transport alone", key = "kwhisk-transport", check = "bytes",
      command = BUILD .. "/bench-tools/logread --transport-only " .. q(log_url) },
    { name = "curl -o /dev/null", key = "curl", check = "log",
      need = u.have("curl") or "curl is not installed", command = "curl -sf " .. q(log_url) },
    { name = "kubectl logs --timestamps", key = "kubectl", check = "log", need = no_kubectl,
      command = kubectl },
    { name = "kubectl logs -f --timestamps", key = "kubectl-f", check = "log", need = no_kubectl,
      command = kubectl .. " -f" },
    { name = "client-node Log", key = "client-node", check = "bytes", need = js_ok or js_why,
      command = "node " .. BUILD .. "/js/log_read.mjs " .. peer_args },
    { name = "python3-kubernetes", key = "python", check = "bytes",
      need = py_ok or "python3-kubernetes is not installed",
      command = "/usr/bin/python3 bench/py/log_read.py " .. peer_args },
  }
end

-- What the log must look like through each kind of check.
local function expectations(log, lines, size)
  local logs = require "kwhisk.logs"
  local function record_text(line)
    local records = logs.read_lines(line .. "\n")
    return tostring(records[1])
  end
  local first = u.sh("head -n 1 " .. u.quote(log)):match("[^\n]*")
  local last = u.sh("tail -n 1 " .. u.quote(log)):match("[^\n]*")
  return { lines = lines, size = size, cksum = u.sh("cksum < " .. u.quote(log)):match("%S+ %S+"),
    first = record_text(first), last = record_text(last) }
end

-- The untimed round: runs the reader with its output kept and checks it. nil, or what is wrong.
local function check(reader, want, dir)
  local out_path = dir .. "/out"
  local r, err = u.time_command(reader.command .. " > " .. u.quote(out_path))
  if not r then
    return err
  end
  local kind = reader.check
  if kind == "records" or kind == "bytes" then
    local n = tonumber((u.read_file(out_path) or ""):match("^%s*(%d+)"))
    local expected = kind == "records" and want.lines or want.size
    if n ~= expected then
      return ("read %s %s, the log has %d"):format(tostring(n), kind, expected)
    end
  elseif kind == "log" then
    local got = u.sh("cksum < " .. u.quote(out_path)):match("%S+ %S+")
    if got ~= want.cksum then
      return ("printed %s (cksum), the log is %s"):format(tostring(got), want.cksum)
    end
  else
    local n = tonumber(u.sh("wc -l < " .. u.quote(out_path)):match("%d+"))
    local first = u.sh("head -n 1 " .. u.quote(out_path)):match("[^\n]*")
    local last = u.sh("tail -n 1 " .. u.quote(out_path)):match("[^\n]*")
    if n ~= want.lines or first ~= want.first or last ~= want.last then
      return ("printed %s lines (the log has %d), first %q, last %q"):format(tostring(n),
        want.lines, first:sub(1, 80), last:sub(1, 80))
    end
  end
  os.remove(out_path)
end

-- ROUNDS interleaved rounds: results[key] = array of runs, rounds[i][key] = run of round i.
local function measure(list)
  local results, rounds = {}, {}
  for round = 1, ROUNDS do
    rounds[round] = {}
    for i = 1, #list do
      local reader = list[(i + round - 2) % #list + 1]
      local r, err = u.time_command(reader.command .. " >/dev/null")
      if not r then
        return nil, reader.name .. ": " .. err
      end
      results[reader.key] = results[reader.key] or {}
      table.insert(results[reader.key], r)
      rounds[round][reader.key] = r
    end
  end
  return results, rounds
end

local function summary(runs, size)
  local walls, cpus, rss = {}, {}, 0
  for i, r in ipairs(runs) do
    walls[i], cpus[i], rss = r.wall, r.cpu, math.max(rss, r.rss_mib)
  end
  local wall = u.median(walls)
  return { wall = wall, cpu = u.median(cpus), rss_mib = rss, mbps = size / wall / 1e6 }
end

-- The median over rounds of peer's wall time / ours (how many times faster we are).
local function ratio(rounds, ours, peer)
  local values = {}
  for _, round in ipairs(rounds) do
    if round[ours] and round[peer] then
      values[#values + 1] = round[peer].wall / round[ours].wall
    end
  end
  return u.median(values)
end

local function print_goals(rounds, rows)
  local function rss(key)
    return rows[key] and rows[key].rss_mib
  end
  local function goal(text, value, ok, shown)
    local verdict = value == nil and "not measured" or ok and "met" or "MISSED"
    print(("  goal: %-50s %-8s %s"):format(text, verdict, value and shown or ""))
  end
  local function times(ours, peer, want, what)
    local x = ratio(rounds, ours, peer)
    goal(("%s >= %gx %s"):format(rows[ours] and rows[ours].name or ours, want, what), x,
      x and x >= want, x and ("%.2fx"):format(x))
  end
  local function share(ours, want)
    local x = ratio(rounds, ours, "curl")
    goal(("%s >= %d%% of curl"):format(rows[ours] and rows[ours].name or ours, want * 100), x,
      x and x >= want, x and ("%.0f%%"):format(x * 100))
  end
  local function memory(key)
    local m = rss(key)
    goal(("%s peak RSS < 16 MiB"):format(rows[key] and rows[key].name or key), m, m and m < 16,
      m and ("%.1f MiB"):format(m))
  end
  times("kwhisk-lua", "kubectl", 5, "kubectl logs")
  memory("kwhisk-lua")
  times("kwhisk-logs", "kubectl", 5, "kubectl logs")
  memory("kwhisk-logs")
  times("kwhisk-logs-f", "kubectl-f", 5, "kubectl logs -f")
  share("kwhisk-c", 0.6)
  share("kwhisk-transport", 0.9)
end

local function write_chart(list, rows)
  local dat = { "# reader MB/s cpu_s rss_mib (bench/stream_bench.lua)" }
  for _, reader in ipairs(list) do
    local r = rows[reader.key]
    dat[#dat + 1] = ('"%s" %.1f %.3f %.1f'):format(reader.name, r.mbps, r.cpu, r.rss_mib)
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
end

local function main()
  local log, lines, size = log_file()
  local url, stop = start_nginx(log)
  if not url then
    print("stream_bench: skipped: " .. stop)
    return
  end
  local dir, remove = u.tmpdir()
  local want, list = expectations(log, lines, size), {}
  for _, reader in ipairs(readers(url, dir)) do
    local why = reader.need ~= nil and reader.need ~= true and reader.need
    why = why or check(reader, want, dir)
    if why then
      print(("  %-30s skipped: %s"):format(reader.name, why))
    else
      list[#list + 1] = reader
    end
  end
  local load = u.read_file("/proc/loadavg") or "?"
  local results, rounds = measure(list)
  print(("  load average (1 min) at the start %s, at the end %s"):format(load:match("%S+"),
    (u.read_file("/proc/loadavg") or "?"):match("%S+")))
  stop()
  remove()
  if not results then
    print("stream_bench: failed: " .. rounds)
    os.exit(1)
  end
  print(("log from nginx over loopback: %.0f MiB, %d lines; every output checked; %d "
    .. "interleaved rounds, medians"):format(size / 2 ^ 20, lines, ROUNDS))
  print(("  %-30s %8s %7s %7s %9s %8s %9s %9s"):format("reader", "MB/s", "wall s", "CPU s",
    "RSS MiB", "vs curl", "x kubectl", "CPU x kc"))
  local rows = {}
  for _, reader in ipairs(list) do
    rows[reader.key] = summary(results[reader.key], size)
    rows[reader.key].name = reader.name
  end
  for _, reader in ipairs(list) do
    local r = rows[reader.key]
    local vs_curl = ratio(rounds, reader.key, "curl")
    local x_kubectl = ratio(rounds, reader.key, "kubectl")
    local cpu_kubectl = rows.kubectl and rows.kubectl.cpu / r.cpu
    print(("  %-30s %8.0f %7.3f %7.2f %9.1f %8s %9s %9s"):format(reader.name, r.mbps, r.wall,
      r.cpu, r.rss_mib, vs_curl and ("%.0f%%"):format(vs_curl * 100) or "-",
      x_kubectl and ("%.2fx"):format(x_kubectl) or "-",
      cpu_kubectl and ("%.2fx"):format(cpu_kubectl) or "-"))
  end
  write_chart(list, rows)
  print_goals(rounds, rows)
end

main()
