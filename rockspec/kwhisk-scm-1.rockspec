-- kwhisk: the library and the `kwhisk` command. It needs LuaJIT (the FFI reaches the C core;
-- LuaJIT speaks Lua 5.1, hence "lua 5.1" below) and the C libraries of the core; nothing of
-- the simulated cluster, which is the kwhisk-sim rock. Offline, with Debian's packages:
--   luarocks --lua-version=5.1 --tree=TREE make --deps-mode=none \
--     rockspec/kwhisk-scm-1.rockspec LUA_INCDIR=/usr/include/luajit-2.1
rockspec_format = "3.0"
package = "kwhisk"
version = "scm-1"
source = { url = "git+file:///dev/null" }
description = {
  summary = "Run serverless actions as Kubernetes pods, from Lua",
  detailed = [[
kwhisk creates action pods from replaceable Lua policies, waits for them, reaches them,
streams their logs with nanosecond timestamps, and removes them. A C core (libcurl,
libyaml) does the byte-level work. Needs LuaJIT.]],
  license = "Apache-2.0",
}
dependencies = { "lua >= 5.1, < 5.2" }
-- libcurl too, found by CMake through pkg-config (Debian keeps curl.h in a multiarch
-- directory, where LuaRocks' header check does not look).
external_dependencies = {
  YAML = { header = "yaml.h" },
  CRYPTO = { header = "openssl/evp.h" },
  WSLAY = { header = "wslay/wslay.h" },
}
build = {
  type = "cmake",
  -- LuaRocks' directories and flags go through to CMake, as luv's rockspec passes them.
  variables = {
    CMAKE_BUILD_TYPE = "Release",
    CMAKE_C_FLAGS = "$(CFLAGS)",
    CMAKE_MODULE_LINKER_FLAGS = "$(LIBFLAG) $(LDFLAGS)",
    LUA_INCDIR = "$(LUA_INCDIR)",
    LUA = "$(LUA)",
    LIBDIR = "$(LIBDIR)",
    LUADIR = "$(LUADIR)",
    KWHISK_ROCK = "kwhisk",
  },
  install = { bin = { kwhisk = "bin/kwhisk" } },
}
-- bin/kwhisk is a LuaJIT script that finds its tree itself: installed as it is, its #! line
-- runs luajit directly (a LuaRocks wrapper would run the configured Lua 5.1 instead).
deploy = { wrap_bin_scripts = false }
test = { type = "command", command = "busted spec/unit" }
