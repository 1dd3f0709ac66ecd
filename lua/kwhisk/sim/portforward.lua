--- kwhisk.sim.portforward: the sim's `pods/{name}/portforward?ports=N`. It upgrades the
-- request to a WebSocket (subprotocol v4.channel.k8s.io, or portforward.k8s.io) and
-- forwards to the pod's address with Kubernetes' channel protocol: channel 0 data, channel
-- 1 error text, each channel's first message carrying the port (2 bytes, little-endian).
-- When the pod goes away while a connection is open, the error channel says so. M.route is
-- the sim's API route; M.serve the protocol alone (spec/helpers/pfserver.lua uses it too).
local cqueues = require "cqueues"
local condition = require "cqueues.condition"
local socket = require "cqueues.socket"
local websocket = require "http.websocket"
local status = require "kwhisk.sim.status"

local char, byte, sub, format, floor = string.char, string.byte, string.sub, string.format,
  math.floor

local M = {}

M.protocols = { "v4.channel.k8s.io", "portforward.k8s.io" }

-- How often an open forward checks that its pod still exists.
local ALIVE_INTERVAL = 0.1
local READ_CHUNK = 65536

-- Serialises whole frames from the coroutines that write to one WebSocket.
local function sender(ws)
  local busy, cond = false, condition.new()
  return function(frame_or_data)
    while busy do
      cond:wait()
    end
    busy = true
    local ok, err
    if type(frame_or_data) == "table" then
      ok, err = ws:send_frame(frame_or_data)
    else
      ok, err = ws:send(frame_or_data, "binary")
    end
    busy = false
    cond:signal()
    return ok, err
  end
end

local function gone_text(port)
  return format("error forwarding port %d to pod: the pod is gone", port)
end

-- The pod's bytes to the client, until the pod's side ends or the forward is over. An end
-- because the pod is being deleted (its process killed) is an error, not a clean close.
local function pod_to_client(state, send)
  while not state.over do
    local data = state.sock:read(-READ_CHUNK)
    if not data then
      break
    end
    if not send("\0" .. data) then
      break
    end
  end
  state.finish(not state.over and not state.alive() and gone_text(state.port) or nil)
  state.closed = true
  state.sock:close() -- here only: this coroutine is the socket's one reader
end

-- The next n bytes of sock, left in its buffer; nil when the connection ends first.
local function peek(sock, n)
  if not sock:fill(n) then
    return nil
  end
  local bytes = sock:xread(n, "b", 0)
  sock:unget(bytes)
  return bytes
end

-- Waits until the next frame is buffered whole. lua-http 0.4 reads the payload of a frame
-- with a 16-bit length without waiting for it (read_frame leaves the length out of what it
-- fills), so a frame whose tail comes in a later segment would fail the WebSocket.
local function buffer_frame(sock)
  local head = peek(sock, 2)
  if not head then
    return
  end
  local len, size = byte(head, 2) % 128, byte(head, 2) >= 128 and 6 or 2
  if len == 126 then
    local ext = peek(sock, 4)
    if not ext then
      return
    end
    len, size = byte(ext, 3) * 256 + byte(ext, 4), size + 2
  elseif len == 127 then
    return -- read_frame waits for these whole itself
  end
  sock:fill(size + len)
end

-- The client's data channel to the pod, until the client closes the WebSocket.
local function client_to_pod(state)
  while true do
    buffer_frame(state.ws.socket)
    local data, opcode = state.ws:receive()
    if not data then
      break
    end
    if opcode == "binary" and byte(data, 1) == 0 and #data > 1 and not state.closed then
      if not state.sock:write(sub(data, 2)) or not state.sock:flush() then
        break
      end
    end
  end
  state.over = true
  if not state.closed then
    state.sock:shutdown()
  end
end

--- Serves one upgraded request: req is the sim's request (kwhisk.sim.http), host and port
-- where the pod listens, alive() whether the pod still exists. Returns nil, message when
-- the request is not a WebSocket upgrade (the caller answers 400).
function M.serve(req, host, port, alive)
  local ws, err = websocket.new_from_stream(req.stream, req.headers)
  if not ws then
    return nil, err
  end
  if not ws:accept({ protocols = M.protocols }) then
    return true
  end
  local send = sender(ws)
  local prefix = char(port % 256, floor(port / 256))
  send("\0" .. prefix)
  send("\1" .. prefix)
  local sock = socket.connect({ host = host, port = port, nodelay = true })
  sock:onerror(function(_, _, code) return code end) -- a pod's reset is an answer, not a raise
  local called, ok, cerr = pcall(sock.connect, sock, 5) -- raises on a refusal
  if not called then
    ok, cerr = false, ok
  end
  local state = { ws = ws, sock = sock, port = port, alive = alive }
  local finished = false
  function state.finish(text)
    if finished then
      return
    end
    finished = true
    state.over = true
    if text then
      send("\1" .. text)
    end
    send(websocket.build_close(1000, nil, false))
    if not state.closed then
      sock:shutdown()
    end
  end
  if not ok then
    state.closed = true
    state.finish(format("error forwarding port %d to pod: dial tcp %s:%d: %s", port, host, port,
      tostring(cerr)))
    client_to_pod(state)
    sock:close()
    return true
  end
  sock:setmode("b", "b")
  local cq = cqueues.running()
  cq:wrap(pod_to_client, state, send)
  cq:wrap(function()
    while not state.over do
      cqueues.sleep(ALIVE_INTERVAL)
      if not state.over and not alive() then
        state.finish(gone_text(port))
      end
    end
  end)
  client_to_pod(state)
  return true
end

-- True when the client asks for SPDY (kubectl port-forward: a POST upgrade, or SPDY tunnelled
-- in a WebSocket).
local function spdy(headers)
  local wanted = (headers:get("upgrade") or "") .. " " ..
    (headers:get("sec-websocket-protocol") or "")
  return wanted:upper():find("SPDY", 1, true) ~= nil or headers:has("x-stream-protocol-version")
end

--- The sim's route `pods/{name}/portforward?ports=N`: the pod must exist, be scheduled and
-- have an address; one port per request (the client opens one WebSocket per connection).
-- The pod counts as gone from its deletion on (its runtime is killed at once).
function M.route(sim, req, ns, name)
  local pod = sim.cluster.store:get("pods", ns, name)
  if not pod then
    return req:fail(status.not_found("pods", name))
  end
  if spdy(req.headers) then
    return req:fail(status.new(400, "the sim serves port-forward over WebSocket "
      .. "(v4.channel.k8s.io) only, not SPDY"))
  end
  local ports = req.query.ports
  local port = tonumber(ports or "")
  if not port or port ~= floor(port) or port < 1 or port > 65535 then
    return req:fail(status.new(400, ports and ("invalid port \"" .. ports .. "\": the sim "
      .. "forwards one port (1-65535) per request") or "query parameter \"ports\" is required"))
  end
  if not pod.spec.nodeName then
    return req:fail(status.new(400, "pod " .. name .. " does not have a host assigned"))
  end
  if not pod.status.podIP or pod.metadata.deletionTimestamp then
    return req:fail(status.new(400, "pod " .. name .. " is not running"))
  end
  local ok, err = M.serve(req, pod.status.podIP, port, function()
    return not pod.gone and not pod.metadata.deletionTimestamp
  end)
  if not ok then
    req:fail(status.new(400, "unable to upgrade connection: " .. tostring(err)))
  end
end

return M
