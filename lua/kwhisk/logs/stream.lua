--- kwhisk.logs.stream: a container's log as an iterator of records (SPEC A3, B, C2), in two
-- modes. `follow` (the default) keeps one `follow=true` request open and, after a drop,
-- reconnects with back-off from the resume cursor, so nothing is lost or repeated. `poll`
-- re-GETs with `sinceTime` and pauses 100 ms when nothing is new, as the seed does, also with
-- the resume cursor; `seed = true` is the seed's own cursor (SPEC A3.5): each line must be
-- strictly after the last one kept, so it loses lines sharing a timestamp with the one before.
--
--   local it = logstream.open(client, container, since, opts)
--   for record in it do ... end          -- or it(deadline): record | nil | nil, err
--   it.requests, it.bytes; it:close()
--   it.live_since: when what the stream reads was last known complete (follow: the current
--   request's start, nil while reconnecting; poll: the start of the last whole GET)
-- opts: mode ("follow" | "poll"), seed, stream ("stdout" | "stderr": only that stream, its
-- records labelled so; needs the server's stream= support), max_line (bytes; default the
-- log-max-line setting), pause (seconds between empty polls, default 0.1), retries (drops
-- in a row before giving up, default 10), backoff_max (seconds, default 2), resume (a
-- cursor from an earlier stream's :cursor(), instead of since), sink (a kwhisk.logs writer or
-- collector: the records go into it, in C, instead of into Lua; such a stream is driven by
-- it:pump() rather than called. A sink has drain(reader), flush(), cursor(reader), done()
-- and last()), error_wait (seconds a log the server refuses for a
-- running container is retried before that is an error of kind log_unavailable, default 10).
--
-- Rotation: a kubelet serves a reconnect from the current log file only, so after a rotation
-- the lines of the cursor's second can start later than the cursor's count assumes. The
-- cursor therefore also names the last delivered line (nanoseconds and text); a resumed
-- answer skips up to that line, wherever it is. When it is not there the file rotated past
-- it: every line is delivered, and it.gaps counts such places where lines may be missing.
-- The kubelet's 404 (`pod "x" does not exist`) ends the stream. A followed stream that ends
-- while the pod still shows its container running (the kubelet's status lags) reconnects
-- with a back-off up to backoff_max, never in a busy loop.
local loop = require "kwhisk.loop"
local logs = require "kwhisk.logs"
local time = require "kwhisk.time"
local errors = require "kwhisk.errors"
local podstate = require "kwhisk.k8s.podstate"

local type, ipairs, error, setmetatable, min = type, ipairs, error, setmetatable, math.min

local logstream = {}

local Stream = {}
Stream.__index = Stream

local STREAM_PARAM = { stdout = "Stdout", stderr = "Stderr" }
-- Records a followed stream takes from its reader at a time (see take_records).
local BATCH = 64

local function check_opts(opts, since)
  if opts ~= nil and type(opts) ~= "table" then
    error("bad argument #3 to 'logs' (table expected, got " .. type(opts) .. ")", 4)
  end
  if since ~= nil and not time.is_time(since) then
    error("bad argument #2 to 'logs' (time or nil expected, got " .. type(since) .. ")", 4)
  end
  opts = opts or {}
  if opts.mode ~= nil and opts.mode ~= "follow" and opts.mode ~= "poll" then
    error("bad argument #3 to 'logs' (opts.mode: 'follow' or 'poll' expected)", 4)
  end
  if opts.stream ~= nil and not STREAM_PARAM[opts.stream] then
    error("bad argument #3 to 'logs' (opts.stream: 'stdout' or 'stderr' expected)", 4)
  end
  return opts
end

--- Opens the iterator; nothing is requested until the first record is asked for.
function logstream.open(client, c, since, opts)
  opts = check_opts(opts, since)
  local cfg = client.config
  local self = setmetatable({
    client = client, pods = client.pods, c = c, since = since,
    mode = opts.mode or cfg["log-mode"] or "follow", seed = opts.seed,
    stream_name = opts.stream, sink = opts.sink,
    max_line = opts.max_line or cfg["log-max-line"], pause = opts.pause or 0.1,
    resume = opts.resume, last = since,
    dsec = opts.resume and opts.resume.sec, dcount = opts.resume and opts.resume.count,
    retries = opts.retries or 10, backoff_max = opts.backoff_max or 2,
    error_wait = opts.error_wait or 10,
    dnsec = opts.resume and opts.resume.nsec, dtext = opts.resume and opts.resume.text,
    queue = {}, head = 1, requests = 0, bytes = 0, failures = 0, gaps = 0, lag_waits = 0,
  }, Stream)
  return self
end

function Stream:__tostring()
  return "kwhisk log stream (" .. self.c.id .. ", " .. self.mode .. ")"
end

-- The query and a fresh reader for the next request, from the cursor.
function Stream:next_request()
  local q = { timestamps = "true", container = "user-action" }
  if self.mode == "follow" then
    q.follow = "true"
  end
  if self.stream_name then
    q.stream = STREAM_PARAM[self.stream_name]
  end
  local ropts = { max_line = self.max_line }
  if self.seed then
    if self.last then
      q.sinceTime, ropts.since = time.format(self.last), self.last
    end
  elseif self.resume then
    -- sinceTime is cut to the second by the server; the cursor skips what we already had:
    -- up to the last delivered line when the cursor names it, else its count of lines.
    local r = self:cursor() or self.resume
    q.sinceTime = time.format(time.new(r.sec, 0))
    if r.text and not self.sink then
      ropts.resume = { sec = r.sec, count = 0 }
      self.resync = { sec = r.sec, count = r.count, nsec = r.nsec, text = r.text, held = {} }
    else
      ropts.resume = { sec = r.sec, count = r.count }
    end
  elseif self.since then
    q.sinceTime, ropts.since = time.format(self.since), self.since
  end
  self.reader = assert(logs.reader(ropts))
  return q
end

-- Sink mode: the records go out through the sink, so the delivered cursor is the one the sink
-- gives (a writer: the reader's own, which counts every line of the stream, held back or
-- not; a collector: the reader's after the last record it kept or counted).
function Stream:take_to_sink()
  local sink = self.sink
  local added, err = sink:drain(self.reader)
  local flushed = false
  if added then
    flushed, err = sink:flush()
  end
  if not flushed then
    self.sink_error, self.closed = err, true
    return 0
  end
  if added > 0 then
    local cursor = sink:cursor(self.reader)
    if cursor then -- (a sink names no line: a later resume goes by the count)
      self.resume, self.dsec, self.dcount, self.dnsec, self.dtext =
        cursor, cursor.sec, cursor.count, nil, nil
    end
    self.last = sink:last() or self.last
  end
  self.sink_done = sink:done()
  return added
end

-- Decides a resync: the held lines of the cursor's second up to the last match of the last
-- delivered line were delivered before; without a match the file rotated past that line.
function Stream:settle_resync(queue)
  local r = self.resync
  self.resync = nil
  local held, skip = r.held, 0
  for i = math.min(#held, r.count), 1, -1 do
    local rec = held[i]
    if rec.time.nsec == r.nsec and rec.log == r.text then
      skip = i
      break
    end
  end
  if skip == 0 then
    self.gaps = self.gaps + 1
    self.client.log("logs of " .. self.c.id .. ": the log rotated after the last line "
      .. "read; lines written before the rotation may be missing")
  end
  for i = skip + 1, #held do
    queue[#queue + 1] = held[i]
  end
end

-- Takes the new records of a resumed answer: those of the cursor's second are held until it
-- is clear which of them were delivered before (settle_resync).
function Stream:resync_records(queue, first, last, final)
  local r = self.resync
  local out = {}
  for i = first, last do
    out[#out + 1] = queue[i]
    queue[i] = nil
  end
  local i = 1
  while self.resync and i <= #out do
    local rec = out[i]
    -- a line later than the cursor's (in the file's time order) means the cursor's line
    -- is not to come
    if rec.time.sec == r.sec and #r.held < r.count and rec.time.nsec <= r.nsec then
      r.held[#r.held + 1] = rec
      i = i + 1
    else
      self:settle_resync(queue)
    end
  end
  for j = i, #out do
    queue[#queue + 1] = out[j]
  end
  if self.resync and (final or #r.held >= r.count or self:resync_matched()) then
    self:settle_resync(queue)
  end
end

-- Whether the held lines include the last delivered line (more data may still follow it).
function Stream:resync_matched()
  local r = self.resync
  for _, rec in ipairs(r.held) do
    if rec.time.nsec == r.nsec and rec.log == r.text then
      return true
    end
  end
  return false
end

-- Moves records from the reader into the queue: all of them, or at most limit. A followed
-- stream takes small batches (the reader keeps the rest, in the transport's buffer), so that
-- only a few records are alive at a time: a queue of a whole read's records made the
-- collector trace thousands of them over and over, and tripled the cost of a record.
function Stream:take_records(limit, final)
  if self.sink then
    return self:take_to_sink()
  end
  local queue, n = self.queue, #self.queue
  -- The seed's cutoff may drop a whole batch: it takes all there is, so that 0 means none.
  -- (as does a resync: records it holds back must not leave the rest in the reader)
  local _, added = self.reader:drain(queue, not self.seed and not self.resync and limit or nil)
  if self.seed and added > 0 then
    self.last = logs.seed_cutoff(queue, n + 1, self.last)
    added = #queue - n
  end
  if self.resync then
    self:resync_records(queue, n + 1, n + added, final)
    added = #queue - n
  end
  local name = self.stream_name
  if name then
    for i = n + 1, n + added do
      queue[i].stream = name
    end
  end
  if added > 0 then
    if not self.dsec and self.since and not self.seed then
      -- lines of since's second up to since were read but not delivered: they count too
      self.dsec, self.dcount = self.since.sec, self.reader:stats().skipped
    end
    self.resume = self.reader:cursor()
    self.last = queue[n + added].time
  end
  return added
end

-- Malformed lines (an error text the server appended, say) are reported, never delivered.
function Stream:note_malformed()
  local st = self.reader:stats()
  for _, text in ipairs(st.errors) do
    self.client.log("logs of " .. self.c.id .. ": ignored a line without a timestamp: " .. text)
  end
  self.malformed_count = (self.malformed_count or 0) + st.malformed
end

-- The pod's state while its log is not available: nil (keep waiting), or an error. A
-- container that runs while the server refuses its log (the kubelet cannot read it) is
-- retried with a back-off, for error_wait seconds at most: then that is the error.
function Stream:pod_failure(err)
  local pod = self.pods:get(self.c.id)
  if type(pod) ~= "table" then
    return errors.new("not_found", "logs of " .. self.c.id .. ": the pod is gone")
  end
  local kind, message = podstate.check(pod)
  if kind and kind ~= "ready" then
    return errors.new(kind, "logs of " .. self.c.id .. ": " .. message, { cause = err })
  end
  if kind == "ready" then
    self.log_error = errors.new("log_unavailable", "logs of " .. self.c.id .. ": "
      .. err.message, { cause = err, code = err.code })
    self.log_error_since = self.log_error_since or loop.now()
    self.log_errors = (self.log_errors or 0) + 1
    if loop.now() - self.log_error_since >= self.error_wait then
      return self.log_error
    end
  end
end

-- Whether the container still runs (so that the end of a followed stream was a drop).
function Stream:still_running()
  local pod = self.pods:get(self.c.id)
  if type(pod) ~= "table" or pod.metadata.deletionTimestamp then
    return false
  end
  for _, cs in ipairs(pod.status and pod.status.containerStatuses or {}) do
    if cs.name == "user-action" then
      return type(cs.state) == "table" and cs.state.running ~= nil
    end
  end
  return false
end

function Stream:backoff(err)
  self.failures = self.failures + 1
  if self.failures > self.retries then
    return err
  end
  loop.sleep(min(self.backoff_max, 0.05 * 2 ^ (self.failures - 1)))
end

-- Waits, not past the deadline; false when the deadline came first.
local function pause(seconds, deadline)
  if deadline then
    local left = deadline - loop.now()
    if left <= 0 then
      return false
    end
    seconds = min(seconds, left)
  end
  loop.sleep(seconds)
  return true
end

-- The API call of open(), in a task of its own, so that a slow answer, the API's retries
-- or a Retry-After never hold the caller past its deadline: the result is picked up by a
-- later open(), or closed when the stream was closed meanwhile.
function Stream:request()
  local pending = self.pending
  if not pending then
    local query = self:next_request()
    self.requests = self.requests + 1
    pending = loop.spawn(function()
      local response, err = self.pods:stream(self.c.id, "log", query)
      if self.closed and response then
        response:close()
      end
      return response, err
    end)
    self.pending = pending
  end
  return pending
end

-- Waits for the open() task; false when the deadline came first. The looks get sparser
-- (up to 20 ms apart) as an answer takes longer.
local function settle(task, deadline)
  if not deadline then
    return true -- task:wait() blocks
  end
  local step = 0.001
  while not task.done do
    local left = deadline - loop.now()
    if left <= 0 then
      return false
    end
    loop.sleep(min(step, left))
    step = min(step * 2, 0.02)
  end
  return true
end

-- Opens a request: the response, or nil and (nil: try again now | err: give up).
function Stream:open(deadline)
  local task = self:request()
  if not settle(task, deadline) then
    return nil
  end
  self.pending = nil
  local response, err = task:wait()
  if response and response.status == 204 then -- not scheduled yet
    response:close()
    pause(self.pause, deadline)
    return nil
  end
  if response then
    self.log_error, self.log_error_since, self.log_errors = nil, nil, nil
    return response
  end
  if err.code == 404 and (err.message or ""):find("does not exist", 1, true) then
    self.ended = true -- the kubelet's `pod "x" does not exist`: nothing more to read
    return nil
  end
  -- 422: the server refused the options (stream= without the gate); 404: the pod is gone
  -- (deleted by someone else, say), and a pod of that name later is another pod.
  if err.code == 422 or err.code == 404 then
    return nil, err
  end
  if err.code == 400 then -- waiting to start, or failed to
    local failed = self:pod_failure(err)
    if failed then
      return nil, failed
    end
    -- a refused log of a running container: 0.1 s, 0.2 s, ... up to backoff_max
    local errs = self.log_errors or 0
    pause(errs > 0 and min(self.backoff_max, self.pause * 2 ^ (errs - 1)) or self.pause,
      deadline)
    return nil
  end
  return nil, self:backoff(err)
end

-- At the caller's deadline: a log the server kept refusing is that error (so a collection
-- says logs are missing), anything else a plain timeout. Both carry deadline = true: a caller
-- that reads in slices (kwhisk logs -f, a merged stream) goes on until error_wait has passed,
-- and only then gets the error without it.
function Stream:timed_out()
  if self.log_error then
    local e = self.log_error
    return nil, errors.new(e.kind, e.message, { status = e.status, code = e.code,
      deadline = true })
  end
  return nil, errors.new("timeout", "no log record in time", { deadline = true })
end

-- Once closed, a stream ends instead of reconnecting (a task may still be reading it).
function Stream:stop_if_closed()
  if self.closed then
    self.ended = true
    return true
  end
end

-- What each pass of a fill loop checks first: true and the fill's results (false: closed;
-- nil, err: past the deadline) when it must stop, nothing when the pass goes on.
function Stream:halted(deadline)
  if self:stop_if_closed() then
    return true, false
  end
  if deadline and loop.now() >= deadline then
    return true, self:timed_out()
  end
end

-- Follow: read the open stream, reconnecting after drops.
function Stream:fill_follow(deadline)
  while true do
    local halted, value, herr = self:halted(deadline)
    if halted then
      return value, herr
    end
    if not self.response then
      local response, err = self:open(deadline)
      if err then
        return nil, err
      end
      if self.ended then
        return false
      end
      self.response, self.live_since = response, response and loop.now()
    end
    local response = self.response
    if response and self:take_records(BATCH) > 0 then
      return true -- the reader still had records of the last read
    end
    if response then
      local n, err = response:feed(self.reader, deadline)
      if n then
        self.bytes = self.bytes + n
        if self:take_records(BATCH) > 0 then
          self.failures, self.lag_waits = 0, 0
          return true
        end
      elseif err and err.deadline then
        return self:timed_out()
      else
        local done, result, ferr = self:follow_ended(response, err, deadline)
        if done then
          return result, ferr
        end
      end
    end
  end
end

-- The followed response ended (err: how, nil for a clean end): close it and decide. Returns
-- true and fill_follow's results when it is done, nothing when it reconnects.
function Stream:follow_ended(response, err, deadline)
  response:close()
  self.response, self.live_since = nil, nil
  if self:stop_if_closed() then
    return true, false
  end
  local idle = err ~= nil and err.kind == "timeout"
  local running = (not err or idle) and self:still_running()
  if not err and not running then
    self.reader:finish() -- the container stopped: its last line is whole
    self.ended = true -- what the queue holds still comes first
    local added = self:take_records(nil, true)
    self:note_malformed() -- after the last line: an error text often ends the body
    return true, added > 0
  end
  self:note_malformed()
  -- Silence past the read timeout from a container that still runs is an idle action, not
  -- a failure: reconnect from the cursor (a dead connection shows as a transport error
  -- through TCP keepalive, and a pod that went as a stopped one).
  if running and not idle then
    -- a clean end while the status still shows the container running (status lag, or a
    -- server that ends long requests): reconnect after a bounded back-off
    self.lag_waits = self.lag_waits + 1
    if not pause(min(self.backoff_max, 0.05 * 2 ^ (self.lag_waits - 1)), deadline) then
      return true, self:timed_out()
    end
  elseif not running then
    local gave_up = self:backoff(err)
    if gave_up then
      return true, nil, gave_up
    end
  end
end

-- Poll: one GET, read as it arrives (a cut keeps what came whole); pause when nothing new.
function Stream:fill_poll(deadline)
  while true do
    local halted, value, herr = self:halted(deadline)
    if halted then
      return value, herr
    end
    local asked = loop.now()
    local response, err = self:open(deadline)
    if err then
      return nil, err
    end
    if self.ended then
      return false
    end
    if response then
      local added, rerr = 0
      while not self.sink_done do -- (a collector done with its activation reads no further)
        local n
        n, rerr = response:feed(self.reader)
        if not n then break end
        self.bytes = self.bytes + n
        added = added + self:take_records()
      end
      response:close()
      if not rerr and not self.sink_done then
        self.live_since = asked
        self.reader:finish()
        added = added + self:take_records(nil, true)
      end
      self:note_malformed()
      if added > 0 then
        self.failures = 0
        return true
      end
      if rerr then
        local gave_up = self:backoff(rerr)
        if gave_up then
          return nil, gave_up
        end
      elseif not pause(self.pause, deadline) then
        return self:timed_out()
      end
    end
  end
end

-- Reads more, by the stream's mode: true when records came, false or nil, err.
function Stream:fill(deadline)
  if self.mode == "follow" then
    return self:fill_follow(deadline)
  end
  return self:fill_poll(deadline)
end

-- Counts a record as delivered (for the resume cursor) and returns it.
local function deliver(self, record)
  local sec = record.time.sec
  if sec == self.dsec then
    self.dcount = self.dcount + 1
  else
    self.dsec, self.dcount = sec, 1
  end
  self.dnsec, self.dtext = record.time.nsec, record.log
  return record
end

-- The slow path of __call: reads until a record comes. Kept out of __call so that __call has
-- no loop: an inner loop there makes LuaJIT abort the caller's record loop ("inner loop in
-- root trace") and run every record interpreted, at twice the cost.
function Stream:refill(deadline)
  local queue = self.queue
  while true do
    self.head = 1 -- the queue is empty: use it again
    if self.ended then
      if not (self.reader and self:take_records(BATCH) > 0) then
        return nil
      end
    else
      local ok, err = self:fill(deadline)
      if not ok and err then
        return nil, err
      end
    end
    local record = queue[1]
    if record then
      queue[1], self.head = nil, 2
      return deliver(self, record)
    end
  end
end

--- The next record: waits for one (not past deadline, a loop.now() value, when given).
-- nil at the end of a followed log (the container stopped); nil, err on failure or, with
-- err.deadline set, at the deadline.
function Stream:__call(deadline)
  local queue, head = self.queue, self.head
  local record = queue[head]
  if record then
    queue[head] = nil
    self.head = head + 1
    return deliver(self, record)
  end
  if type(deadline) ~= "number" then
    deadline = nil -- a generic for passes its state here
  end
  return self:refill(deadline)
end

--- Sink mode: the sink from now on (a new collector for each activation of a followed log).
-- A stream opened without a sink keeps taking records into Lua: it cannot become a sink's.
function Stream:set_sink(sink)
  if not self.sink then
    errors.bad_argument(1, "set_sink", "a stream opened with opts.sink expected")
  end
  self.sink, self.sink_done = sink, sink:done()
end

--- Sink mode: moves the records into the sink as they arrive until the log ends (at the
-- container's end when following; polling never ends) or the sink is done (a collector at
-- the end of its activation). true, or nil, err (a write error of the sink, kind io,
-- included).
function Stream:pump(deadline)
  if not self.sink then
    errors.bad_argument(1, "pump", "a stream opened with opts.sink expected")
  end
  while not self.ended and not self.sink_done do
    local ok, err = self:fill(deadline)
    if self.sink_error then
      return nil, self.sink_error
    end
    if not ok and err then
      return nil, err
    end
  end
  return true
end

--- The resume cursor after the records delivered so far ({sec =, count =, nsec =, text =}:
-- the last line's nanoseconds and text, when one was delivered), or nil before any: a later
-- open(..., {resume = cursor}) continues right after them.
function Stream:cursor()
  if self.dsec then
    return { sec = self.dsec, count = self.dcount, nsec = self.dnsec, text = self.dtext }
  end
  return self.resume
end

--- Drops the open request, if any; the stream ends.
function Stream:close()
  self.closed = true
  if self.pending and self.pending.done then
    local response = self.pending:wait()
    if response then
      response:close()
    end
  end
  self.pending = nil
  if self.response then
    self.response:close()
    self.response = nil
  end
end

return logstream
