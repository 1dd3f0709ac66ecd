--- kwhisk.pool.policy: the warm pool's default scheduling policy. A pool policy is a Lua
-- module or `.lua` file returning a table with either or both of:
--
--   choose(ctx) -> one of ctx.candidates: the warm container an activation runs on
--   evict(ctx)  -> a list of ctx.candidates to remove, freeing at least ctx.need bytes
--
-- (a missing function is this module's). ctx.action is the action table given to invoke,
-- ctx.default(ctx) is this module's answer. A candidate is the pool's record of a container
-- (read it, never change it):
-- name, state ("warm", "paused", "pausing", "resuming", "starting", "initializing",
-- "prewarmed"), memory
-- (bytes), active (activations in it now), concurrency, last_used (kwhisk.loop.now()
-- seconds), uses, image, action (the action's name, nil for a prewarmed container).
-- policy.take(list, need) is the default's way to pick enough of a sorted list.
local policy = {}

-- Lower is better: a running container before one that must be resumed or wait to start.
local READINESS = { warm = 0, initializing = 1, starting = 1, resuming = 2, pausing = 2,
  paused = 2 }

--- The container to use for a warm start: the readiest, then the fullest (so concurrent
-- activations pack into few containers and the others go idle, are paused and removed),
-- then the most recently used. OpenWhisk's ContainerPool.schedule takes any free match.
function policy.choose(ctx)
  local best
  for _, c in ipairs(ctx.candidates) do
    if not best then
      best = c
    else
      local rc, rb = READINESS[c.state] or 3, READINESS[best.state] or 3
      if rc < rb or rc == rb and (c.active > best.active
          or c.active == best.active and c.last_used > best.last_used) then
        best = c
      end
    end
  end
  return best
end

--- The containers to remove for ctx.need bytes: idle warm and paused ones, least recently
-- used first (OpenWhisk's ContainerPool.remove), then prewarmed ones, which OpenWhisk never
-- removes (its prewarms sit outside the memory limit; here they count, so they can go).
-- Returns nothing when all of them together would not free enough.
function policy.evict(ctx)
  local list = {}
  for i, c in ipairs(ctx.candidates) do
    list[i] = c
  end
  table.sort(list, function(a, b)
    local pa, pb = a.state == "prewarmed", b.state == "prewarmed"
    if pa ~= pb then return pb end
    return a.last_used < b.last_used
  end)
  return policy.take(list, ctx.need)
end

--- The first containers of list that together free need bytes; none when all of them
-- together would not (a helper for policies of your own).
function policy.take(list, need)
  local chosen, freed = {}, 0
  for _, c in ipairs(list) do
    if freed >= need then break end
    chosen[#chosen + 1], freed = c, freed + c.memory
  end
  if freed < need then return {} end
  return chosen
end

return policy
