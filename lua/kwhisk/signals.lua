--- kwhisk.signals: SIGINT and SIGTERM as events a command handles, instead of deaths that
-- leave pods and processes behind. `catch()` blocks both signals (through LuaJIT's FFI, so
-- the library needs nothing but libc) and returns a watcher: `poll()` takes a pending one,
-- `watch(fn)` calls fn from a kwhisk.loop task for each one while the loop runs. A blocked
-- signal stays blocked in a child started with fork and exec: such a child unblocks it itself
-- (kwhisk.sim does).
local ffi = require "ffi"

-- Declared once per process: a second load of the module must not declare them again.
if not pcall(ffi.typeof, "kw_sigset_t") then
  ffi.cdef [[
typedef struct { unsigned long val[16]; } kw_sigset_t;
struct kw_sigtimespec { long tv_sec; long tv_nsec; };
int sigemptyset(kw_sigset_t *set);
int sigaddset(kw_sigset_t *set, int signum);
int sigprocmask(int how, const kw_sigset_t *set, kw_sigset_t *old);
int sigtimedwait(const kw_sigset_t *set, void *info, const struct kw_sigtimespec *timeout);
]]
end

local C = ffi.C
local signals = { SIGINT = 2, SIGTERM = 15 }

local SIG_BLOCK, SIG_SETMASK = 0, 2

local set = ffi.new("kw_sigset_t")
C.sigemptyset(set)
C.sigaddset(set, signals.SIGINT)
C.sigaddset(set, signals.SIGTERM)

local Watcher = {}
Watcher.__index = Watcher

--- Blocks SIGINT and SIGTERM; returns a watcher of them (watcher:release() unblocks them).
function signals.catch()
  local old = ffi.new("kw_sigset_t")
  if C.sigprocmask(SIG_BLOCK, set, old) ~= 0 then
    error("kwhisk.signals: sigprocmask failed: " .. ffi.errno())
  end
  return setmetatable({ old = old }, Watcher)
end

--- Gives the signals back: the signal mask as it was before catch(). A signal still pending
-- then acts as it would have (by default, it ends the process).
function Watcher:release()
  C.sigprocmask(SIG_SETMASK, self.old, nil)
end

local ZERO = ffi.new("struct kw_sigtimespec", 0, 0)

--- A pending SIGINT or SIGTERM (its number), taken, or nil.
function Watcher.poll(_)
  while true do
    local sig = C.sigtimedwait(set, nil, ZERO)
    if sig > 0 then
      return sig
    end
    if ffi.errno() ~= 4 then -- not EINTR: EAGAIN, none pending
      return nil
    end
  end
end

--- Calls fn(signal) for each signal, checked every 0.1 s by a kwhisk.loop task (so
-- while anything waits on the loop). Returns a function that stops the watching.
function Watcher:watch(fn)
  local loop = require "kwhisk.loop"
  local stopped = false
  loop.spawn(function()
    while not stopped do
      local sig = self:poll()
      if sig then
        fn(sig)
      else
        loop.sleep(0.1)
      end
    end
  end)
  return function() stopped = true end
end

--- SIGINT and SIGTERM as a request to stop. The first calls on_first(signal) (to say so);
-- the caller cleans up when interrupted() answers it. A second calls on_force(first signal),
-- if given, and exits at once with status(first signal). Returns interrupted() (the first
-- signal's number, or nil) and a function that stops the watching and unblocks the signals.
function signals.interruptible(on_first, on_force)
  local watcher = signals.catch()
  local first
  local function note(sig)
    if first then
      if on_force then on_force(first) end
      os.exit(signals.status(first))
    end
    first = sig
    on_first(sig)
  end
  local stop_watching = watcher:watch(note)
  return function()
    local sig = watcher:poll()
    if sig then note(sig) end
    return first
  end, function()
    stop_watching()
    watcher:release()
  end
end

--- The exit status of a process ended by signal sig (128 + its number), as a shell gives.
function signals.status(sig)
  return 128 + sig
end

return signals
