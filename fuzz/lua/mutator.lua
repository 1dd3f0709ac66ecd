--- fuzz/lua/mutator.lua: the mutations of the Lua fuzz loops (the sim's HTTP parsing and
-- kubeconfig loading are Lua, where libFuzzer cannot reach): a seeded PRNG, so a run is
-- repeatable from its seed, and inputs built from a corpus by flips, inserts, deletions,
-- duplications, splices and dictionary tokens. The loop itself (runs or seconds, the
-- command line, keeping a failing input) is here too.
local M = {}

local random = math.random

local function pick(list)
  return list[random(#list)]
end

local function random_bytes(n)
  local t = {}
  for i = 1, n do
    t[i] = string.char(random(0, 255))
  end
  return table.concat(t)
end

local OPS = {
  function(s) -- flip one byte
    if #s == 0 then return s end
    local i = random(#s)
    return s:sub(1, i - 1) .. string.char(random(0, 255)) .. s:sub(i + 1)
  end,
  function(s) -- insert random bytes
    local i = random(0, #s)
    return s:sub(1, i) .. random_bytes(random(1, 8)) .. s:sub(i + 1)
  end,
  function(s) -- delete a range
    if #s == 0 then return s end
    local i = random(#s)
    return s:sub(1, i - 1) .. s:sub(i + random(1, 16))
  end,
  function(s) -- duplicate a range
    if #s == 0 then return s end
    local i = random(#s)
    local j = math.min(#s, i + random(0, 32))
    return s:sub(1, j) .. s:sub(i, j) .. s:sub(j + 1)
  end,
  function(s, dict) -- insert a dictionary token
    local i = random(0, #s)
    return s:sub(1, i) .. pick(dict) .. s:sub(i + 1)
  end,
  function(s, dict) -- replace a range by a dictionary token
    if #s == 0 then return pick(dict) end
    local i = random(#s)
    return s:sub(1, i - 1) .. pick(dict) .. s:sub(i + random(1, 8))
  end,
  function(s, _, corpus) -- splice with another input
    local other = pick(corpus)
    return s:sub(1, random(0, #s)) .. other:sub(random(1, #other + 1))
  end,
  function(s) -- truncate
    return s:sub(1, random(0, #s))
  end,
}

--- A new input: 1-4 mutations of a corpus entry.
function M.mutate(corpus, dict)
  local s = pick(corpus)
  for _ = 1, random(1, 4) do
    s = pick(OPS)(s, dict, corpus)
  end
  return s
end

--- The files of a corpus directory, read whole.
function M.corpus(dir)
  local list = {}
  local p = assert(io.popen("ls -1 '" .. dir .. "' 2>/dev/null"))
  for name in p:lines() do
    local f = assert(io.open(dir .. "/" .. name, "rb"))
    list[#list + 1] = f:read("*a")
    f:close()
  end
  p:close()
  assert(#list > 0, "empty corpus " .. dir)
  return list
end

local USAGE = "usage: luajit %s [--runs N | --seconds S] [--seed N]\n"

--- Parses the fuzzer's command line: {runs =, seconds =, seed =}.
function M.options(argv, name)
  local o = { seed = 1 }
  local i = 1
  while i <= #argv do
    local key, value = argv[i]:match("^%-%-(%a+)$"), tonumber(argv[i + 1] or "")
    if not (key == "runs" or key == "seconds" or key == "seed") or not value then
      io.stderr:write(USAGE:format(name))
      os.exit(2)
    end
    o[key] = value
    i = i + 2
  end
  if not o.runs and not o.seconds then
    o.runs = 1000
  end
  return o
end

--- Runs one(input) on mutated inputs until the runs or the seconds are used up. one returns
-- nil when the input was handled as it must be, else why not: then the input is kept in a
-- file, the reason printed, and the process exits 1. Prints the executions at the end;
-- with FUZZ_TRACE set, every input as it goes.
function M.run(name, o, corpus, dict, one)
  math.randomseed(o.seed)
  local trace = os.getenv("FUZZ_TRACE")
  local started, runs = os.time(), 0
  while (not o.runs or runs < o.runs) and (not o.seconds or os.time() - started < o.seconds) do
    local input = runs < #corpus and corpus[runs + 1] or M.mutate(corpus, dict)
    runs = runs + 1
    if trace then
      io.stderr:write(("%d %q\n"):format(runs, input:sub(1, 200)))
    end
    local why = one(input)
    if why then
      local path = os.tmpname()
      local f = assert(io.open(path, "wb"))
      f:write(input)
      f:close()
      io.stderr:write(("fuzz: %s FAILED at run %d (seed %d): %s; input kept in %s\n")
        :format(name, runs, o.seed, why, path))
      os.exit(1)
    end
  end
  io.stdout:write(("fuzz: %s ok, %d executions\n"):format(name, runs))
end

return M
