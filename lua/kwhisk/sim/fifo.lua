--- kwhisk.sim.fifo: a queue that keeps only its newest `cap` items (the store's change
-- history, the cluster's events). Its bounds are kept as fields, first and last: the length
-- operator is not reliable on a table whose front has been set to nil.
local setmetatable = setmetatable

local fifo = {}

local Fifo = {}
Fifo.__index = Fifo

--- An empty queue of at most cap items.
function fifo.new(cap)
  return setmetatable({ first = 1, last = 0, cap = cap }, Fifo)
end

--- Appends item; returns the oldest item when it had to go to keep the cap, else nil.
function Fifo:push(item)
  local last = self.last + 1
  self[last], self.last = item, last
  if last - self.first + 1 > self.cap then
    local first = self.first
    local old = self[first]
    self[first], self.first = nil, first + 1
    return old
  end
end

--- The oldest item kept, or nil when empty.
function Fifo:oldest()
  return self[self.first]
end

return fifo
