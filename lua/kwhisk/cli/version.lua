--- kwhisk.cli.version: `kwhisk version`, the version of kwhisk (and of its C core).
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"

local USAGE = "usage: kwhisk version\n\nPrints kwhisk's version.\n"

return function(argv)
  if args.wants_help(argv) then return common.help(USAGE) end
  if #argv > 0 then return common.usage_error("version", "takes no arguments") end
  io.stdout:write("kwhisk ", require("kwhisk").version, "\n")
  return common.OK
end
