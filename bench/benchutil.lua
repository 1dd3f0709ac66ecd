--- bench/benchutil.lua: what the peer benchmarks share: shell helpers, timing one reader
-- process at a time (wall time from the monotonic clock, CPU and peak RSS from
-- /usr/bin/time), best-of-N runs, medians, the npm install of @kubernetes/client-node into
-- BUILD/js, and the data files plot.gp reads.
local fs = require "kwhisk.fs"
local monotonic = require("kwhisk.core").time.monotonic

local M = {}

M.JS_CLIENT = "@kubernetes/client-node@1.3.0" -- 2.x needs Node 22's zstd

--- Output of a shell command.
function M.sh(command)
  local pipe = assert(io.popen(command))
  local out = pipe:read("*a")
  pipe:close()
  return out
end

--- The q-quantile (0..1) of a list of numbers (sorts it).
function M.quantile(xs, q)
  table.sort(xs)
  return xs[math.max(1, math.ceil(#xs * q))]
end

--- Whether a program is on PATH.
function M.have(program)
  return os.execute("command -v " .. program .. " >/dev/null 2>&1") == 0
end

M.quote = require("kwhisk.shell").quote
M.read_file = fs.read_file

function M.write_file(path, text)
  assert(fs.write_file(path, text))
end

--- The flags of a sim for benchmarks: real-world durations a hundred times shorter (a
-- deleted pod goes in 0.3 s, not 30), no status lag, and one node with room for every pod a
-- benchmark holds at once (bench/tools/big-node.yaml), so the client is what is measured.
M.FAST_SIM_ARGS = { "--time-scale", "0.01", "--status-lag", "0",
  "--nodes", "bench/tools/big-node.yaml" }

--- A temporary directory, removed by the returned function.
function M.tmpdir()
  local dir = M.sh("mktemp -d"):match("%S+")
  return dir, function() os.execute("rm -rf " .. M.quote(dir)) end
end

--- Runs command (a shell command line) as one process under /usr/bin/time: a table
-- {wall, cpu, rss_mib, out} or nil, message when it failed. The wall time is taken around
-- the whole run on the monotonic clock (sub-microsecond; /usr/bin/time's is in 10 ms ticks).
function M.time_command(command)
  local tmp = os.tmpname()
  local t0 = monotonic()
  local out = M.sh("/usr/bin/time -f '%e %U %S %M' -o " .. tmp .. " sh -c " .. M.quote(command)
    .. " 2>" .. tmp .. ".err")
  local elapsed = monotonic() - t0
  local times = M.read_file(tmp) or ""
  local err = M.read_file(tmp .. ".err") or ""
  os.remove(tmp)
  os.remove(tmp .. ".err")
  local wall, user, sys, rss = times:match("([%d%.]+) ([%d%.]+) ([%d%.]+) (%d+)%s*$")
  if not wall or times:find("exited with non%-zero status") then
    return nil, (err .. times):gsub("%s+", " "):sub(1, 300)
  end
  return { wall = elapsed, cpu = tonumber(user) + tonumber(sys),
    rss_mib = tonumber(rss) / 1024, out = out }
end

--- The run with the least wall time of `runs` calls of measure(...) (each returns a table
-- with `wall`, or nil, message): the best, or nil, message. The machine is shared.
function M.best_of(runs, measure, ...)
  local best
  for _ = 1, runs do
    local r, err = measure(...)
    if not r then
      return nil, err
    end
    if not best or r.wall < best.wall then
      best = r
    end
  end
  return best
end

--- The median of an array of numbers (nil when empty).
function M.median(values)
  local sorted = {}
  for i, v in ipairs(values) do
    sorted[i] = v
  end
  table.sort(sorted)
  local n = #sorted
  if n == 0 then
    return nil
  end
  return n % 2 == 1 and sorted[(n + 1) / 2] or (sorted[n / 2] + sorted[n / 2 + 1]) / 2
end

--- Makes sure @kubernetes/client-node is in BUILD/js (npm, first run only): true or nil, why.
function M.client_node(build)
  local dir = build .. "/js"
  if not io.open(dir .. "/node_modules/@kubernetes/client-node/package.json") then
    if not M.have("npm") then
      return nil, "npm is not installed"
    end
    os.execute("mkdir -p " .. dir .. " && npm install --silent --no-audit --no-fund --prefix "
      .. dir .. " " .. M.JS_CLIENT .. " >/dev/null 2>&1")
    if not io.open(dir .. "/node_modules/@kubernetes/client-node/package.json") then
      return nil, "npm install " .. M.JS_CLIENT .. " failed"
    end
  end
  return true
end

--- Waits until a server answers url (curl): true, or nil after about 10 s.
function M.wait_http(url)
  for _ = 1, 500 do
    if os.execute("curl -s -o /dev/null " .. M.quote(url)) == 0 then
      return true
    end
    os.execute("sleep 0.02")
  end
  return nil
end

return M
