-- kwhisk.cli.run, .rm, .logs, .invoke, .suspend, .resume and .version against one simulated
-- cluster (they share its pods): run, rm, logs, invoke, suspend, resume, version,
-- each with a success, a usage error (exit 2, one line and a hint) and a server error
-- (exit 1, the error's kind and message).
local shell = require "helpers.shell"
local simh = require "helpers.sim"
local zip = require "helpers.zip"
local json = require "kwhisk.json"

describe("kwhisk CLI on the sim", function()
  local sim, dir, cleanup

  setup(function()
    sim = simh.start()
    dir, cleanup = shell.tmpdir()
    shell.write(dir .. "/hello.lua",
      'function main(p) print("hello " .. tostring(p.who)) return {n = p.n} end\n')
  end)
  teardown(function()
    sim:stop()
    cleanup()
  end)

  -- Runs bin/kwhisk against the sim; stdout and stderr separately.
  local function kwhisk(args)
    local err = dir .. "/stderr"
    local status, out = shell.run("KUBECONFIG=" .. shell.quote(sim.kubeconfig) ..
      " ./bin/kwhisk " .. args .. " 2>" .. shell.quote(err))
    return status, out, shell.read(err) or ""
  end

  local function usage(args, message)
    local status, out, err = kwhisk(args)
    assert.are.equal(2, status, args)
    assert.are.equal("", out)
    assert.matches(message, err, 1, true)
    assert.matches("; see 'kwhisk %S+ %-%-help'\n$", err)
  end

  local function server_error(args, method, path, pattern)
    sim:fault({ kind = "status", code = 403, method = method, path = path })
    local status, out, err = kwhisk(args)
    assert.are.equal(1, status, args)
    assert.are.equal("", out)
    assert.matches(pattern, err)
    assert.is_nil(err:find("Bearer", 1, true))
  end

  local PODS = "/api/v1/namespaces/default/pods"

  describe("run", function()
    it("prints the Ready container, as a table or JSON", function()
      local status, out = kwhisk("run r1 kwhisk/action-lua --label team=cli")
      assert.are.equal(0, status, out)
      assert.matches("^ID%s+ADDRESS%s+WORKER IP%s+NATIVE ID\nr1%s+127%.%d+%.%d+%.%d+:8080%s+"
        .. "127%.%d+%.%d+%.%d+%s+%x+\n$", out)
      status, out = kwhisk("run r2 kwhisk/action-lua -o json --label team=cli")
      assert.are.equal(0, status, out)
      local c = json.decode(out)
      assert.are.equal("r2", c.id)
      assert.matches("^%x+$", c.native_id)
    end)
    it("reports a pod that cannot start by kind, with its events, and deletes it", function()
      local status, out, err = kwhisk("run r3 doesnotexist")
      assert.are.equal(1, status)
      assert.are.equal("", out)
      assert.matches("^kwhisk run: image_pull: pod r3: .*events: .*Pulling", err)
    end)
    it("has usage errors and --help", function()
      usage("run onlyname", "kwhisk run: expects NAME and IMAGE")
      usage("run a b --memory 1k", "kwhisk run: --memory:")
      usage("run a b -o xml", "kwhisk run: -o must be text or json or yaml, got 'xml'")
      local status, out = kwhisk("run --help")
      assert.are.equal(0, status)
      assert.matches("^usage: kwhisk run NAME IMAGE", out)
    end)
    it("reports the server's refusal", function()
      server_error("run r4 kwhisk/action-lua", "POST", PODS, "^kwhisk run: pod_api: .*403")
    end)
    it("logs each API call with --verbose, on stderr", function()
      local status, out, err = kwhisk("run r5 kwhisk/action-lua -o json --verbose")
      assert.are.equal(0, status, err)
      assert.are.equal("r5", json.decode(out).id)
      assert.matches("kwhisk: api: POST " .. PODS:gsub("%p", "%%%0") .. " %-> 201 %d+ms", err)
    end)
  end)

  describe("invoke", function()
    it("prints the activation's logs and its result, and deletes the pod", function()
      local status, out = kwhisk("invoke kwhisk/action-lua " .. dir .. "/hello.lua "
        .. "--param who=cli --param n=7")
      assert.are.equal(0, status, out)
      assert.matches("^%d%d%d%d%-%d%d%-%d%dT[%d:.]+Z stdout: hello cli\n{\"n\":7}\n$", out)
      status, out = kwhisk("invoke kwhisk/action-lua " .. dir .. "/hello.lua --json -p who=j")
      assert.are.equal(0, status, out)
      local answer = json.decode(out)
      assert.are.equal("hello j", answer.logs[1].log)
      simh.wait_for(function()
        local _, pods = simh.http("GET", sim.url .. PODS)
        for _, pod in ipairs(json.decode(pods).items) do
          if pod.metadata.name:find("^kwhisk%-invoke") then return false end
        end
        return true
      end)
    end)
    it("fails with the action's error", function()
      shell.write(dir .. "/bad.lua", 'function main() error("boom") end\n')
      local status, _, err = kwhisk("invoke kwhisk/action-lua " .. dir .. "/bad.lua")
      assert.are.equal(1, status)
      assert.matches("^kwhisk invoke: server: .*/run: HTTP 502: .*boom", err)
    end)
    it("chooses the image from a .js, .py or .zip file, unless --image is given", function()
      shell.write(dir .. "/hello.js", "function main(p) { console.log('js ' + p.who)\n"
        .. "  return { lang: 'js' } }\n")
      shell.write(dir .. "/hello.py", "def main(a):\n    print('py', a['who'])\n"
        .. "    return {'lang': 'py'}\n")
      zip.write(dir .. "/hello.zip", { ["__main__.py"] = "def main(a):\n"
        .. "    return {'lang': 'zip'}\n" })
      for file, want in pairs({ ["hello.js"] = { "js j", "js" }, ["hello.py"] = { "py j", "py" },
        ["hello.zip"] = { nil, "zip" } }) do
        local status, out, err = kwhisk("invoke " .. dir .. "/" .. file .. " -p who=j --json")
        assert.are.equal(0, status, err)
        local answer = json.decode(out)
        assert.are.equal(want[2], answer.result.lang)
        assert.are.equal(want[1], answer.logs[1] and answer.logs[1].log)
      end
      local status, _, err = kwhisk("invoke " .. dir .. "/hello.js --image example/pause:1")
      assert.are.equal(1, status)
      assert.matches("serves no action runtime in the sim", err)
    end)
    it("has usage errors", function()
      usage("invoke a b c", "kwhisk invoke: expects CODE_FILE (or IMAGE and CODE_FILE)")
      usage("invoke i f --param novalue", "kwhisk invoke: --param expects K=V, got 'novalue'")
      usage("invoke i f --timeout 0", "kwhisk invoke: --timeout expects seconds > 0")
    end)
    it("refuses files it cannot run", function()
      shell.write(dir .. "/notes.txt", "x")
      local status, _, err = kwhisk("invoke " .. dir .. "/notes.txt")
      assert.are.equal(1, status)
      assert.matches("notes.txt: unknown action type (expected .js, .py, .lua or .zip)", err,
        1, true)
      zip.write(dir .. "/other.zip", { ["main.py"] = "" })
      status, _, err = kwhisk("invoke " .. dir .. "/other.zip")
      assert.are.equal(1, status)
      assert.matches("a zip action needs package.json or index.js (Node.js) or __main__.py "
        .. "(Python) at its root", err, 1, true)
    end)
    it("reports the server's refusal", function()
      server_error("invoke " .. dir .. "/hello.lua", "POST", PODS,
        "^kwhisk invoke: pod_api: Failed to provision resources")
    end)
  end)

  describe("logs", function()
    it("prints the log once, and follows it (-f) until the container stops", function()
      local status, out = kwhisk("run l1 kwhisk/action-lua -o json --label team=cli")
      assert.are.equal(0, status, out)
      local base = "http://" .. json.decode(out).address .. "/"
      status, out = kwhisk("logs l1")
      assert.are.equal(0, status)
      assert.are.equal("", out) -- nothing has run yet
      local follow = assert(io.popen("KUBECONFIG=" .. shell.quote(sim.kubeconfig)
        .. " timeout 20 ./bin/kwhisk logs l1 -f --json"))
      assert.are.equal(200, (simh.http("POST", base .. "init", { value = { code =
        shell.read(dir .. "/hello.lua") } })))
      assert.are.equal(200, (simh.http("POST", base .. "run", { value = { who = "f" } })))
      status, out = kwhisk("logs l1")
      assert.are.equal(0, status)
      assert.matches("^%d%d%d%d%-[%dT:.%-]+Z stdout: hello f\n", out)
      assert.are.equal(0, (kwhisk("rm l1")))
      local lines = {}
      for line in follow:lines() do lines[#lines + 1] = json.decode(line).log end
      assert.is_true(follow:close())
      assert.are.same("hello f", lines[1])
      assert.are.same("XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX", lines[#lines])
    end)
    it("prints records after --since, a timestamp or a duration", function()
      local t = require("kwhisk.time").now()
      assert.are.equal(0, (kwhisk("run l2 kwhisk/action-lua")))
      local status, out = kwhisk("logs l2 --since 5m --json")
      assert.are.equal(0, status, out)
      status, out = kwhisk("logs l2 --since " .. tostring(t))
      assert.are.equal(0, status, out)
      assert.are.equal("", out)
    end)
    it("has usage errors", function()
      usage("logs", "kwhisk logs: expects NAME")
      usage("logs l1 --since yesterday", "kwhisk logs: --since expects a timestamp or a duration")
      usage("logs l1 -f --poll", "kwhisk logs: give -f or --poll, not both")
    end)
    it("reports a missing pod and the server's refusal", function()
      local status, _, err = kwhisk("logs nosuchpod")
      assert.are.equal(1, status)
      assert.matches("^kwhisk logs: not_found: .*nosuchpod", err)
      server_error("logs l2", "GET", PODS .. "/l2/log", "^kwhisk logs: forbidden: ")
    end)
  end)

  describe("suspend and resume", function()
    it("go through the invoker agent when it is enabled", function()
      assert.are.equal(0, (kwhisk("run s1 kwhisk/action-lua --label team=cli")))
      local status, out = kwhisk("suspend s1")
      assert.are.equal(0, status)
      assert.are.equal("suspended s1 (nothing done: invoker-agent.enabled is false)\n", out)
      local agent = "CONFIG_whisk_kubernetes_invokerAgent_enabled=true "
      status, out = shell.run(agent .. "KUBECONFIG=" .. shell.quote(sim.kubeconfig)
        .. " ./bin/kwhisk suspend s1 && " .. agent .. "KUBECONFIG="
        .. shell.quote(sim.kubeconfig) .. " ./bin/kwhisk resume s1")
      assert.are.equal(0, status, out)
      assert.are.equal("suspended s1\nresumed s1\n", out)
    end)
    it("have usage errors and report a missing pod", function()
      usage("suspend", "kwhisk suspend: expects NAME")
      usage("resume a b", "kwhisk resume: expects NAME")
      local status, _, err = kwhisk("resume nosuchpod")
      assert.are.equal(1, status)
      assert.matches("^kwhisk resume: not_found: no action pod named nosuchpod", err)
      server_error("suspend s1", "GET", PODS, "^kwhisk suspend: forbidden: ")
    end)
  end)

  describe("rm", function()
    it("deletes by name and by label", function()
      local status, out = kwhisk("rm r5")
      assert.are.equal(0, status)
      assert.are.equal("deleted r5\n", out)
      status, out = kwhisk("rm -l team=cli --ensure-unpaused --wait")
      assert.are.equal(0, status)
      assert.are.equal("deleted pods matching team=cli\n", out)
      -- --wait: returned once the pods were gone
      local _, text = simh.http("GET", sim.url .. PODS .. "?labelSelector=team%3Dcli")
      assert.are.equal(0, #json.decode(text).items)
    end)
    it("has usage errors", function()
      usage("rm", "kwhisk rm: expects NAME... or -l k=v")
      usage("rm a -l x=y", "kwhisk rm: give NAMEs or -l, not both")
      usage("rm -l novalue", "kwhisk rm: -l expects K=V, got 'novalue'")
      usage("rm a --ensure-unpaused", "kwhisk rm: --ensure-unpaused goes with -l")
    end)
    it("reports the server's refusal", function()
      server_error("rm -l team=cli", "DELETE", PODS, "^kwhisk rm: forbidden: ")
    end)
  end)

  describe("version", function()
    it("prints the version, and refuses arguments", function()
      local status, out = kwhisk("version")
      assert.are.equal(0, status)
      assert.matches("^kwhisk %d+%.%d+%.%d+\n$", out)
      usage("version extra", "kwhisk version: takes no arguments")
    end)
  end)
end)
