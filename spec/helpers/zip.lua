--- Spec helper: zip archives built at test time with python3's zipfile (no binary fixtures).
local shell = require "helpers.shell"
local json = require "kwhisk.json"

local zip = {}

local SCRIPT = [[
import base64, io, json, sys, zipfile
buf = io.BytesIO()
with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
    for name, text in sorted(json.loads(sys.argv[1]).items()):
        z.writestr(name, text)
sys.stdout.write(base64.b64encode(buf.getvalue()).decode())
]]

--- The base64 text of a zip archive holding files ({name = text}).
function zip.base64(files)
  local status, out = shell.run("python3 -c " .. shell.quote(SCRIPT) .. " "
    .. shell.quote(json.encode(files)))
  assert(status == 0, out)
  return out
end

--- Writes a zip archive holding files ({name = text}) to path.
function zip.write(path, files)
  local status, out = shell.run("python3 -c " .. shell.quote(SCRIPT) .. " "
    .. shell.quote(json.encode(files)) .. " | base64 -d > " .. shell.quote(path))
  assert(status == 0, out)
end

return zip
