--- The process behind spec/helpers/httpd.lua: a programmable HTTP server on loopback
-- (lua-http on cqueues). Usage: luajit spec/helpers/httpd_server.lua CONFIG_FILE
-- CONFIG_FILE returns { handler = path, log = path, tls = { cert, key, client_ca } }.
-- The handler file returns function(request) -> action.
--   request: method, path, headers (lower-case names), body, peer (the client's port),
--            version (HTTP version: 1.1 or 2),
--            count (requests so far, this one included).
--   action:  status, headers, body, and optionally delay (seconds before answering),
--            drop (close without answering), cut_after (send that many body bytes, then
--            close), chunks + interval (a streamed body).
-- Each request is appended to the log as a Lua table. Prints the port once listening.
local cqueues = require "cqueues"
local http_server = require "http.server"
local http_headers = require "http.headers"

local config = dofile(arg[1])
local handler = dofile(config.handler)
local count = 0

local function record(request)
  local f = assert(io.open(config.log, "a"))
  local parts = {}
  for k, v in pairs(request.headers) do
    parts[#parts + 1] = string.format("[%q]=%q", k, v)
  end
  f:write(string.format("{method=%q,path=%q,body=%q,peer=%d,version=%s,headers={%s}},\n",
    request.method, request.path, request.body, request.peer, request.version,
    table.concat(parts, ",")))
  f:close()
end

local function respond(stream, action)
  if action.delay then
    cqueues.sleep(action.delay)
  end
  if action.drop then
    stream.connection.socket:shutdown("rw")
    return
  end
  local h = http_headers.new()
  h:append(":status", tostring(action.status or 200))
  for k, v in pairs(action.headers or {}) do
    h:append(k, tostring(v))
  end
  local body = action.body or ""
  if action.cut_after then
    h:append("content-length", tostring(#body))
    stream:write_headers(h, false)
    stream:write_chunk(body:sub(1, action.cut_after), false)
    stream.connection.socket:flush()
    stream.connection.socket:shutdown("rw")
    return
  end
  if action.chunks then
    stream:write_headers(h, false)
    for _, chunk in ipairs(action.chunks) do
      stream:write_chunk(chunk, false)
      if action.interval then
        cqueues.sleep(action.interval)
      end
    end
    stream:write_chunk("", true)
    return
  end
  stream:write_headers(h, body == "")
  if body ~= "" then
    stream:write_chunk(body, true)
  end
end

local function onstream(_, stream)
  local rh = assert(stream:get_headers())
  local request = { method = rh:get(":method"), path = rh:get(":path"), headers = {} }
  for name, value in rh:each() do
    if name:sub(1, 1) ~= ":" then
      request.headers[name] = value
    end
  end
  request.body = stream:get_body_as_string() or ""
  local _, _, peer = stream:peername()
  request.peer = peer or 0
  request.version = stream.connection.version
  count = count + 1
  request.count = count
  record(request)
  local ok, action = pcall(handler, request)
  if not ok then
    action = { status = 599, body = "handler failed: " .. tostring(action) }
  end
  respond(stream, action)
end

local function tls_context(tls)
  local ctx = require("http.tls").new_server_context()
  local x509 = require "openssl.x509"
  local pkey = require "openssl.pkey"
  local function read(path)
    local f = assert(io.open(path, "rb"))
    local s = f:read("*a")
    f:close()
    return s
  end
  assert(ctx:setCertificate(x509.new(read(tls.cert))))
  assert(ctx:setPrivateKey(pkey.new(read(tls.key))))
  -- Offer HTTP/2, as API servers do, so clients that can multiplex will.
  ctx:setAlpnSelect(function(_, protos)
    for _, proto in ipairs(protos) do
      if proto == "h2" then
        return proto
      end
    end
    return protos[#protos]
  end)
  if tls.client_ca then
    local store = require("openssl.x509.store").new()
    store:add(tls.client_ca)
    ctx:setStore(store)
    local context = require "openssl.ssl.context"
    ctx:setVerify(context.VERIFY_PEER + context.VERIFY_FAIL_IF_NO_PEER_CERT)
  end
  return ctx
end

local server = assert(http_server.listen {
  host = "127.0.0.1",
  port = 0,
  tls = config.tls ~= nil,
  ctx = config.tls and tls_context(config.tls) or nil,
  onstream = onstream,
  onerror = function() end, -- resets and failed handshakes are part of the tests
})
assert(server:listen())
local _, _, port = server:localname()
io.stdout:write(port, "\n")
io.stdout:flush()
assert(server:loop())
