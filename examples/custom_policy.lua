--- examples/custom_policy.lua: runs pods built by the example policies in
-- examples/policies/ and shows what each changed. Uses KUBECONFIG.
local kwhisk = require "kwhisk"

local dir = (arg[0]:match("^(.*)/[^/]*$") or ".") .. "/policies/"
for _, name in ipairs({ "spot", "sidecar", "gpu", "tenant" }) do
  local client = assert(kwhisk.client({ kubeconfig = os.getenv("KUBECONFIG"),
    ["pod-policy"] = dir .. name .. ".lua" }))
  local env = { { "__OW_NAMESPACE", "guest" } }
  local pod = assert(kwhisk.policy.build("policy-" .. name, "kwhisk/action-lua", 128 * 2^20,
    env, {}, client.config))
  local c, err = client:run("policy-" .. name, "kwhisk/action-lua",
    { memory = "128m", env = env })
  print(("%-8s %d containers, tolerations %d: %s"):format(name, #pod.spec.containers,
    #(pod.spec.tolerations or {}), c and "ready at " .. c.address.host or tostring(err)))
  if c then assert(client:rm(c)) end
end
