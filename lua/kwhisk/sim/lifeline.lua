--- kwhisk.sim.lifeline: ties a child process's life to its parent's. The sim's processes
-- (action runtimes under the sim, the sim under whoever started it from Lua) must never
-- outlive what started them, however that ends (even by SIGKILL), so specs leak nothing.
local ffi = require "ffi"
local unistd = require "posix.unistd"

ffi.cdef [[ int prctl(int option, unsigned long arg2, unsigned long arg3,
                      unsigned long arg4, unsigned long arg5); ]]

local lifeline = {}

local PR_SET_PDEATHSIG = 1

--- Asks the kernel to send signal (a number) to this process when its parent goes; the
-- setting survives exec. parent_pid is the parent as the caller knew it: when that parent
-- died before the request took effect, this process exits at once.
function lifeline.die_with_parent(parent_pid, signal)
  if ffi.C.prctl(PR_SET_PDEATHSIG, signal, 0, 0, 0) ~= 0 or unistd.getppid() ~= parent_pid then
    unistd._exit(1)
  end
end

return lifeline
