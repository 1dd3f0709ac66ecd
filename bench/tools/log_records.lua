--- bench/tools/log_records.lua: kwhisk delivering a pod's log over HTTP as records into Lua
-- (kwhisk.http Stream:records with a kwhisk.logs reader), one process per run of
-- bench/stream_bench.lua. Prints "records message_bytes".
-- Usage: luajit bench/tools/log_records.lua URL
local http = require "kwhisk.http"
local logs = require "kwhisk.logs"

local url = assert(arg[1], "usage: log_records.lua URL")
local stream = assert(http.stream { url = url })
local next_record = stream:records(logs.reader())
local records, bytes = 0, 0
while true do
  local record, err = next_record()
  if not record then
    assert(not err, tostring(err))
    break
  end
  records = records + 1
  bytes = bytes + #record.log
end
stream:close()
print(records, bytes)
