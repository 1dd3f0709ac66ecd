--- kwhisk.k8s.portforward: a local loopback port forwarded to a pod's port through the API
-- server (`pods/{name}/portforward`, WebSocket, channel protocol v4). The bytes are pumped
-- in C inside the shared event loop (kwhisk.loop), one WebSocket per local connection;
-- this module opens, checks and closes forwards and turns their failures into error values.
local api = require "kwhisk.k8s.api"
local pods = require "kwhisk.k8s.pods"
local errors = require "kwhisk.errors"
local loop = require "kwhisk.loop"

local type, error, setmetatable, tostring, format, floor =
  type, error, setmetatable, tostring, string.format, math.floor

local portforward = {}

local Forward = {}
Forward.__index = Forward

local function check_port(v, n, what, allow_zero)
  if type(v) ~= "number" or v ~= floor(v) or v < (allow_zero and 0 or 1) or v > 65535 then
    errors.bad_argument(n, "portforward.open", what .. "port number expected, got "
      .. tostring(v), 2)
  end
end

-- An error value from one of the core's failure records.
local function to_error(rec)
  if rec.kind == "refused" then
    return api.response_error({ status = rec.status, body = rec.body or "", headers = {} },
      "port-forward upgrade refused")
  end
  local kind = errors.kinds[rec.kind] and rec.kind or "transport"
  return errors.new(kind, "port-forward: " .. rec.message)
end

-- The core's transport options for the forward, from the connection's credentials now.
local function core_options(conn, pod, port, options)
  local ns = options.namespace or conn.namespace
  local target = pods.path(ns, pod, "portforward") .. "?" .. api.query({ ports = port })
  local origin, prefix = conn.server:match("^(%a+://[^/]+)(.*)$")
  local opts, err = conn:transport_options({ method = "GET" }, origin .. prefix .. target)
  if not opts then
    return nil, err
  end
  opts.headers, opts.read_timeout, opts.timeout, opts.max_body = nil, nil, nil, nil
  opts.host = origin:match("^%a+://(.*)$")
  opts.target = prefix .. target
  opts.port, opts.local_port, opts.buffer = port, options.local_port, options.buffer
  opts.probe = options.probe ~= false
  return opts
end

-- Waits (yielding inside a task) until the probe WebSocket was accepted or refused, not
-- past deadline: nil, err (kind timeout) when a server never answers the upgrade.
local function wait_probe(pf, deadline)
  local waiter = {
    id = function() return pf:probe_id() end,
    closed = function() return false end,
  }
  if not loop.await(waiter, function() return pf:probe() ~= nil end, deadline) then
    return nil, errors.new("timeout", "port-forward: the API server did not answer the "
      .. "WebSocket upgrade in time", { deadline = true })
  end
  return pf:probe()
end

--- Opens a forward from 127.0.0.1:<local port> to `port` of pod `pod`. conn: a kwhisk.k8s.api
-- connection. options: namespace (else conn's), local_port (0: any free one), buffer
-- (bytes per direction and connection), probe (default true: one WebSocket is opened
-- and closed at once, so a refusal is an error here rather than on the first connection;
-- an upgrade not answered within the connection's call deadline, timeouts.api, is a timeout).
-- Returns the forward, or nil, err.
function portforward.open(conn, pod, port, options)
  if type(conn) ~= "table" or type(conn.transport_options) ~= "function" then
    error("bad argument #1 to 'portforward.open' (kwhisk.k8s.api connection expected)", 2)
  end
  if type(pod) ~= "string" or pod == "" then
    error("bad argument #2 to 'portforward.open' (pod name expected, got " .. type(pod) .. ")", 2)
  end
  check_port(port, 3, "")
  options = options or {}
  if type(options) ~= "table" then
    error("bad argument #4 to 'portforward.open' (table expected, got " .. type(options) .. ")", 2)
  end
  check_port(options.local_port or 0, 4, "options.local_port: ", true)
  local opts, err = core_options(conn, pod, port, options)
  if not opts then
    return nil, err
  end
  local pf, msg = loop.forward(opts)
  if not pf then
    return nil, errors.new("transport", "port-forward: " .. msg)
  end
  local self = setmetatable({ core = pf, cursor = 0, pod = pod, port = port,
                              local_port = pf:local_port() }, Forward)
  if opts.probe then
    local accepted, timeout = wait_probe(pf, conn.call_timeout > 0
      and loop.now() + conn.call_timeout or nil)
    if not accepted then
      local failures = self:errors()
      pf:close()
      return nil, timeout or failures[1]
        or errors.new("transport", "port-forward: the probe failed")
    end
  end
  return self
end

--- "localhost:<local port>", the address clients connect to.
function Forward:address()
  return "localhost:" .. self.local_port
end

--- The failures of connections since the last call, as error values (oldest first).
function Forward:errors()
  local records, cursor = self.core:errors(self.cursor)
  self.cursor = cursor
  for i = 1, #records do
    records[i] = to_error(records[i])
  end
  return records
end

--- Connections open now.
function Forward:connections()
  return self.core:connections()
end

--- Connections accepted since the forward opened.
function Forward:accepted()
  return self.core:accepted()
end

--- Stops the listener and ends every connection of the forward. Idempotent.
function Forward:close()
  self.core:close()
  self.closed = true
end

function Forward:__tostring()
  return format("kwhisk port-forward localhost:%d -> %s:%d%s", self.local_port, self.pod,
    self.port, self.closed and " (closed)" or "")
end

return portforward
