--- kwhisk.container: the invoker's container layer (SPEC A7). Creates action pods with the
-- seed's failure messages, speaks the action protocol (POST /init, POST /run on the pod's
-- address), collects one activation's logs at a time, and cleans up an invoker's pods.
--
--   local c, err = container.create(client, name, image, {memory, env, labels})
--   c:init(code, main, env, deadline) or c:init{code, main, name, binary, env, deadline}
--   c:run(params, deadline) or c:run(params, {deadline, namespace, action_name, ...})
--   c:logs(limit, wait) (records) or c:log_lines(limit, wait) (OpenWhisk's lines); c:destroy()
--   container.cleanup(client, invoker, release, timeout, {wait_gone}); container.pod_name(name)
local loop = require "kwhisk.loop"
local http = require "kwhisk.http"
local json = require "kwhisk.json"
local errors = require "kwhisk.errors"
local names = require "kwhisk.names"
local logs = require "kwhisk.logs"
local collect = require "kwhisk.logs.collect"
local random = require "kwhisk.random"

local type, pairs, ipairs, error, setmetatable, tostring, max =
  type, pairs, ipairs, error, setmetatable, tostring, math.max

local container = {}

--- The pod name for a container name (kwhisk.names.pod_name).
container.pod_name = names.pod_name

local Container = {}
Container.__index = Container

function Container:__tostring()
  return "kwhisk container " .. self.id
end

--- A container object for a client's run() result.
function container.wrap(client, c)
  local self = setmetatable({ client = client, collect_timeout =
    client.config["log-collect-timeout"] }, Container)
  for k, v in pairs(c) do
    self[k] = v
  end
  return self
end

-- The seed's messages, by the kind of the failure (SPEC A7).
local function creation_message(kind, image)
  if kind == "pod_api" then
    return "Failed to provision resources to run the action."
  elseif kind == "image_pull" then
    return "Failed to pull container image '" .. image .. "'."
  elseif kind == "command_not_found" then
    return "executable file not found in image " .. image
  end
  return "Failed to run container with image '" .. image .. "'."
end

--- Creates the pod for a container name and waits for it. On failure the pod is deleted
-- (by run) and the error's message is the seed's (err.cause is the client's error).
function container.create(client, name, image, opts)
  local pod = container.pod_name(name)
  local c, err = client:run(pod, image, opts)
  if not c then -- run() has deleted the pod already (unless told to keep it)
    return nil, errors.new(err.kind, creation_message(err.kind, image),
      { cause = err, status = err.status, code = err.code, events = err.events })
  end
  return container.wrap(client, c)
end

-- POST to the action runtime; the decoded answer, or nil and an error value.
function Container:post(verb, body, deadline)
  local url = "http://" .. self.address.host .. ":" .. self.address.port .. "/" .. verb
  local timeout = deadline and max(0.001, deadline - loop.now()) or 0
  local response, err = http.request { url = url, method = "POST", body = json.encode(body),
    headers = { "Content-Type: application/json" }, connect_timeout = 10, timeout = timeout }
  if not response then
    return nil, err
  end
  local value = json.decode(response.body)
  if response.status ~= 200 then
    local why = type(value) == "table" and value.error or response.body
    return nil, errors.new("server", self.id .. " /" .. verb .. ": HTTP " .. response.status
      .. ": " .. tostring(why), { code = response.status, body = value })
  end
  return value
end

-- Raises "bad argument" at the caller of c:init or c:run, depth calls above check's caller.
local function check(cond, fn, n, expected, value, depth)
  if not cond then
    error("bad argument #" .. n .. " to '" .. fn .. "' (" .. expected .. " expected, got "
      .. type(value) .. ")", 3 + (depth or 1))
  end
end

-- Epoch milliseconds as a decimal string, for a deadline given as a kwhisk.loop.now() value.
local function epoch_ms(deadline)
  local now = require("kwhisk.time").now()
  return string.format("%.0f", (now.sec + now.nsec / 1e9 + (deadline - loop.now())) * 1000)
end

--- A fresh activation id as OpenWhisk makes them: 32 lowercase hex digits.
function container.activation_id()
  return random.hex(16)
end

--- The body of POST /init as OpenWhisk's invoker sends it (ExecutableWhiskAction.
-- containerInitializer): {"value": {name, main, code, binary, env}}. opts: code (text, or
-- base64 zip when binary), main (default "main"), name (default the container's name),
-- binary, env (a table, default none).
function Container:init_body(opts)
  check(type(opts.code) == "string", "init", 1, "string code", opts.code)
  check(opts.env == nil or type(opts.env) == "table", "init", 1, "table env", opts.env)
  return { value = { name = opts.name or self.name or self.id, main = opts.main or "main",
    code = opts.code, binary = opts.binary and true or false, env = opts.env } }
end

--- Initializes the action: c:init(code, main, env, deadline), or c:init(opts) with opts as
-- for init_body plus deadline (a kwhisk.loop.now() value).
function Container:init(code, main, env, deadline)
  local opts = code
  if type(code) ~= "table" then
    check(type(code) == "string", "init", 1, "string", code, 0)
    opts = { code = code, main = main, env = env, deadline = deadline }
  end
  return self:post("init", self:init_body(opts), opts.deadline)
end

local RUN_FIELDS = { "namespace", "action_name", "action_version", "activation_id",
  "transaction_id", "api_key" }

-- The body of POST /run as the invoker sends it (ContainerProxy.initializeAndRun): {"value":
-- params} and the activation's fields, which the runtimes export as __OW_<FIELD>. opts:
-- namespace, action_name, action_version, activation_id (generated when absent),
-- transaction_id, api_key (strings), deadline (a kwhisk.loop.now() value; sent as epoch
-- milliseconds, a string, as the invoker does).
local function run_body(params, opts)
  check(type(params) == "table", "run", 1, "table", params)
  local body = { value = params, activation_id = opts.activation_id or container.activation_id() }
  for _, k in ipairs(RUN_FIELDS) do
    if opts[k] ~= nil then
      check(type(opts[k]) == "string", "run", 2, "string " .. k, opts[k])
      body[k] = opts[k]
    end
  end
  if opts.deadline then
    body.deadline = epoch_ms(opts.deadline)
  end
  return body
end

--- Runs the action with params (a table): c:run(params, deadline) or c:run(params, opts), opts
-- as for the body above. The deadline (a kwhisk.loop.now() value) also bounds the request.
function Container:run(params, opts)
  if type(opts) ~= "table" then
    opts = { deadline = opts }
  end
  return self:post("run", run_body(params, opts), opts.deadline)
end

-- The log stream of one collection, from where the previous one ended (sink: a
-- kwhisk.logs collector, or nil for records).
function Container:log_stream(opts, sink)
  local stream = self.client:logs(self, nil, { resume = self.cursor, mode = opts.mode,
    seed = opts.seed, streams = opts.streams, grace = opts.grace, sink = sink })
  if opts.seed and self.last then
    stream.last = self.last
  end
  return stream
end

-- Closes a collection's stream and counts its requests and bytes.
function Container:close_stream(stream)
  stream:close()
  self.requests = (self.requests or 0) + stream.requests
  self.bytes = (self.bytes or 0) + stream.bytes
end

--- One activation's logs (SPEC A7): records up to limit bytes, from where the previous call
-- ended. wait_for_sentinel: note when the log ended before both sentinels. opts: mode,
-- timeout, seed, streams (stdout and stderr told apart, kwhisk.logs.merge; keep it the same
-- for every call on a container, the cursor's form follows it), grace. Returns the
-- records, the log source's error when it failed, and whether the activation's sentinels
-- were reached (false: the limit or the time cap came first, the rest is still to read).
function Container:logs(limit, wait_for_sentinel, opts)
  opts = opts or {}
  local stream = self:log_stream(opts)
  local records, err, complete = collect.activation(stream, {
    limit = limit, wait_for_sentinel = wait_for_sentinel,
    timeout = opts.timeout or self.collect_timeout,
    on_record = function(record)
      self.cursor, self.last = stream:cursor(), record.time
    end,
  })
  self:close_stream(stream)
  if (stream.gaps or 0) > 0 and not err then
    -- the log rotated past the cursor: lines may be missing, and the records say so
    records[#records + 1] = collect.missing_notice()
  end
  return records, err, complete
end

--- One activation's logs as the lines OpenWhisk stores in the activation (record:formatted():
-- the time padded to 30 columns, the stream, ": ", the message trimmed), collected in C with
-- no Lua object per record; the notices are lines too. The rules and the results are
-- c:logs', and so is the cursor (c.cursor, c.last), but the cursor names no line, only the
-- second and the count, so a rotation past it goes unnoticed by the next collection. With
-- opts.seed or opts.streams the records are collected by c:logs and formatted.
function Container:log_lines(limit, wait_for_sentinel, opts)
  local bytes = tonumber(limit)
  if not bytes or bytes < 0 then
    errors.bad_argument(1, "log_lines", "bytes expected, got " .. tostring(limit))
  end
  opts = opts or {}
  if opts.seed or opts.streams then
    local records, err, complete = self:logs(limit, wait_for_sentinel, opts)
    local lines = {}
    for i, record in ipairs(records) do
      lines[i] = record:formatted()
    end
    return lines, err, complete
  end
  -- the weights are whole numbers: a limit beyond 2^53 - 1 bytes is no limit
  local collector, cerr = logs.collector { limit = math.min(math.floor(bytes), 2 ^ 53 - 1) }
  if not collector then
    return {}, cerr, false
  end
  local stream = self:log_stream(opts, collector)
  local lines, err, complete = collect.activation_lines(stream, collector, {
    limit = limit, wait_for_sentinel = wait_for_sentinel,
    timeout = opts.timeout or self.collect_timeout })
  self.cursor, self.last = stream:cursor() or self.cursor, collector:last() or self.last
  self:close_stream(stream)
  return lines, err, complete
end

--- Deletes the container's pod.
function Container:destroy()
  return self.client:rm(self)
end

--- Deletes every pod of this invoker and release (start-up and shutdown) and returns once
-- every deletion is accepted (the pods are Terminating or gone). opts.wait_gone: wait until
-- they are gone, at most timeout seconds (default 30). Returns true, or nil and an error.
function container.cleanup(client, invoker, release, timeout, opts)
  local labels = { invoker = "invoker" .. tostring(invoker), release = release }
  return client:rm(labels, { ensure_unpaused = true, wait_gone = opts and opts.wait_gone,
    timeout = timeout or 30 })
end

--- Deletes every pod with these labels (resumed first) and waits until they are gone, at
-- most timeout seconds (default 30). Returns true, or nil and an error value.
function container.cleanup_labels(client, labels, timeout)
  return client:rm(labels, { ensure_unpaused = true, wait_gone = true, timeout = timeout or 30 })
end

--- Waits until no pod with these labels is left (terminating ones count), at most timeout
-- seconds (default 30). Returns true, or nil and an error value.
function container.await_gone(client, labels, timeout)
  local err = client:wait_gone(nil, nil, labels, timeout or 30)
  if err then
    return nil, err
  end
  return true
end

return container
