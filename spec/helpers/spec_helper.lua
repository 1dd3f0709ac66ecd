-- Runs before every spec: fails early, with a clear message, when the C module is missing.
local ok, err = pcall(require, "kwhisk.core")
if not ok then
  error("kwhisk.core is not built (run `make` first): " .. tostring(err), 0)
end
