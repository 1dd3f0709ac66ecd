--- kwhisk.sim.http: one request as the sim's handlers see it (method, path, query, body) and
-- the ways to answer it (JSON, Status, plain text, chunks), with the transport faults (a reset
-- after K bytes) applied where the bytes are written.
local cqueues = require "cqueues"
local errno = require "cqueues.errno"
local headers_new = require("http.headers").new
local http_util = require "http.util"
local json = require "kwhisk.json"

local M = {}

local request = {}
request.__index = request

-- The API server's bounds on a request head. Go's net/http reads a request line and headers
-- of up to http.DefaultMaxHeaderBytes (1 MiB) and answers 431 past it; the sim bounds the
-- target too (414), far above any path and query of the Kubernetes API.
M.MAX_HEAD = 1024 * 1024
M.MAX_URI = 64 * 1024
local DRAIN_SECONDS = 0.5

-- Closes a connection taken from lua-http as Go's server does: the write side first, then the
-- rest of the request read away for a moment, so that closing does not reset the connection
-- before the client has read the answer.
local function close_gracefully(sock)
  sock:flush("n", 5)
  sock:shutdown("w")
  local deadline = cqueues.monotime() + DRAIN_SECONDS
  while cqueues.monotime() < deadline and sock:xread(-65536, "b", deadline - cqueues.monotime()) do
    sock:clearerr("r")
  end
  sock:close()
end

-- Answers a request whose head cannot be read, straight on the socket (lua-http has no stream
-- state to answer through before a request line), with a plain-text status as Go's server
-- does, and closes the connection.
local function refuse_head(stream, code, text)
  local sock = stream.connection:take_socket()
  if not sock then
    return
  end
  local body = code .. " " .. text
  sock:xwrite(("HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8\r\n"
    .. "connection: close\r\ncontent-length: %d\r\n\r\n%s"):format(code, text, #body, body),
    "n", 5)
  close_gracefully(sock)
end

-- Why a head could not be read: over-long (the line read stopped at the bound), too many
-- header lines, or malformed.
local function head_failure(stream, code)
  local long = code == errno.E2BIG or (stream.connection.socket
    and stream.connection.socket:pending() >= M.MAX_HEAD)
  if not long then
    return 400, "Bad Request"
  elseif stream.state == "idle" then
    return 414, "URI Too Long"
  end
  return 431, "Request Header Fields Too Large"
end

local function head_size(h)
  local n = 0
  for k, v in h:each() do
    n = n + #k + #v + 4
  end
  return n
end

--- Wraps a lua-http stream; limit is the body limit in bytes. A head the API server would
-- refuse (over-long target or headers, malformed) is answered here (414, 431, 400) and
-- gives nil.
function M.request(stream, limit)
  -- A head line may be as long as the whole head; the socket's own bound (which also sizes
  -- its output buffering) comes back once the head is read.
  local sock = stream.connection.socket
  local maxline = sock:setmaxline(M.MAX_HEAD)
  stream.max_header_lines = M.MAX_HEAD
  -- (lua-http raises on some malformed heads, e.g. a Transfer-Encoding it cannot parse;
  -- left to lua-http, such a stream's clean-up spins on the half-closed socket for ever)
  local read, h, _, code = pcall(stream.get_headers, stream)
  sock:setmaxline(maxline)
  if not read then
    return refuse_head(stream, 400, "Bad Request")
  elseif not h then
    return refuse_head(stream, head_failure(stream, code))
  end
  -- Go's server takes only digits (parseContentLength); lua-http would take "-1" and raise
  -- reading the body
  local length = h:get("content-length")
  if length and not length:match("^%s*%d+%s*$") then
    return refuse_head(stream, 400, "Bad Request")
  end
  local target = h:get(":path") or "/"
  if #target > M.MAX_URI then
    return refuse_head(stream, 414, "URI Too Long")
  elseif head_size(h) > M.MAX_HEAD then
    return refuse_head(stream, 431, "Request Header Fields Too Large")
  end
  local path, qs = target:match("^([^?]*)%??(.*)$")
  local query = {}
  -- Forms encode spaces as '+' (kubectl does, in selectors).
  for k, v in http_util.query_args((qs:gsub("%+", "%%20"))) do
    query[k] = v
  end
  return setmetatable({ stream = stream, headers = h, method = h:get(":method"), path = path,
    query = query, limit = limit, status = 0, sent = 0 }, request)
end

--- A boolean query parameter as the API server converts it (k8s.io/apimachinery/pkg/runtime
-- conversion.go Convert_Slice_string_To_bool, also the kubelet's): absent, "0" or "false" in
-- any case is false; anything else, "True", "t", "yes" or "", is true.
function request:bool(name)
  local v = self.query[name]
  return v ~= nil and v ~= "0" and v:lower() ~= "false"
end

--- The body as a string, or nil and a Status-ready message when it is over the limit or ends
-- before its Content-Length.
function request:body()
  local length = tonumber(self.headers:get("content-length") or "")
  if length and length > self.limit then
    return nil, "too large"
  end
  local body = self.stream:get_body_chars(self.limit + 1, 60) or ""
  if #body > self.limit then
    return nil, "too large"
  elseif length and #body < length then
    return nil, "the request body ended after " .. #body .. " of its " .. length .. " bytes"
  end
  return body
end

--- Ends the exchange: when the handler left part of the request body unread (a body sent
-- to a route that takes none, or one the client ended early), the connection is closed after
-- the answer. lua-http would wait at the end of the stream for the rest, spinning on a
-- half-closed socket and starving every other request.
function request:finish()
  local s = self.stream
  if s.body_read_type == "length" and (s.body_read_left or 0) ~= 0 then
    local sock = s.connection:take_socket()
    if sock then
      close_gracefully(sock)
    end
  end
end

--- The body decoded as JSON (nil for an empty body), nil and the body's text; or nil, message.
function request:json_body()
  local body, err = self:body()
  if not body then
    return nil, err
  end
  if body == "" then
    return nil
  end
  local v, derr = json.decode(body)
  if v == nil or type(v) ~= "table" then
    return nil, "the body is not a JSON object: " .. tostring(derr)
  end
  return v, nil, body
end

function request:write_headers(code, content_type, extra, end_stream)
  local h = headers_new()
  h:append(":status", tostring(code))
  if content_type then
    h:append("content-type", content_type)
  end
  for k, v in pairs(extra or {}) do
    h:append(k, v)
  end
  self.status = code
  -- A client gone before its answer (it closed after sending): nothing more is written.
  -- lua-http raises (an assertion) instead when the connection closed while this answer
  -- waited behind one pipelined before it (a watch): that client is gone too.
  local called, ok, err = pcall(self.stream.write_headers, self.stream, h, end_stream or false)
  if not called then
    ok, err = nil, "the connection closed before the answer"
  end
  self.gone = not ok
  return ok, err
end

--- Writes body bytes; applies a pending reset fault. Returns false when the client is gone.
function request:write(data, last)
  if self.gone then
    return false
  end
  if self.reset_after then
    local room = self.reset_after - self.sent
    if #data >= room then
      self.stream:write_chunk(data:sub(1, room), false)
      self.sent = self.sent + room
      self.stream.connection:shutdown()
      return false
    end
  end
  self.sent = self.sent + #data
  local ok = self.stream:write_chunk(data, last or false)
  return ok ~= nil
end

--- True when the client has closed the connection (or it failed). Long answers (follow,
-- watch) ask this while they have nothing to write, since only a write would notice.
function request:client_gone()
  local conn = self.stream.connection
  if conn.version >= 2 then
    return self.stream.state == "closed"
  end
  local sock = conn.socket
  if not sock then
    return true
  end
  -- A non-blocking peek: bytes read (a pipelined request) go back into the buffer; no bytes
  -- and no EAGAIN means end of file or an error.
  local data, e1, e2 = sock:recv(-4096)
  if data then
    sock:unget(data)
    return false
  end
  local why = type(e2) == "number" and e2 or e1
  if why == errno.EAGAIN then
    sock:clearerr("r")
    return false
  end
  return true
end

--- Answers a whole body of content_type. A 204 ends with its headers: left open, it would
-- get a chunked body ("0\r\n\r\n") that clients skip for a 204 and then read as the start
-- of the next response on the connection.
function request:send(code, body, content_type, extra)
  extra = extra or {}
  if code == 204 then
    return self:write_headers(code, content_type, extra, true)
  end
  if not self.reset_after then
    extra["content-length"] = tostring(#body)
  end
  self:write_headers(code, content_type, extra)
  self:write(body, true)
end

--- Answers v as JSON (pretty when the query asks; the API server accepts `pretty`).
function request:json(code, v, extra)
  self:send(code, json.encode(v) .. "\n", "application/json", extra)
end

--- Answers a Status table with its code.
function request:fail(st, extra)
  self:json(st.code, st, extra)
end

return M
