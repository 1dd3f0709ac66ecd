--- kwhisk.sim.files: the sim's files at rest. A private file (the kubeconfig, which holds the
-- token and the CA) is written 0600 through a fresh mkstemp name beside it and renamed over
-- the target, so no other user reads it and no planted name or symlink is followed. A
-- temporary directory carries an owner file (pid and start time of the process that made
-- it); a later sim removes the directories of owners that are gone (even SIGKILLed ones).
local dirent = require "posix.dirent"
local errno = require "posix.errno"
local signal = require "posix.signal"
local stat = require "posix.sys.stat"
local stdlib = require "posix.stdlib"
local unistd = require "posix.unistd"
local read_file = require("kwhisk.fs").read_file

local files = {}

local OWNER = "owner"

local function write_all(fd, s)
  local done = 0
  while done < #s do
    local n, err = unistd.write(fd, s:sub(done + 1))
    if not n then
      return nil, err
    end
    done = done + n
  end
  return true
end

--- Writes s as the file at path, mode 0600, atomically: true, or nil and a message.
function files.write_private(path, s)
  local dir = path:match("^(.*)/[^/]*$") or "."
  local fd, tmp = stdlib.mkstemp(dir .. "/.kwhisk-XXXXXX")
  if not fd then
    return nil, "cannot make a temporary file in " .. dir .. ": " .. tostring(tmp)
  end
  local ok, err = write_all(fd, s)
  if ok then
    ok, err = unistd.fsync(fd)
  end
  unistd.close(fd)
  if ok then
    ok, err = os.rename(tmp, path)
  end
  if not ok then
    os.remove(tmp)
    return nil, err
  end
  return true
end

-- The start time of process pid (clock ticks since boot, /proc/PID/stat field 22), or nil
-- when it does not run.
local function started_at(pid)
  local text = read_file("/proc/" .. pid .. "/stat")
  local after = text and text:match("^.*%)%s(.*)$")
  return after and after:match("^%S+" .. string.rep("%s%S+", 18) .. "%s(%d+)")
end

local function tmp_root()
  local t = os.getenv("TMPDIR")
  return (t and t ~= "") and t or "/tmp"
end

--- Removes path and, for a directory, everything in it, without following a symlink and
-- without a shell. Returns true, or nil and the first failure.
function files.remove_tree(path)
  local st = stat.lstat(path)
  if not st then
    return true
  end
  if stat.S_ISDIR(st.st_mode) ~= 0 then
    local ok, entries = pcall(dirent.dir, path)
    for _, name in ipairs(ok and entries or {}) do
      if name ~= "." and name ~= ".." then
        local rok, err = files.remove_tree(path .. "/" .. name)
        if not rok then
          return nil, err
        end
      end
    end
    local rok, err = unistd.rmdir(path)
    return rok and true, err
  end
  local rok, err = unistd.unlink(path)
  return rok and true, err
end

--- A new directory $TMPDIR/PREFIX.XXXXXX, mode 0700, owned by this process (see
-- remove_stale); its path, or nil and a message.
function files.own_tmpdir(prefix)
  local dir, err = stdlib.mkdtemp(tmp_root() .. "/" .. prefix .. ".XXXXXX")
  if not dir then
    return nil, "cannot make a temporary directory: " .. tostring(err)
  end
  local pid = unistd.getpid()
  local ok, werr = files.write_private(dir .. "/" .. OWNER, pid .. " " .. started_at(pid) .. "\n")
  if not ok then
    files.remove_tree(dir)
    return nil, werr
  end
  return dir
end

-- True when the directory's owner file names a process that no longer runs.
local function owner_gone(dir)
  local text = read_file(dir .. "/" .. OWNER)
  local pid, start = (text or ""):match("^(%d+) (%d+)\n$")
  if not pid then
    return false
  end
  local alive, _, code = signal.kill(tonumber(pid), 0)
  if not alive and code == errno.ESRCH then
    return true
  end
  -- Alive (or another user's): the same process only if it started at the same tick.
  return started_at(pid) ~= start
end

--- Removes the directories $TMPDIR/PREFIX.* of this user whose owner is gone; returns how
-- many it removed. Others' directories, symlinks and directories without an owner file stay.
function files.remove_stale(prefix)
  local root, removed = tmp_root(), 0
  local ok, entries = pcall(dirent.dir, root)
  if not ok then
    return 0
  end
  local uid = unistd.getuid()
  for _, name in ipairs(entries) do
    local path = root .. "/" .. name
    if name:find("^" .. prefix:gsub("%p", "%%%0") .. "%.[%w]+$") then
      local st = stat.lstat(path)
      if st and stat.S_ISDIR(st.st_mode) ~= 0 and st.st_uid == uid and owner_gone(path) then
        files.remove_tree(path)
        removed = removed + 1
      end
    end
  end
  return removed
end

return files
