--- Example pod policy: a log-shipping sidecar. The action writes files under /var/log/action;
-- a `log-shipper` container reads them from the same emptyDir volume and ships them. The
-- user-action container keeps everything the seed gives it (image, port 8080, resources),
-- and the sidecar stays out of its way: its own small resources, no ports.
local json = require "kwhisk.json"
local template = require "kwhisk.policy.template"

local SHIPPER_IMAGE = "fluent/fluent-bit:3.0"
local VOLUME, MOUNT = "action-logs", "/var/log/action"

local sidecar = {}

local function mount(container)
  local mounts = template.list(container, "volumeMounts")
  mounts[#mounts + 1] = json.object({ name = VOLUME, mountPath = MOUNT })
end

function sidecar.build(ctx)
  local pod, pdb = ctx.default()
  mount(template.container(pod, "user-action"))
  local shipper = template.container(pod, "log-shipper")
  shipper.image = SHIPPER_IMAGE
  shipper.args = json.array({ "-i", "tail", "-p", "path=" .. MOUNT .. "/*.log", "-o", "stdout" })
  shipper.resources = json.object({
    limits = json.object({ cpu = "50m", memory = "32Mi" }),
    requests = json.object({ cpu = "10m", memory = "16Mi" }),
  })
  mount(shipper)
  local volumes = template.list(pod, "spec", "volumes")
  volumes[#volumes + 1] = json.object({ name = VOLUME, emptyDir = json.object({}) })
  return pod, pdb
end

return sidecar
