--- kwhisk.sim.podlog: container log files in the CRI format (`<RFC3339Nano> <stream> <P|F>
-- <text>`), written as a container runtime writes them (lines longer than 16 KiB split into P
-- records and a final F) and read back as the kubelet reads them (P records joined again),
-- plus the kubelet's selection rules for `pods/log` (sinceTime, sinceSeconds, tailLines, stream).
local ktime = require "kwhisk.time"

local podlog = {}

--- The runtime's maximum record size; longer lines are split.
podlog.CHUNK = 16384

local writer = {}
writer.__index = writer

--- A writer appending to the CRI log file at path (created if missing).
function podlog.writer(path)
  local f, err = io.open(path, "ab")
  if not f then
    return nil, err
  end
  f:setvbuf("no")
  return setmetatable({ file = f, pending = { stdout = "", stderr = "" } }, writer)
end

--- Writes one logical line (no newline in text) to stream, split into 16 KiB records.
function writer:line(stream, text)
  local stamp = ktime.format(ktime.now(), "fixed")
  local out, n, chunk = {}, #text, podlog.CHUNK
  local i = 1
  repeat
    local last = i + chunk > n
    out[#out + 1] = stamp .. " " .. stream .. (last and " F " or " P ")
      .. text:sub(i, i + chunk - 1) .. "\n"
    i = i + chunk
  until last
  self.file:write(table.concat(out))
end

--- Writes bytes to stream: every complete line becomes records; a trailing partial line waits
-- for its newline (or for close).
function writer:write(stream, data)
  local buf = self.pending[stream] .. data
  local start = 1
  for line, stop in buf:gmatch("([^\n]*)\n()") do
    self:line(stream, line)
    start = stop
  end
  self.pending[stream] = buf:sub(start)
end

--- Flushes partial lines and closes the file.
function writer:close()
  for stream, rest in pairs(self.pending) do
    if rest ~= "" then
      self:line(stream, rest)
    end
  end
  self.file:close()
end

local reader = {}
reader.__index = reader

--- A reader of the CRI log file at path that returns logical lines as they complete.
function podlog.reader(path)
  return setmetatable({ path = path, offset = 0, joined = {} }, reader)
end

local function parse_record(line)
  local stamp, stream, tag, text = line:match("^(%S+) (%S+) ([PF]) (.*)$")
  if not stamp then
    stamp, stream, tag = line:match("^(%S+) (%S+) ([PF])$")
    text = ""
  end
  local t = stamp and ktime.parse(stamp)
  if t then
    return t, stream, tag, text
  end
end

--- The logical lines ({time, stream, text}) completed since the last call, in file order.
function reader:poll()
  local out = {}
  local f = io.open(self.path, "rb")
  if not f then
    return out
  end
  f:seek("set", self.offset)
  local data = f:read("*a") or ""
  f:close()
  local start = 1
  for line, stop in data:gmatch("([^\n]*)\n()") do
    start = stop
    local t, stream, tag, text = parse_record(line)
    if t then
      local parts = self.joined[stream]
      if tag == "P" then
        parts = parts or {}
        parts[#parts + 1] = text
        self.joined[stream] = parts
      else
        if parts then
          parts[#parts + 1] = text
          text = table.concat(parts)
          self.joined[stream] = nil
        end
        out[#out + 1] = { time = t, stream = stream, text = text }
      end
    end
  end
  self.offset = self.offset + start - 1
  return out
end

--- Keeps the lines a `pods/log` request asks for. opts: since (a time, truncated to the
-- second and inclusive, as the API server does), stream ("stdout"/"stderr"/nil), tail (count).
function podlog.select(lines, opts)
  local out = {}
  local since = opts.since
  for _, l in ipairs(lines) do
    if (not since or l.time.sec >= since.sec) and (not opts.stream or l.stream == opts.stream) then
      out[#out + 1] = l
    end
  end
  local tail = opts.tail
  if tail and #out > tail then
    local kept = {}
    for i = #out - tail + 1, #out do
      kept[#kept + 1] = out[i]
    end
    out = kept
  end
  return out
end

--- One line of `pods/log` output: `[<timestamp> ]<text>\n`, the timestamp in style
-- ("fixed": 9 digits, "trimmed": Go's RFC3339Nano) at offset_minutes from UTC.
function podlog.render(line, timestamps, style, offset_minutes)
  if not timestamps then
    return line.text .. "\n"
  end
  return ktime.format(line.time, style or "fixed", offset_minutes or 0) .. " " .. line.text .. "\n"
end

return podlog
