--- kwhisk.sim.runtime: the OpenWhisk-style action runtime of the image `kwhisk/action-lua`,
-- run by the sim as a child process per pod on podIP:8080. `POST /init` loads Lua source,
-- `POST /run` calls its main(params) and answers the result as JSON; what the action prints
-- goes to the pod's CRI log, followed by the activation sentinel on stdout and stderr.
local json = require "kwhisk.json"
local podlog = require "kwhisk.sim.podlog"

local runtime = {}

local SENTINEL = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"

local function reply(stream, code, body)
  local headers = require("http.headers").new()
  headers:append(":status", tostring(code))
  headers:append("content-type", "application/json")
  local text = json.encode(body)
  headers:append("content-length", tostring(#text))
  stream:write_headers(headers, false)
  stream:write_chunk(text, true)
end

-- The globals an action sees: the real ones, with print and io.stdout/io.stderr sent to the log.
local function action_env(log)
  local function sink(stream)
    return { write = function(self, ...)
      local parts = { ... }
      for i = 1, select("#", ...) do
        parts[i] = tostring(parts[i])
      end
      log:write(stream, table.concat(parts))
      return self
    end }
  end
  local io_proxy = setmetatable({ stdout = sink("stdout"), stderr = sink("stderr") },
    { __index = io })
  io_proxy.write = function(...) return io_proxy.stdout:write(...) end
  local env = { io = io_proxy }
  env.print = function(...)
    local parts = { ... }
    for i = 1, select("#", ...) do
      parts[i] = tostring(parts[i])
    end
    log:write("stdout", table.concat(parts, "\t") .. "\n")
  end
  return setmetatable(env, { __index = _G })
end

local function value_of(stream)
  local body = stream:get_body_as_string(60)
  local msg, err = json.decode(body or "")
  if type(msg) ~= "table" or type(msg.value) ~= "table" then
    return nil, "the body must be a JSON object with an object \"value\"" ..
      (err and (": " .. tostring(err)) or "")
  end
  return msg.value
end

local function init(state, stream)
  if state.main then
    return reply(stream, 403, { error = "Cannot initialize the action more than once." })
  end
  local value, err = value_of(stream)
  if not value then
    return reply(stream, 400, { error = err })
  end
  if type(value.code) ~= "string" then
    return reply(stream, 502, { error = "The action failed to generate or locate a binary. "
      .. "See logs for details." })
  end
  local chunk, cerr = load(value.code, "=action", "t", state.env)
  local ok = chunk and pcall(chunk)
  local main = ok and state.env[value.main or "main"]
  if type(main) ~= "function" then
    state.log:write("stderr", tostring(cerr or "main function not found") .. "\n")
    return reply(stream, 502, { error = "Initialization has failed due to: "
      .. tostring(cerr or ("function " .. tostring(value.main or "main") .. " not found")) })
  end
  state.main = main
  reply(stream, 200, { ok = true })
end

local function run(state, stream)
  if not state.main then
    return reply(stream, 403, { error = "The action was not initialized." })
  end
  local value, err = value_of(stream)
  if not value then
    return reply(stream, 400, { error = err })
  end
  local ok, result = pcall(state.main, value)
  state.log:write("stdout", SENTINEL .. "\n")
  state.log:write("stderr", SENTINEL .. "\n")
  if not ok then
    return reply(stream, 502, { error = "An error has occurred: " .. tostring(result) })
  end
  if type(result) ~= "table" then
    return reply(stream, 502, { error = "The action did not return a dictionary." })
  end
  reply(stream, 200, result)
end

--- Serves the runtime on host:port, logging to the CRI file log_path, until killed or until
-- the process parent_pid (the sim that forked it) is gone. SIGTERM is ignored, as by a PID 1
-- without a handler, which OpenWhisk's runtime images are: only the SIGKILL at the grace
-- period's end stops it. opts: max_size, max_files, interval (log rotation, podlog.writer).
function runtime.main(host, port, log_path, parent_pid, opts)
  local signal = require "posix.signal"
  -- SIGKILL: a suspended (stopped) runtime would only keep any other signal pending.
  require("kwhisk.sim.lifeline").die_with_parent(parent_pid, signal.SIGKILL)
  signal.signal(signal.SIGTERM, signal.SIG_IGN)
  local log = assert(podlog.writer(log_path, opts))
  local state = { log = log, env = action_env(log) }
  local server = assert(require("http.server").listen({
    -- tls = false: otherwise lua-http makes a self-signed key for every runtime (~0.2 s).
    host = host, port = port, reuseaddr = true, tls = false,
    onstream = function(_, stream)
      local headers = stream:get_headers()
      local path, method = headers:get(":path"), headers:get(":method")
      if method == "POST" and path == "/init" then
        return init(state, stream)
      elseif method == "POST" and path == "/run" then
        return run(state, stream)
      end
      reply(stream, 404, { error = "not found: " .. method .. " " .. path })
    end,
  }))
  assert(server:listen())
  assert(server:loop())
end

return runtime
