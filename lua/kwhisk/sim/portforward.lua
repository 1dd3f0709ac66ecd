--- kwhisk.sim.portforward: the sim's `pods/{name}/portforward?ports=N`. It upgrades the
-- request to a WebSocket (subprotocol v4.channel.k8s.io, or portforward.k8s.io) and
-- forwards to the pod's address with Kubernetes' channel protocol: channel 0 data, channel
-- 1 error text, each channel's first message carrying the port (2 bytes, little-endian).
-- When the pod goes away while a connection is open, the error channel says so.
local cqueues = require "cqueues"
local condition = require "cqueues.condition"
local socket = require "cqueues.socket"
local websocket = require "http.websocket"

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

-- The pod's bytes to the client, until the pod's side ends or the forward is over.
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
  state.finish()
  state.closed = true
  state.sock:close() -- here only: this coroutine is the socket's one reader
end

-- The client's data channel to the pod, until the client closes the WebSocket.
local function client_to_pod(state)
  while true do
    local data, opcode = state.ws:receive()
    if not data then
      break
    end
    if opcode == "binary" and byte(data, 1) == 0 and #data > 1 then
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
  local called, ok, cerr = pcall(sock.connect, sock, 5) -- raises on a refusal
  if not called then
    ok, cerr = false, ok
  end
  local state = { ws = ws, sock = sock }
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
        state.finish(format("error forwarding port %d to pod: the pod is gone", port))
      end
    end
  end)
  client_to_pod(state)
  return true
end

return M
