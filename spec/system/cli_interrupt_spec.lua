-- Ctrl-C (SIGINT) and SIGTERM to the commands that wait: `kwhisk run --wait`, `kwhisk logs -f`
-- and `kwhisk sim`, run as the README types them (bin/kwhisk from the repo root, no LUA_PATH).
-- Each says "interrupted" once, cleans up and exits 128 + the signal.
local shell = require "helpers.shell"
local sim = require "helpers.sim"
local fs = require "kwhisk.fs"

-- Starts `bin/kwhisk ARGS` in the background; returns a handle with pid, dir (its out and
-- rc files) and wait() -> exit status, output.
local function background(args, env)
  local dir, cleanup = shell.tmpdir()
  finally(cleanup)
  os.execute(string.format("(sh -c 'echo $$ >%s/pid; exec env -u LUA_PATH -u LUA_CPATH %s "
    .. "bin/kwhisk %s' >%s/out 2>&1; echo $? >%s/rc) &", dir, env or "", args, dir, dir))
  local pid = tonumber(sim.wait_for(function() return fs.read_file(dir .. "/pid") end))
  local h = { pid = pid, dir = dir }
  function h.output() return fs.read_file(dir .. "/out") or "" end
  function h.wait()
    local ok, rc = pcall(sim.wait_for, function() return fs.read_file(dir .. "/rc") end, 20)
    assert(ok, "still running: " .. h.output())
    return tonumber(rc), h.output()
  end
  function h.until_output(pattern)
    return sim.wait_for(function() return h.output():find(pattern) end, 20)
  end
  return h
end

local function count(text, word)
  return select(2, text:gsub(word, ""))
end

local function kill(pid, sig)
  os.execute("kill -" .. sig .. " " .. pid)
end

describe("interrupting the CLI", function()
  local s
  lazy_setup(function() s = sim.start() end)
  lazy_teardown(function() s:stop() end)

  local function pod_status(name)
    return (sim.http("GET", s.url .. "/api/v1/namespaces/default/pods/" .. name))
  end

  it("kwhisk run --wait: SIGINT deletes the pod, says interrupted once, exits 130", function()
    local run = background("run cc-wait kwhisk/action-lua --wait --kubeconfig " .. s.kubeconfig)
    run.until_output("NATIVE ID")
    assert.are.equal(200, pod_status("cc-wait"))
    kill(run.pid, "INT")
    local rc, out = run.wait()
    assert.are.equal(130, rc, out)
    assert.are.equal(1, count(out, "interrupted"), out)
    sim.wait_for(function() return pod_status("cc-wait") == 404 end)
  end)

  it("kwhisk run --wait: SIGTERM deletes the pod and exits 143", function()
    local run = background("run cc-term kwhisk/action-lua --wait --kubeconfig " .. s.kubeconfig)
    run.until_output("NATIVE ID")
    kill(run.pid, "TERM")
    local rc, out = run.wait()
    assert.are.equal(143, rc, out)
    sim.wait_for(function() return pod_status("cc-term") == 404 end)
  end)

  it("kwhisk run: SIGINT before the pod is ready still deletes it", function()
    local run = background("run cc-early kwhisk/action-lua --kubeconfig " .. s.kubeconfig)
    sim.wait_for(function() return pod_status("cc-early") == 200 end)
    kill(run.pid, "INT")
    local rc, out = run.wait()
    assert.are.equal(130, rc, out)
    assert.are.equal(1, count(out, "interrupted"), out)
    sim.wait_for(function() return pod_status("cc-early") == 404 end)
  end)

  it("kwhisk logs -f: SIGINT closes the stream, says interrupted once, exits 130", function()
    local run = background("run cc-logs kwhisk/action-lua --kubeconfig " .. s.kubeconfig)
    assert.are.equal(0, (run.wait()))
    local logs = background("logs -f cc-logs --kubeconfig " .. s.kubeconfig)
    os.execute("sleep 0.5")
    assert.are.equal("", logs.output())
    kill(logs.pid, "INT")
    local rc, out = logs.wait()
    assert.are.equal(130, rc, out)
    assert.are.equal("kwhisk logs: interrupted; closing the stream (again to force)\n", out)
  end)

  it("kwhisk sim: SIGINT stops it and its runtimes, exits 130", function()
    local dir, cleanup = shell.tmpdir()
    finally(cleanup)
    local own = background("sim --port 0 --kubeconfig " .. dir .. "/kc --log-dir " .. dir)
    own.until_output("serving")
    local run = background("run cc-sim kwhisk/action-lua --kubeconfig " .. dir .. "/kc")
    assert.are.equal(0, (run.wait()))
    local _, before = shell.run("pgrep -f " .. shell.quote("[k]whisk.sim.runtime.*" .. dir))
    assert.matches("%d", before)
    kill(own.pid, "INT")
    local rc, out = own.wait()
    assert.are.equal(130, rc, out)
    assert.are.equal(1, count(out, "interrupted"), out)
    sim.wait_for(function()
      return shell.run("pgrep -f " .. shell.quote("[k]whisk.sim.runtime.*" .. dir)) == 1
    end, 5)
  end)
end)
