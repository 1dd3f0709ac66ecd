--- kwhisk.logs.collect: collecting one activation's logs (SPEC A7), from a record source as
-- records, or in C from a stream as the lines OpenWhisk stores: a byte limit with a
-- truncation notice, sentinels that end the activation and are never emitted, a notice when
-- the source ended (or failed) before the sentinels, and a wall-time cap.
local logline = require "kwhisk.logs.record"
local time = require "kwhisk.time"
local loop = require "kwhisk.loop"

local tonumber, format, error = tonumber, string.format, error

local collect = {}

--- The line every action runtime writes to stdout and stderr after each activation (one
-- definition, the C collector's: src/core/logcollect.h).
collect.SENTINEL = require("kwhisk.core_ffi").constants.sentinel
collect.DEFAULT_TIMEOUT = 2

local function notice(message)
  return logline.new(time.now(), "stderr", message)
end

function collect.truncation_notice(limit)
  return notice(format(
    "Logs were truncated because the total bytes size exceeds the limit of %d bytes.", limit))
end

function collect.missing_notice()
  return notice("There was an issue while collecting your logs. Data might be missing.")
end

--- Collects one activation. source(deadline) returns the next record; nil at its end; or
-- nil, err (err.deadline set when the deadline passed first; a log the server refused up to
-- then is its error, not a plain timeout). opts: limit (bytes),
-- wait_for_sentinel, timeout (seconds, default 2), on_record (called with every record that
-- passed the limit, sentinels included: the caller moves its cursor there).
-- Returns the records, the source's error when it failed (or nil), and whether both
-- sentinels were read (false when the limit, the time cap or the source's end came first).
function collect.activation(source, opts)
  local limit = tonumber(opts.limit)
  if not limit or limit < 0 then
    error("bad argument #2 to 'activation' (opts.limit: bytes expected)", 2)
  end
  local deadline = loop.now() + (opts.timeout or collect.DEFAULT_TIMEOUT)
  local records, n, used, sentinels = {}, 0, 0, 0
  local on_record, sentinel = opts.on_record, collect.SENTINEL
  while sentinels < 2 do
    local record, err = source(deadline)
    if not record then
      if err and err.deadline and err.kind == "timeout" then
        return records, nil, false -- the time cap: no notice, as the seed's takeWithin
      end
      if opts.wait_for_sentinel then
        records[n + 1] = collect.missing_notice()
      end
      return records, err, false
    end
    used = used + record:json_size() + 1 -- each record is one line of the stored log
    if used > limit then
      records[n + 1] = collect.truncation_notice(limit)
      return records, nil, false
    end
    if on_record then
      on_record(record)
    end
    if record.log == sentinel then
      sentinels = sentinels + 1
    else
      n = n + 1
      records[n] = record
    end
  end
  return records, nil, true
end

--- Collects one activation in C, as the lines OpenWhisk stores (record:formatted()): stream
-- is a kwhisk.logs stream whose sink is collector (kwhisk.logs.collector, made with the
-- limit). The rules and the results are activation()'s, with lines for records and the
-- notices formatted the same way. opts: limit, wait_for_sentinel, timeout.
function collect.activation_lines(stream, collector, opts)
  local ok, err = stream:pump(loop.now() + (opts.timeout or collect.DEFAULT_TIMEOUT))
  local lines, state = collector:lines(), collector:state()
  if state == "complete" then
    return lines, nil, true
  elseif state == "over_limit" then
    lines[#lines + 1] = collect.truncation_notice(opts.limit):formatted()
    return lines, nil, false
  elseif not ok and err and err.deadline and err.kind == "timeout" then
    return lines, nil, false -- the time cap: no notice
  end
  if opts.wait_for_sentinel then
    lines[#lines + 1] = collect.missing_notice():formatted()
  end
  return lines, err, false
end

return collect
