--- kwhisk.logs.merge: a container's stdout and stderr told apart (SPEC C7). Where the API
-- server honours `stream=` (the PodLogsQuerySplitStreams gate), two kwhisk.logs.stream streams,
-- `Stdout` and `Stderr`, are read at once and merged into one sequence in time order, each
-- record's `stream` set; elsewhere one stream of `stdout` records, as the seed.
--
--   local it = logmerge.open(client, container, since, opts)   -- opts: logstream's, and
--   for record in it do ... end                                 -- grace (seconds, 0.02)
--   it(deadline); it:cursor() -> {stdout = c1, stderr = c2}; it.requests, it.bytes, it.gaps
--   (rotations past a cursor, kwhisk.logs.stream); it:close()
--
-- Order across the two streams needs patience: a record is handed out once the other stream
-- has a later one, has ended, or surely has nothing earlier. A followed stream is taken to
-- have nothing earlier once it has been connected for `grace` after the record arrived (its
-- earlier line would be on its way); while it reconnects after a cut, the record waits. A
-- larger grace orders lines whose ways here differ more; every record waits for it while
-- the other stream is quiet, so it is also added latency. A polled stream must have finished
-- a GET begun after the record arrived (up to a poll pause of latency). Records of one
-- stream keep their order whatever the grace.
local loop = require "kwhisk.loop"
local errors = require "kwhisk.errors"
local logstream = require "kwhisk.logs.stream"

local type, pairs, ipairs, error, setmetatable, min = type, pairs, ipairs, error, setmetatable,
  math.min
local now = loop.now

local logmerge = {}

logmerge.DEFAULT_GRACE = 0.02
-- How long one read of a stream waits before its task looks whether the merge was closed.
local SLICE = 1
local NAMES = { "stdout", "stderr" }

local Merged = {}
Merged.__index = Merged

local function probe_answer(err)
  return err.code == 422 and err.message:find("`tailLines` and specific `stream`", 1, true)
end

--- Whether the client's API server honours `stream=`: true or false (remembered by the
-- client), or nil and the error of the probe. The probe, `stream=Stdout&tailLines=0`, is
-- refused with a 422 naming both fields only by a server with the gate; one without it
-- refuses `stream` itself (1.32 on) or ignores it (200, older servers).
function logmerge.supported(client, c)
  if client.split_streams ~= nil then
    return client.split_streams
  end
  local ok, err = client.pods:get(c.id, "log",
    { container = "user-action", stream = "Stdout", tailLines = "0" })
  if ok then
    client.split_streams = false
  elseif err.code == 422 then
    client.split_streams = probe_answer(err) and true or false
  else
    return nil, err
  end
  return client.split_streams
end

local function check_opts(opts)
  if type(opts) ~= "table" then
    error("bad argument #3 to 'logs' (table expected, got " .. type(opts) .. ")", 4)
  end
  if opts.stream ~= nil then
    error("bad argument #3 to 'logs' (opts.stream and opts.streams exclude each other)", 4)
  end
  if opts.seed then
    error("bad argument #3 to 'logs' (opts.seed and opts.streams exclude each other)", 4)
  end
  if opts.grace ~= nil and (type(opts.grace) ~= "number" or opts.grace < 0) then
    error("bad argument #3 to 'logs' (opts.grace: seconds expected)", 4)
  end
end

--- Opens the merged iterator; nothing is requested until the first record is asked for.
-- opts.resume: a cursor of an earlier merged iterator ({stdout =, stderr =}).
function logmerge.open(client, c, since, opts)
  check_opts(opts)
  local resume = opts.resume or {}
  return setmetatable({ client = client, c = c, since = since, opts = opts,
    grace = opts.grace or logmerge.DEFAULT_GRACE, requests = 0, bytes = 0, gaps = 0, probes = 0,
    subs = {}, heads = {}, fetches = {}, ended = {}, seq = 0,
    cursors = { stdout = resume.stdout, stderr = resume.stderr } }, Merged)
end

function Merged:__tostring()
  return "kwhisk merged log stream (" .. self.c.id .. ")"
end

-- The sub-streams' options: the caller's, with stream and its own resume cursor.
local function sub_opts(opts, name, resume)
  local o = {}
  for k, v in pairs(opts) do
    o[k] = v
  end
  o.streams, o.grace, o.stream, o.resume = nil, nil, name, resume
  return o
end

-- Probes the server once per client, then opens the two streams, or the one mixed stream.
function Merged:start()
  local asked = self.client.split_streams == nil
  local split, err = logmerge.supported(self.client, self.c)
  if asked then
    self.probes = self.probes + 1
  end
  if split == nil then
    return nil, err
  end
  if split then
    for _, name in ipairs(NAMES) do
      self.subs[name] = logstream.open(self.client, self.c, self.since,
        sub_opts(self.opts, name, self.cursors[name]))
    end
  else
    local o = sub_opts(self.opts, nil, self.cursors.stdout)
    self.subs.stdout = logstream.open(self.client, self.c, self.since, o)
    self.ended.stderr = true
  end
  self.started = true
  return true
end

-- One record of a sub-stream, read in a task of its own; a deadline only so that the task
-- ends once the merge is closed. A slice that ended on a log the server refuses is kept, so
-- the merge's own deadline reports that error rather than a plain timeout.
local function fetch(self, sub)
  while true do
    local record, err = sub(now() + SLICE)
    if record or not (err and err.deadline) or self.closed then
      self.refused = nil
      return record, err
    end
    if err.kind ~= "timeout" then
      self.refused = err
    end
  end
end

-- Moves finished reads to the heads (with the stream's cursor after them), or marks the
-- stream ended or failed.
function Merged:harvest()
  for name, task in pairs(self.fetches) do
    if task.done then
      self.fetches[name] = nil
      local record, err = task:wait()
      if record then
        self.seq = self.seq + 1
        self.heads[name] = { record = record, cursor = self.subs[name]:cursor(),
          arrived = now(), seq = self.seq }
      elseif err then
        self.failed = err
      else
        self.ended[name] = true
      end
    end
  end
end

local function earlier(a, b)
  local ta, tb = a.record.time, b.record.time
  if ta == tb then
    return a.seq < b.seq
  end
  return ta < tb
end

-- When the other stream's lines written before `arrived` are surely in: nil (not yet known;
-- look again later) or a time. A follow stream must be connected since then (its
-- reconnection replays what a cut lost), plus grace for their way here; a poll stream must
-- have finished a GET started after that.
function Merged:other_done_at(other, arrived)
  local sub = self.subs[other]
  local live = sub.live_since
  if not live then
    return nil
  end
  if sub.mode == "poll" then
    return live >= arrived and live or nil
  end
  return (live > arrived and live or arrived) + self.grace
end

-- The stream whose head goes next, or nil and the time to look again (nil: after a read).
function Merged:choose()
  local out, err = self.heads.stdout, self.heads.stderr
  if out and err then
    return earlier(out, err) and "stdout" or "stderr"
  end
  local name = out and "stdout" or err and "stderr"
  if not name then
    return nil
  end
  local other = name == "stdout" and "stderr" or "stdout"
  if self.ended[other] then
    return name
  end
  local ready_at = self:other_done_at(other, self.heads[name].arrived)
  if ready_at and now() >= ready_at then
    return name
  end
  return nil, ready_at or now() + self.grace
end

function Merged:deliver(name)
  local head = self.heads[name]
  self.heads[name] = nil
  self.cursors[name] = head.cursor
  return head.record -- labelled by its stream already
end

-- Starts a read of every stream that has no head, no read in flight and has not ended.
function Merged:refill()
  local pending = {}
  for name, sub in pairs(self.subs) do
    if not (self.heads[name] or self.ended[name] or self.fetches[name]) then
      self.fetches[name] = loop.spawn(fetch, self, sub)
    end
    pending[#pending + 1] = self.fetches[name]
  end
  return pending
end

function Merged:sync_counts()
  local requests, bytes, gaps = self.probes, 0, 0
  for _, sub in pairs(self.subs) do
    requests, bytes, gaps = requests + sub.requests, bytes + sub.bytes, gaps + sub.gaps
  end
  self.requests, self.bytes, self.gaps = requests, bytes, gaps
end

--- The next record in time order: waits for one (not past deadline, a loop.now() value,
-- when given). nil when both streams ended; nil, err on failure or at the deadline.
function Merged:__call(deadline)
  if type(deadline) ~= "number" then
    deadline = nil -- a generic for passes its state here
  end
  if not self.started then
    local ok, err = self:start()
    if not ok then
      return nil, err
    end
  end
  local record, err = self:next_record(deadline)
  self:sync_counts()
  return record, err
end

function Merged:next_record(deadline)
  while true do
    local pending = self:refill()
    self:harvest()
    if self.failed then
      return nil, self.failed
    end
    local name, ready_at = self:choose()
    if name then
      return self:deliver(name)
    end
    if self.ended.stdout and self.ended.stderr then
      return nil
    end
    local wake = ready_at and (deadline and min(deadline, ready_at) or ready_at) or deadline
    if #pending == 0 or not loop.first(pending, wake) then
      if deadline and now() >= deadline then
        return nil, self.refused or errors.new("timeout", "no log record in time",
          { deadline = true })
      end
    end
  end
end

--- The resume cursor after the records delivered so far, per stream.
function Merged:cursor()
  return { stdout = self.cursors.stdout, stderr = self.cursors.stderr }
end

--- Drops the open requests; reads still in flight end within a second.
function Merged:close()
  self.closed = true
  for _, sub in pairs(self.subs) do
    sub:close()
  end
  self:sync_counts()
end

return logmerge
