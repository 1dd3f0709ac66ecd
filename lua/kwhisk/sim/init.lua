--- kwhisk.sim: the simulated cluster. `main(argv)` is `kwhisk sim` (serve until SIGINT or
-- SIGTERM); `start{...}` runs `kwhisk sim` as a child process for specs and examples and
-- returns a handle with its url, kubeconfig path, faults and stop(); that child gets SIGTERM
-- when the process that started it ends, so an aborted spec run leaves no sim behind.
local sim = {}

-- Consecutive failed steps of the event loop after which the sim gives up.
local MAX_FAILED_STEPS = 20

--- Runs `kwhisk sim` with argv (the arguments after `sim`); returns the exit status.
function sim.main(argv)
  local args = require "kwhisk.sim.args"
  local opts, err = args.parse(argv)
  if not opts then
    io.stderr:write("kwhisk sim: ", err, "; see 'kwhisk sim --help'\n")
    return 2
  end
  -- The runtimes (user code) inherit the environment: the token is not theirs to read.
  require("posix.stdlib").setenv(args.TOKEN_ENV, nil)
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
  local status = 0
  cq:wrap(function()
    local signals = csignal.listen(csignal.SIGINT, csignal.SIGTERM)
    -- Ctrl-C is an interruption (exit 130, as a shell reports one); SIGTERM a requested stop.
    if signals:wait() == csignal.SIGINT then
      io.stdout:write("kwhisk sim: interrupted; stopping\n")
      status = 130
    else
      io.stdout:write("kwhisk sim: stopping\n")
    end
    s.stop()
  end)
  local failures = 0
  -- A failure in one task is reported and the others go on serving. A failure that comes
  -- back at every step (a descriptor closed behind the controller's back) is fatal: the sim
  -- says so and exits rather than spin. Once stopped, streams still open (follows, watches)
  -- end with the process.
  while not s.stopped do
    local ok, lerr = cq:step(1)
    if ok then
      failures = 0
    else
      failures = failures + 1
      io.stderr:write("kwhisk sim: ", tostring(lerr), "\n")
      if failures >= MAX_FAILED_STEPS then
        io.stderr:write("kwhisk sim: the event loop fails at every step; exiting\n")
        s.stop()
        return 1
      end
    end
  end
  return status
end

local handle = {}
handle.__index = handle

-- The handles' directories in $TMPDIR: kubeconfig, the sim's output and its logs.
local HANDLE_PREFIX = "kwhisk-simh"

local function admin(self, method, path, body)
  local request = require("http.request").new_from_uri(self.url .. path)
  if self.url:match("^https:") then
    -- The sim's own admin API on loopback: its CA is in the kubeconfig, not needed here.
    request.ctx = require("http.tls").new_client_context()
    request.ctx:setVerify(require("openssl.ssl.context").VERIFY_NONE)
  end
  request.headers:upsert(":method", method)
  if self.token then
    request.headers:upsert("authorization", "Bearer " .. self.token)
  end
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
  local f, err = admin(self, "POST", "/_sim/faults", spec)
  if f and f.kind == "rotate_token" then
    self.token = spec.token
  end
  return f, err
end

--- Clears every fault.
function handle:clear_faults()
  return admin(self, "DELETE", "/_sim/faults")
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

-- Seconds a sim has to exit after SIGTERM before it gets SIGKILL: a sim that no longer
-- runs its event loop (a handler stuck in a loop) must not hang whoever stops it.
local STOP_SECONDS = 10

--- Stops the sim (SIGTERM, which stops its runtimes), waits for it to exit and removes its
-- directory. force: SIGKILL instead (its runtimes die with it); a sim still running
-- STOP_SECONDS after SIGTERM gets it too.
function handle:stop(force)
  if self.pid then
    local signal, wait = require "posix.signal", require "posix.sys.wait"
    signal.kill(self.pid, force and signal.SIGKILL or signal.SIGTERM)
    local polls = STOP_SECONDS / 0.05
    while wait.wait(self.pid, wait.WNOHANG) == 0 do
      polls = polls - 1
      if polls < 0 then
        signal.kill(self.pid, signal.SIGKILL)
        wait.wait(self.pid)
        break
      end
      require("posix.time").nanosleep({ tv_sec = 0, tv_nsec = 50000000 })
    end
    self.pid = nil
  end
  if self.dir then
    require("kwhisk.sim.files").remove_tree(self.dir)
    self.dir = nil
  end
end

local read_file = require("kwhisk.fs").read_file

-- The Lua code a child luajit runs to serve `kwhisk sim` with argv, with this process's
-- module paths: from a source tree and from an installed LuaRocks tree alike.
local function sim_code(argv)
  local words = {}
  for i, a in ipairs(argv) do
    words[i] = string.format("%q", a)
  end
  return string.format("package.path = %q package.cpath = %q "
    .. "os.exit(require('kwhisk.sim').main({ %s }))", package.path, package.cpath,
    table.concat(words, ", "))
end

-- Runs command (argv[0] the program) in a child process of its own process group (a Ctrl-C
-- at the terminal reaches the caller, which stops the sim after its own cleanup), with
-- SIGINT and SIGTERM unblocked, stdout and stderr to log_path, token (if any) in its
-- environment, and SIGTERM when this process ends; returns its pid.
local function spawn(argv, log_path, token)
  local unistd = require "posix.unistd"
  local fcntl = require "posix.fcntl"
  local parent = unistd.getpid()
  local pid = assert(unistd.fork())
  if pid == 0 then
    unistd.setpid("p", 0, 0)
    require("kwhisk.sim.lifeline").die_with_parent(parent, require("posix.signal").SIGTERM)
    require("cqueues.signal").unblock(2, 15)
    if token then
      require("posix.stdlib").setenv(require("kwhisk.sim.args").TOKEN_ENV, token)
    end
    local fd = fcntl.open(log_path, fcntl.O_WRONLY + fcntl.O_CREAT + fcntl.O_TRUNC,
      tonumber("600", 8))
    if fd then
      unistd.dup2(fd, 1)
      unistd.dup2(fd, 2)
    end
    unistd.execp(argv[0], argv)
    unistd._exit(127)
  end
  return pid
end

-- Why a sim did not start: how it ended and the last lines it wrote.
local function start_failure(wait_status, code, log)
  local how = wait_status == "exited" and ("exited with status " .. code)
    or wait_status == "killed" and ("was killed by signal " .. code)
    or "did not write its kubeconfig in time"
  local lines = {}
  for line in log:gmatch("[^\n]+") do
    lines[#lines + 1] = line
  end
  local last = table.concat(lines, "\n  ", math.max(1, #lines - 4))
  return "kwhisk sim did not start: it " .. how .. (last ~= "" and (";\n  " .. last) or "")
end

--- Starts `kwhisk sim` in a child process and waits until it serves. opts: args (a list of
-- extra flags, e.g. {"--tls"}), token (required of every request; passed in the child's
-- environment, not its command line), bin (a `kwhisk` command to run instead of this Lua's
-- luajit with its module paths), timeout (seconds). Returns a handle (url, kubeconfig, log,
-- pid, fault, faults, clear_faults, info, stop) or nil and a message: why it did not start
-- (how it ended and its last lines).
function sim.start(opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error("bad argument #1 to 'start' (table or nil expected, got " .. type(opts) .. ")", 2)
  elseif opts.token ~= nil and type(opts.token) ~= "string" then
    error("bad argument #1 to 'start' (opts.token: string expected, got " .. type(opts.token)
      .. ")", 2)
  end
  local files = require "kwhisk.sim.files"
  files.remove_stale(HANDLE_PREFIX)
  local dir, derr = files.own_tmpdir(HANDLE_PREFIX)
  if not dir then
    return nil, derr
  end
  local self = setmetatable({ dir = dir, kubeconfig = dir .. "/kubeconfig",
    log = dir .. "/sim.log" }, handle)
  -- Logs under the handle's directory, so stop() cleans up even after a killed sim.
  local argv = { "--port", "0", "--kubeconfig", self.kubeconfig, "--log-dir", dir .. "/logs" }
  for _, a in ipairs(opts.args or {}) do
    argv[#argv + 1] = a
  end
  if opts.bin then
    table.insert(argv, 1, "sim")
    argv[0] = opts.bin
  else
    argv = { [0] = "luajit", "-e", sim_code(argv) }
  end
  self.pid = spawn(argv, self.log, opts.token)
  local wait = require "posix.sys.wait"
  local deadline = os.time() + (opts.timeout or 20)
  local ended, how, code
  while os.time() <= deadline do
    local text = read_file(self.kubeconfig)
    if text then
      local config = require("kwhisk.json").decode(text)
      self.url = config.clusters[1].cluster.server
      self.token = config.users[1].user.token
      return self
    end
    ended, how, code = wait.wait(self.pid, wait.WNOHANG)
    if ended ~= 0 then
      self.pid = nil
      break
    end
    require("posix.time").nanosleep({ tv_sec = 0, tv_nsec = 50000000 })
  end
  local log = read_file(self.log) or ""
  self:stop()
  return nil, start_failure(ended and ended ~= 0 and how, code, log)
end

return sim
