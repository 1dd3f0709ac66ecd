-- The project's own schema check (spec/helpers/k8s_schema_check.py over python3-kubernetes'
-- models): it accepts a valid pod and names what is wrong in a broken one, so the policy
-- and pod-spec specs that lean on it can fail.
local k8s = require "helpers.k8s"

describe("the Kubernetes schema check", function()
  local function pod()
    return { apiVersion = "v1", kind = "Pod", metadata = { name = "p" },
      spec = { containers = { { name = "c", image = "i" } } } }
  end

  it("accepts a valid pod", function()
    local ok, report = k8s.schema_check({ pod() })
    assert.is_true(ok, report)
    assert.matches("1 objects, 0 schema errors", report, 1, true)
  end)

  it("reports unknown fields, wrong types and missing required fields", function()
    local bad = pod()
    bad.spec.containers[1].imagePullPolicyy = "Always"
    bad.spec.containers[1].ports = { { containerPort = "8080" } }
    local nameless = pod()
    nameless.spec.containers[1].name = nil
    local ok, report = k8s.schema_check({ bad, nameless })
    assert.is_false(ok)
    assert.matches("[0].spec.containers[0].imagePullPolicyy: unknown field in V1Container",
      report, 1, true)
    assert.matches("[0].spec.containers[0].ports[0].containerPort: expected int", report, 1, true)
    assert.matches("[1]: Invalid value for `name`, must not be `None`", report, 1, true)
  end)

  it("refuses a kind it does not know", function()
    local ok, report = k8s.schema_check({ { apiVersion = "v1", kind = "Service" } })
    assert.is_false(ok)
    assert.matches("unsupported apiVersion/kind v1/Service", report, 1, true)
  end)
end)
