--- Example pod policy: per-namespace resource limits. The action's OpenWhisk namespace comes
-- from the `__OW_NAMESPACE` variable (or the `namespace` label); the pod gets it as the label
-- `openwhisk.org/namespace` (sanitised: namespaces like `alice@example.com` are not valid
-- label values), the cpu and ephemeral storage of the tenant's plan, and is refused when the
-- action asks for more memory than the plan allows.
local names = require "kwhisk.names"
local quantity = require "kwhisk.quantity"
local template = require "kwhisk.policy.template"

local PLANS = {
  guest = { memory = "256Mi", cpu = "250m", storage = "512Mi" },
  default = { memory = "2Gi", cpu = "1", storage = "2Gi" },
}

local tenant = {}

--- The action's namespace, or nil.
function tenant.namespace(ctx)
  for _, var in ipairs(ctx.env) do
    if var.name == "__OW_NAMESPACE" then return var.value end
  end
  return ctx.labels.namespace
end

function tenant.build(ctx)
  local namespace = tenant.namespace(ctx) or "guest"
  local plan = PLANS[namespace] or PLANS.default
  local allowed = assert(quantity.parse_size(plan.memory))
  if ctx.memory > allowed then
    return nil, ("namespace %s may use at most %s of memory, the action asks for %s")
      :format(namespace, plan.memory, quantity.format_size(ctx.memory))
  end
  local pod, pdb = ctx.default()
  pod.metadata.labels["openwhisk.org/namespace"] = names.sanitize_label_value(namespace)
  local resources = template.container(pod, "user-action").resources
  for _, amounts in pairs({ resources.limits, resources.requests }) do
    amounts.cpu = plan.cpu
    amounts["ephemeral-storage"] = plan.storage
  end
  return pod, pdb
end

return tenant
