--- kwhisk.loop: concurrency without threads. Tasks are coroutines; one curl_multi (the C
-- transport's loop) drives every transfer of this Lua state. A task that waits on the
-- network, a timer or another task yields; the scheduler resumes it when that progressed.
-- The same waits, made outside any task, run the scheduler until they are satisfied (other
-- tasks progress meanwhile).
local core = require "kwhisk.core"

local create, resume, running, yield, status =
  coroutine.create, coroutine.resume, coroutine.running, coroutine.yield, coroutine.status
local now = core.time.monotonic
local select, error, type, unpack, tinsert, tremove, max, min =
  select, error, type, unpack, table.insert, table.remove, math.max, math.min

local loop = {}

-- The longest the scheduler sleeps in one step, so a blocked caller rechecks its condition.
local MAX_WAIT = 1

local transport = core.http.loop()
local tasks = setmetatable({}, { __mode = "k" }) -- coroutine -> its task
local waiting = {}   -- request id -> the coroutine waiting on it
local timers = {}    -- { deadline, coroutine }, sorted by deadline
local runnable = {}  -- coroutines to resume at the next turn

local Task = {}
Task.__index = Task

function Task:__tostring()
  return "kwhisk task (" .. (self.done and "done" or "running") .. ")"
end

local function step_coroutine(co)
  local ok, err = resume(co)
  if not ok then
    -- The task body runs under pcall, so only the scheduler's own bug lands here.
    error("kwhisk.loop: task failed outside its body: " .. tostring(err), 0)
  end
end

local function run_runnable()
  local ran = runnable[1] ~= nil
  while runnable[1] do
    local batch = runnable
    runnable = {}
    for i = 1, #batch do
      if status(batch[i]) == "suspended" then
        step_coroutine(batch[i])
      end
    end
  end
  return ran
end

local function add_timer(deadline, co)
  local i = #timers
  while i > 0 and timers[i][1] > deadline do
    i = i - 1
  end
  local entry = { deadline, co }
  tinsert(timers, i + 1, entry)
  return entry
end

local function fire_timers()
  local t = now()
  while timers[1] and timers[1][1] <= t do
    local co = tremove(timers, 1)[2]
    runnable[#runnable + 1] = co
  end
end

--- Runs one turn of the scheduler: runnable tasks, then the network for at most `limit`
-- seconds (less when a timer is due), then whatever that woke. Raises when nothing could
-- ever make progress (a wait on a task that waits on itself, say).
local function turn(limit)
  if run_runnable() then
    return -- the caller's condition may hold now
  end
  local timeout = limit or MAX_WAIT
  if timers[1] then
    timeout = min(timeout, max(0, timers[1][1] - now()))
  end
  -- Watched sockets (port-forwards) are work too: a connection may arrive at any time.
  if transport:active() == 0 and transport:watches() == 0 and not timers[1] and not limit then
    error("kwhisk.loop: deadlock: waiting, but no transfer, timer or task can progress", 3)
  end
  local ids = transport:step(timeout)
  for i = 1, #ids do
    local co = waiting[ids[i]]
    if co and status(co) == "suspended" then
      waiting[ids[i]] = nil
      step_coroutine(co)
    end
  end
  fire_timers()
  run_runnable()
end

--- The task running now, or nil outside any task.
function loop.current()
  return tasks[running()]
end

--- Starts a transfer on the shared transport: the core.http request, or nil, message.
function loop.start(options)
  return transport:request(options)
end

--- Opens a port-forward (core.portforward) on the shared transport: its sockets are
-- polled and pumped by the same steps as every transfer.
function loop.forward(options)
  return core.portforward.open(transport, options)
end

local function cancel_timer(entry)
  for i = 1, #timers do
    if timers[i] == entry then
      tremove(timers, i)
      return
    end
  end
end

-- One wait of a task on req, woken by the transfer or, when given, by the deadline.
local function task_wait(co, req, deadline)
  local id = req:id()
  waiting[id] = co
  local entry = deadline and add_timer(deadline, co)
  yield()
  if waiting[id] == co then
    waiting[id] = nil
  end
  if entry then
    cancel_timer(entry) -- so a stale timer never wakes the task from a later wait
  end
end

-- One step of a wait until the deadline (a loop.now() value or nil): false once it passed;
-- else, inside a task, park(co, subject, deadline) (which yields until something may have
-- changed), outside one a turn of the scheduler; then true, for the caller to look again.
local function wait_step(deadline, park, subject)
  if deadline and now() >= deadline then
    return false
  end
  local co = running()
  if tasks[co] then
    park(co, subject, deadline)
  else
    turn(deadline and min(MAX_WAIT, max(0, deadline - now())) or nil)
  end
  return true
end

--- Waits until ready(req) is true or req is closed: yields inside a task, runs the
-- scheduler outside. With a deadline (a loop.now() value) it also returns once that
-- passed; the result is true when ready or closed, false at the deadline.
function loop.await(req, ready, deadline)
  while not (req:closed() or ready(req)) do
    if not wait_step(deadline, task_wait, req) then
      return false
    end
  end
  return true
end

--- Wakes whoever waits on req (it is being closed, so they must look again).
function loop.forget(req)
  local id = req:id()
  local co = waiting[id]
  if co then
    waiting[id] = nil
    runnable[#runnable + 1] = co
  end
end

--- Sleeps `seconds`: yields inside a task, blocks (running other tasks) outside.
function loop.sleep(seconds)
  if type(seconds) ~= "number" or seconds ~= seconds then
    error("bad argument #1 to 'sleep' (number expected, got " .. type(seconds) .. ")", 2)
  end
  local deadline = now() + max(seconds, 0)
  local co = running()
  if tasks[co] then
    add_timer(deadline, co)
    yield()
    return
  end
  while now() < deadline do
    turn(deadline - now())
  end
end

local function finish(task, ok, ...)
  task.done = true
  task.ok = ok
  task.results = { n = select("#", ...), ... }
  for i = 1, #task.waiters do
    runnable[#runnable + 1] = task.waiters[i]
  end
  task.waiters = nil
end

--- Runs fn(...) as a task; it starts at the scheduler's next turn.
function loop.spawn(fn, ...)
  if type(fn) ~= "function" then
    error("bad argument #1 to 'spawn' (function expected, got " .. type(fn) .. ")", 2)
  end
  local task = setmetatable({ done = false, waiters = {} }, Task)
  local args = { n = select("#", ...), ... }
  local co = create(function()
    finish(task, pcall(fn, unpack(args, 1, args.n)))
  end)
  tasks[co] = task
  runnable[#runnable + 1] = co
  return task
end

--- Waits for the task and returns fn's results; re-raises fn's error if it raised.
function Task:wait()
  while not self.done do
    local co = running()
    if co and tasks[co] == self then
      error("a task cannot wait for itself", 2)
    end
    if tasks[co] then
      self.waiters[#self.waiters + 1] = co
      yield()
    else
      turn()
    end
  end
  if not self.ok then
    error(self.results[1], 0)
  end
  return unpack(self.results, 1, self.results.n)
end

local function remove_from(list, co)
  for i = #(list or {}), 1, -1 do
    if list[i] == co then
      tremove(list, i)
    end
  end
end


-- Waits inside task coroutine co for the first of the tasks or the deadline. Each source
-- wakes co through a one-shot proxy sharing one flag, so co is queued once however many
-- of them fire in the same turn.
local function wait_first(co, list, deadline)
  local fired = false
  local function proxy()
    return create(function()
      if not fired then
        fired = true
        runnable[#runnable + 1] = co
      end
    end)
  end
  local proxies = {}
  for i = 1, #list do
    proxies[i] = proxy()
    list[i].waiters[#list[i].waiters + 1] = proxies[i]
  end
  local entry = deadline and add_timer(deadline, proxy())
  yield()
  for i = 1, #list do
    remove_from(list[i].waiters, proxies[i])
  end
  if entry then
    cancel_timer(entry)
  end
end

--- The first of a list of tasks to be done (its results stay for wait()), or nil when the
-- deadline (a loop.now() value, optional) came first.
function loop.first(list, deadline)
  while true do
    for i = 1, #list do
      if list[i].done then
        return list[i]
      end
    end
    if not wait_step(deadline, wait_first, list) then
      return nil
    end
  end
end

local Condition = {}
Condition.__index = Condition

--- A condition: wait(deadline) returns once notify() was called after it began (true), or
-- at the deadline (false). Inside a task the wait yields; outside one it runs the scheduler.
function loop.condition()
  return setmetatable({ waiters = {}, generation = 0 }, Condition)
end

--- Wakes every wait in progress.
function Condition:notify()
  self.generation = self.generation + 1
  local waiters = self.waiters
  if waiters[1] then
    self.waiters = {}
    for i = 1, #waiters do
      runnable[#runnable + 1] = waiters[i]
    end
  end
end

-- Parks task coroutine co until the condition is notified or the deadline.
local function condition_wait(co, cond, deadline)
  cond.waiters[#cond.waiters + 1] = co
  local entry = deadline and add_timer(deadline, co)
  yield()
  if entry then
    cancel_timer(entry)
  end
  remove_from(cond.waiters, co)
end

function Condition:wait(deadline)
  local seen = self.generation
  while self.generation == seen do
    if not wait_step(deadline, condition_wait, self) then
      return false
    end
  end
  return true
end

--- Runs the scheduler until no task, timer or transfer is left.
function loop.run()
  while runnable[1] or timers[1] or transport:active() > 0 do
    turn()
  end
end

loop.now = now

--- The number of transfers in flight.
function loop.active()
  return transport:active()
end

return loop
