-- The action protocol as kwhisk.container sends it, checked byte for byte by a plain HTTP server
-- against what OpenWhisk's invoker sends (core/invoker .../containerpool/ContainerProxy.scala:
-- containerInitializer, initializeAndRun) and the fields the runtimes read:
--   /init value: main, code, binary, env (openwhisk-runtime-nodejs src/service.js initCode and
--     doInit; openwhisk-runtime-go openwhisk/initHandler.go initBodyRequest), name (invoker);
--   /run: value, and every other string field becomes __OW_<FIELD> (service.js doRun,
--     openwhisk-runtime-python core/python3ActionLoop/lib/launcher.py).
local httpd = require "helpers.httpd"
local json = require "kwhisk.json"
local container = require "kwhisk.container"
local loop = require "kwhisk.loop"

describe("action protocol requests", function()
  local server, c

  setup(function()
    server = httpd.start { handler = [[
      return function() return { status = 200, body = '{"ok":true}',
        headers = { ["content-type"] = "application/json" } } end ]] }
    c = container.wrap({ config = {} }, { id = "wsk0-12-guest-hello", name = "wsk0-12-guest-hello",
      address = { host = "127.0.0.1", port = server.port } })
  end)
  teardown(function() server:stop() end)

  -- The last request the server got: method, path, content type, decoded body, raw body.
  local function last()
    local all = server:requests()
    local r = all[#all]
    return r.method, r.path, r.headers["content-type"], json.decode(r.body), r.body
  end

  local function keys(t)
    local out = {}
    for k in pairs(t) do out[#out + 1] = k end
    table.sort(out)
    return out
  end

  it("sends /init's value with name, main, code, binary and env", function()
    assert(c:init({ code = "UEsDBA==", binary = true, main = "handler", name = "hello",
      env = { __OW_API_KEY = "k", DB = "x" }, deadline = loop.now() + 5 }))
    local method, path, ctype, body, raw = last()
    assert.same({ "POST", "/init", "application/json" }, { method, path, ctype })
    assert.same({ "value" }, keys(body))
    assert.same({ value = { name = "hello", main = "handler", code = "UEsDBA==", binary = true,
      env = { __OW_API_KEY = "k", DB = "x" } } }, body)
    assert.matches('"binary":true', raw, 1, true)
    -- The positional form: the container's name, main "main", source code, no env.
    assert(c:init("function main() {}", nil, nil, loop.now() + 5))
    local _, _, _, positional, praw = last()
    assert.same({ value = { name = "wsk0-12-guest-hello", main = "main",
      code = "function main() {}", binary = false } }, positional)
    assert.matches('"binary":false', praw, 1, true)
  end)

  it("sends /run's value and the activation's fields as strings", function()
    local before = os.time()
    assert(c:run({ n = 1 }, { deadline = loop.now() + 60, namespace = "guest",
      action_name = "/guest/hello", action_version = "0.0.2", activation_id = "a1b2",
      transaction_id = "tid-1", api_key = "uuid:key" }))
    local method, path, _, body = last()
    assert.same({ "POST", "/run" }, { method, path })
    assert.same({ "action_name", "action_version", "activation_id", "api_key", "deadline",
      "namespace", "transaction_id", "value" }, keys(body))
    assert.same({ n = 1 }, body.value)
    for k, v in pairs(body) do
      if k ~= "value" then assert.equal("string", type(v), k) end
    end
    assert.equal("guest", body.namespace)
    assert.equal("a1b2", body.activation_id)
    -- deadline: epoch milliseconds, as ContainerProxy computes it.
    assert.matches("^%d+$", body.deadline)
    local ms = tonumber(body.deadline)
    assert.is_true(ms >= (before + 59) * 1000 and ms <= (os.time() + 61) * 1000, body.deadline)
  end)

  it("generates an activation id when none is given and sends only what it has", function()
    assert(c:run({}, loop.now() + 5))
    local _, _, _, body, raw = last()
    assert.same({ "activation_id", "deadline", "value" }, keys(body))
    assert.matches("^%x+$", body.activation_id)
    assert.equal(32, #body.activation_id)
    assert.matches('"value":{}', raw, 1, true)
    assert(c:run({}, {}))
    local _, _, _, second = last()
    assert.same({ "activation_id", "value" }, keys(second))
    assert.are_not.equal(body.activation_id, second.activation_id)
  end)

  it("raises for arguments of the wrong type", function()
    assert.has_error(function() c:init(42) end,
      "bad argument #1 to 'init' (string expected, got number)")
    assert.has_error(function() c:init({ code = "x", env = "A=1" }) end,
      "bad argument #1 to 'init' (table env expected, got string)")
    assert.has_error(function() c:run("x") end,
      "bad argument #1 to 'run' (table expected, got string)")
    assert.has_error(function() c:run({}, { namespace = 7 }) end,
      "bad argument #2 to 'run' (string namespace expected, got number)")
  end)
end)
