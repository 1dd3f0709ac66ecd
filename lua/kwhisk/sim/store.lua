--- kwhisk.sim.store: the sim's in-memory object store. Objects of each kind live by namespace
-- and name; every change takes the next resourceVersion and is kept in a bounded history, so
-- watches can resume from a version or be told it is too old (410), as etcd does.
local fifo = require "kwhisk.sim.fifo"

local store = {}
store.__index = store

local HISTORY = 2000

--- A copy of a JSON-like table that keeps metatables (the JSON array/object marks).
local function copy(v)
  if type(v) ~= "table" then
    return v
  end
  local t = {}
  for k, x in pairs(v) do
    t[k] = copy(x)
  end
  return setmetatable(t, getmetatable(v))
end
store.copy = copy

--- A new, empty store; `history` bounds how many changes a watch can resume from.
function store.new(history)
  return setmetatable({ rv = 0, kinds = {}, log = fifo.new(history or HISTORY), watchers = {} },
    store)
end

-- Cluster-scoped objects (nodes) have no namespace: they live in the bucket "".
local function bucket(self, kind, ns)
  ns = ns or ""
  local k = self.kinds[kind]
  if not k then
    k = {}
    self.kinds[kind] = k
  end
  local b = k[ns]
  if not b then
    b = {}
    k[ns] = b
  end
  return b
end

local function record(self, kind, type_, obj)
  self.rv = self.rv + 1
  obj.metadata.resourceVersion = tostring(self.rv)
  local entry = { rv = self.rv, kind = kind, type = type_, object = copy(obj) }
  self.log:push(entry)
  for fn in pairs(self.watchers) do
    fn(entry)
  end
end

--- The object, or nil.
function store:get(kind, ns, name)
  return bucket(self, kind, ns)[name]
end

--- Stores a new object (its metadata.namespace and name set); nil, "exists" when taken.
function store:create(kind, obj)
  local meta = obj.metadata
  local b = bucket(self, kind, meta.namespace)
  if b[meta.name] then
    return nil, "exists"
  end
  b[meta.name] = obj
  record(self, kind, "ADDED", obj)
  return obj
end

--- Records a change to a stored object (a new resourceVersion, a MODIFIED event).
function store:update(kind, obj)
  record(self, kind, "MODIFIED", obj)
  return obj
end

--- Removes an object; returns it, or nil when it was not there.
function store:delete(kind, ns, name)
  local b = bucket(self, kind, ns)
  local obj = b[name]
  if obj then
    b[name] = nil
    record(self, kind, "DELETED", obj)
  end
  return obj
end

--- The objects of kind in ns (every namespace when ns is nil) that pass keep(obj), by name.
function store:list(kind, ns, keep)
  local out = {}
  for bucket_ns, b in pairs(self.kinds[kind] or {}) do
    if ns == nil or ns == bucket_ns then
      for _, obj in pairs(b) do
        if not keep or keep(obj) then
          out[#out + 1] = obj
        end
      end
    end
  end
  table.sort(out, function(a, b)
    local ma, mb = a.metadata, b.metadata
    if ma.namespace ~= mb.namespace then
      return ma.namespace < mb.namespace
    end
    return ma.name < mb.name
  end)
  return out
end

--- The recorded changes of kind after resourceVersion rv, or nil when rv is older than the
-- history (the caller answers 410 Gone).
function store:since(kind, rv)
  local log = self.log
  local oldest = log:oldest()
  if rv < self.rv and (not oldest or rv + 1 < oldest.rv) then
    return nil
  end
  local out = {}
  for i = log.first, log.last do
    local e = log[i]
    if e.rv > rv and e.kind == kind then
      out[#out + 1] = e
    end
  end
  return out
end

--- Calls fn(entry) for every later change; returns a function that stops the calls.
function store:subscribe(fn)
  self.watchers[fn] = true
  return function() self.watchers[fn] = nil end
end

return store
