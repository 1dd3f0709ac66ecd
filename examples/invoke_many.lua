--- examples/invoke_many.lua: the main job (`make demo`). Launches one pod per action in
-- examples/actions/ at once, initialises each, runs it several times, collects each
-- activation's logs up to the sentinels, prints a summary table and removes every pod.
-- Actions are Lua, JavaScript and Python files (each on its language's image, kwhisk.action)
-- and directories, which are zipped (with python3's zipfile) and sent as binary actions.
-- Without KUBECONFIG or --kubeconfig it starts the embedded sim and stops it at the end.
--   luajit examples/invoke_many.lua [--kubeconfig PATH] [--context NAME] [--yes]
--     [--activations N] [--image IMAGE] [--break ACTION]
-- An action whose file says `expect: error` in a comment is expected to fail its activations; any
-- other failure (or --break ACTION, which makes that action's code not load) exits 1.
local kwhisk = require "kwhisk"
local loop = require "kwhisk.loop"

local now, format, concat = loop.now, string.format, table.concat

local USAGE = "usage: luajit examples/invoke_many.lua [--kubeconfig PATH] [--context NAME] "
  .. "[--yes] [--activations N] [--image IMAGE] [--break ACTION] [--help]\n"
local HELP = [[

Starts one pod per action in examples/actions/ at once, initialises each, runs it N times,
collects each activation's logs and prints a summary; then removes every pod. Without
KUBECONFIG or --kubeconfig it runs on an embedded sim. Ctrl-C stops and cleans up (exit
130); a second Ctrl-C forces.
  --kubeconfig PATH    run on that cluster (default: $KUBECONFIG, else the embedded sim)
  --context NAME       the kubeconfig context (naming it confirms the cluster)
  --yes                confirm a real cluster without naming its context
  --activations N      activations per action (default 3)
  --image IMAGE        the action image (default kwhisk/action-lua)
  --break ACTION       make that action's code fail to load (the run then exits 1)
]]
local LOG_LIMIT = 10 * 2 ^ 20
local LABEL = "kwhisk-demo"

local function usage_error(message)
  io.stderr:write("invoke_many: ", message, "\n", USAGE)
  os.exit(2)
end

local VALUED = { ["--kubeconfig"] = "kubeconfig", ["--context"] = "context",
  ["--activations"] = "activations", ["--image"] = "image", ["--break"] = "broken" }

local function parse_args(argv)
  local opts = { activations = "3",
    broken = os.getenv("KWHISK_DEMO_BREAK"), kubeconfig = os.getenv("KUBECONFIG") }
  local i = 1
  while argv[i] do
    local key = VALUED[argv[i]]
    if key then
      opts[key] = argv[i + 1] or usage_error(argv[i] .. " needs a value")
      i = i + 2
    elseif argv[i] == "--yes" then
      opts.yes, i = true, i + 1
    elseif argv[i] == "--help" or argv[i] == "-h" then
      io.stdout:write(USAGE, HELP)
      os.exit(0)
    else
      usage_error("unknown argument '" .. argv[i] .. "'")
    end
  end
  opts.activations = tonumber(opts.activations)
  if not opts.activations or opts.activations < 1 then usage_error("--activations: N >= 1") end
  if opts.kubeconfig == "" then opts.kubeconfig = nil end
  return opts
end

-- Zips the directory path into a temporary file with python3's zipfile; returns its path.
local function zip_dir(path, name)
  local zip = os.tmpname() .. ".zip"
  local ok = os.execute("cd '" .. path .. "' && python3 -m zipfile -c '" .. zip .. "' "
    .. "$(ls -A) >/dev/null")
  if ok ~= 0 and ok ~= true then
    usage_error("cannot zip the action " .. name .. " (is python3 installed?)")
  end
  return zip
end

-- One action: its code as kwhisk.action loads it (a directory is zipped first).
local function load_action(dir, entry, broken)
  local name = entry:match("^(.-)%.%w+$") or entry
  local path, zip = dir .. "/" .. entry, nil
  if not entry:find("%.%w+$") then
    zip = zip_dir(path, name)
    path = zip
  end
  local code, err = kwhisk.action.load(path)
  if zip then os.remove(zip) end
  if not code then usage_error(tostring(err)) end
  local text = code.binary and "" or code.code
  code.name, code.expect_error = name, text:find("\n%W+ expect: error") ~= nil
  if name == broken then
    code.code = code.binary and "not base64!" or code.code .. "\n)("
  end
  code.state, code.records, code.run_s, code.logs_s, code.activations = "starting", 0, 0, 0, 0
  return code
end

-- The actions: every file and directory of examples/actions/, sorted by name.
local function load_actions(dir, broken)
  local actions, found = {}, broken == nil
  for entry in assert(io.popen("ls " .. dir)):lines() do
    actions[#actions + 1] = load_action(dir, entry, broken)
    found = found or actions[#actions].name == broken
  end
  if not found then
    usage_error("--break: no action '" .. broken .. "' in " .. dir)
  end
  return actions
end

-- One activation: run, then collect its logs (to the sentinels). Returns the error, if any.
local function activate(c, action, n)
  local t0 = now()
  local result, err = c:run({ n = n }, t0 + 30)
  local t1 = now()
  local records, lerr = c:logs(LOG_LIMIT, true)
  action.run_s, action.logs_s = action.run_s + t1 - t0, action.logs_s + now() - t1
  action.activations = action.activations + 1
  action.records = action.records + #(records or {})
  if lerr then return "logs: " .. tostring(lerr) end
  if result and result.lines and result.lines ~= #records then
    return format("logs: %d lines, the action printed %d", #records, result.lines)
  end
  action.result = result and kwhisk.json.encode(result)
    or tostring(err):gsub("^.-(HTTP %d+): An error has occurred: ", "%1 ")
  if err and not action.expect_error then return "run: " .. tostring(err) end
  if not err and action.expect_error then return "run: succeeded, expected an error" end
end

-- The life of one action's container: create, init, activations, destroy.
local function drive(client, action, opts, labels)
  local t0 = now()
  local c, err = kwhisk.container.create(client, "demo-" .. action.name, opts.image or action.image,
    { memory = "128m", labels = labels })
  action.ready_s = now() - t0
  if not c then
    action.state, action.failure = "done", "create: " .. tostring(err)
    return
  end
  action.state = "ready"
  if opts.interrupted() then
    c:destroy()
    action.state = "done"
    return
  end
  local t1 = now()
  local _, ierr = c:init({ code = action.code, binary = action.binary, deadline = t1 + 30 })
  action.init_s = now() - t1
  if ierr then
    action.failure = "init: " .. tostring(ierr)
  else
    action.state = "running"
    for n = 1, opts.activations do
      action.failure = action.failure or activate(c, action, n)
      if opts.interrupted() then break end
    end
  end
  c:destroy()
  action.state = "done"
end

-- Progress: counts per state, redrawn in place on a terminal, else printed once at the end.
local function progress_line(actions, started)
  local counts = { starting = 0, ready = 0, running = 0, done = 0 }
  for _, a in ipairs(actions) do counts[a.state] = counts[a.state] + 1 end
  return format("pods: %2d starting  %2d ready  %2d running  %2d done   %5.1f s",
    counts.starting, counts.ready, counts.running, counts.done, now() - started), counts.done
end

local function show_progress(actions, started, tty, interrupted)
  local line, done = progress_line(actions, started)
  while done < #actions and not interrupted() do
    if tty then io.stderr:write("\r\27[K", line) end
    loop.sleep(0.1)
    line, done = progress_line(actions, started)
  end
  io.stderr:write(tty and "\r\27[K" or "", line, "\n")
end

local function ms(seconds)
  return seconds and format("%d", seconds * 1000 + 0.5) or "-"
end

-- text cut to width characters (UTF-8) and padded to them.
local function clip(text, width)
  text = tostring(text):gsub("%s+", " ")
  local chars = {}
  for ch in text:gmatch("[%z\1-\127\194-\244][\128-\191]*") do
    chars[#chars + 1] = ch
  end
  if #chars > width then
    return concat(chars, "", 1, width - 3) .. "..."
  end
  return text .. (" "):rep(width - #chars)
end

-- The summary table on stdout; returns the actions that did not work.
local function summary(actions)
  local row = "%-14s %-6s %s %6s %7s %6s %7s %7s\n"
  io.stdout:write(format(row, "ACTION", "STATUS", clip("RESULT", 44), "LINES", "READYms", "INITms",
    "RUNms*", "LOGSms*"))
  local failed = {}
  for _, a in ipairs(actions) do
    local status = a.failure and "FAILED" or a.expect_error and "failed" or "ok"
    if a.failure then failed[#failed + 1] = a end
    local k = math.max(a.activations, 1)
    io.stdout:write(format(row, a.name, status, clip(a.failure or (a.expect_error
      and "as expected: " or "") .. (a.result or "-"), 44), a.records, ms(a.ready_s),
      ms(a.init_s), ms(a.activations > 0 and a.run_s / k), ms(a.activations > 0 and a.logs_s / k)))
  end
  io.stdout:write("* mean per activation\n")
  return failed
end

-- Refuses a real cluster unless --context names the context used, or --yes confirms it.
local function check_context(opts)
  local connection, err = kwhisk.kubeconfig.load(opts.kubeconfig, { context = opts.context })
  if not connection then
    io.stderr:write("invoke_many: ", tostring(err), "\n")
    os.exit(1)
  end
  if not opts.yes and not opts.context then
    usage_error("this runs 20 pods on the cluster of " .. opts.kubeconfig .. " (" ..
      tostring(connection.server) .. "); name its context with --context or confirm with --yes")
  end
end

-- SIGINT/SIGTERM (Ctrl-C) become a flag the tasks look at: they stop, remove their pods,
-- and the sim (in a process group of its own, out of the terminal's reach) stops last. A
-- second one forces: the sim is killed and the demo exits at once. Returns the function
-- that answers the first signal's number, or nil.
local function interruptions(opts)
  local interrupted, stop = require("kwhisk.signals").interruptible(function()
    io.stderr:write(opts.tty and "\r\27[K" or "",
      "invoke_many: interrupted; removing the pods (again to force)\n")
  end, function()
    io.stderr:write("invoke_many: forced: exiting now", opts.sim and "" or
      ("; pods labelled " .. LABEL .. "=" .. require("posix.unistd").getpid()
        .. " may remain"), "\n")
    if opts.sim then opts.sim:stop(true) end
  end)
  opts.stop_watching = stop
  return interrupted
end

-- Deletes every pod of this run; returns once the deletions are accepted (the pods may be
-- Terminating for their grace period, as on a cluster: the sim stops with them).
local function remove_all(client, labels)
  return client:rm(labels)
end

local function run(opts, sim)
  local client = assert(kwhisk.client({ kubeconfig = opts.kubeconfig, context = opts.context }))
  local dir = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/actions"
  local actions = load_actions(dir, opts.broken)
  local labels = { [LABEL] = tostring(require("posix.unistd").getpid()) }
  io.stderr:write(format("invoke_many: %d actions x %d activations on %s\n", #actions,
    opts.activations, sim and "the embedded sim (" .. sim.url .. ")" or client.conn.server))
  local started, tasks = now(), {}
  for i, action in ipairs(actions) do
    tasks[i] = kwhisk.spawn(drive, client, action, opts, labels)
  end
  show_progress(actions, started, opts.tty, opts.interrupted)
  for _, task in ipairs(tasks) do task:wait() end
  local failed = not opts.interrupted() and summary(actions)
  local removed, rerr = remove_all(client, labels)
  io.stderr:write(format("invoke_many: %d pods in %.1f s; %s\n", #actions, now() - started,
    removed and "all pods deleted" or "pods NOT deleted: " .. tostring(rerr)))
  if not failed then
    return require("kwhisk.signals").status(opts.interrupted())
  end
  local names = {}
  for i, a in ipairs(failed) do
    names[i] = a.name
    io.stderr:write("invoke_many: ", a.name, ": ", a.failure, "\n")
  end
  if #names > 0 or not removed then
    io.stderr:write("invoke_many: FAILED: ", concat(names, ", "), "\n")
    return 1
  end
  return 0
end

local function main(argv)
  local opts = parse_args(argv)
  opts.tty = require("posix.unistd").isatty(2) == 1
  opts.interrupted = interruptions(opts)
  local sim
  if opts.kubeconfig then
    check_context(opts)
  else
    sim = assert(kwhisk.sim.start())
    opts.kubeconfig, opts.sim = sim.kubeconfig, sim
  end
  local ok, status
  if opts.interrupted() then
    ok, status = true, require("kwhisk.signals").status(opts.interrupted())
  else
    ok, status = xpcall(run, debug.traceback, opts, sim)
  end
  opts.stop_watching()
  if sim then sim:stop() end
  if not ok then
    io.stderr:write("invoke_many: ", tostring(status), "\n")
    return 1
  end
  return status
end

os.exit(main(arg))
