--- Builds pods with an example policy from examples/policies/.
local config = require "kwhisk.config"
local policy = require "kwhisk.policy"

local examples = {}

--- policy.build with examples/policies/<name>.lua as pod-policy, plus extra settings.
function examples.build(name, args, settings)
  settings = settings or {}
  settings["pod-policy"] = "examples/policies/" .. name .. ".lua"
  return policy.build(args.name or "action-1", args.image or "openwhisk/action-nodejs-v20",
    args.memory or 256 * 2^20, args.env, args.labels, assert(config.load(settings, {})))
end

return examples
