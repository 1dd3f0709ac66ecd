--- examples/pool_policy.lua: a warm pool policy (kwhisk.pool, docs/pool.md) that, when the
-- memory is full, evicts the biggest idle containers first (the least recently used among
-- equals), so few evictions free room for the most.
-- Choosing the warm container is left to the default (ctx.default).
--   kwhisk.pool.new(client, { policy = "examples/pool_policy.lua", ... })
local policy = {}

function policy.evict(ctx)
  local list = {}
  for i, c in ipairs(ctx.candidates) do list[i] = c end
  table.sort(list, function(a, b)
    if a.memory ~= b.memory then return a.memory > b.memory end
    return a.last_used < b.last_used
  end)
  return require("kwhisk.pool.policy").take(list, ctx.need)
end

return policy
