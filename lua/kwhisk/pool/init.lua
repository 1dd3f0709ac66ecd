--- kwhisk.pool: a warm pool of action containers, as OpenWhisk's invoker keeps one
-- (ContainerPool, ContainerProxy), on kwhisk's container layer. It keeps prewarmed
-- containers per image and memory, reuses a warm container of the same action, pauses idle
-- ones through the invoker agent and removes them after an idle timeout, keeps the memory of
-- its containers within a limit (evicting by a replaceable policy, kwhisk.pool.policy, or
-- queueing until the activation's deadline), honours per-action concurrency, and collects
-- each activation's logs without ever mixing two activations. See docs/pool.md.
--
--   local p = pool.new(client, {memory, prewarm, pause_grace, idle_timeout, policy, ...})
--   local a, err = p:invoke(action, params, {deadline = ...}); p:stats(); p:audit(); p:close()
local loop = require "kwhisk.loop"
local container = require "kwhisk.container"
local errors = require "kwhisk.errors"
local config = require "kwhisk.config"
local quantity = require "kwhisk.quantity"
local logs = require "kwhisk.logs"
local collect = require "kwhisk.logs.collect"
local record = require "kwhisk.logs.record"
local time = require "kwhisk.time"
local json = require "kwhisk.json"
local scripts = require "kwhisk.policy"
local default_policy = require "kwhisk.pool.policy"
local random = require "kwhisk.random"

local type, pairs, ipairs, error, tostring, setmetatable, pcall, format, min, max, concat =
  type, pairs, ipairs, error, tostring, setmetatable, pcall, string.format, math.min, math.max,
  table.concat
local now = loop.now

local pool = {}

local Pool = {}
Pool.__index = Pool

--- OpenWhisk's defaults: 1 GiB of user memory, 50 ms pause grace, 10 minutes idle timeout,
-- 10 MiB of logs per activation; an activation waits at most 60 s without a deadline.
pool.DEFAULTS = { memory = "1g", pause_grace = 0.05, idle_timeout = 600,
  log_limit = 10 * quantity.MIB, deadline = 60 }

pool.SHARED_LOGS = "Logs not collected for this activation: it ran in container %s at the "
  .. "same time as %d other activation(s), and their output cannot be told apart."

----------------------------------------------------------------------------------------------
-- The container layer's calls, all here: the action protocol as the invoker speaks it.
local protocol = {}

function protocol.create(client, name, image, memory, labels)
  return container.create(client, name, image, { memory = memory, labels = labels })
end

function protocol.init(c, action, deadline)
  return c:init({ name = action.name, main = action.main, code = action.code,
    binary = action.binary, env = action.env, deadline = deadline })
end

function protocol.run(c, action_name, params, deadline)
  return c:run(params, { action_name = action_name, deadline = deadline })
end

-- One activation's logs, from the container's log followed by one request for its whole
-- life (a request per activation costs more than the activation on a warm container): its
-- records, or with as_lines the lines OpenWhisk stores, collected in C (the stream then has a
-- new kwhisk.logs collector as its sink for each activation, from its first one on).
function protocol.logs(e, limit, timeout, as_lines)
  local c = e.c
  local opts = { limit = limit, wait_for_sentinel = true, timeout = timeout or c.collect_timeout }
  if not as_lines then
    e.stream = e.stream or c.client:logs(c, nil)
    return collect.activation(e.stream, opts)
  end
  local collector, err = logs.collector({ limit = limit })
  if not collector then
    return { collect.missing_notice():formatted() }, err, false
  end
  e.stream = e.stream or c.client:logs(c, nil, { sink = collector })
  e.stream:set_sink(collector)
  return collect.activation_lines(e.stream, collector, opts)
end

function protocol.close_logs(e)
  if e.stream then
    e.stream:close()
    e.stream = nil
  end
end

----------------------------------------------------------------------------------------------
-- Options and arguments.

local KNOWN = { memory = true, prewarm = true, pause_grace = true, idle_timeout = true,
  policy = true, log_limit = true, log_format = true, name = true }
local LOG_FORMATS = { records = true, lines = true }

-- Raises the one wording of a wrong argument (kwhisk.errors.bad_argument). what names an
-- option ("memory", "prewarm[1].count": argument #2 of kwhisk.pool.new), the action or one
-- of its fields ("action.name": argument #1 of invoke), or invoke's params (#2).
local function bad(what, message, level)
  local n, fname, detail = 2, "kwhisk.pool.new", "opts." .. what
  if what == "action" or what:find("^action%.") then
    n, fname, detail = 1, "invoke", what
  elseif what == "params" then
    n, fname, detail = 2, "invoke", what
  end
  errors.bad_argument(n, fname, detail .. ": " .. message, (level or 4) - 1)
end

local function size_of(v, what)
  local bytes = type(v) == "number" and v or type(v) == "string" and quantity.parse_size(v)
  if not bytes or bytes < quantity.MIB then
    bad(what, "a size of at least 1Mi expected, got " .. tostring(v), 5)
  end
  return bytes
end

local function duration_of(v, what)
  local seconds, err = config.parse_duration(v)
  if not seconds or seconds <= 0 then bad(what, err or "above zero expected", 5) end
  return seconds
end

local function log_format_of(v)
  if v ~= nil and not LOG_FORMATS[v] then
    bad("log_format", "'records' or 'lines' expected, got " .. tostring(v), 5)
  end
  return v or "records"
end

local function prewarm_of(list)
  if type(list) ~= "table" then bad("prewarm", "a list expected, got " .. type(list)) end
  local out = {}
  for i, p in ipairs(list) do
    local what = "prewarm[" .. i .. "]"
    if type(p) ~= "table" or type(p.image) ~= "string" or p.image == "" then
      bad(what, "{image = ..., memory = ..., count = ...} expected")
    end
    local count = p.count == nil and 1 or p.count
    if type(count) ~= "number" or count % 1 ~= 0 or count < 0 then
      bad(what .. ".count", "a whole number expected, got " .. tostring(p.count))
    end
    out[i] = { image = p.image, memory = size_of(p.memory or "256m", what .. ".memory"),
      count = count, retry_at = 0 }
  end
  return out
end

local function check_policy(p, label)
  if type(p) ~= "table" or (p.choose == nil and p.evict == nil) then
    return nil, errors.new("policy", "pool policy " .. label
      .. ": expected a table with choose(ctx) and/or evict(ctx), got " .. type(p))
  end
  for _, f in ipairs({ "choose", "evict" }) do
    if p[f] ~= nil and type(p[f]) ~= "function" then
      return nil, errors.new("policy", "pool policy " .. label .. ": " .. f
        .. " must be a function, got " .. type(p[f]))
    end
  end
  return { label = label, choose = p.choose or default_policy.choose,
    evict = p.evict or default_policy.evict }
end

local policy_cache = {}

--- The pool policy named by spec (module name, `.lua` file or table), or nil and an error.
function pool.load_policy(spec)
  return scripts.load_script(spec or "kwhisk.pool.policy", check_policy, policy_cache)
end

-- The action's memory in bytes, checked; raises on a bad action table.
local function check_action(action)
  if type(action) ~= "table" then bad("action", "a table expected, got " .. type(action)) end
  if type(action.name) ~= "string" or action.name == "" then
    bad("action.name", "a non-empty string expected, got " .. tostring(action.name))
  end
  if type(action.image) ~= "string" or action.image == "" then
    bad("action.image", "a non-empty string expected, got " .. tostring(action.image))
  end
  if type(action.code) ~= "string" then
    bad("action.code", "a string expected, got " .. type(action.code))
  end
  local c = action.concurrency
  if c ~= nil and (type(c) ~= "number" or c % 1 ~= 0 or c < 1) then
    bad("action.concurrency", "a whole number of at least 1 expected, got " .. tostring(c))
  end
  if action.env ~= nil and type(action.env) ~= "table" then
    bad("action.env", "a table expected, got " .. type(action.env))
  end
  return size_of(action.memory or "256m", "action.memory")
end

-- What makes two actions the same (a container serves one for life): every field the
-- container was made and initialised with.
local function action_key(action, memory)
  return concat({ action.name, action.image, memory, action.concurrency or 1,
    action.main or "main", action.env and json.encode(action.env) or "",
    action.binary and "binary" or "text", action.code }, "\0")
end

----------------------------------------------------------------------------------------------
-- The pool.

-- A random id for each pool: its pods' label, so close() never touches another pool's pods.
local function random_id()
  return random.hex(5)
end

--- A new pool on client (kwhisk.client). Raises on bad options; returns nil and an error
-- value when the policy does not load. The prewarmed containers start in the background.
function pool.new(client, opts)
  if type(client) ~= "table" or type(client.run) ~= "function" then
    error("bad argument #1 to 'kwhisk.pool.new' (client expected, got " .. type(client) .. ")", 2)
  end
  opts = opts or {}
  for k in pairs(opts) do
    if not KNOWN[k] then bad(tostring(k), "unknown option", 3) end
  end
  local p, err = pool.load_policy(opts.policy)
  if not p then return nil, err end
  local self = setmetatable({
    client = client, policy = p,
    limit = size_of(opts.memory or pool.DEFAULTS.memory, "memory"),
    prewarm = prewarm_of(opts.prewarm or {}),
    pause_grace = duration_of(opts.pause_grace or pool.DEFAULTS.pause_grace, "pause_grace"),
    idle_timeout = duration_of(opts.idle_timeout or pool.DEFAULTS.idle_timeout, "idle_timeout"),
    log_limit = opts.log_limit and size_of(opts.log_limit, "log_limit") or pool.DEFAULTS.log_limit,
    log_lines = log_format_of(opts.log_format) == "lines",
    id = random_id(),
    agent = client.config["invoker-agent"].enabled,
    entries = {}, used = 0, freeing = 0, waiting = 0, made = 0, changed = loop.condition(),
    counts = { cold = 0, prewarmed = 0, warm = 0, evictions = 0, removals = 0, failures = 0,
      activations = 0, pauses = 0 },
  }, Pool)
  self.prefix = opts.name or ("pool-" .. self.id)
  self.labels = { ["kwhisk-pool"] = self.id }
  self.keeper = loop.spawn(self.keep, self)
  return self
end

-- A new record for a container the pool is about to create; its memory counts from now.
function Pool:add(image, memory, key, action)
  self.made = self.made + 1
  local e = { name = container.pod_name(format("%s-%d-%s", self.prefix, self.made,
      ((action and action.name or "prewarm"):gsub("[^%w]+", "-")))),
    image = image, memory = memory, key = key, state = "starting", active = 0, running = 0,
    unread = 0, uses = 0, last_used = now(), concurrency = action and action.concurrency or 1,
    action = action and action.name }
  self.entries[e] = true
  self.used = self.used + memory
  return e
end

-- Removes a container: marked at once (nobody picks it again), its pod deleted in a task
-- (resumed first when paused, as OpenWhisk's destroyContainer does), its memory freed when
-- the delete went through. why: the counter it adds to (evictions, removals, failures).
function Pool:remove(e, why)
  if e.state == "removing" or e.state == "gone" then return end
  local paused = e.state == "paused" or e.state == "pausing"
  e.state = "removing"
  self.counts[why] = self.counts[why] + 1
  self.freeing = self.freeing + e.memory
  self.changed:notify()
  protocol.close_logs(e)
  loop.spawn(function()
    if paused and e.c then self.client:resume(e.c) end
    local ok
    for attempt = 1, 5 do
      ok = self.client:rm(e.c or e.name)
      if ok then break end
      loop.sleep(0.05 * attempt)
    end
    self.freeing = self.freeing - e.memory
    if ok then -- else the pod may still be there: its memory stays counted, close() retries
      self:forget(e)
    end
    self.changed:notify()
  end)
end

-- Drops a record whose pod is gone.
function Pool:forget(e)
  if self.entries[e] then
    self.entries[e] = nil
    self.used = self.used - e.memory
  end
  e.state = "gone"
  self.changed:notify()
end

----------------------------------------------------------------------------------------------
-- Choosing a container.

function Pool:warm_candidates(key)
  local list = {}
  for e in pairs(self.entries) do
    if e.key == key and e.active < e.concurrency and e.state ~= "removing" then
      list[#list + 1] = e
    end
  end
  return list
end

local function member(list, x)
  for i = 1, #list do
    if list[i] == x then return true end
  end
  return false
end

-- Calls the policy's f(ctx); its answer, or nil and an error value when it raised.
function Pool:ask(f, ctx)
  ctx.default = default_policy[f]
  local ok, answer = pcall(self.policy[f], ctx)
  if not ok then
    return nil, errors.new("policy", "pool policy " .. self.policy.label .. ": " .. f
      .. " failed: " .. tostring(answer))
  end
  return answer
end

function Pool:find_warm(action, key)
  local list = self:warm_candidates(key)
  if not list[1] then return nil end
  if not list[2] then return list[1] end
  local e, err = self:ask("choose", { action = action, candidates = list })
  if err then return nil, err end
  if not member(list, e) then
    return nil, errors.new("policy", "pool policy " .. self.policy.label
      .. ": choose returned something that is not one of the candidates")
  end
  return e
end

function Pool:take_prewarm(image, memory)
  for e in pairs(self.entries) do
    if e.state == "prewarmed" and e.image == image and e.memory == memory then
      return e
    end
  end
end

-- Starts removing idle containers (by the policy) so that memory bytes fit. True when
-- enough memory is free or being freed.
function Pool:evict_for(action, memory)
  local need = self.used - self.freeing + memory - self.limit
  if need <= 0 then return true end
  local list = {}
  for e in pairs(self.entries) do
    if e.active == 0 and (e.state == "warm" or e.state == "paused" or e.state == "prewarmed") then
      list[#list + 1] = e
    end
  end
  if not list[1] then return false end
  local chosen, err = self:ask("evict", { action = action, need = need, candidates = list })
  if err then return nil, err end
  local freed = 0
  for _, e in ipairs(type(chosen) == "table" and chosen or {}) do
    if not member(list, e) then
      return nil, errors.new("policy", "pool policy " .. self.policy.label
        .. ": evict returned something that is not one of the candidates")
    end
    freed = freed + e.memory
  end
  if freed < need then return false end
  for _, e in ipairs(chosen) do
    self:remove(e, "evictions")
  end
  return true
end

-- A container for the action: its record, the start kind, and whether this activation
-- makes it ready (creates and inits it); or nil and an error value (pool_full when the
-- deadline passed first).
function Pool:acquire(action, key, memory, deadline)
  while true do
    local e, err = self:find_warm(action, key)
    if err then return nil, err end
    if e then return e, e.start or "warm", false end
    e = self:take_prewarm(action.image, memory)
    if e then
      e.key, e.action, e.concurrency = key, action.name, action.concurrency or 1
      e.state, e.start = "initializing", "prewarmed"
      return e, "prewarmed", true
    end
    if self.used + memory <= self.limit then
      e = self:add(action.image, memory, key, action)
      e.start = "cold"
      return e, "cold", true
    end
    local _, eerr = self:evict_for(action, memory)
    if eerr then return nil, eerr end
    self.waiting = self.waiting + 1
    local woken = self.changed:wait(deadline)
    self.waiting = self.waiting - 1
    if not woken then
      return nil, errors.new("pool_full", format("pool %s: no memory for %s (%s) before the "
        .. "deadline: %s of %s in use", self.prefix, action.name, quantity.format_size(memory),
        quantity.format_size(self.used), quantity.format_size(self.limit)))
    end
  end
end

----------------------------------------------------------------------------------------------
-- Getting the chosen container ready: create and init (its first user), resume, or wait.

-- An init writes no sentinels: its logs are what came within this time.
local INIT_LOGS_TIMEOUT = 0.3

-- The error of an init that failed: the container's logs so far in err.logs.
local function init_error(e, err, records)
  return errors.new("init", "container " .. e.name .. ": init failed: " .. tostring(err),
    { cause = err, code = err.code, body = err.body, logs = records })
end

function Pool:create_and_init(e, action, deadline, times)
  if not e.c then
    local c, err = protocol.create(self.client, e.name, e.image, e.memory, self.labels)
    if not c then
      self.counts.failures = self.counts.failures + 1
      self:forget(e) -- create removed the pod already
      return nil, err
    end
    e.c = c
  end
  times.wait = now() - times.started
  local t = now()
  local _, err = protocol.init(e.c, action, deadline)
  times.init = now() - t
  if err then
    local records = protocol.logs(e, self.log_limit, INIT_LOGS_TIMEOUT, self.log_lines)
    self:remove(e, "failures")
    return nil, init_error(e, err, records)
  end
  e.state, e.start = "warm", nil
  self.changed:notify()
  return true
end

function Pool:resume(e)
  e.state = "resuming"
  local ok = self.client:resume(e.c)
  if not ok then
    self:remove(e, "failures")
    return "retry" -- as OpenWhisk reschedules a job whose container failed to resume
  end
  e.state = "warm"
  self.changed:notify()
  return true
end

-- true when e can run the activation, "retry" when it went away, or nil and an error value.
function Pool:ready(e, owned, action, deadline, times)
  if owned then
    return self:create_and_init(e, action, deadline, times)
  end
  while e.state ~= "warm" do
    if e.state == "paused" then
      local r = self:resume(e)
      if r ~= true then return r end
    elseif e.state == "removing" or e.state == "gone" then
      return "retry"
    elseif not self.changed:wait(deadline) then
      return nil, errors.new("pool_full", "pool " .. self.prefix .. ": container " .. e.name
        .. " not ready before the deadline")
    end
  end
  times.wait = now() - times.started
  return true
end

----------------------------------------------------------------------------------------------
-- Running and collecting logs.

-- An error of /run that is the action's own (the runtime answered 502 with {"error": ...}),
-- as OpenWhisk's developer error; anything else is the container's failure.
local function action_error(err)
  return err.kind == "server" and err.code == 502 and type(err.body) == "table"
    and err.body.error ~= nil
end

-- A record as this pool hands out logs: the record, or (log_format "lines") its line.
function Pool:log_entry(r)
  return self.log_lines and r:formatted() or r
end

local function notice(message)
  return record.new(time.now(), "stderr", message)
end

-- One activation's logs. The runtime ends each activation's output with a sentinel pair,
-- so alone in its container an activation's records are those up to the next pair. When
-- several ran at once (concurrency > 1) their pairs and lines interleave: none of them gets
-- records (a notice instead), and their segments are skipped by the next lone activation.
-- A collection cut short (limit, time cap) leaves its segment's rest to skip the same way.
function Pool:logs_of(e, a, group)
  if group.size > 1 then
    e.unread = e.unread + 1
    return { self:log_entry(notice(format(pool.SHARED_LOGS, e.name, group.size - 1))) }
  end
  while e.reading do self.changed:wait() end
  e.reading = true
  while e.unread > 0 do
    local skipped, err, complete = protocol.logs(e, self.log_limit, nil, self.log_lines)
    if err or not complete and #skipped == 0 then break end
    if complete then e.unread = e.unread - 1 end
  end
  local records, err, complete
  if e.unread > 0 then -- an earlier segment did not end: this one cannot be found
    e.unread = e.unread + 1
    records = { self:log_entry(collect.missing_notice()) }
  else
    records, err, complete = protocol.logs(e, self.log_limit, nil, self.log_lines)
    if not complete then e.unread = 1 end
  end
  e.reading = false
  self.changed:notify()
  a.logs_error = err
  return records
end

-- Runs the activation on e (ready, with its slot taken). Returns the activation table, or
-- nil and an error value (kind container) when the container failed.
function Pool:run(e, params, deadline, a)
  local group = e.running > 0 and e.group or { size = 0 }
  e.group, group.size = group, group.size + 1
  e.running = e.running + 1
  e.uses = e.uses + 1
  local t = now()
  local result, err = protocol.run(e.c, e.action, params, deadline)
  a.times.run = now() - t
  e.running = e.running - 1
  if err and not action_error(err) then
    self:remove(e, "failures")
    return nil, errors.new("container", "container " .. e.name .. " failed under an "
      .. "activation of " .. tostring(e.action) .. " and was removed: " .. tostring(err),
      { cause = err, code = err.code })
  end
  if err then
    a.ok, a.result = false, err.body
    a.error = errors.new("action", tostring(err.body.error), { code = err.code, body = err.body })
  else
    a.ok, a.result = true, result
  end
  t = now()
  a.logs = self:logs_of(e, a, group)
  a.times.logs = now() - t
  return a
end

-- The slot back; the container becomes idle when it was the last activation in it.
function Pool:release(e)
  e.active = e.active - 1
  e.last_used = now()
  self.changed:notify()
end

--- Runs an activation of action (name, image, memory, code, main, env, concurrency) with
-- params before opts.deadline (a kwhisk.loop.now() value; default 60 s from now). Returns the
-- activation {result, ok, error, logs, start, container, times = {wait, init, run, logs}},
-- or nil and an error value (pool_full, init, container, policy, or the creation's kind).
function Pool:invoke(action, params, opts)
  if self.closed then error("kwhisk.pool: invoke on a closed pool", 2) end
  local memory = check_action(action)
  if type(params) ~= "table" then
    bad("params", "a table expected, got " .. type(params))
  end
  local started = now()
  local deadline = opts and opts.deadline or started + pool.DEFAULTS.deadline
  if memory > self.limit then
    return nil, errors.new("pool_full", format("pool %s: %s needs %s, more than the pool's %s",
      self.prefix, action.name, quantity.format_size(memory), quantity.format_size(self.limit)))
  end
  local key = action_key(action, memory)
  local times = { started = started, wait = 0, init = 0, run = 0, logs = 0 }
  while true do
    local e, start, owned = self:acquire(action, key, memory, deadline)
    if not e then return nil, start end
    e.active = e.active + 1
    local ok, err = self:ready(e, owned, action, deadline, times)
    if ok == true then
      self.counts[start] = self.counts[start] + 1
      self.counts.activations = self.counts.activations + 1
      local a, rerr = self:run(e, params, deadline, { start = start, container = e.name,
        times = times })
      self:release(e)
      times.started = nil
      return a, rerr
    end
    self:release(e)
    if ok == nil then return nil, err end
  end
end

----------------------------------------------------------------------------------------------
-- The keeper: pauses, removes idle containers, refills the prewarmed ones.

function Pool:pause(e)
  e.state = "pausing"
  loop.spawn(function()
    local ok = self.client:suspend(e.c)
    if e.state ~= "pausing" then return end
    if ok then
      e.state = "paused"
      self.counts.pauses = self.counts.pauses + 1
      self.changed:notify()
    else
      self:remove(e, "failures")
    end
  end)
end

function Pool:start_prewarm(spec)
  local e = self:add(spec.image, spec.memory)
  e.spec = spec
  loop.spawn(function()
    local c = protocol.create(self.client, e.name, e.image, e.memory, self.labels)
    if self.closed and c then
      e.c = c
      return self:remove(e, "removals")
    end
    if not c then
      self.counts.failures = self.counts.failures + 1
      spec.retry_at = now() + 1 -- a failing image is not retried in a tight loop
      return self:forget(e)
    end
    e.c, e.state, e.last_used = c, "prewarmed", now()
    self.changed:notify()
  end)
end

-- Prewarmed containers missing, started while memory allows and no activation waits for it.
function Pool:refill()
  for _, spec in ipairs(self.prewarm) do
    local have = 0
    for e in pairs(self.entries) do
      if e.spec == spec and (e.state == "starting" or e.state == "prewarmed") then
        have = have + 1
      end
    end
    while have < spec.count and self.waiting == 0 and now() >= spec.retry_at
        and self.used + spec.memory <= self.limit do
      self:start_prewarm(spec)
      have = have + 1
    end
  end
end

function Pool:tick()
  local t = now()
  for e in pairs(self.entries) do
    if e.active == 0 and (e.state == "warm" or e.state == "paused") then
      if t - e.last_used >= self.idle_timeout then
        self:remove(e, "removals")
      elseif e.state == "warm" and self.agent and t - e.last_used >= self.pause_grace then
        self:pause(e)
      end
    end
  end
  self:refill()
end

function Pool:keep()
  local interval = max(0.005, min(0.25, self.pause_grace / 2, self.idle_timeout / 2))
  while not self.closed do
    self:tick()
    loop.sleep(interval)
  end
end

----------------------------------------------------------------------------------------------
-- Books and shutdown.

--- Counts: containers by state, memory (limit, used, free, in bytes), starts by kind,
-- evictions, removals (idle timeout, close), failures, pauses, activations, and activations
-- waiting for memory now.
function Pool:stats()
  local c = { prewarmed = 0, starting = 0, warm_idle = 0, busy = 0, paused = 0, removing = 0 }
  for e in pairs(self.entries) do
    if e.state == "prewarmed" then c.prewarmed = c.prewarmed + 1
    elseif e.state == "removing" then c.removing = c.removing + 1
    elseif e.active > 0 then c.busy = c.busy + 1
    elseif e.state == "starting" then c.starting = c.starting + 1
    elseif e.state == "paused" or e.state == "pausing" then c.paused = c.paused + 1
    else c.warm_idle = c.warm_idle + 1 end
  end
  local n = self.counts
  return { containers = c, memory = { limit = self.limit, used = self.used,
      free = self.limit - self.used },
    starts = { cold = n.cold, prewarmed = n.prewarmed, warm = n.warm },
    evictions = n.evictions, removals = n.removals, failures = n.failures,
    pauses = n.pauses, activations = n.activations, waiting = self.waiting }
end

--- Checks the books: the memory used is the sum of the containers', within the limit, and
-- every container's activations within 0..concurrency. True, or nil and what is wrong.
function Pool:audit()
  local sum = 0
  for e in pairs(self.entries) do
    sum = sum + e.memory
    if e.active < 0 or e.active > e.concurrency or e.running > e.active then
      return nil, format("container %s: %d activations, %d running, concurrency %d", e.name,
        e.active, e.running, e.concurrency)
    end
  end
  if sum ~= self.used then
    return nil, format("memory used %d, but the containers have %d", self.used, sum)
  end
  if self.used > self.limit then
    return nil, format("memory used %d over the limit %d", self.used, self.limit)
  end
  if self.freeing < 0 or self.waiting < 0 then
    return nil, format("freeing %d, waiting %d", self.freeing, self.waiting)
  end
  return true
end

--- The pod names of the containers the pool holds now (any state but gone).
function Pool:pods()
  local out = {}
  for e in pairs(self.entries) do
    out[#out + 1] = e.name
  end
  table.sort(out)
  return out
end

--- Removes every container the pool made and waits until their pods are gone (at most
-- timeout seconds, default 30), then deletes whatever still has the pool's label. Returns
-- true, or nil and an error value.
function Pool:close(timeout)
  if self.close_done then return true end
  self.closed = true -- no new work from here on, even when this close fails and is retried
  self.keeper:wait()
  local deadline = now() + (timeout or 30)
  while next(self.entries) and now() < deadline do
    local starting = false
    for e in pairs(self.entries) do
      if e.state == "starting" then starting = true else self:remove(e, "removals") end
    end
    if not starting and self.freeing == 0 then break end -- what is left failed to delete
    self.changed:wait(deadline)
  end
  -- Deletes that kept failing are tried once more by label; then wait for the pods to go.
  local ok, err
  if next(self.entries) then
    ok, err = container.cleanup_labels(self.client, self.labels, max(1, deadline - now()))
  else
    ok, err = container.await_gone(self.client, self.labels, max(1, deadline - now()))
  end
  if not ok then return nil, err end
  for e in pairs(self.entries) do
    self:forget(e)
  end
  self.close_done = true
  return true
end

return pool
