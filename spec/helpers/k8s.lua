--- Helpers for specs that check Kubernetes objects with outside tools: the schema checker
-- (spec/helpers/k8s_schema_check.py over python3-kubernetes' models, which
-- scripts/ensure-deps installs for `make test`: without it the check fails, it never skips)
-- and kubectl's own decoding (kubectl comes with `make test` too).
local shell = require "helpers.shell"
local json = require "kwhisk.json"
local luassert = require "luassert"

local k8s = {}

-- Beside this file, wherever busted runs from; run by Debian's python3, the one that
-- python3-kubernetes installs into (a python3 earlier on PATH may lack it).
local SCHEMA_CHECK = debug.getinfo(1, "S").source:match("^@(.*)/[^/]*$") .. "/k8s_schema_check.py"

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

--- Runs the schema check over a list of objects: true, or false and its report (which
-- names a missing python3 or kubernetes module as well as the objects' errors).
function k8s.schema_check(objects)
  local status, output = run_with_input("/usr/bin/python3 " .. shell.quote(SCHEMA_CHECK),
    json.encode(json.array(objects)))
  return status == 0, output
end

--- Asserts the objects pass the schema check.
function k8s.assert_schema_valid(...)
  local ok, report = k8s.schema_check({ ... })
  luassert.is_true(ok, report)
end

--- Has kubectl decode YAML or JSON text into its typed objects, offline (`label --local`):
-- true, or false and kubectl's complaint (a missing kubectl fails the spec).
function k8s.kubectl_accepts(text)
  require("helpers.sim").require_kubectl()
  local status, output = run_with_input(
    "KUBECONFIG=/dev/null kubectl label --local -f - kwhisk-check=yes -o name", text)
  return status == 0, output
end

return k8s
