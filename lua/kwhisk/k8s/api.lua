--- kwhisk.k8s.api: the Kubernetes REST layer. Builds paths and queries, sends JSON through
-- kwhisk.json, maps every non-2xx answer to an error value (SPEC C3), retries what is safe
-- to repeat (GET, DELETE, marked creates) on 429/5xx and transport failures with jittered
-- exponential back-off honouring Retry-After, and renews credentials once after a 401.
--
--   local conn = api.new(connection, options)    -- connection: kubeconfig.load(...)
--   conn:get(path, query) / conn:delete(path, query, body) / conn:post(path, body, opts)
--   conn:patch(path, body, content_type) / conn:request(spec) / conn:stream(path, query)
--   conn:create(path, object)   -- a create made safe to retry (idempotency annotation)
local http = require "kwhisk.http"
local loop = require "kwhisk.loop"
local time = require "kwhisk.time"
local json = require "kwhisk.json"
local errors = require "kwhisk.errors"
local random_hex = require("kwhisk.random").hex

local type, pairs, ipairs, tostring, tonumber, error, setmetatable =
  type, pairs, ipairs, tostring, tonumber, error, setmetatable
local format, byte, gsub, sub, concat, sort =
  string.format, string.byte, string.gsub, string.sub, table.concat, table.sort
local random, floor, min, max = math.random, math.floor, math.min, math.max

local api = {}

--- The annotation a retried create carries, holding the id of its call.
api.CREATE_ID_ANNOTATION = "kwhisk.apache.org/create-id"

-- Defaults; every one can be overridden in api.new's options.
api.defaults = {
  max_attempts = 5,       -- attempts per call, the first included
  backoff_base = 0.1,     -- seconds before the first retry (doubled each time, jittered)
  backoff_max = 10,       -- cap of the computed back-off
  retry_after_max = 30,   -- cap of a server's Retry-After
  connect_timeout = 60,   -- seconds (SPEC A1: timeouts.logs)
  read_timeout = 60,      -- seconds without a byte
  timeout = 0,            -- whole request; 0: none
  call_timeout = 30,      -- a whole call, its retries and back-off included (a stream: until
                          -- its headers); 0: none
  max_body = 64 * 1024 * 1024,
  error_body_max = 2048,  -- bytes of a non-JSON error body kept as its message
}

local RETRY_STATUS = { [429] = true, [500] = true, [502] = true, [503] = true, [504] = true }
local SAFE_METHOD = { GET = true, HEAD = true, DELETE = true }

local function escape_char(c)
  return format("%%%02X", byte(c))
end

--- Percent-encodes everything but RFC 3986's unreserved characters.
function api.escape(s)
  return (gsub(tostring(s), "[^%w%-%._~]", escape_char))
end
local escape = api.escape

--- "/a/b/c" from segments, each percent-encoded.
function api.path(...)
  local parts = { ... }
  for i = 1, #parts do
    parts[i] = escape(parts[i])
  end
  return "/" .. concat(parts, "/")
end

--- A query string (no "?"), keys sorted; arrays give repeated keys, booleans true/false.
function api.query(q)
  if q == nil then
    return ""
  end
  local keys = {}
  for k in pairs(q) do
    keys[#keys + 1] = k
  end
  sort(keys)
  local out = {}
  for _, k in ipairs(keys) do
    local v = q[k]
    local values = type(v) == "table" and v or { v }
    for _, item in ipairs(values) do
      out[#out + 1] = escape(k) .. "=" .. escape(tostring(item))
    end
  end
  return concat(out, "&")
end

--- Seconds to wait from a Retry-After value (seconds, or an HTTP date: kwhisk.time), or nil.
function api.retry_after(value, now)
  if type(value) ~= "string" then
    return nil
  end
  local seconds = tonumber(value:match("^%s*(%d+)%s*$"))
  if seconds then
    return seconds
  end
  local at = time.parse_http_date(value)
  return at and max(0, at.sec - (now or os.time())) or nil
end

--- The error value of a non-2xx response (SPEC C3).
function api.response_error(response, what, limit)
  local code, body = response.status, response.body
  local status = json.decode(body)
  local message, reason
  if type(status) == "table" and status.kind == "Status" then
    message, reason = status.message, status.reason
  else
    status = nil
    message = sub(body, 1, limit or api.defaults.error_body_max)
  end
  if type(message) ~= "string" or message == "" then
    message = "HTTP " .. code
  end
  local retry_after = api.retry_after(response.headers["retry-after"])
  if not retry_after and status and type(status.details) == "table" then
    retry_after = tonumber(status.details.retryAfterSeconds)
  end
  return errors.new(errors.kind_for(code, reason), format("%s: %d %s", what, code, message),
    { code = code, status = status, retry_after = retry_after })
end

local Conn = {}
Conn.__index = Conn

--- A connection to one API server. connection: { server, namespace, ca, insecure,
-- credentials } (kubeconfig.load's result); options: api.defaults' keys and log (a
-- function receiving one line per attempt).
function api.new(connection, options)
  if type(connection) ~= "table" or type(connection.server) ~= "string" then
    error("bad argument #1 to 'api.new' (connection with a server URL expected)", 2)
  end
  options = options or {}
  if type(options) ~= "table" then
    error("bad argument #2 to 'api.new' (table expected, got " .. type(options) .. ")", 2)
  end
  local self = setmetatable({ connection = connection, log = options.log,
                              server = (connection.server:gsub("/+$", "")) }, Conn)
  for k, v in pairs(api.defaults) do
    local o = options[k]
    if o ~= nil and (type(o) ~= "number" or o < 0) then
      errors.bad_argument(2, "api.new", "options." .. k .. ": non-negative number expected")
    end
    self[k] = o or v
  end
  if self.log ~= nil and type(self.log) ~= "function" then
    errors.bad_argument(2, "api.new", "options.log: function expected, got " .. type(self.log))
  end
  self.namespace = connection.namespace or "default"
  return self
end

--- Sets (or clears, with nil) the debug logger: fn(line, info) for every attempt.
function Conn:set_logger(fn)
  if fn ~= nil and type(fn) ~= "function" then
    error("bad argument #1 to 'set_logger' (function expected, got " .. type(fn) .. ")", 2)
  end
  self.log = fn
end

-- The whole-request timeout of one attempt: the configured one, cut to what is left of the
-- call's deadline (at least a millisecond, as 0 means none).
local function attempt_timeout(timeout, deadline)
  if not deadline then
    return timeout
  end
  local left = max(0.001, deadline - loop.now())
  return timeout > 0 and min(timeout, left) or left
end

-- The transport options of one attempt; credentials are read now, so rotation shows.
-- nil, err when there are no credentials to send (an exec plugin that fails).
function Conn:transport_options(spec, url, deadline)
  local c = self.connection
  local auth = {}
  if c.credentials then
    local err
    auth, err = c.credentials:get()
    if err and not (auth.token or auth.cert) then
      return nil, err
    end
  end
  local headers = { "Accept: application/json" }
  if spec.body ~= nil then
    headers[2] = "Content-Type: " .. (spec.content_type or "application/json")
  end
  return {
    method = spec.method, url = url, headers = headers, body = spec.body_text,
    token = auth.token, cert = auth.cert, key = auth.key, ca = c.ca, insecure = c.insecure,
    connect_timeout = self.connect_timeout, read_timeout = self.read_timeout,
    timeout = spec.stream and 0 or attempt_timeout(self.timeout, deadline),
    max_body = self.max_body,
  }
end

local function backoff(self, attempt)
  local d = min(self.backoff_max, self.backoff_base * 2 ^ (attempt - 1))
  return d / 2 + random() * d / 2 -- jitter, so clients that failed together spread out
end

local function logline(self, spec, shown, status, started, attempt)
  if self.log then
    local ms = floor((loop.now() - started) * 1000 + 0.5)
    self.log(format("%s %s -> %s %dms attempt %d", spec.method, shown, status, ms, attempt),
      { method = spec.method, path = shown, status = status, ms = ms, attempt = attempt })
  end
end

local function out_of_time(self, what, attempt, last)
  return errors.new("timeout", format("%s: no complete answer within %g s (%d attempt%s, "
    .. "the last: %s)", what, self.call_timeout, attempt, attempt == 1 and "" or "s",
    last.message), { attempts = attempt, code = last.code })
end

-- One call: attempts until success, a final error, the limit, or the call's deadline.
local function perform(self, spec)
  local q = api.query(spec.query)
  local shown = spec.path .. (q ~= "" and "?" .. q or "")
  local what = spec.method .. " " .. shown
  local retry_safe = SAFE_METHOD[spec.method] or spec.idempotent
  local renewed = false
  local attempt = 0
  local deadline = self.call_timeout > 0 and loop.now() + self.call_timeout or nil
  while true do
    attempt = attempt + 1
    local started = loop.now()
    local options, err = self:transport_options(spec, self.server .. shown, deadline)
    if not options then
      return nil, err, attempt
    end
    local response
    if spec.stream then
      response, err = http.stream(options, deadline)
    else
      response, err = http.request(options)
    end
    logline(self, spec, shown, response and response.status or err.kind, started, attempt)
    if response then
      if response.status >= 200 and response.status < 300 then
        return response, nil, attempt
      end
      if spec.stream then -- an error body is small; read it like a normal response
        local body = response:read_all()
        response:close()
        response = { status = response.status, headers = response.headers, body = body or "" }
      end
      err = api.response_error(response, what, self.error_body_max)
    else
      err = errors.new(err.kind, what .. ": " .. err.message:gsub("^%S+ %S+: ", ""))
    end
    local credentials = self.connection.credentials
    if deadline and loop.now() >= deadline then
      return nil, out_of_time(self, what, attempt, err), attempt
    elseif err.code == 401 and credentials and not renewed then
      renewed = true -- one more try with fresh credentials (rotated token, re-run plugin)
      credentials:renew()
    else
      local retryable = retry_safe and (RETRY_STATUS[err.code] or
        (not err.code and (err.kind == "transport" or err.kind == "timeout")))
      if not retryable or attempt >= self.max_attempts then
        err.attempts = attempt
        return nil, err, attempt
      end
      local wait = backoff(self, attempt)
      if err.retry_after then
        wait = max(wait, min(err.retry_after, self.retry_after_max))
      end
      if deadline and loop.now() + wait >= deadline then
        return nil, out_of_time(self, what, attempt, err), attempt
      end
      loop.sleep(wait)
    end
  end
end

local function check_path(path, fname)
  if type(path) ~= "string" or sub(path, 1, 1) ~= "/" then
    error(format("bad argument #1 to '%s' (path starting with / expected, got %s)", fname,
      type(path) == "string" and format("%q", path) or type(path)), 3)
  end
end

local function decode(response, what)
  if response.status == 204 or response.body == "" then
    return true
  end
  local value, err = json.decode(response.body)
  if value == nil then
    return nil, errors.new("server", what .. ": the response is not JSON: " .. err,
      { code = response.status })
  end
  return value
end

--- request{ method, path, query, body (table or string), content_type, idempotent }
-- -> the decoded JSON body (true for an empty one), response | nil, err
function Conn:request(spec)
  if type(spec) ~= "table" then
    error("bad argument #1 to 'request' (table expected, got " .. type(spec) .. ")", 2)
  end
  check_path(spec.path, "request")
  local s = { method = spec.method or "GET", path = spec.path, query = spec.query,
              body = spec.body, content_type = spec.content_type, idempotent = spec.idempotent }
  if type(s.body) == "table" then
    s.body_text = json.encode(s.body)
  elseif s.body ~= nil then
    s.body_text = tostring(s.body)
  end
  local response, err = perform(self, s)
  if not response then
    return nil, err
  end
  local value, derr = decode(response, s.method .. " " .. s.path)
  if value == nil then
    return nil, derr
  end
  return value, response
end

function Conn:get(path, query)
  check_path(path, "get")
  return self:request { method = "GET", path = path, query = query }
end

function Conn:delete(path, query, body)
  check_path(path, "delete")
  return self:request { method = "DELETE", path = path, query = query, body = body }
end

function Conn:post(path, body, opts)
  check_path(path, "post")
  return self:request { method = "POST", path = path, body = body,
                        idempotent = opts and opts.idempotent }
end

function Conn:patch(path, body, content_type)
  check_path(path, "patch")
  return self:request { method = "PATCH", path = path, body = body,
                        content_type = content_type or "application/merge-patch+json" }
end

local function new_call_id()
  return random_hex(16)
end

--- Creates object by POST to path (a collection), safe to retry: the object carries an
-- annotation with this call's id, and a 409 for an object bearing our id is our own
-- earlier attempt, so it succeeds with that object.
function Conn:create(path, object)
  check_path(path, "create")
  if type(object) ~= "table" or type(object.metadata) ~= "table"
     or type(object.metadata.name) ~= "string" then
    error("bad argument #2 to 'create' (object with metadata.name expected)", 2)
  end
  local id = new_call_id()
  local metadata = {}
  for k, v in pairs(object.metadata) do
    metadata[k] = v
  end
  local annotations = {}
  for k, v in pairs(metadata.annotations or {}) do
    annotations[k] = v
  end
  annotations[api.CREATE_ID_ANNOTATION] = id
  metadata.annotations = annotations
  local copy = {}
  for k, v in pairs(object) do
    copy[k] = v
  end
  copy.metadata = metadata
  local created, err = self:request { method = "POST", path = path, body = copy,
                                      idempotent = true }
  if created or err.kind ~= "conflict" then
    return created, err
  end
  local current = self:get(path .. "/" .. escape(metadata.name))
  local mine = type(current) == "table" and type(current.metadata) == "table"
    and type(current.metadata.annotations) == "table"
    and current.metadata.annotations[api.CREATE_ID_ANNOTATION] == id
  if mine then
    return current
  end
  return nil, err
end

--- Opens a streaming GET (pods/log, watch): the kwhisk.http stream once a 2xx arrived,
-- retrying like get(); nil, err for any other answer.
function Conn:stream(path, query)
  check_path(path, "stream")
  local response, err = perform(self, { method = "GET", path = path, query = query,
                                        stream = true })
  return response, err
end

return api
