--- Helpers for specs that check Kubernetes objects with outside tools: the schema checker
-- (python3-kubernetes' models) and kubectl's own decoding. Each returns nil when its tool
-- is missing, so a spec can say why it skipped.
local shell = require "helpers.shell"
local json = require "kwhisk.json"
local luassert = require "luassert"

local k8s = {}

local SCHEMA_CHECK = "../shared/tools/k8s-schema-check"

local function exists(path)
  local f = io.open(path)
  if f then f:close() end
  return f ~= nil
end

local function run_with_input(command, text)
  local dir, cleanup = shell.tmpdir()
  local path = dir .. "/input"
  local f = assert(io.open(path, "wb"))
  f:write(text)
  f:close()
  local status, output = shell.run(command .. " < " .. shell.quote(path))
  cleanup()
  return status, output
end

--- Runs the schema check over a list of objects: true, or false and its report; nil when
-- the checker is not installed.
function k8s.schema_check(objects)
  if not exists(SCHEMA_CHECK) or not exists("/usr/bin/python3") then return nil end
  local status, output = run_with_input("/usr/bin/python3 " .. SCHEMA_CHECK,
    json.encode(json.array(objects)))
  return status == 0, output
end

--- Asserts the objects pass the schema check; calls `skip` (a spec's `pending`) with the
-- reason when the checker is not installed.
function k8s.assert_schema_valid(skip, ...)
  local ok, report = k8s.schema_check({ ... })
  if ok == nil then return skip("k8s-schema-check is not installed") end
  luassert.is_true(ok, report)
end

--- Has kubectl decode YAML or JSON text into its typed objects, offline (`label --local`):
-- true, or false and kubectl's complaint; nil when kubectl is missing.
function k8s.kubectl_accepts(text)
  if os.execute("command -v kubectl >/dev/null 2>&1") ~= 0 then return nil end
  local status, output = run_with_input(
    "KUBECONFIG=/dev/null kubectl label --local -f - kwhisk-check=yes -o name", text)
  return status == 0, output
end

return k8s
