--- kwhisk.sim: the simulated cluster. `main(argv)` is `kwhisk sim` (serve until SIGINT or
-- SIGTERM); `start{...}` runs `kwhisk sim` as a child process for specs and examples and
-- returns a handle with its url, kubeconfig path, faults and stop(); that child gets SIGTERM
-- when the process that started it ends, so an aborted spec run leaves no sim behind.
local sim = {}

--- Runs `kwhisk sim` with argv (the arguments after `sim`); returns the exit status.
function sim.main(argv)
  local args = require "kwhisk.sim.args"
  local opts, err = args.parse(argv)
  if not opts then
    io.stderr:write("kwhisk sim: ", err, "\n", args.USAGE)
    return 2
  end
  local cqueues = require "cqueues"
  local csignal = require "cqueues.signal"
  io.stdout:setvbuf("line")
  opts.log = function(line) io.stdout:write(line, "\n") end
  local cq = cqueues.new()
  local s, serr = require("kwhisk.sim.server").start(cq, opts)
  if not s then
    io.stderr:write("kwhisk sim: ", serr, "\n")
    return 1
  end
  io.stdout:write("kwhisk sim: serving ", s.url, " (invoker agent on ", s.cluster.node.ip, ":",
    s.agent_port, ")", opts.kubeconfig and (", kubeconfig " .. opts.kubeconfig) or "", "\n")
  csignal.block(csignal.SIGINT, csignal.SIGTERM)
  cq:wrap(function()
    local signals = csignal.listen(csignal.SIGINT, csignal.SIGTERM)
    signals:wait()
    io.stdout:write("kwhisk sim: stopping\n")
    s.stop()
  end)
  -- A failure in one task is reported and the others go on serving. Once stopped, streams
  -- still open (follows, watches) end with the process.
  while not s.stopped do
    local ok, lerr = cq:step(1)
    if not ok then
      io.stderr:write("kwhisk sim: ", tostring(lerr), "\n")
    end
  end
  return 0
end

local handle = {}
handle.__index = handle

local function admin(self, method, path, body)
  local request = require("http.request").new_from_uri(self.url .. path)
  if self.url:match("^https:") then
    -- The sim's own admin API on loopback: its CA is in the kubeconfig, not needed here.
    request.ctx = require("http.tls").new_client_context()
    request.ctx:setVerify(require("openssl.ssl.context").VERIFY_NONE)
  end
  request.headers:upsert(":method", method)
  if body then
    request:set_body(require("kwhisk.json").encode(body))
    request.headers:upsert("content-type", "application/json")
  end
  local headers, stream = request:go(10)
  if not headers then
    return nil, tostring(stream)
  end
  local text = stream:get_body_as_string(10)
  local v, err = require("kwhisk.json").decode(text or "")
  if tonumber(headers:get(":status")) >= 300 then
    return nil, v and v.message or err
  end
  return v
end

--- Arms a fault (see docs/sim.md); returns its record ({id, hits, remaining, ...}).
function handle:fault(spec)
  return admin(self, "POST", "/_sim/faults", spec)
end

--- Every fault armed so far with its counts.
function handle:faults()
  local v, err = admin(self, "GET", "/_sim/faults")
  return v and v.items, err
end

--- The sim's node address and invoker agent port ({hostIP, agentPort, url, ...}).
function handle:info()
  return admin(self, "GET", "/_sim/info")
end

--- The action runtime processes: {pod, namespace, id, pid, state} each, state the
-- kernel's letter for the process (T: stopped, as after an invoker agent suspend).
function handle:runtimes()
  local v, err = admin(self, "GET", "/_sim/runtimes")
  return v and v.items, err
end

--- Stops the sim (SIGTERM) and waits for it to exit.
function handle:stop()
  if self.pid then
    require("posix.signal").kill(self.pid, require("posix.signal").SIGTERM)
    require("posix.sys.wait").wait(self.pid)
    self.pid = nil
    os.execute("rm -rf " .. require("kwhisk.shell").quote(self.dir))
  end
end

local function source_bin()
  local path = package.searchpath("kwhisk.sim", package.path)
  local root = path and path:match("^(.-)/?lua/kwhisk/sim/init%.lua$") or ""
  if root:sub(1, 1) ~= "/" then
    -- bin/kwhisk finds its source tree from its own path, so give it an absolute one.
    root = os.getenv("PWD") .. (root ~= "" and "/" .. root or "")
  end
  return root .. "/bin/kwhisk"
end

local read_file = require("kwhisk.fs").read_file

-- Runs bin with argv (bin's own argv[1..]) in a child process that writes stdout and stderr
-- to log_path and gets SIGTERM when this process ends; returns its pid.
local function spawn(bin, argv, log_path)
  local unistd = require "posix.unistd"
  local fcntl = require "posix.fcntl"
  local parent = unistd.getpid()
  local pid = assert(unistd.fork())
  if pid == 0 then
    require("kwhisk.sim.lifeline").die_with_parent(parent, require("posix.signal").SIGTERM)
    local fd = fcntl.open(log_path, fcntl.O_WRONLY + fcntl.O_CREAT + fcntl.O_TRUNC,
      tonumber("644", 8))
    if fd then
      unistd.dup2(fd, 1)
      unistd.dup2(fd, 2)
    end
    argv[0] = bin
    unistd.execp(bin, argv)
    unistd._exit(127)
  end
  return pid
end

--- Starts `kwhisk sim` in a child process and waits until it serves. opts: args (a list of
-- extra flags, e.g. {"--tls", "--token", "t"}), bin (the kwhisk command), timeout (seconds).
-- Returns a handle (url, kubeconfig, log, pid, fault, faults, info, stop) or nil, message.
function sim.start(opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error("kwhisk.sim.start: opts must be a table", 2)
  end
  local dir = assert(io.popen("mktemp -d -t kwhisk-simh.XXXXXX")):read("*l")
  local self = setmetatable({ dir = dir, kubeconfig = dir .. "/kubeconfig",
    log = dir .. "/sim.log" }, handle)
  -- Logs under the handle's directory, so stop() cleans up even after a killed sim.
  local argv = { "sim", "--port", "0", "--kubeconfig", self.kubeconfig, "--log-dir",
    dir .. "/logs" }
  for _, a in ipairs(opts.args or {}) do
    argv[#argv + 1] = a
  end
  self.pid = spawn(opts.bin or source_bin(), argv, self.log)
  local deadline = os.time() + (opts.timeout or 20)
  while os.time() <= deadline do
    local text = read_file(self.kubeconfig)
    if text then
      local config = require("kwhisk.json").decode(text)
      self.url = config.clusters[1].cluster.server
      return self
    end
    if require("posix.sys.wait").wait(self.pid, require("posix.sys.wait").WNOHANG) ~= 0 then
      self.pid = nil
      break
    end
    os.execute("sleep 0.05")
  end
  local log = read_file(self.log) or ""
  self:stop()
  return nil, "kwhisk sim did not start: " .. log
end

return sim
