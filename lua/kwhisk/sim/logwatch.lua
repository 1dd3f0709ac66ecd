--- kwhisk.sim.logwatch: wakes followed `pods/log` requests as soon as a container's log file
-- grows, so a line reaches the client in about a millisecond instead of at the next poll. One
-- inotify watch (cqueues.notify) on the sim's log directory serves every follower; each file
-- has a condition and a generation count, so a write that lands while a follower is busy
-- writing its answer is not lost (it compares generations before it waits).
local cqueues = require "cqueues"
local condition = require "cqueues.condition"
local notify = require "cqueues.notify"

local unpack = unpack or table.unpack -- luacheck: ignore 143

local logwatch = {}

local Watch = {}
Watch.__index = Watch

--- A watch over dir, its task running in cq until stop().
function logwatch.new(cq, dir)
  local self = setmetatable({ notifier = notify.opendir(dir, notify.ALL), files = {} }, Watch)
  cq:wrap(function()
    while not self.stopped do
      -- a bounded get, so stop() ends the task without closing the descriptor under it
      local _, name = self.notifier:get(1)
      local file = name and self.files[name]
      if file then
        file.generation = file.generation + 1
        file.changed:signal()
      end
    end
  end)
  return self
end

local function basename(path)
  return path:match("([^/]+)$") or path
end

-- The entry of a file of the directory, watched from its first use on.
function Watch:file(path)
  local name = basename(path)
  local file = self.files[name]
  if not file then
    file = { generation = 0, changed = condition.new() }
    self.files[name] = file
    self.notifier:add(name)
  end
  return file
end

--- The file's change count: take it before reading the file, hand it to wait().
function Watch:generation(path)
  return self:file(path).generation
end

--- Waits until the file changed after generation was taken, or until one of the extra
-- conditions is signalled, at most timeout seconds. True when the file changed.
function Watch:wait(path, generation, timeout, ...)
  local file = self:file(path)
  if file.generation == generation then
    local waits = { file.changed, ... }
    waits[#waits + 1] = timeout -- cqueues.poll takes its timeout last
    cqueues.poll(unpack(waits))
  end
  return file.generation ~= generation
end

function Watch:stop()
  self.stopped = true
end

return logwatch
