--- kwhisk.sim.podlog: container log files in the CRI format (`<RFC3339Nano> <stream> <P|F>
-- <text>`), written as a container runtime writes them (lines longer than 16 KiB split into P
-- records and a final F) and read back as the kubelet reads them (P records joined again),
-- plus the kubelet's selection rules for `pods/log` (sinceTime, sinceSeconds, tailLines, stream).
-- Files rotate as the kubelet's container log manager rotates them
-- (pkg/kubelet/logs/container_log_manager.go): a file past max_size, looked at once per
-- monitor interval, is renamed to `<path>.<time>` and a new one started; at most max_files
-- files per container are kept.
local ktime = require "kwhisk.time"
local stat = require "posix.sys.stat"
local stdio = require "posix.stdio"
local dirent = require "posix.dirent"

local podlog = {}

--- The runtime's maximum record size; longer lines are split.
podlog.CHUNK = 16384

local writer = {}
writer.__index = writer

--- The kubelet's defaults: containerLogMaxSize 10 MiB, containerLogMaxFiles 5.
podlog.MAX_SIZE, podlog.MAX_FILES = 10 * 1024 * 1024, 5

--- The kubelet's containerLogMonitorInterval: files are looked at (and rotated) this often.
podlog.MONITOR_INTERVAL = 10

local function seconds_now()
  local t = ktime.now()
  return t.sec + t.nsec / 1e9
end

--- A writer appending to the CRI log file at path (created if missing). opts: max_size
-- (bytes before the file rotates), max_files (files kept, the current one included),
-- interval (seconds between two rotations at most, the kubelet's monitor interval).
function podlog.writer(path, opts)
  opts = opts or {}
  local f, err = io.open(path, "ab")
  if not f then
    return nil, err
  end
  f:setvbuf("no")
  return setmetatable({ path = path, file = f, size = f:seek("end"),
    max_size = opts.max_size or podlog.MAX_SIZE, max_files = opts.max_files or podlog.MAX_FILES,
    interval = opts.interval or podlog.MONITOR_INTERVAL, checked = seconds_now(),
    pending = { stdout = "", stderr = "" } }, writer)
end

--- The rotated files of the log at path, oldest first.
function podlog.rotated(path)
  local dir, base = path:match("^(.*)/([^/]+)$")
  local out = {}
  for name in dirent.files(dir) do
    if name:sub(1, #base + 1) == base .. "." then
      out[#out + 1] = dir .. "/" .. name
    end
  end
  table.sort(out)
  return out
end

-- Renames the full file to <path>.<UTC time with nanoseconds>, opens a new one and removes
-- the oldest rotated files beyond max_files - 1.
function writer:rotate()
  self.file:close()
  local t = ktime.now()
  os.rename(self.path, self.path .. "." .. os.date("!%Y%m%d-%H%M%S", t.sec)
    .. string.format(".%09d", t.nsec))
  local old = podlog.rotated(self.path)
  for i = 1, #old - (self.max_files - 1) do
    os.remove(old[i])
  end
  self.file = assert(io.open(self.path, "ab"))
  self.file:setvbuf("no")
  self.size = 0
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
  if self.size >= self.max_size and seconds_now() - self.checked >= self.interval then
    self.checked = seconds_now()
    self:rotate()
  end
  local data = table.concat(out)
  self.file:write(data)
  self.size = self.size + #data
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

--- A reader of the CRI log file at path that returns logical lines as they complete. It
-- keeps the file open, so a follower reads a rotated file to its end and then goes on with
-- the new one, as the kubelet's ReadLogs does (pkg/kubelet/kuberuntime/logs/logs.go).
function podlog.reader(path)
  return setmetatable({ path = path, joined = {} }, reader)
end

local function inode(st)
  return st and (st.st_dev .. ":" .. st.st_ino)
end

-- Reads what the open file has beyond what was read; opens the file at path (default the
-- log's own path) first if none is open.
function reader:read_open(path)
  if not self.file then
    self.file = io.open(path or self.path, "rb")
    if not self.file then
      return ""
    end
    -- the open file's own inode, whatever its name is now (Linux's /proc/self/fd)
    self.inode = inode(stat.stat("/proc/self/fd/" .. stdio.fileno(self.file)))
  end
  return self.file:read("*a") or ""
end

-- The file written after the open one, which has been rotated: the next rotated file (the
-- oldest left, when the open one was removed already), or the log's own path.
function reader:next_file()
  local old = podlog.rotated(self.path)
  for i, name in ipairs(old) do
    if inode(stat.stat(name)) == self.inode then
      return old[i + 1] or self.path
    end
  end
  return old[1] or self.path
end

--- Stops reading (closes the file).
function reader:close()
  if self.file then
    self.file:close()
    self.file = nil
  end
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
  local data = self:read_open()
  while self.file and inode(stat.stat(self.path)) ~= self.inode do
    -- rotated: the old file is read to its end, then each newer one from its start
    local after = self:next_file()
    self:close()
    data = data .. self:read_open(after)
  end
  data = (self.rest or "") .. data
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
  self.rest = data:sub(start)
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
