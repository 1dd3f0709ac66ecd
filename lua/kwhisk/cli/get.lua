--- kwhisk.cli.get: `kwhisk get [NAME] [-l sel] [-w] [-o wide|json|yaml]`, the action pods as
-- `kubectl get pods` prints them: NAME READY STATUS RESTARTS AGE (wide: IP NODE NOMINATED
-- NODE READINESS GATES), the STATUS and RESTARTS columns computed as kubectl's printPod
-- (kubernetes/kubernetes pkg/printers/internalversion/printers.go) and AGE as apimachinery's
-- duration.HumanDuration. -w prints a row for each change as it happens.
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"
local time = require "kwhisk.time"

local USAGE = [==[
usage: kwhisk get [NAME] [-l k=v[,k2=v2]] [-w] [-o wide|json|yaml] [cluster options]

Lists the pods of the action namespace (or the pod NAME) as kubectl does: NAME READY STATUS
RESTARTS AGE; -o wide adds IP NODE NOMINATED NODE READINESS GATES.
  -l, --selector SEL   only pods whose labels match (k=v pairs separated by commas)
  -w, --watch          after the list, print a row for each change until Ctrl-C
  -o FORMAT            wide, json (a List, or the pod with NAME; --json too) or yaml
]==] .. args.CLUSTER_HELP

local OPTIONS = args.with({ ["-l"] = { "selector", "selector" },
  ["--selector"] = { "selector", "selector" }, ["-w"] = { "watch", "flag" },
  ["--watch"] = { "watch", "flag" } }, args.OUTPUT, args.CLUSTER)

local function arguments(argv)
  local opts, err = args.parse(argv, OPTIONS)
  if not opts then return nil, err end
  if #opts.positional > 1 then return nil, "expects at most one NAME" end
  if opts.positional[1] and opts.selector then return nil, "give NAME or -l, not both" end
  local bad = common.check_output(opts, { "text", "wide", "json", "yaml" })
  if bad then return nil, bad end
  if opts.watch and (opts.output == "json" or opts.output == "yaml") then
    return nil, "-w prints rows: use it with -o wide or no -o"
  end
  return opts
end

local floor = math.floor

--- apimachinery's duration.HumanDuration of seconds.
local function human_duration(seconds)
  local s = floor(seconds)
  if s < -1 then return "<invalid>" elseif s < 0 then return "0s" elseif s < 120 then
    return s .. "s"
  end
  local minutes = floor(s / 60)
  if minutes < 10 then
    return s % 60 == 0 and minutes .. "m" or minutes .. "m" .. s % 60 .. "s"
  elseif minutes < 180 then
    return minutes .. "m"
  end
  local hours = floor(s / 3600)
  if hours < 8 then
    return minutes % 60 == 0 and hours .. "h" or hours .. "h" .. minutes % 60 .. "m"
  elseif hours < 48 then
    return hours .. "h"
  elseif hours < 24 * 8 then
    local days = floor(hours / 24)
    return hours % 24 == 0 and days .. "d" or days .. "d" .. hours % 24 .. "h"
  elseif hours < 24 * 365 * 2 then
    return floor(hours / 24) .. "d"
  elseif hours < 24 * 365 * 8 then
    local years, days = floor(hours / 24 / 365), floor(hours / 24) % 365
    return days == 0 and years .. "y" or years .. "y" .. days .. "d"
  end
  return floor(hours / 24 / 365) .. "y"
end

-- Seconds from an RFC 3339 timestamp to now, or nil.
local function since(stamp)
  local t = type(stamp) == "string" and time.parse(stamp)
  return t and time.now():seconds_since(t)
end

local function age(stamp)
  local s = since(stamp)
  return s and human_duration(s) or "<unknown>"
end

-- STATUS, READY count and RESTARTS of a pod's containers, as printPod finds them.
local function container_columns(pod, status, reason)
  local restarts, ready, last_restart, has_running = 0, 0, nil, false
  local statuses = status.containerStatuses or {}
  for i = #statuses, 1, -1 do
    local c = statuses[i]
    local state, last = c.state or {}, c.lastState or {}
    restarts = restarts + (tonumber(c.restartCount) or 0)
    local finished = last.terminated and last.terminated.finishedAt
    if finished and (not last_restart or finished > last_restart) then last_restart = finished end
    if state.waiting and (state.waiting.reason or "") ~= "" then
      reason = state.waiting.reason
    elseif state.terminated and (state.terminated.reason or "") ~= "" then
      reason = state.terminated.reason
    elseif state.terminated then
      local signal = tonumber(state.terminated.signal) or 0
      reason = signal ~= 0 and "Signal:" .. signal
        or "ExitCode:" .. tostring(state.terminated.exitCode or 0)
    elseif c.ready and state.running then
      has_running, ready = true, ready + 1
    end
  end
  if reason == "Completed" and has_running then
    reason = "NotReady"
    for _, cond in ipairs(status.conditions or {}) do
      if cond.type == "Ready" and cond.status == "True" then reason = "Running" end
    end
  end
  local restarts_text = tostring(restarts)
  if restarts ~= 0 and last_restart then
    restarts_text = restarts .. " (" .. age(last_restart) .. " ago)"
  end
  return reason, ready .. "/" .. #((pod.spec or {}).containers or {}), restarts_text
end

--- The row kubectl prints for pod (a list of cells); wide adds four.
local function row(pod, wide)
  local meta, status, spec = pod.metadata or {}, pod.status or {}, pod.spec or {}
  local phase = status.phase or ""
  local reason = (status.reason or "") ~= "" and status.reason or phase
  local ready, restarts
  reason, ready, restarts = container_columns(pod, status, reason)
  if meta.deletionTimestamp and status.reason == "NodeLost" then
    reason = "Unknown"
  elseif meta.deletionTimestamp and phase ~= "Succeeded" and phase ~= "Failed" then
    reason = "Terminating"
  end
  local cells = { meta.name or "", ready, reason, restarts, age(meta.creationTimestamp) }
  if wide then
    local ips = status.podIPs or {}
    local gates = "<none>"
    if #(spec.readinessGates or {}) > 0 then
      local ok = 0
      for _, g in ipairs(spec.readinessGates) do
        for _, cond in ipairs(status.conditions or {}) do
          if cond.type == g.conditionType then
            if cond.status == "True" then ok = ok + 1 end
            break
          end
        end
      end
      gates = ok .. "/" .. #spec.readinessGates
    end
    local more = { ips[1] and ips[1].ip or status.podIP or "<none>", spec.nodeName or "<none>",
      status.nominatedNodeName or "<none>", gates }
    for _, v in ipairs(more) do cells[#cells + 1] = v end
  end
  return cells
end

local HEADERS = { "NAME", "READY", "STATUS", "RESTARTS", "AGE" }
local WIDE_HEADERS = { "IP", "NODE", "NOMINATED NODE", "READINESS GATES" }

-- Column widths as kubectl's tabwriter sets them: the widest cell plus 3 spaces, at least 6.
local function widths(rows)
  local w = {}
  for _, r in ipairs(rows) do
    for i, cell in ipairs(r) do
      w[i] = math.max(w[i] or 6, #cell + 3)
    end
  end
  return w
end

local function format_row(r, w)
  local out = {}
  for i, cell in ipairs(r) do
    out[i] = i < #r and cell .. (" "):rep(math.max(w[i] - #cell, 3)) or cell
  end
  return table.concat(out) .. "\n"
end

local function headers(wide)
  local h = { unpack(HEADERS) }
  if wide then
    for _, v in ipairs(WIDE_HEADERS) do h[#h + 1] = v end
  end
  return h
end

-- Prints pods as a table (or "No resources found ..." on stderr); returns the widths used.
local function print_table(pods, wide, namespace)
  if #pods == 0 then
    io.stderr:write("No resources found in ", namespace, " namespace.\n")
    return widths({ headers(wide) })
  end
  local rows = { headers(wide) }
  for _, pod in ipairs(pods) do rows[#rows + 1] = row(pod, wide) end
  local w = widths(rows)
  for _, r in ipairs(rows) do io.stdout:write(format_row(r, w)) end
  io.stdout:flush()
  return w
end

-- The pods (a list of tables) and the list's resourceVersion, or nil, err.
local function fetch(client, opts)
  local conn = client.conn
  if opts.positional[1] then
    local pod, err = conn:get(client:pods_path(opts.positional[1]))
    if not pod then return nil, err end
    return { pod }, pod.metadata and pod.metadata.resourceVersion
  end
  local query = opts.selector
    and { labelSelector = require("kwhisk.client").selector(opts.selector) }
  local list, err = conn:get(client:pods_path(), query)
  if not list then return nil, err end
  return list.items or {}, list.metadata and list.metadata.resourceVersion
end

-- Prints a row per watch event until the stream ends or an interruption; returns the status.
local function watch(client, opts, version, w)
  local loop = require "kwhisk.loop"
  local interrupted, stop = common.interruptible("get", "stopping the watch")
  local query = { watch = "true", resourceVersion = version, allowWatchBookmarks = "false" }
  if opts.positional[1] then query.fieldSelector = "metadata.name=" .. opts.positional[1] end
  if opts.selector then query.labelSelector = require("kwhisk.client").selector(opts.selector) end
  local stream, err = client.conn:stream(client:pods_path(), query)
  if not stream then stop() return common.fail("get", err) end
  local split = require("kwhisk.k8s.podstate").line_splitter("the watch of pods")
  local json = require "kwhisk.json"
  while not interrupted() do
    local chunk, rerr = stream:read(loop.now() + 0.2)
    local lines
    if chunk then
      lines, rerr = split(chunk)
    elseif rerr and rerr.deadline then
      lines = {} -- nothing yet: look at interrupted() again
    end
    if not lines then -- the stream's end, a failed read, or a line too long
      stream:close()
      stop()
      return rerr and common.fail("get", rerr) or common.OK
    end
    for _, line in ipairs(lines) do
      local event = json.decode(line)
      if type(event) == "table" and event.type == "ERROR" then -- a 410 Expired, say
        stream:close()
        stop()
        local status = type(event.object) == "table" and event.object or {}
        return common.fail("get", "the watch ended: " .. tostring(status.message or line))
      elseif type(event) == "table" and type(event.object) == "table"
          and event.type ~= "BOOKMARK" then
        io.stdout:write(format_row(row(event.object, opts.output == "wide"), w))
        io.stdout:flush()
      end
    end
  end
  stream:close()
  return require("kwhisk.signals").status(interrupted())
end

return function(argv)
  if args.wants_help(argv) then return common.help(USAGE) end
  local opts, usage = arguments(argv)
  if not opts then return common.usage_error("get", usage) end
  local client, cerr = common.client(opts)
  if not client then return common.fail("get", cerr) end
  local pods, version = fetch(client, opts)
  if not pods then return common.fail("get", version) end
  if opts.output == "json" or opts.output == "yaml" then
    local json = require "kwhisk.json"
    local object = opts.positional[1] and pods[1] or json.object({ apiVersion = "v1",
      kind = "List", items = json.array(pods), metadata = json.object({ resourceVersion = "" }) })
    io.stdout:write(common.encode(object, opts.output))
    return common.OK
  end
  local w = print_table(pods, opts.output == "wide", client.namespace)
  if not opts.watch then return common.OK end
  return watch(client, opts, version, w)
end
