--- bench/lifecycle_bench.lua: pod lifecycle at scale on kwhisk sim (issue 9, part 3). Each
-- client creates N pause-like pods, watches each (fieldSelector metadata.name) until Ready and
-- deletes it, K in flight at a time: kwhisk from one Lua state (bench/tools/lifecycle.lua,
-- K kwhisk.loop tasks), @kubernetes/client-node on one event loop (bench/js/lifecycle.mjs),
-- python3-kubernetes on K threads (bench/py/lifecycle.py). Every run is one process under
-- /usr/bin/time (wall, CPU, peak RSS) against a sim started for it alone, and is checked: N
-- pods done and none left in the sim. Then kwhisk's peak RSS against K (N fixed) and against
-- N (K = 100), to show memory follows the pods in flight, not the pods created.
-- Sizes: KWHISK_BENCH_PODS (default 1000), KWHISK_BENCH_RUNS (runs per figure, best wall
-- kept; default 1). Usage (make bench): luajit bench/lifecycle_bench.lua [BUILD]
local u = require "benchutil"
local json = require "kwhisk.json"
local sim_start = require("kwhisk.sim").start

local BUILD = arg[1] or "build"
local PODS = tonumber(os.getenv("KWHISK_BENCH_PODS") or "") or 1000
local RUNS = tonumber(os.getenv("KWHISK_BENCH_RUNS") or "") or 1
local IN_FLIGHT = { 1, 10, 100, 1000 }
local MEM_K = 100

local function clients()
  local q = u.quote
  local js_ok, js_why = u.client_node(BUILD)
  if js_ok then
    os.execute("cp bench/js/lifecycle.mjs " .. BUILD .. "/js/")
  end
  local py_ok = os.execute("/usr/bin/python3 -c 'import kubernetes' 2>/dev/null") == 0
  local function argv(n, k, kubeconfig)
    return n .. " " .. k .. " " .. q(kubeconfig)
  end
  return {
    { name = "kwhisk", key = "kwhisk",
      command = function(...) return "luajit bench/tools/lifecycle.lua " .. argv(...) end },
    { name = "client-node 1.3.0", key = "client-node", need = js_ok or js_why,
      command = function(...) return "node " .. BUILD .. "/js/lifecycle.mjs " .. argv(...) end },
    { name = "python3-kubernetes 22.6", key = "python",
      need = py_ok or "python3-kubernetes is not installed",
      command = function(...) return "/usr/bin/python3 bench/py/lifecycle.py " .. argv(...) end },
  }
end

-- Pods the sim still holds, waiting up to 5 s for deleted ones to go.
local function pods_left(sim)
  local left
  for _ = 1, 50 do
    local list = json.decode(u.sh("curl -s " .. u.quote(sim.url
      .. "/api/v1/namespaces/default/pods")))
    left = type(list) == "table" and type(list.items) == "table" and #list.items or -1
    if left == 0 then
      break
    end
    os.execute("sleep 0.1")
  end
  return left
end

-- One checked run of client on a sim of its own: the time_command result, or nil, why.
local function run_once(client, n, k)
  -- the sim's own cost, not the kubelet's timing: no status lag, grace periods of 0.3 s
  local sim, err = sim_start({ args = u.FAST_SIM_ARGS })
  if not sim then
    return nil, err
  end
  local r, rerr = u.time_command(client.command(n, k, sim.kubeconfig))
  local left = r and pods_left(sim)
  sim:stop()
  if not r then
    return nil, rerr
  end
  local done = tonumber(r.out:match("^%s*(%d+)"))
  if done ~= n then
    return nil, ("%s pods done of %d"):format(tostring(done), n)
  elseif left ~= 0 then
    return nil, left .. " pods left in the sim"
  end
  r.n, r.k = n, k
  return r
end

local function measure(client, n, k)
  return u.best_of(RUNS, run_once, client, n, k)
end

local function in_flight_list()
  local ks = {}
  for _, k in ipairs(IN_FLIGHT) do
    if k <= PODS then
      ks[#ks + 1] = k
    end
  end
  return ks
end

local function ratio(a, b)
  return a and b and ("%.1fx"):format(a / b) or "-"
end

-- Table 1: every client at every K; returns results[key][k].
local function peers(ks)
  print(("pod lifecycle on kwhisk sim: %d pause-like pods, create -> watch Ready -> delete;"
    .. " best of %d"):format(PODS, RUNS))
  print(("  %-24s %5s %7s %7s %9s %8s %8s %9s"):format("client", "K", "wall s", "pods/s",
    "CPU ms/pod", "RSS MiB", "CPU/kw", "RSS/kw"))
  local results = {}
  for _, client in ipairs(clients()) do
    results[client.key] = {}
    if client.need ~= nil and client.need ~= true then
      print(("  %-24s skipped: %s"):format(client.name, client.need))
    else
      for _, k in ipairs(ks) do
        local r, err = measure(client, PODS, k)
        if not r then
          print(("  %-24s %5d skipped: failed: %s"):format(client.name, k, err))
        else
          r.cpu_ms = r.cpu / PODS * 1000
          results[client.key][k] = r
          local kw = results.kwhisk[k]
          print(("  %-24s %5d %7.2f %7.0f %9.2f %8.1f %8s %9s"):format(client.name, k, r.wall,
            PODS / r.wall, r.cpu_ms, r.rss_mib, ratio(r.cpu_ms, kw and kw.cpu_ms),
            ratio(r.rss_mib, kw and kw.rss_mib)))
        end
      end
    end
  end
  return results
end

-- Table 2: kwhisk's peak RSS against pods in flight (N = PODS) and against pods in total (K =
-- MEM_K). Returns the rows against pods in total, PODS's included.
local function memory(by_k)
  local kwhisk = clients()[1]
  local base = measure(kwhisk, 0, 1)
  print(("kwhisk peak RSS: %s MiB with the client made and no pod run"):format(
    base and ("%.1f"):format(base.rss_mib) or "?"))
  print(("  %-26s %8s %22s"):format("pods in total / in flight", "RSS MiB",
    "KiB per added in flight"))
  local prev
  for _, k in ipairs(in_flight_list()) do
    local r = by_k[k]
    if r then
      print(("  %-26s %8.1f %22s"):format(PODS .. " / " .. k, r.rss_mib, prev
        and ("%.1f"):format((r.rss_mib - prev.rss_mib) * 1024 / (k - prev.k)) or "-"))
      prev = r
    end
  end
  local by_n = {}
  for _, n in ipairs({ math.floor(PODS / 4), math.floor(PODS / 2) }) do
    if n >= MEM_K then
      local r, err = measure(kwhisk, n, MEM_K)
      if not r then
        print(("  %-26s skipped: failed: %s"):format(n .. " / " .. MEM_K, err))
      else
        by_n[#by_n + 1] = r
        print(("  %-26s %8.1f"):format(n .. " / " .. MEM_K, r.rss_mib))
      end
    end
  end
  by_n[#by_n + 1] = by_k[MEM_K]
  if #by_n > 1 then
    local lo, hi = math.huge, 0
    for _, r in ipairs(by_n) do
      lo, hi = math.min(lo, r.rss_mib), math.max(hi, r.rss_mib)
    end
    print(("  at K = %d, %d to %d pods in total: RSS within %.1f MiB"):format(MEM_K, by_n[1].n,
      by_n[#by_n].n, hi - lo))
  end
  return by_n
end

local function cell(r, field)
  return r and ("%.3f"):format(r[field]) or "NaN"
end

local function write_data(results, by_n)
  local keys = { "kwhisk", "client-node", "python" }
  local dat = { "# K, then cpu_ms_per_pod rss_mib wall_s of: " .. table.concat(keys, ", ")
    .. " (bench/lifecycle_bench.lua, " .. PODS .. " pods)" }
  for _, k in ipairs(in_flight_list()) do
    local line = { k }
    for _, key in ipairs(keys) do
      local r = results[key][k]
      line[#line + 1] = cell(r, "cpu_ms") .. " " .. cell(r, "rss_mib") .. " " .. cell(r, "wall")
    end
    dat[#dat + 1] = table.concat(line, " ")
  end
  dat[#dat + 1] = "\n\n# pods in total, kwhisk rss_mib at K = " .. MEM_K
  for _, r in ipairs(by_n) do
    dat[#dat + 1] = r.n .. " " .. cell(r, "rss_mib")
  end
  os.execute("mkdir -p " .. BUILD .. "/bench-results")
  local path = BUILD .. "/bench-results/lifecycle.dat"
  u.write_file(path, table.concat(dat, "\n") .. "\n")
  return path
end

local function main()
  local ks = in_flight_list()
  local results = peers(ks)
  local by_n = memory(results.kwhisk)
  local path = write_data(results, by_n)
  if u.have("gnuplot") and by_n[1] then
    os.execute(("gnuplot -e \"chart='lifecycle'; dat='%s'; out='bench/lifecycle.png';"
      .. " size='%d pods'; memk='%d'\" bench/plot.gp"):format(path, PODS, MEM_K))
    print("  chart: bench/lifecycle.png")
  else
    print("  chart: skipped: "
      .. (not by_n[1] and "no memory figures" or "gnuplot is not installed"))
  end
end

main()
