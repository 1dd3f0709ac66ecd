--- kwhisk.cli.common: what the subcommands share: their exit statuses, usage errors (one line
-- and a hint, exit 2), failures (the error's kind and message, exit 1), the client built from
-- the cluster options, and printing data as text, JSON or YAML. Data goes to stdout,
-- diagnostics to stderr.
local common = {}

common.OK, common.FAILED, common.USAGE = 0, 1, 2

--- Reports a usage error of command; returns exit status 2.
function common.usage_error(command, message)
  io.stderr:write("kwhisk ", command, ": ", message, "; see 'kwhisk ", command, " --help'\n")
  return common.USAGE
end

--- Reports a failure (an error value or a string); returns exit status 1.
function common.fail(command, err)
  local message = tostring(err)
  local kind = type(err) == "table" and err.kind
  if kind and message:sub(1, #kind) ~= kind then
    message = kind .. ": " .. message
  end
  io.stderr:write("kwhisk ", command, ": ", message, "\n")
  return common.FAILED
end

--- Prints help text and returns 0.
function common.help(text)
  io.stdout:write(text)
  return common.OK
end

--- The configuration the cluster options name: --config, then --kubeconfig, --context and
-- -n over it; a misspelled CONFIG_whisk_kubernetes_* variable is warned about on stderr.
-- Returns it, or nil and an error value.
function common.config(opts)
  local config = require "kwhisk.config"
  for _, warning in ipairs(config.env_warnings()) do
    io.stderr:write("kwhisk: warning: ", warning, "\n")
  end
  local cfg, err = config.load(opts.config)
  if not cfg then return nil, err end
  cfg.kubeconfig = opts.kubeconfig or cfg.kubeconfig
  cfg.context = opts.context or cfg.context
  cfg["action-namespace"] = opts.namespace or cfg["action-namespace"]
  return cfg
end

--- SIGINT/SIGTERM while command works: the first is said once ("interrupted; <doing>") and
-- left to the command's cleanup; a second exits at once. Returns interrupted() (the first
-- signal's number, or nil) and a function that stops the watching.
function common.interruptible(command, doing)
  return require("kwhisk.signals").interruptible(function()
    io.stderr:write("kwhisk ", command, ": interrupted; ", doing, " (again to force)\n")
  end, function()
    io.stderr:write("kwhisk ", command, ": forced: exiting now\n")
  end)
end

local function quiet() end

--- A client for the cluster options. With --verbose every API call and the client's own log
-- (which repeats the failures a command reports anyway) go to stderr. Returns the client,
-- or nil and an error value.
function common.client(opts)
  local cfg, err = common.config(opts)
  if not cfg then return nil, err end
  local log, api = quiet, {}
  if opts.verbose then
    log = function(line) io.stderr:write("kwhisk: ", line, "\n") end
    api.log = function(line) io.stderr:write("kwhisk: api: ", line, "\n") end
  end
  return require("kwhisk.client").new(cfg, { log = log, api = api })
end

--- Checks -o: nil when fine, else a message. allowed: a list of formats. --json is -o json.
function common.check_output(opts, allowed)
  if opts.json then
    if opts.output and opts.output ~= "json" then return "give -o or --json, not both" end
    opts.output = "json"
  end
  if opts.output == nil then return nil end
  for _, f in ipairs(allowed) do
    if opts.output == f then return nil end
  end
  return "-o must be " .. table.concat(allowed, " or ") .. ", got '" .. opts.output .. "'"
end

-- Compact JSON text indented two spaces a level (as kubectl prints JSON).
local function indent(text)
  local out, depth, i, n = {}, 0, 1, #text
  local function newline() return "\n" .. ("  "):rep(depth) end
  while i <= n do
    local c = text:sub(i, i)
    if c == '"' then
      local j = i + 1
      while true do
        local q = text:find('["\\]', j)
        if text:sub(q, q) == '"' then j = q break end
        j = q + 2
      end
      out[#out + 1], i = text:sub(i, j), j + 1
    elseif (c == "{" or c == "[") and text:sub(i + 1, i + 1) == (c == "{" and "}" or "]") then
      out[#out + 1], i = text:sub(i, i + 1), i + 2
    elseif c == "{" or c == "[" then
      depth = depth + 1
      out[#out + 1], i = c .. newline(), i + 1
    elseif c == "}" or c == "]" then
      depth = depth - 1
      out[#out + 1], i = newline() .. c, i + 1
    elseif c == "," then
      out[#out + 1], i = "," .. newline(), i + 1
    elseif c == ":" then
      out[#out + 1], i = ": ", i + 1
    else
      local j = text:find('[%[%]{},:"]', i) or n + 1
      out[#out + 1], i = text:sub(i, j - 1), j
    end
  end
  return table.concat(out)
end

local ffi = require "ffi"
ffi.cdef "int isatty(int fd);"

--- Whether stdout is a terminal.
function common.stdout_is_tty()
  return ffi.C.isatty(1) == 1
end

--- object as JSON (indented on a terminal, else one line) or a YAML document.
function common.encode(object, format)
  if format == "json" then
    local text = require("kwhisk.json").encode(object)
    return (common.stdout_is_tty() and indent(text) or text) .. "\n"
  end
  return (require("kwhisk.yaml").dump(object):gsub("^%-%-%-\n", ""))
end

return common
