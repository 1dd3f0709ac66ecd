--- kwhisk.client: the Kubernetes client of an invoker (SPEC A6, C3-C6). Runs action pods
-- built by the configured policy, waits for them to be Ready (watching, failing fast), and
-- deletes, labels, suspends, resumes and reads the logs of them.
--
--   local client, err = kwhisk.client(config)    -- config table, YAML path, or config.load's
--   client:run(name, image, {memory, env, labels, keep}) -> container | nil, err
--   client:rm(container | name | labels, {ensure_unpaused, wait_gone, timeout}) -> true | nil, err
--   client:suspend(c) / client:resume(c) / client:add_label(c, labels) -> true | nil, err
--   client:logs(c, since, {mode = "follow" | "poll", stream, seed, streams, grace}) -> iterator
--   client:port_forward(pod, remote_port) -> local_port, forward | nil, err
local config = require "kwhisk.config"
local kubeconfig = require "kwhisk.k8s.kubeconfig"
local api = require "kwhisk.k8s.api"
local loop = require "kwhisk.loop"
local http = require "kwhisk.http"
local errors = require "kwhisk.errors"
local names = require "kwhisk.names"
local policy = require "kwhisk.policy"
local quantity = require "kwhisk.quantity"
local podstate = require "kwhisk.k8s.podstate"
local k8s_pods = require "kwhisk.k8s.pods"
local logstream = require "kwhisk.logs.stream"
local logmerge = require "kwhisk.logs.merge"
local portforward = require "kwhisk.k8s.portforward"

local type, pairs, ipairs, next, tostring, error, setmetatable, concat, sort, min, max =
  type, pairs, ipairs, next, tostring, error, setmetatable, table.concat, table.sort,
  math.min, math.max

local client = {}

local Client = {}
Client.__index = Client

function Client:__tostring()
  return "kwhisk client (" .. self.conn.server .. ", namespace " .. self.namespace .. ")"
end

local DEFAULT_MEMORY = 256 * 1024 * 1024

--- A client from a configuration (a table, a YAML path, or config.load's result) and
-- options: log (function(line) receiving client log lines; default stderr), api (options of
-- kwhisk.k8s.api.new). Returns the client, or nil and an error value.
function client.new(cfg, options)
  options = options or {}
  if type(options) ~= "table" then
    error("bad argument #2 to 'client' (table expected, got " .. type(options) .. ")", 2)
  end
  if not config.is_config(cfg) then
    local err
    cfg, err = config.load(cfg)
    if not cfg then
      return nil, err
    end
  end
  local _, terr = policy.template(cfg) -- a bad pod template fails now, not at the first run
  if terr then
    return nil, terr
  end
  local connection, err = kubeconfig.load(cfg.kubeconfig, { context = cfg.context })
  if not connection then
    return nil, err
  end
  local api_options = { connect_timeout = cfg.timeouts.logs, read_timeout = cfg.timeouts.logs,
    call_timeout = cfg.timeouts.api }
  for k, v in pairs(options.api or {}) do
    api_options[k] = v
  end
  local self = setmetatable({ config = cfg, conn = api.new(connection, api_options),
    log = options.log or function(line) io.stderr:write("kwhisk: ", line, "\n") end,
    forwards = {} }, Client) -- pod name -> its forward (port-forwarding-enabled)
  self.namespace = cfg["action-namespace"] or connection.namespace or "default"
  self.pods = k8s_pods.new(self.conn, self.namespace) -- what podstate and the log streams use
  return self
end

function Client:pods_path(name)
  return self.pods:path(name)
end

function Client:pdbs_path(name)
  local base = api.path("apis", "policy", "v1", "namespaces", self.namespace,
    "poddisruptionbudgets")
  return name and base .. "/" .. api.escape(name) or base
end

-- The container of a Ready pod (SPEC A6): native_id without its runtime prefix (C6).
local function table_or_empty(v)
  return type(v) == "table" and v or {}
end

local function container_of(pod)
  local status = table_or_empty(pod.status)
  local cs = table_or_empty(table_or_empty(status.containerStatuses)[1])
  local native = (type(cs.containerID) == "string" and cs.containerID or "")
    :gsub("^[%w%-]+://", "")
  return { id = pod.metadata.name, name = pod.metadata.name,
           address = { host = status.podIP, port = 8080 },
           worker_ip = status.hostIP, native_id = native,
           uid = type(pod.metadata.uid) == "string" and pod.metadata.uid or nil }
end

local function report(self, err)
  if err then
    self.log(err.message)
    return nil, err
  end
  return true
end

--- The pod's events as {type, reason, message} tables, oldest first (empty when unknown).
function Client:events(name)
  local list = self.conn:get(api.path("api", "v1", "namespaces", self.namespace, "events"),
    { fieldSelector = "involvedObject.name=" .. name })
  local out = {}
  for _, e in ipairs(type(list) == "table" and table_or_empty(list.items) or {}) do
    if type(e) == "table" then
      out[#out + 1] = { type = e.type, reason = e.reason, message = e.message }
    end
  end
  return out
end

-- A failure of run(): the pod's events in the error, and the pod removed unless kept (only
-- the pod of uid, when known).
function Client:failed_run(name, err, keep, uid)
  local events = self:events(name)
  local lines = {}
  for i, e in ipairs(events) do
    lines[i] = (e.reason or "?") .. ": " .. (e.message or "")
  end
  local message = "pod " .. name .. ": " .. err.message
  if #lines > 0 then
    message = message .. " (events: " .. concat(lines, "; ") .. ")"
  end
  local e = errors.new(err.kind, message, { status = err.status, code = err.code,
                                            events = events, cause = err })
  if not keep then
    report(self, self:rm_name(name, uid))
  end
  return nil, e
end

local function check_run_args(name, image, opts)
  if type(name) ~= "string" then
    error("bad argument #1 to 'run' (string expected, got " .. type(name) .. ")", 3)
  end
  if type(image) ~= "string" then
    error("bad argument #2 to 'run' (string expected, got " .. type(image) .. ")", 3)
  end
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #3 to 'run' (table expected, got " .. type(opts) .. ")", 3)
  end
  opts = opts or {}
  local memory = opts.memory or DEFAULT_MEMORY
  if type(memory) == "string" then
    local bytes, err = quantity.parse_size(memory)
    if not bytes then
      error("bad argument #3 to 'run' (opts.memory: " .. tostring(err) .. ")", 3)
    end
    memory = bytes
  end
  if type(memory) ~= "number" or memory < 1024 * 1024 then
    error("bad argument #3 to 'run' (opts.memory: size of at least 1Mi expected)", 3)
  end
  if opts.timeout ~= nil and (type(opts.timeout) ~= "number" or opts.timeout ~= opts.timeout
      or opts.timeout <= 0) then
    error("bad argument #3 to 'run' (opts.timeout: seconds > 0 expected)", 3)
  end
  return opts, memory
end

--- Builds the pod (and PDB) with the configured policy, creates them and waits until the pod
-- is Ready. Every failure is an error value (kinds pod_api, image_pull, command_not_found,
-- ready_timeout, unschedulable, crash_loop, run_container, container_config, policy)
-- carrying the pod's events; the failed pod is deleted unless opts.keep or the
-- keep-failed-pods setting. opts.timeout: seconds to wait for Ready instead of timeouts.run
-- (a ready_timeout names the one that ran out).
function Client:run(name, image, opts)
  local memory
  opts, memory = check_run_args(name, image, opts)
  local keep = opts.keep or self.config["keep-failed-pods"]
  local pod, pdb = policy.build(name, image, memory, opts.env or {}, opts.labels or {},
    self.config)
  if not pod then
    return nil, pdb
  end
  local seconds = opts.timeout or self.config.timeouts.run
  local deadline = loop.now() + seconds
  local created, err = self:create_pod(pod, deadline)
  if not created then
    return self:failed_run(name, errors.new("pod_api", "create: " .. err.message,
      { status = err.status, code = err.code }), keep or err.kind == "conflict")
  end
  local uid = type(created) == "table" and type(created.metadata) == "table"
    and created.metadata.uid or nil
  if pdb then
    local pdb_created, perr = self.conn:create(self:pdbs_path(), pdb)
    if not pdb_created then
      return self:failed_run(name, errors.new("pod_api", "create PDB: " .. perr.message,
        { status = perr.status, code = perr.code }), keep, uid)
    end
  end
  local ready
  ready, err = podstate.wait_ready(self.pods, name, deadline)
  if not ready and err.kind == "ready_timeout" then
    err = errors.new("ready_timeout", string.format("%s (%g s, %s)", err.message, seconds,
      opts.timeout and "the timeout given to run" or "timeouts.run"), { cause = err })
  end
  if not ready then
    return self:failed_run(name, err, keep, uid)
  end
  local c = container_of(ready)
  if self.config["port-forwarding-enabled"] then
    -- The seed's address with port-forwarding: localhost and the forward's local port.
    local port, fwd = self:port_forward(name, c.address.port)
    if not port then
      return self:failed_run(name, errors.new("port_forward", "port-forward: " .. fwd.message,
        { status = fwd.status, code = fwd.code, cause = fwd }), keep, uid)
    end
    self.forwards[name] = fwd
    c.address = { host = "localhost", port = port }
  end
  return c
end

-- Polls with a back-off from 0.1 s to 1 s until done() is true (true) or the deadline
-- passes (false); done returns true, or nil and an error that ends the wait.
local function wait_until(done, deadline)
  local pause = 0.1
  while true do
    local ok, err = done()
    if ok or err then
      return ok, err
    end
    if loop.now() >= deadline then
      return false
    end
    loop.sleep(min(pause, max(0, deadline - loop.now())))
    pause = min(pause * 2, 1)
  end
end

-- Whether the pod of this name (and this uid, when given: another pod of the name counts as
-- gone) is gone (true), Terminating (false), or there and not being deleted (nil); a failed
-- GET is (nil, err).
function Client:pod_gone(name, uid)
  local pod, err = self.conn:get(self:pods_path(name))
  if not pod then
    if err.kind == "not_found" then
      return true
    end
    return nil, err
  end
  local meta = type(pod) == "table" and type(pod.metadata) == "table" and pod.metadata or {}
  if uid ~= nil and meta.uid ~= uid then
    return true
  elseif meta.deletionTimestamp then
    return false
  end
end

-- Creates the pod; when its name belongs to a pod that is still Terminating, waits for that
-- one to go (not past deadline) and creates then, as the name is free only once it is gone.
function Client:create_pod(pod, deadline)
  local created, err = self.conn:create(self:pods_path(), pod)
  if created or err.kind ~= "conflict" then
    return created, err
  end
  -- Every failure from here on stays a conflict: the name is another pod's, which run must
  -- never delete.
  local name = pod.metadata.name
  local function conflict(why)
    return nil, errors.new("conflict", err.message .. " (" .. why .. ")",
      { status = err.status, code = err.code })
  end
  local function gone_or_why()
    local gone, gerr = self:pod_gone(name)
    if gone == nil then
      return nil, gerr and ("reading it: " .. gerr.message) or "it is not being deleted"
    end
    return gone
  end
  local gone, why = gone_or_why()
  if gone == false then
    self.log("pod " .. name .. " is still Terminating: waiting for it to go")
    gone, why = wait_until(gone_or_why, deadline)
  end
  if not gone then
    return conflict(why or "still Terminating at the run deadline")
  end
  return self.conn:create(self:pods_path(), pod)
end

--- Forwards a free local port (127.0.0.1) to remote_port of the pod (in the client's
-- namespace) through the API server (kwhisk.k8s.portforward). Returns the local port and the
-- forward (close() ends it), or nil, err.
function Client:port_forward(pod, remote_port)
  if type(pod) ~= "string" then
    error("bad argument #1 to 'port_forward' (pod name expected, got " .. type(pod) .. ")", 2)
  end
  local fwd, err = portforward.open(self.conn, pod, remote_port, { namespace = self.namespace })
  if not fwd then
    return nil, err
  end
  return fwd.local_port, fwd
end

-- Closes the forward run() opened to the pod, if any.
function Client:close_forward(name)
  local fwd = self.forwards[name]
  if fwd then
    self.forwards[name] = nil
    fwd:close()
  end
end

-- DELETE that counts a missing object as deleted. body: DeleteOptions, or nil.
local function delete(conn, path, query, body)
  local ok, err = conn:delete(path, query, body)
  if not ok and err.kind ~= "not_found" then
    return err
  end
end

-- The DeleteOptions of kwhisk's pod deletes: the delete-grace-period setting, and a
-- precondition on uid when given (another pod that took the name is left alone).
function Client:delete_options(uid)
  local grace = self.config["delete-grace-period"]
  if not grace and not uid then
    return nil
  end
  return { apiVersion = "v1", kind = "DeleteOptions", gracePeriodSeconds = grace,
           preconditions = uid and { uid = uid } or nil }
end

function Client:rm_name(name, uid)
  self:close_forward(name)
  local err = delete(self.conn, self:pods_path(name), nil, self:delete_options(uid))
  if err and uid and err.kind == "conflict" then
    -- the precondition failed: the pod of uid is gone and the name is another pod's
    return nil
  end
  if self.config["pdb-enabled"] then
    err = delete(self.conn, self:pdbs_path(name)) or err
  end
  return err
end

--- "k1=v1,k2=v2" in key order.
function client.selector(labels)
  local parts = {}
  for k, v in pairs(labels) do
    parts[#parts + 1] = tostring(k) .. "=" .. tostring(v)
  end
  sort(parts)
  return concat(parts, ",")
end

-- The items of a list the server sent, each an object with a metadata.name; or nil and a
-- server error naming the call, when the answer has another shape.
local function list_items(list, what)
  local items = type(list) == "table" and list.items
  if type(items) ~= "table" then
    return nil, errors.new("server", what .. ": a list with items expected")
  end
  for i, item in ipairs(items) do
    if type(item) ~= "table" or type(item.metadata) ~= "table"
        or type(item.metadata.name) ~= "string" then
      return nil, errors.new("server", what .. ": item " .. i .. " has no metadata.name")
    end
  end
  return items
end

function Client:list(labels)
  local path = self:pods_path()
  local list, err = self.conn:get(path, { labelSelector = client.selector(labels) })
  if not list then
    return nil, err
  end
  local items
  items, err = list_items(list, "GET " .. path)
  if not items then
    return nil, err
  end
  local out = {}
  for i, pod in ipairs(items) do
    out[i] = container_of(pod)
  end
  return out
end

-- Every object of a collection matching selector: one deletecollection, or list-and-delete
-- where the server does not allow it (405).
local function delete_matching(conn, base, selector, options)
  local err = delete(conn, base, { labelSelector = selector }, options)
  if not (err and err.code == 405) then
    return err
  end
  local list, lerr = conn:get(base, { labelSelector = selector })
  local items
  if list then
    items, lerr = list_items(list, "GET " .. base)
  end
  if not items then
    return lerr
  end
  err = nil
  for _, item in ipairs(items) do
    err = delete(conn, base .. "/" .. api.escape(item.metadata.name), nil, options) or err
  end
  return err
end

-- Every pod (and PDB) matching labels; with ensure_unpaused and the agent, each pod is
-- resumed first.
function Client:rm_labels(labels, opts)
  local selector = client.selector(labels)
  if opts.ensure_unpaused and self.config["invoker-agent"].enabled then
    local pods, err = self:list(labels)
    if not pods then
      return err
    end
    for _, c in ipairs(pods) do
      local _, rerr = self:resume(c)
      if rerr then
        self.log(rerr.message)
      end
    end
  end
  if next(self.forwards) ~= nil then
    for _, c in ipairs(self:list(labels) or {}) do
      self:close_forward(c.id)
    end
  end
  local err = delete_matching(self.conn, self:pods_path(), selector,
    self:delete_options(nil))
  if self.config["pdb-enabled"] then
    err = delete_matching(self.conn, self:pdbs_path(), selector) or err
  end
  return err
end

-- Waits until the pods rm deleted are gone: the pod of a name (of uid, when given), or
-- every pod matching labels; a timeout error after timeout seconds.
function Client:wait_gone(name, uid, labels, timeout)
  local went, err = wait_until(function()
    if labels then
      local pods, lerr = self:list(labels)
      return pods and #pods == 0, lerr
    end
    local gone, gerr = self:pod_gone(name, uid)
    return gone == true, gerr
  end, loop.now() + timeout)
  if went or err then
    return err
  end
  return errors.new("timeout", "rm: " .. (name and "pod " .. name or "pods of "
    .. client.selector(labels)) .. " still there after " .. timeout .. " s")
end

--- Deletes a container (or a pod by name, with its PDB), or every pod matching a label map,
-- and returns once every deletion is accepted: a pod may stay Terminating for its grace
-- period. A container's delete carries its uid as a precondition. opts: ensure_unpaused
-- (resume each matching pod first, with the invoker agent), wait_gone (also wait until the
-- pods are gone, at most timeout seconds, default timeouts.run). Errors are logged and
-- returned: true | nil, err.
function Client:rm(target, opts)
  opts = opts or {}
  if type(opts) ~= "table" then
    error("bad argument #2 to 'rm' (table expected, got " .. type(opts) .. ")", 2)
  end
  local name, uid, labels
  if type(target) == "string" then
    name = target
  elseif type(target) == "table" and type(target.id) == "string" then
    name, uid = target.id, target.uid
  elseif type(target) == "table" and next(target) ~= nil then
    labels = target
  else
    error("bad argument #1 to 'rm' (container, pod name or non-empty label map expected)", 2)
  end
  local err
  if labels then
    err = self:rm_labels(labels, opts)
  else
    err = self:rm_name(name, uid)
  end
  if not err and opts.wait_gone then
    err = self:wait_gone(name, uid, labels, opts.timeout or self.config.timeouts.run)
  end
  return report(self, err)
end

local function check_container(c, fname)
  if type(c) ~= "table" or type(c.id) ~= "string" then
    error("bad argument #1 to '" .. fname .. "' (container expected, got " .. type(c) .. ")", 3)
  end
end

-- GET http://<worker_ip>:<port>/<verb>/<native_id> (SPEC A6): 204, or 500 with a message.
function Client:agent(verb, c)
  check_container(c, verb)
  local agent = self.config["invoker-agent"]
  if not agent.enabled then
    return true
  end
  local url = "http://" .. tostring(c.worker_ip) .. ":" .. agent.port .. "/" .. verb .. "/"
    .. api.escape(c.native_id)
  local response, err = http.request { url = url, connect_timeout = 10, timeout = 30 }
  if not response then
    return nil, errors.new("agent", "invoker agent " .. verb .. " " .. c.id .. ": " .. err.message)
  end
  if response.status ~= 204 and response.status ~= 200 then
    return nil, errors.new("agent", "invoker agent " .. verb .. " " .. c.id .. ": HTTP "
      .. response.status .. ": " .. response.body:sub(1, 512), { code = response.status })
  end
  return true
end

function Client:suspend(c)
  return self:agent("suspend", c)
end

function Client:resume(c)
  return self:agent("resume", c)
end

--- Adds labels to the container's pod by a merge PATCH, after checking every key and value.
function Client:add_label(c, labels)
  check_container(c, "add_label")
  if type(labels) ~= "table" then
    error("bad argument #2 to 'add_label' (table expected, got " .. type(labels) .. ")", 2)
  end
  local why = names.labels_error(labels)
  if why then
    return nil, errors.new("invalid", "add_label " .. c.id .. ": " .. why)
  end
  local patched, err = self.conn:patch(self:pods_path(c.id), { metadata = { labels = labels } })
  if not patched then
    return nil, err
  end
  return true
end

--- An iterator of the container's log records after since (a time or nil); see
-- kwhisk.logs.stream for the modes and options. opts.streams: stdout and stderr told apart
-- where the server allows (kwhisk.logs.merge).
function Client:logs(c, since, opts)
  check_container(c, "logs")
  if type(opts) == "table" and opts.streams then
    return logmerge.open(self, c, since, opts)
  end
  return logstream.open(self, c, since, opts)
end

return client
