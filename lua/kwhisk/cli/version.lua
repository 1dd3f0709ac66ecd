--- kwhisk.cli.version: `kwhisk version`, the version of kwhisk (and of its C core).
local args = require "kwhisk.cli.args"
local common = require "kwhisk.cli.common"

local USAGE = "usage: kwhisk version [-o text|json|yaml]\n\nPrints kwhisk's version; -o json"
  .. " or yaml: {\"version\": ...} (--json too).\n"

return function(argv)
  if args.wants_help(argv) then return common.help(USAGE) end
  local opts, err = args.parse(argv, args.OUTPUT)
  if opts and #opts.positional > 0 then opts, err = nil, "takes no arguments" end
  err = opts and common.check_output(opts, { "text", "json", "yaml" }) or err
  if err then return common.usage_error("version", err) end
  local version = require("kwhisk").version
  if opts.output == "json" or opts.output == "yaml" then
    io.stdout:write(common.encode({ version = version }, opts.output))
  else
    io.stdout:write("kwhisk ", version, "\n")
  end
  return common.OK
end
