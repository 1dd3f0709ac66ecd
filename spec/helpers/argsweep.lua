--- Spec helper, run as a script in its own process (a crash must not take busted down):
-- calls every public function and method of the FFI- and C-backed modules with values of the
-- wrong type, as self and as each argument. Prints `BAD <name>: <why>` for a call that ends
-- in an internal error (an "attempt to ..." inside kwhisk rather than a message naming the
-- argument) or for a method that takes a wrong self without saying so, and `DONE <calls>`.
local ffi = require "ffi"
local kwhisk = require "kwhisk"
local core = require "kwhisk.core"

local BAD = { false, true, 0, -1, 2 ^ 63, "", "x", {}, function() end, coroutine.create(print),
  ffi.new("void *"), io.stdout }
local calls = 0
io.stdout:setvbuf("line")

local function describe_value(v)
  return type(v) == "string" and ("%q"):format(v) or tostring(v)
end

local function report(name, args, why)
  local shown = {}
  for i = 1, args.n do
    shown[i] = describe_value(args[i])
  end
  io.write("BAD ", name, "(", table.concat(shown, ", "), "): ", tostring(why), "\n")
end

local function call(name, f, ...)
  calls = calls + 1
  if os.getenv("SWEEP_TRACE") then io.stderr:write(name, "\n") end
  local args = { n = select("#", ...), ... }
  local ok, err = pcall(f, ...)
  if not ok and (type(err) ~= "string" or err:find("attempt to ", 1, true)) then
    report(name, args, err)
  end
  return ok, err
end

-- A function: each bad value in each of the first three places, the others nil.
local function sweep_function(name, f)
  for place = 1, 3 do
    for _, v in ipairs(BAD) do
      local args = {}
      args[place] = v
      call(name, f, args[1], args[2], args[3])
    end
  end
end

-- A method: every bad self must be refused by name; then, with a good self (made by
-- make()), each bad value as each argument.
local function sweep_method(name, f, make)
  for _, v in ipairs(BAD) do
    local ok, err = call(name, f, v)
    if ok or not tostring(err):find("^.-bad argument #1 to '[^']*' %(.- expected, got ") then
      report(name, { n = 1, v }, ok and "accepted a wrong self" or err)
    end
  end
  for place = 1, 2 do
    for _, v in ipairs(BAD) do
      local args = {}
      args[place] = v
      call(name, f, make(), args[1], args[2])
    end
  end
end

local function methods_of(obj)
  local mt = getmetatable(obj)
  local index = type(mt.__index) == "table" and mt.__index or mt
  local list = {}
  for k, f in pairs(index) do
    if type(f) == "function" and k:sub(1, 2) ~= "__" then
      list[#list + 1] = k
    end
  end
  table.sort(list)
  if mt.__tostring then
    list[#list + 1] = "__tostring"
  end
  return list
end

local function sweep_object(prefix, make, skip)
  for _, k in ipairs(methods_of(make())) do
    if not (skip and skip[k]) then
      local mt = getmetatable(make())
      sweep_method(prefix .. ":" .. k, k == "__tostring" and mt.__tostring or make()[k], make)
    end
  end
end

local function sweep_module(prefix, mod, skip)
  for k, f in pairs(mod) do
    if type(f) == "function" and not (skip and skip[k]) then
      sweep_function(prefix .. "." .. k, f)
    end
  end
end

local t0 = kwhisk.time.new(1, 2)
local time_methods = { "add", "seconds_since" }
for _, k in ipairs(time_methods) do
  sweep_method("time:" .. k, t0[k], function() return kwhisk.time.new(1, 2) end)
end
for _, op in ipairs({ "<", "<=" }) do
  for _, v in ipairs(BAD) do
    call("time " .. op, load("local a, b = ... return a " .. op .. " b"), t0, v)
  end
end
sweep_module("time", kwhisk.time)
sweep_module("logs", kwhisk.logs)
sweep_object("reader", function() return kwhisk.logs.reader() end)
sweep_object("writer", function() return kwhisk.logs.writer() end)
sweep_object("collector", function() return kwhisk.logs.collector({ limit = 100 }) end)
sweep_module("logline", kwhisk.logline)
sweep_object("record", function()
  return kwhisk.logline.new(t0, "stdout", "hello")
end)
sweep_object("stdout record", function()
  local r = kwhisk.logs.reader()
  r:feed("1970-01-01T00:00:01Z hi\n")
  return r:next()
end)
sweep_module("json", kwhisk.json)
sweep_module("yaml", kwhisk.yaml)
for part, mod in pairs(core) do
  if type(mod) == "table" then
    -- portforward.open would listen on a port: its arguments are swept with the methods.
    sweep_module("core." .. part, mod, { open = true })
  end
end
-- step(timeout) with a huge timeout would wait that long: its self is swept below.
sweep_object("core.http.loop", function() return core.http.loop() end, { step = true })
for mt_name, mt in pairs(debug.getregistry()) do
  if type(mt_name) == "string" and mt_name:find("^kwhisk%.") and type(mt) == "table"
    and type(mt.__index) == "table" then
    for k, f in pairs(mt.__index) do
      if type(f) == "function" then
        for _, v in ipairs(BAD) do
          local ok, err = call(mt_name .. ":" .. k, f, v)
          if ok or not tostring(err):find("bad argument #1 to '[^']*' %(.- expected, got ") then
            report(mt_name .. ":" .. k, { n = 1, v }, ok and "accepted a wrong self" or err)
          end
        end
      end
    end
  end
end
io.write("DONE ", calls, "\n")
