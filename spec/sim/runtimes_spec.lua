-- The Node.js and Python action runtimes of the sim (kwhisk.sim.runtimes), driven through
-- kwhisk.container against a sim in a separate process: the protocol as the runtimes of
-- OpenWhisk's images answer it (apache/openwhisk-runtime-nodejs, -python, -go), their logs,
-- zip actions, and suspend/resume through the invoker agent.
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"
local shell = require "helpers.shell"
local zip = require "helpers.zip"

local container, now = kwhisk.container, kwhisk.loop.now
local SENTINEL = "XXX_THE_END_OF_A_WHISK_ACTIVATION_XXX"

local NODE, PYTHON = "openwhisk/action-nodejs-v20", "openwhisk/action-python-v3.11"

-- The pods the first describe uses, created at once in its setup (a runtime takes a while
-- to start, so one at a time would make this spec slow).
local PODS = {
  ["js-env"] = NODE, ["js-promise"] = NODE, ["js-zip-pkg"] = NODE, ["js-zip-index"] = NODE,
  ["js-zip-none"] = NODE, ["js-errors"] = NODE, ["js-bad"] = NODE, ["js-nomain"] = NODE,
  ["py-env"] = PYTHON, ["py-zip"] = PYTHON, ["py-zip-none"] = PYTHON, ["py-errors"] = PYTHON,
  ["py-bad"] = PYTHON, ["py-nomain"] = PYTHON, ["suspend-1"] = NODE, ["suspend-2"] = PYTHON,
  pause = "example/pause:1",
}

describe("sim action runtimes", function()
  local sim, client, made = nil, nil, {}

  setup(function()
    sim = simh.start({})
    client = assert(kwhisk.client({ kubeconfig = sim.kubeconfig,
      ["user-pod-node-affinity"] = { enabled = false },
      ["invoker-agent"] = { enabled = true, port = assert(sim:info()).agentPort } },
      { log = function() end }))
    local tasks = {}
    for name, image in pairs(PODS) do
      tasks[name] = kwhisk.spawn(container.create, client, name, image)
    end
    for name, task in pairs(tasks) do
      made[name] = assert(task:wait())
    end
  end)
  teardown(function()
    for _, c in pairs(made) do c:destroy() end
    sim:stop()
  end)

  local function create(name, image)
    assert.equal(PODS[name], image)
    return made[name]
  end

  -- init, asserting success; returns the container.
  local function ready(name, image, opts)
    local c = create(name, image)
    opts.deadline = now() + 20
    assert(c:init(opts))
    return c
  end

  -- The error value of a call that must fail: its HTTP code and the runtime's {"error"}.
  local function failure(result, err)
    assert.is_nil(result)
    return err.code, err.body and err.body.error
  end

  -- The CRI records of the pod's log file: { {stream, text}, ... }.
  local function raw_log(c)
    local dir = sim.dir .. "/logs"
    local _, name = shell.run("ls " .. shell.quote(dir) .. " | grep '^default_" .. c.id .. "_'")
    local out = {}
    for line in shell.read(dir .. "/" .. name:gsub("%s+$", "")):gmatch("[^\n]+") do
      local stream, text = line:match("^%S+ (%S+) [PF] ?(.*)$")
      out[#out + 1] = { stream, text }
    end
    return out
  end

  local function sentinels(c)
    local n = { stdout = 0, stderr = 0 }
    for _, r in ipairs(raw_log(c)) do
      if r[2] == SENTINEL then n[r[1]] = n[r[1]] + 1 end
    end
    return n
  end

  -- The texts of one activation's records, sorted (stdout and stderr interleave freely).
  local function texts(c)
    local out = {}
    for _, r in ipairs(c:logs(1e6, true)) do out[#out + 1] = r.log end
    table.sort(out)
    return out
  end

  -- The lines of stream in the pod's log file, sentinels included.
  local function stream_lines(c, stream)
    local out = {}
    for _, r in ipairs(raw_log(c)) do
      if r[1] == stream then out[#out + 1] = r[2] end
    end
    return out
  end

  describe("Node.js (" .. NODE .. ")", function()
    it("runs main(params) with the invoker's fields in __OW_* and init's env", function()
      local c = ready("js-env", NODE, { env = { GREETING = "hej", N = 3 }, code = [[
        function main(p) {
          console.log('out', p.name, process.env.GREETING, process.env.N)
          console.error('err', process.env.__OW_ACTIVATION_ID)
          return { env: ['NAMESPACE', 'ACTION_NAME', 'ACTION_VERSION', 'ACTIVATION_ID',
            'TRANSACTION_ID', 'DEADLINE'].map(k => process.env['__OW_' + k]) }
        }]] })
      local t0 = os.time()
      local r = assert(c:run({ name = "ann" }, { deadline = now() + 20, namespace = "guest",
        action_name = "/guest/hello", action_version = "0.0.1", activation_id = "a1",
        transaction_id = "tx1" }))
      assert.same({ "guest", "/guest/hello", "0.0.1", "a1", "tx1" },
        { unpack(r.env, 1, 5) })
      local deadline = tonumber(r.env[6]) / 1000
      assert.is_true(deadline >= t0 + 18 and deadline <= os.time() + 21, r.env[6])
      assert.same({ "err a1", "out ann hej 3" }, texts(c))
      assert.same({ "out ann hej 3", SENTINEL }, stream_lines(c, "stdout"))
      assert.same({ "err a1", SENTINEL }, stream_lines(c, "stderr"))
      local _, err = c:init({ code = "function main() {}" })
      assert.same({ 403, "Cannot initialize the action more than once." }, { failure(nil, err) })
    end)

    it("resolves Promises, finds exports.main and answers a rejection as an error", function()
      local c = ready("js-promise", NODE, { code = [[
        exports.main = function (p) {
          if (p.reject) return Promise.reject(new Error('no ' + p.reject))
          return new Promise(resolve => setTimeout(() => resolve({ later: p.n * 2 }), 50))
        }]] })
      assert.same({ later = 42 }, assert(c:run({ n = 21 }, now() + 20)))
      local r = assert(c:run({ reject = "way" }, now() + 20))
      assert.equal("Error", r.error.name)
      assert.equal("no way", r.error.message)
      assert.matches("^Error: no way\n", r.error.stack)
    end)

    it("runs zip actions with package.json or index.js, and refuses others", function()
      local c = ready("js-zip-pkg", NODE, { binary = true, code = zip.base64({
        ["package.json"] = '{"name": "a", "main": "lib/a.js"}',
        ["lib/a.js"] = "exports.main = p => ({ from: 'package.json', n: p.n })" }) })
      assert.same({ from = "package.json", n = 1 }, assert(c:run({ n = 1 }, now() + 20)))
      c = ready("js-zip-index", NODE, { binary = true, main = "hello", code = zip.base64({
        ["index.js"] = "exports.hello = () => ({ from: 'index.js' })" }) })
      assert.same({ from = "index.js" }, assert(c:run({}, now() + 20)))
      c = create("js-zip-none", NODE)
      assert.same({ 502, "Initialization has failed due to: Zipped actions must contain "
        .. "either package.json or index.js at the root." },
        { failure(c:init({ binary = true, code = zip.base64({ ["a.js"] = "" }) })) })
      assert.same({ stdout = 1, stderr = 1 }, sentinels(c))
    end)

    it("answers errors with the runtime's codes and texts", function()
      local c = ready("js-errors", NODE, { code = [[
        function main(p) {
          if (p.throw) throw new Error('boom')
          return p.number ? 42 : p.nothing ? undefined : { ok: true }
        }]] })
      assert.same({}, assert(c:run({ nothing = true }, now() + 20)))
      assert.same({ 502, "The action did not return a dictionary." },
        { failure(c:run({ number = true }, now() + 20)) })
      assert.same({ 502, "An error has occurred: Error: boom" },
        { failure(c:run({ throw = true }, now() + 20)) })
      assert.same({ 403, "System not ready, status is stopped." },
        { failure(c:run({}, now() + 20)) })
      assert.same({ stdout = 3, stderr = 3 }, sentinels(c))
      c = create("js-bad", NODE)
      assert.same({ 403, "System not initialized." }, { failure(c:run({}, now() + 20)) })
      local code, text = failure(c:init({ code = "function main( {" }))
      assert.equal(502, code)
      assert.matches("^Initialization has failed due to: SyntaxError", text)
      c = create("js-nomain", NODE)
      assert.same({ 502, "Initialization has failed due to: Action entrypoint 'nosuch' is "
        .. "not a function." }, { failure(c:init({ code = "function main() {}",
        main = "nosuch" })) })
    end)
  end)

  describe("Python (" .. PYTHON .. ")", function()
    it("runs main(params) with the invoker's fields in __OW_* and init's env", function()
      local c = ready("py-env", PYTHON, { env = { GREETING = "hej", N = 3 }, code = [=[
import os, sys
def main(args):
    print("out", args["name"], os.environ["GREETING"], os.environ["N"])
    print("err", os.environ["__OW_ACTIVATION_ID"], file=sys.stderr)
    return {"env": [os.environ.get("__OW_" + k) for k in
        ["NAMESPACE", "ACTION_NAME", "ACTION_VERSION", "ACTIVATION_ID", "TRANSACTION_ID"]]}
]=] })
      local r = assert(c:run({ name = "ann" }, { deadline = now() + 20, namespace = "guest",
        action_name = "/guest/hello", action_version = "0.0.1", activation_id = "a1",
        transaction_id = "tx1" }))
      assert.same({ "guest", "/guest/hello", "0.0.1", "a1", "tx1" }, r.env)
      assert.same({ "err a1", "out ann hej 3" }, texts(c))
      assert.same({ "out ann hej 3", SENTINEL }, stream_lines(c, "stdout"))
      assert.same({ "err a1", SENTINEL }, stream_lines(c, "stderr"))
      local _, err = c:init({ code = "def main(a): return a" })
      assert.same({ 403, "Cannot initialize the action more than once." }, { failure(nil, err) })
    end)

    it("runs a zip action's __main__.py and refuses a zip without one", function()
      local c = ready("py-zip", PYTHON, { binary = true, main = "handler", code = zip.base64({
        ["__main__.py"] = "from helper import double\ndef handler(a):\n"
          .. "    return {'n': double(a['n'])}\n",
        ["helper.py"] = "def double(n):\n    return 2 * n\n" }) })
      assert.same({ n = 4 }, assert(c:run({ n = 2 }, now() + 20)))
      c = create("py-zip-none", PYTHON)
      assert.same({ 502, "The action failed to generate or locate a binary. See logs for "
        .. "details." }, { failure(c:init({ binary = true,
        code = zip.base64({ ["main.py"] = "" }) })) })
      -- The compiler's message ends in a newline, and the proxy adds one (initHandler.go).
      assert.same({ "Zip file does not include main__", "", SENTINEL },
        stream_lines(c, "stderr"))
      assert.same({ SENTINEL }, stream_lines(c, "stdout"))
    end)

    it("answers errors with the action-loop proxy's codes and texts", function()
      local c = ready("py-errors", PYTHON, { code = [[
import sys
def main(a):
    if a.get("raise"):
        raise ValueError("boom")
    if a.get("exit"):
        sys.exit(3)
    return 42 if a.get("number") else {"ok": True}
]] })
      assert.same({ error = "boom" }, assert(c:run({ ["raise"] = true }, now() + 20)))
      assert.same({ 502, "The action did not return a dictionary or array." },
        { failure(c:run({ number = true }, now() + 20)) })
      assert.same({ ok = true }, assert(c:run({}, now() + 20)))
      assert.same({ 400, "command exited" }, { failure(c:run({ exit = true }, now() + 20)) })
      assert.same({ 500, "no action defined yet" }, { failure(c:run({}, now() + 20)) })
      assert.same({ stdout = 4, stderr = 4 }, sentinels(c))
      c = create("py-bad", PYTHON)
      assert.same({ 502, "The action failed to generate or locate a binary. See logs for "
        .. "details." }, { failure(c:init({ code = "def main(:" })) })
      c = create("py-nomain", PYTHON)
      assert.same({ 502, "Cannot start action. Check logs for details." },
        { failure(c:init({ code = "def main(a): return a", main = "nosuch" })) })
      local err = stream_lines(c, "stderr")
      assert.same({ "Command exited abruptly during initialization.", SENTINEL },
        { err[#err - 1], err[#err] })
    end)
  end)

  it("suspends and resumes each runtime through the invoker agent", function()
    for i, case in ipairs({ { NODE, "function main(p) { return { n: p.n } }" },
      { PYTHON, "def main(a):\n    return {'n': a['n']}\n" } }) do
      local c = ready("suspend-" .. i, case[1], { code = case[2] })
      assert(client:suspend(c))
      local _, err = c:run({ n = 1 }, now() + 0.5)
      assert.equal("timeout", err.kind)
      assert(client:resume(c))
      assert.same({ n = 2 }, assert(c:run({ n = 2 }, now() + 20)))
    end
  end)

  it("answers at once for an image that serves no action runtime", function()
    local c = create("pause", "example/pause:1")
    local t0 = now()
    local code, text = failure(c:init({ code = "x" }))
    assert.is_true(now() - t0 < 1)
    assert.equal(502, code)
    assert.matches("the image example/pause:1 serves no action runtime in the sim", text)
  end)
end)

describe("sim action runtimes without their program", function()
  it("fail the pod as an image pull that says what to install, at once", function()
    -- A sim whose PATH has every program of /usr/bin but node.
    local bin = os.tmpname()
    os.remove(bin)
    assert(shell.run("cp -rs /usr/bin " .. bin .. " && rm -f " .. bin .. "/node "
      .. bin .. "/nodejs") == 0)
    finally(function() os.execute("rm -rf " .. bin) end)
    local stdlib, path = require "posix.stdlib", os.getenv("PATH")
    stdlib.setenv("PATH", bin)
    local ok, nosim = pcall(simh.start, {})
    stdlib.setenv("PATH", path)
    assert(ok, nosim)
    finally(function() nosim:stop() end)
    local client = assert(kwhisk.client({ kubeconfig = nosim.kubeconfig,
      ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
    local t0 = now()
    local c, err = container.create(client, "nonode", NODE)
    assert.is_nil(c)
    assert.is_true(now() - t0 < 10)
    assert.equal("image_pull", err.kind)
    assert.equal("Failed to pull container image '" .. NODE .. "'.", err.message)
    assert.matches("with node, which is not on PATH: install it %(Debian: apt%-get install "
      .. "nodejs%)", err.cause.message)
  end)
end)

describe("sim Node.js and Python runtime processes", function()
  -- The pid of the runtime process of the sim sim_pid serving ip, from /proc.
  local function runtime_pid(sim_pid, ip)
    local children = shell.read("/proc/" .. sim_pid .. "/task/" .. sim_pid .. "/children")
    for child in children:gmatch("%d+") do
      local cmdline = require("kwhisk.fs").read_file("/proc/" .. child .. "/cmdline") or ""
      if cmdline:find("runtimes/", 1, true) and cmdline:find(ip .. "\0", 1, true) then
        return tonumber(child)
      end
    end
  end

  local function alive(pid)
    return shell.run("kill -0 " .. pid .. " 2>/dev/null") == 0
  end

  it("ignore SIGTERM as a PID 1 does, and die with the sim even when suspended", function()
    local sim = simh.start({})
    finally(function() sim:stop() end)
    local client = assert(kwhisk.client({ kubeconfig = sim.kubeconfig,
      ["user-pod-node-affinity"] = { enabled = false } }, { log = function() end }))
    local pids = {}
    for i, case in ipairs({ { NODE, "function main(p) { return { n: p.n } }" },
      { PYTHON, "def main(a):\n    return {'n': a['n']}\n" } }) do
      local c = assert(container.create(client, "pid1-" .. i, case[1]))
      assert(c:init({ code = case[2] }))
      pids[i] = assert(runtime_pid(sim.pid, c.address.host))
      assert.equal(0, (shell.run("kill -TERM " .. pids[i])))
      assert.same({ n = i }, assert(c:run({ n = i }, now() + 20)))
    end
    -- Suspended as the agent suspends it, then the sim killed without a chance to clean up.
    assert.equal(0, (shell.run("kill -STOP " .. pids[1] .. "; kill -KILL " .. sim.pid)))
    simh.wait_for(function() return not alive(pids[1]) and not alive(pids[2]) end, 5)
  end)
end)
