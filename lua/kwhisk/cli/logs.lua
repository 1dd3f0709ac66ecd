--- kwhisk.cli.logs: `kwhisk logs NAME`, prints a container's log records in SPEC A4's text
-- form (or, with --json, each record's JSON), once or followed (-f, or --poll for the seed's
-- polling). Either way the log streams through a kwhisk.logs writer: formatted in C,
-- written in large writes after every read (each line at once on a terminal), in bounded
-- memory whatever the log's size.
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"
local time = require "kwhisk.time"
local logs = require "kwhisk.logs"

local USAGE = [[
usage: kwhisk logs NAME [--since TIME] [-f] [--poll] [-o text|json] [cluster options]

Prints the log of the action container of pod NAME, one record a line:
`<time> <stream>: <text>`, or with -o json (or --json) `{"log":...,"stream":...,"time":...}`.
  --since TIME   only records after TIME: an RFC 3339 timestamp or a duration ago (5m, 30 s)
  -f, --follow   keep streaming (one request, resumed after drops) until the container stops
  --poll         keep polling with sinceTime instead (never ends; stop it with Ctrl-C)
  -o FORMAT      text (default) or json: each record's JSON form, one a line
]] .. args.CLUSTER_HELP

local OPTIONS = args.with({ ["--since"] = { "since", "value" }, ["-f"] = { "follow", "flag" },
  ["--follow"] = { "follow", "flag" }, ["--poll"] = { "poll", "flag" },
  }, args.OUTPUT, args.CLUSTER)

--- The time --since means: a timestamp, or now minus a duration; nil and a message if neither.
local function since_time(text)
  local t = time.parse(text)
  if t then return t end
  local seconds = require("kwhisk.config").parse_duration(text)
  if not seconds then
    return nil, "--since expects a timestamp or a duration like 5m, got '" .. text .. "'"
  end
  local whole = math.floor(seconds)
  return time.now():add(-whole - 1, math.floor((1 - (seconds - whole)) * 1e9))
end

local function arguments(argv)
  local opts, err = args.parse(argv, OPTIONS)
  if not opts then return nil, err end
  if #opts.positional ~= 1 then return nil, "expects NAME" end
  local bad = common.check_output(opts, { "text", "json" })
  if bad then return nil, bad end
  if opts.follow and opts.poll then return nil, "give -f or --poll, not both" end
  if opts.since then
    opts.since, err = since_time(opts.since)
    if not opts.since then return nil, err end
  end
  return opts
end

-- Formats what the reader has ready and writes it out.
local function pass_on(reader, writer)
  local ok, err = writer:drain(reader)
  if ok then ok, err = writer:flush() end
  return ok, err
end

-- The log as it is now: one GET, read as it arrives, records after since into the writer.
local function once(client, name, since, writer)
  local query = { timestamps = "true", container = "user-action" }
  if since then query.sinceTime = time.format(since, "seconds") end
  local response, err = client.pods:stream(name, "log", query)
  if not response then return nil, err end
  local reader, ok = assert(logs.reader({ since = since })), true
  while ok do
    local n
    n, err = response:feed(reader)
    if not n then break end
    ok, err = pass_on(reader, writer)
  end
  response:close()
  if err then return nil, err end
  reader:finish()
  return pass_on(reader, writer)
end

-- Follows (or polls) the log into the writer until it ends or a Ctrl-C/SIGTERM; returns ok,
-- err and, after an interruption, the exit status.
local function stream(client, name, opts, writer)
  local loop = require "kwhisk.loop"
  local interrupted, stop = common.interruptible("logs", "closing the stream")
  local it = client:logs({ id = name, name = name }, opts.since,
    { mode = opts.poll and "poll" or "follow", sink = writer })
  local ok, err = true, nil
  while not interrupted() do
    -- A short deadline, so an interruption is seen while no record comes.
    ok, err = it:pump(loop.now() + 0.2)
    if ok or not (err and err.deadline) then
      break
    end
    ok, err = true, nil
  end
  it:close()
  local signal = interrupted()
  stop()
  if signal then
    return true, nil, require("kwhisk.signals").status(signal)
  end
  return ok == true, err
end

return function(argv)
  if args.wants_help(argv) then return common.help(USAGE) end
  local opts, usage = arguments(argv)
  if not opts then return common.usage_error("logs", usage) end
  local client, cerr = common.client(opts)
  if not client then return common.fail("logs", cerr) end
  io.stdout:flush() -- the writer writes to the descriptor, past io.stdout's buffer
  local writer = assert(logs.writer({ format = opts.output == "json" and "json" or "text" }))
  local name, ok, err, status = opts.positional[1]
  if opts.follow or opts.poll then
    ok, err, status = stream(client, name, opts, writer)
  else
    ok, err = once(client, name, opts.since, writer)
  end
  return ok and (status or common.OK) or common.fail("logs", err)
end
