--- examples/pool_policy.lua: a warm pool policy (kwhisk.pool, docs/pool.md) that, when the
-- memory is full, evicts the biggest idle containers first, so one eviction frees room for
-- the most, and never a container used in the last second while an older one would do.
-- Choosing the warm container is left to the default (ctx.default).
--   kwhisk.pool.new(client, { policy = "examples/pool_policy.lua", ... })
local policy = {}

function policy.evict(ctx)
  local now = require("kwhisk.loop").now()
  local list = {}
  for i, c in ipairs(ctx.candidates) do list[i] = c end
  table.sort(list, function(a, b)
    local recent_a, recent_b = now - a.last_used < 1, now - b.last_used < 1
    if recent_a ~= recent_b then return recent_b end
    if a.memory ~= b.memory then return a.memory > b.memory end
    return a.last_used < b.last_used
  end)
  local chosen, freed = {}, 0
  for _, c in ipairs(list) do
    if freed >= ctx.need then break end
    chosen[#chosen + 1], freed = c, freed + c.memory
  end
  return chosen
end

return policy
