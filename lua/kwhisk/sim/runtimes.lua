--- kwhisk.sim.runtimes: which images serve an action runtime in the sim, and how each one is
-- started. kwhisk/action-lua runs kwhisk.sim.runtime under luajit; OpenWhisk's own image names
-- run the scripts next to this module with Debian's node or python3, one process per pod.
local stat = require "posix.sys.stat"

local runtimes = {}

-- The sim's runtimes by name: the program on PATH, the Debian package that has it, the
-- image name patterns (without registry or tag) that choose it.
local KINDS = {
  lua = { program = "luajit", package = "luajit", images = { "^kwhisk/action%-lua$" } },
  nodejs = { program = "node", package = "nodejs", script = "nodejs.js",
    images = { "^openwhisk/action%-nodejs%-v%d+$", "^openwhisk/nodejs%d+action$" } },
  python = { program = "python3", package = "python3", script = "python3.py",
    images = { "^openwhisk/action%-python%-v3[%d.]*$", "^openwhisk/python3action$" } },
}

--- The image's repository path: without a docker.io/ or docker.io/library/ prefix, tag or
-- digest.
function runtimes.repository(image)
  local name = image:match("^[^@]*"):gsub(":[^/:]*$", "")
  return (name:gsub("^docker%.io/", ""):gsub("^library/", ""))
end

--- The runtime name (lua, nodejs, python) that serves image, or nil.
function runtimes.for_image(image)
  local repo = runtimes.repository(image)
  for name, kind in pairs(KINDS) do
    for _, pattern in ipairs(kind.images) do
      if repo:match(pattern) then
        return name
      end
    end
  end
end

local found = {}

-- The path of program on PATH, or nil.
local function which(program)
  if found[program] == nil then
    found[program] = false
    for dir in (os.getenv("PATH") or ""):gmatch("[^:]+") do
      local st = stat.stat(dir .. "/" .. program)
      if st and stat.S_ISREG(st.st_mode) ~= 0 then
        found[program] = dir .. "/" .. program
        break
      end
    end
  end
  return found[program] or nil
end

--- nil when runtime name can start here, else why not (what to install).
function runtimes.missing(name)
  local kind = KINDS[name]
  if not which(kind.program) then
    return "the sim runs this image with " .. kind.program .. ", which is not on PATH: "
      .. "install it (Debian: apt-get install " .. kind.package .. ")"
  end
end

-- The directory of the runtime scripts (next to this module, in the source or installed tree).
local function script_dir()
  local path = assert(package.searchpath("kwhisk.sim.runtimes", package.path))
  return path:gsub("%.lua$", "")
end

--- The argv (argv[0] is the program) that serves runtime name on host:port. lua: log_path and
-- parent_pid go to kwhisk.sim.runtime; node and python3 write to stdout and stderr and keep
-- their files (zip actions) under workdir.
function runtimes.command(name, host, port, opts)
  if name == "lua" then
    local rot = opts.log_rotation or {}
    return { [0] = "luajit", "-e", string.format("package.path=%q package.cpath=%q "
      .. "require('kwhisk.sim.runtime').main(%q, %d, %q, %d, { max_size = %s, max_files = %s, "
      .. "interval = %s })", package.path, package.cpath, host, port, opts.log_path,
      opts.parent_pid, tostring(rot.max_size), tostring(rot.max_files), tostring(rot.interval)) }
  end
  local kind = KINDS[name]
  return { [0] = kind.program, script_dir() .. "/" .. kind.script, host, tostring(port),
    opts.workdir }
end

return runtimes
