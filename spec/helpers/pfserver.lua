--- A small API server for the port-forward specs (run as a process: luajit
-- spec/helpers/pfserver.lua; prints "<api port> <echo port>" once listening). Its pods:
--   echo    forwards (kwhisk.sim.portforward) to a TCP echo server in this process;
--   gone    the same, but the pod "disappears" 0.5 s after each connection starts;
--   closed  forwards to a port where nothing listens (the error channel says so);
--   missing answers the upgrade with a 404 Status;
--   cut     accepts the upgrade, then cuts the connection in the middle of a frame.
package.path = "lua/?.lua;lua/?/init.lua;" .. package.path
package.cpath = "build/?.so;" .. package.cpath
local cqueues = require "cqueues"
local socket = require "cqueues.socket"
local http_server = require "http.server"
local http_headers = require "http.headers"
local websocket = require "http.websocket"
local monotime = cqueues.monotime
local pf = require "kwhisk.sim.portforward"

local handle -- the request handler, below

local server = assert(http_server.listen({ host = "127.0.0.1", port = 0, tls = false,
  onstream = function(_, stream)
    local ok, err = pcall(handle, stream)
    if not ok then
      io.stderr:write(tostring(err), "\n")
    end
  end, onerror = function() end }))
local cq = server.cq

local echo = socket.listen({ host = "127.0.0.1", port = 0 })
local _, _, echo_port = echo:localname()
cq:wrap(function()
  for conn in echo:clients() do
    cq:wrap(function()
      conn:setmode("b", "b")
      while true do
        local data = conn:read(-65536)
        if not data or not conn:write(data) or not conn:flush() then
          break
        end
      end
      conn:close()
    end)
  end
end)

local function respond(stream, code, body)
  local h = http_headers.new()
  h:append(":status", tostring(code))
  h:append("content-type", "application/json")
  stream:write_headers(h, false)
  stream:write_chunk(body, true)
end

local function cut(stream, headers)
  local ws = assert(websocket.new_from_stream(stream, headers))
  ws:accept({ protocols = pf.protocols })
  ws:send("\0" .. string.char(echo_port % 256, math.floor(echo_port / 256)), "binary")
  -- A binary frame announcing 256 bytes, of which 10 arrive.
  ws.socket:xwrite("\130\126\1\0" .. string.rep("x", 10), "bn")
  ws.socket:flush()
  ws.socket:shutdown("w")
  cqueues.sleep(1)
end

handle = function(stream)
  local headers = stream:get_headers()
  local path = headers:get(":path")
  local pod, port = path:match("/pods/([^/]+)/portforward%?ports=(%d+)$")
  port = tonumber(port)
  local req = { stream = stream, headers = headers }
  if pod == "echo" or pod == "gone" then
    local started = monotime()
    local ok, err = pf.serve(req, "127.0.0.1", port, function()
      return pod == "echo" or monotime() - started < 0.5
    end)
    if not ok then
      respond(stream, 400, '{"kind":"Status","code":400,"message":"' .. err .. '"}')
    end
  elseif pod == "closed" then
    pf.serve(req, "127.0.0.1", 1, function() return true end)
  elseif pod == "cut" then
    cut(stream, headers)
  else
    respond(stream, 404, string.format('{"kind":"Status","apiVersion":"v1","status":"Failure",' ..
      '"reason":"NotFound","code":404,"message":"pods \\"%s\\" not found"}', tostring(pod)))
  end
end

assert(server:listen())
local _, _, api_port = server:localname()
io.stdout:write(api_port, " ", echo_port, "\n")
io.stdout:flush()
assert(server:loop())
