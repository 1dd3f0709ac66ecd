-- kwhisk.policy.template: loading templates (inline, file:, env:), their errors, the merge
-- rules and find-or-add.
local json = require "kwhisk.json"
local template = require "kwhisk.policy.template"

local DIR = "spec/fixtures/templates/"

describe("kwhisk.policy.template", function()
  describe("load", function()
    it("reads inline text, file: and env:, taking the first document", function()
      local inline = assert(template.load("apiVersion: v1\nkind: Pod\nmetadata:\n  name: a\n"))
      assert.are.equal("a", inline.metadata.name)
      local from_file = assert(template.load("file:" .. DIR .. "user-action.yaml"))
      assert.are.equal("whiskns", from_file.metadata.namespace)
      local from_env = assert(template.load("env:TEMPLATE",
        function(name) return name == "TEMPLATE" and "kind: Pod\n---\nkind: Service\n" or nil end))
      assert.are.equal("Pod", from_env.kind)
    end)

    it("reports YAML syntax errors with the file, line and column", function()
      local pod, err = template.load("file:" .. DIR .. "bad-syntax.yaml")
      assert.is_nil(pod)
      assert.matches("bad%-syntax%.yaml:%d+:%d+: ", err)
    end)

    it("refuses a template that is not a Pod", function()
      local pod, err = template.load("file:" .. DIR .. "not-a-pod.yaml")
      assert.is_nil(pod)
      assert.matches("not%-a%-pod%.yaml: the template is a Service, expected a Pod$", err)
      assert.are.equal("pod-template: the template is a string (hello), expected a Pod",
        select(2, template.load("hello")))
      assert.are.equal("pod-template: the template is empty, expected a Pod", select(2,
        template.load("")))
    end)

    it("refuses two documents when the first is not a Pod", function()
      local pod, err = template.load("file:" .. DIR .. "two-documents.yaml")
      assert.is_nil(pod)
      assert.matches(
        "two%-documents%.yaml: the first of 2 documents is a ConfigMap, expected a Pod$", err)
    end)

    it("refuses a container whose name is not a string", function()
      local pod, err = template.load("file:" .. DIR .. "container-name-not-string.yaml")
      assert.is_nil(pod)
      assert.matches(
        "container%-name%-not%-string%.yaml: container 2: name is not a string %(got 42%)$", err)
    end)

    it("reports a missing file or variable", function()
      assert.matches("^cannot read the pod template: .*nothing%.yaml",
        select(2, template.load("file:" .. DIR .. "nothing.yaml")))
      assert.are.equal("the pod template variable NOPE is not set",
        select(2, template.load("env:NOPE", function() return nil end)))
      assert.matches("expected Pod YAML text", select(2, template.source(42)))
    end)
  end)

  describe("container", function()
    it("finds the first container by name, or appends one", function()
      local pod = { spec = { containers = { { name = "a" }, { name = "b" }, { name = "a",
        x = 1 } } } }
      local c, i = template.container(pod, "a")
      assert.are.equal(1, i)
      assert.is_nil(c.x)
      c, i = template.container(pod, "new")
      assert.are.equal(4, i)
      assert.are.same({ name = "new" }, c)
      local empty = {}
      template.container(empty, "only")
      assert.are.equal('{"spec":{"containers":[{"name":"only"}]}}', json.encode(empty))
      assert.has_error(function() template.container(pod, 3) end,
        "bad argument #2 to 'container' (string expected, got number)")
    end)
  end)

  describe("merge", function()
    it("leaves its inputs alone and keeps array and object marks", function()
      local base = assert(template.load("file:" .. DIR .. "user-action.yaml"))
      local before = json.encode(base)
      local merged = template.merge(base, { metadata = { name = "x" } })
      assert.are.equal(before, json.encode(base))
      assert.is_true(json.is_array(merged.spec.volumes))
      assert.is_true(json.is_object(merged.spec.volumes[1].emptyDir))
    end)

    it("merges labels, annotations and nodeSelector; appends tolerations and preferences",
      function()
      local base = {
        metadata = { labels = { a = "1", b = "1" }, annotations = { n = "kept" } },
        spec = { nodeSelector = { disk = "ssd" }, tolerations = { { key = "t1",
          operator = "Exists" } },
          affinity = { nodeAffinity = {
            preferredDuringSchedulingIgnoredDuringExecution = { { weight = 1 } } },
            podAntiAffinity = { kept = true } } },
      }
      local merged = template.merge(base, {
        metadata = { labels = { b = "2" }, annotations = { m = "added" } },
        spec = { nodeSelector = { zone = "z" }, tolerations = { { key = "t2",
          operator = "Exists" } },
          affinity = { nodeAffinity = {
            preferredDuringSchedulingIgnoredDuringExecution = { { weight = 2 } } } },
          dnsPolicy = "None" },
      })
      assert.are.same({ a = "1", b = "2" }, merged.metadata.labels)
      assert.are.same({ n = "kept", m = "added" }, merged.metadata.annotations)
      assert.are.same({ disk = "ssd", zone = "z" }, merged.spec.nodeSelector)
      assert.are.same({ "t1", "t2" }, { merged.spec.tolerations[1].key,
        merged.spec.tolerations[2].key })
      assert.are.same({ { weight = 1 }, { weight = 2 } },
        merged.spec.affinity.nodeAffinity.preferredDuringSchedulingIgnoredDuringExecution)
      assert.is_true(merged.spec.affinity.podAntiAffinity.kept)
      assert.are.equal("None", merged.spec.dnsPolicy)
    end)

    it("replaces a container's generated fields, appends ports and capabilities, keeps the rest",
      function()
      local base = { spec = { containers = { { name = "c", image = "old", workingDir = "/w",
        ports = { { containerPort = 1 } }, env = { { name = "OLD", value = "x" } },
        securityContext = { runAsUser = 1000, capabilities = { drop = { "ALL" },
          add = { "CHOWN" } } } } } } }
      local merged = template.merge(base, { spec = { containers = { { name = "c", image = "new",
        ports = { { containerPort = 2 } }, env = {},
        securityContext = { capabilities = { drop = { "NET_RAW" } } } } } } })
      local c = merged.spec.containers[1]
      assert.are.equal("new", c.image)
      assert.are.equal("/w", c.workingDir)
      assert.are.same({}, c.env)
      assert.are.same({ { containerPort = 1 }, { containerPort = 2 } }, c.ports)
      assert.are.same({ runAsUser = 1000, capabilities = { drop = { "ALL", "NET_RAW" },
        add = { "CHOWN" } } },
        c.securityContext)
    end)
  end)
end)
