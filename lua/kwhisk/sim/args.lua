--- kwhisk.sim.args: the command line of `kwhisk sim`, parsed into the options of
-- kwhisk.sim.server (nil and a usage message for bad input). The token comes from
-- --token-file or $KWHISK_SIM_TOKEN (or --token, which `ps` shows to every user).
local read_file = require("kwhisk.fs").read_file

local args = {}

args.TOKEN_ENV = "KWHISK_SIM_TOKEN"

args.USAGE = [[
usage: kwhisk sim [--port N] [--host 127.0.0.1] [--kubeconfig PATH] [--tls]
                  [--token-file PATH | --token T] [--namespace default] [--agent-port N]
                  [--pod-network N] [--split-streams] [--bookmark-interval SECONDS]
                  [--log-dir DIR] [--nodes FILE] [--time-scale F]
                  [--min-request-timeout SECONDS]
                  [--default-unreachable-toleration-seconds SECONDS]
                  [--status-lag SECONDS] [--container-log-max-size SIZE]
                  [--container-log-max-files N]
  The token may also come from $KWHISK_SIM_TOKEN.
]]

local FLAGS = { tls = true, ["split-streams"] = true }
local NUMBERS = { port = { 0, 65535 }, ["agent-port"] = { 0, 65535 },
  ["pod-network"] = { 2, 254 }, ["bookmark-interval"] = { 0.01, 3600 },
  ["time-scale"] = { 0.0001, 100 }, ["min-request-timeout"] = { 1, 86400 },
  ["default-unreachable-toleration-seconds"] = { 0, 86400 }, ["status-lag"] = { 0, 60 },
  ["container-log-max-files"] = { 2, 100 } }
local STRINGS = { host = true, kubeconfig = true, token = true, ["token-file"] = true,
  namespace = true, ["log-dir"] = true, nodes = true, ["container-log-max-size"] = true }

-- The kubelet's defaults (KubeletConfiguration): containerLogMaxSize 10Mi, MaxFiles 5.
args.LOG_MAX_SIZE, args.LOG_MAX_FILES = 10 * 1024 * 1024, 5

local function key(name)
  return (name:gsub("%-(%a)", string.upper))
end

-- The token from --token, --token-file (surrounding white space dropped, as kubectl reads a
-- token file) or the environment; nil when none is given, or nil and a message.
local function token(o, getenv)
  if o.token and o.tokenFile then
    return nil, "--token and --token-file exclude each other"
  end
  local t, from = o.token, "--token"
  if o.tokenFile then
    local text, err = read_file(o.tokenFile)
    if not text then
      return nil, "--token-file: cannot read " .. tostring(err)
    end
    t, from = text:match("^%s*(.-)%s*$"), "--token-file " .. o.tokenFile
  elseif not t then
    t, from = getenv(args.TOKEN_ENV), "$" .. args.TOKEN_ENV
    if t == nil or t == "" then
      return nil
    end
  end
  if not t:find("^[\33-\126]+$") then
    return nil, from .. ": the token must be printable ASCII without spaces"
  end
  return t
end

--- Parses argv (a list) with the environment read through getenv (default os.getenv);
-- returns the options table or nil, message.
function args.parse(argv, getenv)
  local o = { port = 0, host = "127.0.0.1", namespace = "default", agentPort = 3233,
    timeScale = 1, statusLag = 1, containerLogMaxSize = args.LOG_MAX_SIZE,
    containerLogMaxFiles = args.LOG_MAX_FILES }
  local i = 1
  while i <= #argv do
    local name, inline = argv[i]:match("^%-%-([%w-]+)=?(.*)$")
    if not name then
      return nil, "unexpected argument '" .. argv[i] .. "'"
    end
    if FLAGS[name] then
      o[key(name)] = true
    elseif NUMBERS[name] or STRINGS[name] then
      local v = argv[i]:find("=", 1, true) and inline or argv[i + 1]
      if not argv[i]:find("=", 1, true) then
        i = i + 1
      end
      if v == nil then
        return nil, "--" .. name .. " needs a value"
      end
      if NUMBERS[name] then
        local n, range = tonumber(v), NUMBERS[name]
        if not n or n < range[1] or n > range[2] then
          return nil, "--" .. name .. " must be a number from " .. range[1] .. " to "
            .. range[2] .. ", got '" .. v .. "'"
        end
        v = n
      elseif v == "" then
        return nil, "--" .. name .. " must not be empty"
      elseif name == "container-log-max-size" then
        local bytes = require("kwhisk.quantity").parse_size(v)
        if not bytes or bytes < 1024 then
          return nil, "--container-log-max-size must be a size of at least 1Ki (e.g. 10Mi), "
            .. "got '" .. v .. "'"
        end
        v = bytes
      end
      o[key(name)] = v
    else
      return nil, "unknown option '--" .. name .. "'"
    end
    i = i + 1
  end
  local t, err = token(o, getenv or os.getenv)
  if err then
    return nil, err
  end
  o.token, o.tokenFile = t, nil
  return o
end

return args
