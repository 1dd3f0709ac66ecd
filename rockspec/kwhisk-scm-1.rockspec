package = "kwhisk"
version = "scm-1"
source = { url = "git+file:///dev/null" }
description = {
  summary = "Run serverless actions as Kubernetes pods, from Lua",
  detailed = [[
kwhisk creates action pods from replaceable Lua policies, waits for them, reaches them,
streams their logs with nanosecond timestamps, and removes them. A C core (libcurl,
libyaml) does the byte-level work; it ships a simulated cluster for tests and demos.]],
  license = "Apache-2.0",
}
dependencies = { "lua >= 5.1" }
build = {
  type = "cmake",
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LIBDIR = "$(LIBDIR)",
    LUADIR = "$(LUADIR)",
  },
  install = { bin = { kwhisk = "bin/kwhisk" } },
}
