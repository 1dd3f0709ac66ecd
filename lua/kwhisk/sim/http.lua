--- kwhisk.sim.http: one request as the sim's handlers see it (method, path, query, body) and
-- the ways to answer it (JSON, Status, plain text, chunks), with the transport faults (a reset
-- after K bytes) applied where the bytes are written.
local errno = require "cqueues.errno"
local headers_new = require("http.headers").new
local http_util = require "http.util"
local json = require "kwhisk.json"

local M = {}

local request = {}
request.__index = request

--- Wraps a lua-http stream; limit is the body limit in bytes.
function M.request(stream, limit)
  local h = stream:get_headers()
  local target = h:get(":path") or "/"
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

--- The body as a string, or nil and a Status-ready message when it is over the limit.
function request:body()
  local length = tonumber(self.headers:get("content-length") or "")
  if length and length > self.limit then
    return nil, "too large"
  end
  local body = self.stream:get_body_chars(self.limit + 1, 60) or ""
  if #body > self.limit then
    return nil, "too large"
  end
  return body
end

--- The body decoded as JSON (nil for an empty body), or nil, message.
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
  return v
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
  return self.stream:write_headers(h, end_stream or false)
end

--- Writes body bytes; applies a pending reset fault. Returns false when the client is gone.
function request:write(data, last)
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
