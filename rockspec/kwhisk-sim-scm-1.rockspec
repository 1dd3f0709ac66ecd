-- kwhisk-sim: the simulated Kubernetes cluster (`kwhisk sim`, kwhisk.sim) and kwhisk.testing,
-- the helper for users' busted specs. Pure Lua on lua-http and cqueues; its Node.js and
-- Python action runtimes run Debian's node and python3 (and unzip for zip actions), found on
-- PATH when such a pod starts. Offline, with Debian's lua-http, lua-cqueues, lua-posix and
-- lua-luaossl as the dependencies:
--   luarocks --lua-version=5.1 --tree=TREE make --deps-mode=none \
--     rockspec/kwhisk-sim-scm-1.rockspec
rockspec_format = "3.0"
package = "kwhisk-sim"
version = "scm-1"
source = { url = "git+file:///dev/null" }
description = {
  summary = "A simulated Kubernetes cluster for kwhisk, and kwhisk.testing for busted specs",
  detailed = [[
kwhisk sim serves the Kubernetes API subset kwhisk uses, on loopback, with action pods that
run real OpenWhisk-style runtimes, and faults to arm. kwhisk.testing starts one for a busted
describe block and hands out clients, faults, pods and waits.]],
  license = "Apache-2.0",
}
dependencies = {
  "lua >= 5.1, < 5.2",
  "kwhisk",
  "cqueues",
  "http",
  "luaposix",
  "luaossl",
}
build = {
  type = "cmake",
  variables = {
    LUADIR = "$(LUADIR)",
    KWHISK_ROCK = "sim",
  },
}
test = { type = "command", command = "busted spec/sim" }
