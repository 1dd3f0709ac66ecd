--- Example pod policy: GPU actions on a GPU node pool. An action asks for GPUs with the
-- environment variable GPU_COUNT (a positive integer) or the label `gpu: "true"` (one GPU);
-- its pod then gets `nvidia.com/gpu` limits, a toleration for the GPU nodes' taint and a
-- nodeSelector for the GPU pool. Other actions get the seed's pod unchanged.
-- Use it with `pod-policy: examples/policies/gpu.lua`.
local affinity = require "kwhisk.policy.affinity"
local template = require "kwhisk.policy.template"

local GPU_RESOURCE = "nvidia.com/gpu"
local POOL_LABEL, POOL = "kwhisk.io/node-pool", "gpu"

local gpu = {}

-- The number of GPUs the action asks for, 0 for none.
function gpu.requested(ctx)
  for _, var in ipairs(ctx.env) do
    if var.name == "GPU_COUNT" then
      local n = tonumber(var.value)
      if not n or n < 1 or n % 1 ~= 0 then
        error("GPU_COUNT must be a positive integer, got '" .. var.value .. "'", 0)
      end
      return n
    end
  end
  return ctx.labels.gpu == "true" and 1 or 0
end

function gpu.build(ctx)
  local pod, pdb = ctx.default()
  local count = gpu.requested(ctx)
  if count == 0 then return pod, pdb end
  local action = template.container(pod, "user-action")
  -- Extended resources need only a limit; Kubernetes sets the request equal to it.
  action.resources.limits[GPU_RESOURCE] = tostring(count)
  affinity.tolerate(pod, { key = GPU_RESOURCE, operator = "Exists", effect = "NoSchedule" })
  affinity.select_nodes(pod, { [POOL_LABEL] = POOL })
  return pod, pdb
end

return gpu
