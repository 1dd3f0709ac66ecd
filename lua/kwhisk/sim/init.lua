--- kwhisk.sim: the simulated cluster. `main(argv)` is `kwhisk sim` (serve until SIGINT or
-- SIGTERM); `start{...}` runs `kwhisk sim` as a child process for specs and examples and
-- returns a handle with its url, kubeconfig path, faults and stop().
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
  -- A failure in one task is reported and the others go on serving.
  repeat
    local ok, lerr = cq:loop()
    if not ok then
      io.stderr:write("kwhisk sim: ", tostring(lerr), "\n")
    end
  until ok
  return 0
end

local handle = {}
handle.__index = handle

local function quote(s)
  return "'" .. tostring(s):gsub("'", "'\\''") .. "'"
end

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

--- Stops the sim (SIGTERM) and waits for it to exit.
function handle:stop()
  if self.pid then
    os.execute("kill " .. self.pid .. " 2>/dev/null; while kill -0 " .. self.pid
      .. " 2>/dev/null; do sleep 0.05; done")
    self.pid = nil
    os.execute("rm -rf " .. quote(self.dir))
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

local function read_file(path)
  local f = io.open(path)
  if not f then
    return nil
  end
  local s = f:read("*a")
  f:close()
  return s
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
  local words = {}
  for i, a in ipairs(opts.args or {}) do
    words[i] = quote(a)
  end
  local command = string.format("%s sim --port 0 --kubeconfig %s %s >%s 2>&1 & echo $!",
    quote(opts.bin or source_bin()), quote(self.kubeconfig), table.concat(words, " "),
    quote(self.log))
  self.pid = tonumber(assert(io.popen(command)):read("*l"))
  local deadline = os.time() + (opts.timeout or 20)
  while os.time() <= deadline do
    local text = read_file(self.kubeconfig)
    if text then
      local config = require("kwhisk.json").decode(text)
      self.url = config.clusters[1].cluster.server
      return self
    end
    if os.execute("kill -0 " .. self.pid .. " 2>/dev/null") ~= 0 then
      break
    end
    os.execute("sleep 0.05")
  end
  local log = read_file(self.log) or ""
  self:stop()
  return nil, "kwhisk sim did not start: " .. log
end

return sim
