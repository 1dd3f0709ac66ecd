--- kwhisk.http: HTTP requests and response streams over the C transport. Calls wait by
-- yielding inside a task and by running the scheduler outside one (kwhisk.loop).
--
--   http.request(options) -> { status, headers, body } | nil, err
--   http.stream(options)  -> stream | nil, err;  stream:read() -> chunk | nil[, err]
--   stream:records(reader) -> iterator of log records (the body read in place, in C)
--
-- options: url, method, headers (array of "Name: value"), token, body, ca, cert, key
-- (PEM text), insecure, connect_timeout, read_timeout, timeout (seconds), max_body,
-- stream_buffer (bytes). Transport failures are error values of kind timeout, tls,
-- transport or too_large; an HTTP status is never an error at this level.
local loop = require "kwhisk.loop"
local errors = require "kwhisk.errors"

local type, pairs, setmetatable, lower, gmatch =
  type, pairs, setmetatable, string.lower, string.gmatch

local http = {}

--- The response headers as a table of lower-case names (repeated fields joined by ", ").
function http.parse_headers(raw)
  local headers = {}
  for name, value in gmatch(raw, "([^:\r\n]+):[ \t]*([^\r\n]-)[ \t]*\r?\n") do
    name = lower(name)
    local old = headers[name]
    headers[name] = old and (old .. ", " .. value) or value
  end
  return headers
end

-- The URL as it may appear in a message: no userinfo.
local function shown(options)
  return (options.method or "GET") .. " " .. options.url:gsub("//[^/@]*@", "//", 1)
end
http.describe = shown

local function check(options, fname)
  if type(options) ~= "table" then
    errors.bad_argument(1, fname, "options table expected, got " .. type(options), 2)
  end
  if type(options.url) ~= "string" then
    errors.bad_argument(1, fname, "options.url: string expected, got " .. type(options.url), 2)
  end
  if options.insecure ~= nil and type(options.insecure) ~= "boolean" then
    -- the C side takes any true value: only a real boolean may turn verification off
    errors.bad_argument(1, fname, "options.insecure: boolean expected, got "
      .. type(options.insecure), 2)
  end
end

local function start(options)
  local req, message = loop.start(options)
  if not req then
    return nil, errors.new("bad_request", shown(options) .. ": " .. message)
  end
  return req
end

local function failure(req, options)
  local kind, message = req:failure()
  if not kind then
    return nil
  end
  return errors.new(kind, shown(options) .. ": " .. message)
end

local function is_done(req)
  return req:done()
end

--- Performs a request and returns the whole response.
function http.request(options)
  check(options, "request")
  local req, err = start(options)
  if not req then
    return nil, err
  end
  loop.await(req, is_done)
  err = failure(req, options)
  local response
  if not err then
    response = { status = req:status(), headers = http.parse_headers(req:headers()),
                 body = req:body() }
  end
  req:close()
  if err then
    return nil, err
  end
  return response
end

local Stream = {}
Stream.__index = Stream

function Stream:__tostring()
  return "kwhisk.http stream (" .. shown(self.options) .. ")"
end

local function has_data(req)
  return req:done() or req:pending() > 0
end

local function closed(self)
  return nil, errors.new("transport", shown(self.options) .. ": the stream is closed")
end

local function nothing_in_time(self)
  return nil, errors.new("timeout", shown(self.options) .. ": nothing arrived in time",
    { deadline = true })
end

-- Waits until the transfer has bytes, ended or failed: returns its request, or nil, err
-- when the stream is (or got) closed or the deadline passed first.
local function await_data(self, deadline)
  local req = self.req
  if not req then
    return closed(self)
  end
  if not loop.await(req, has_data, deadline) then
    return nothing_in_time(self)
  end
  if self.req ~= req then -- closed while we waited
    return closed(self)
  end
  return req
end

--- The next chunk of the body; nil at the end, or nil, err when the transfer failed.
-- With a deadline (a loop.now() value): nil, err of kind "timeout" with err.deadline set
-- once it passed with nothing to read; the stream stays usable.
function Stream:read(deadline)
  if type(deadline) ~= "number" then
    deadline = nil -- `for chunk in stream.read, stream` passes the last chunk here
  end
  local req, err = await_data(self, deadline)
  if not req then
    return nil, err
  end
  local chunk = req:take()
  if chunk then
    return chunk
  end
  return nil, failure(req, self.options) -- nil, nil at the end of the body
end

--- Reads the rest of the body (bounded by max_body, default 64 MiB).
function Stream:read_all()
  local parts, size, limit = {}, 0, self.options.max_body or 64 * 1024 * 1024
  while true do
    local chunk, err = self:read()
    if not chunk then
      if err then
        return nil, err
      end
      return table.concat(parts)
    end
    size = size + #chunk
    if size > limit then
      return nil, errors.new("too_large", shown(self.options) ..
        ": the response body exceeds the limit of " .. limit .. " bytes")
    end
    parts[#parts + 1] = chunk
  end
end

-- Makes the reader last handed queued bytes let go of them (it copies what it has not
-- read), so the transport may release them. False only when memory ran out.
local function release_lent(self)
  local lent = self.lent
  if lent then
    if not lent:release() then
      return false
    end
    self.lent = nil
  end
  return true
end

--- Hands the next queued bytes to a log reader (kwhisk.logs.reader) in place, with no Lua
-- string: returns how many bytes, or nil at the end of the body, or nil, err when the
-- transfer failed. With a deadline (a loop.now() value): nil, err of kind "timeout" with
-- err.deadline set once it passed with nothing to hand; the stream stays usable.
function Stream:feed(reader, deadline)
  local req, err = await_data(self, deadline)
  if not req then
    return nil, err
  end
  if not release_lent(self) then
    return nil, errors.new("transport", shown(self.options) .. ": out of memory")
  end
  local ptr, n = req:hand()
  if not ptr then
    return nil, failure(req, self.options)
  end
  -- The reader keeps req (the bytes' owner) alive until it lets go of them.
  reader:feed_at(ptr, n, req)
  self.lent = reader
  return n
end

--- Feeds the body into a log reader (kwhisk.logs.reader) as it arrives and returns an
-- iterator of its records: each call gives the next finished record, nil at the end, or
-- nil, err when the transfer failed. The reader reads the transport's queue in place
-- whenever it has no record ready; Lua only sees finished records.
function Stream:records(reader)
  local finished, failure_err = false, nil
  -- Feeds the reader until it has a record or the body ended. Kept out of the iterator so
  -- that the iterator has no loop of its own: the caller's loop then compiles as one trace
  -- (an inner loop here would make LuaJIT abort it and run the records interpreted).
  local function refill()
    while not finished do
      local ok, err = self:feed(reader)
      if not ok then
        reader:finish()
        finished, failure_err = true, err
      end
      local record = reader:next()
      if record then
        return record
      end
    end
    return nil, failure_err
  end
  return function()
    local record = reader:next()
    if record then
      return record
    end
    return refill()
  end
end

--- Aborts the transfer at once (the connection is dropped, not drained). A reader fed
-- by :records keeps the records it has not delivered yet.
function Stream:close()
  local req = self.req
  if req then
    self.req = nil
    loop.forget(req)
    -- Out of memory, a reader still points into req's bytes: it keeps req alive, and the
    -- garbage collector frees both together.
    if release_lent(self) then
      req:close()
    end
  end
end

local function headers_done(req)
  return req:headers_done()
end

--- Starts a streaming request and returns once the response headers are in; with a deadline
-- (a loop.now() value) nil, err of kind "timeout" when they are not in by then.
function http.stream(options, deadline)
  check(options, "stream")
  local copy = {}
  for k, v in pairs(options) do
    copy[k] = v
  end
  copy.stream = true
  local req, err = start(copy)
  if not req then
    return nil, err
  end
  if not loop.await(req, headers_done, deadline) then
    req:close()
    return nil, errors.new("timeout", shown(copy) .. ": no response headers in time",
      { deadline = true })
  end
  if req:status() == 0 then
    err = failure(req, copy) or errors.new("transport", shown(copy) .. ": no response")
    req:close()
    return nil, err
  end
  return setmetatable({ req = req, options = copy, status = req:status(),
                        headers = http.parse_headers(req:headers()) }, Stream)
end

return http
