--- Test HTTP servers for specs: httpd.start{ handler = "lua source", tls = {...} } runs
-- spec/helpers/httpd_server.lua in its own process on a free loopback port and returns
-- a server with url, port, requests() (everything it received, as tables) and stop().
-- The handler source returns function(request) -> action (see httpd_server.lua).
local shell = require "helpers.shell"

local httpd = {}

local Server = {}
Server.__index = Server

local write, read = shell.write, require("kwhisk.fs").read_file

--- Starts a server; options: handler (Lua source), tls = { cert, key, client_ca } (paths).
function httpd.start(options)
  local dir, cleanup = shell.tmpdir()
  local self = setmetatable({ dir = dir, cleanup = cleanup }, Server)
  write(dir .. "/handler.lua", options.handler)
  local tls = "nil"
  if options.tls then
    tls = string.format("{cert=%q,key=%q,client_ca=%s}", options.tls.cert, options.tls.key,
      options.tls.client_ca and string.format("%q", options.tls.client_ca) or "nil")
  end
  write(dir .. "/config.lua", string.format("return {handler=%q,log=%q,tls=%s}",
    dir .. "/handler.lua", dir .. "/requests.log", tls))
  write(dir .. "/requests.log", "")
  local command = string.format("luajit spec/helpers/httpd_server.lua %s >%s 2>%s & echo $!",
    shell.quote(dir .. "/config.lua"), shell.quote(dir .. "/port"), shell.quote(dir .. "/err"))
  local pipe = assert(io.popen(command))
  self.pid = assert(tonumber(pipe:read("*l")), "cannot start the test server")
  pipe:close()
  for _ = 1, 500 do
    local port = tonumber((read(dir .. "/port") or ""):match("^(%d+)\n"))
    if port then
      self.port = port
      self.url = (options.tls and "https" or "http") .. "://127.0.0.1:" .. port
      return self
    end
    os.execute("sleep 0.01")
  end
  self:stop()
  error("the test server did not start: " .. (read(dir .. "/err") or "?"))
end

--- Every request received so far: { method, path, headers, body }.
function Server:requests()
  return assert(load("return {" .. read(self.dir .. "/requests.log") .. "}"))()
end

--- What the server printed on stderr (its own errors).
function Server:errors()
  return read(self.dir .. "/err") or ""
end

function Server:stop()
  if self.pid then
    os.execute("kill " .. self.pid .. " 2>/dev/null")
    self.pid = nil
    self.cleanup()
  end
end

return httpd
