--- kwhisk.yaml: YAML for kubeconfig, pod templates and config files (C, in kwhisk.core).
-- load() gives every document of a stream, with sequences marked as JSON arrays and
-- mappings as JSON objects (the marks of kwhisk.json) and null as json.null, so a
-- loaded manifest encodes to the JSON the API server expects. Plain scalars resolve as
-- Kubernetes reads manifests (src/yamlscalar.h); limits and keys: src/yamlload.h.
local core = require("kwhisk.core").yaml
local fs = require "kwhisk.fs"
local json = require "kwhisk.json"

local type, error = type, error

local yaml = {}

--- yaml.load(text [, source_name]) -> documents (a json.array) | nil, err
-- err reads "<source_name or yaml>:<line>:<column>: <problem>".
function yaml.load(text, source_name)
  if type(text) ~= "string" then
    error("bad argument #1 to 'yaml.load' (string expected, got " .. type(text) .. ")", 2)
  end
  if source_name ~= nil and type(source_name) ~= "string" then
    error("bad argument #2 to 'yaml.load' (string expected, got " .. type(source_name) .. ")", 2)
  end
  return core.load(text, source_name)
end

--- yaml.load_file(path) -> documents | nil, err (err starts with the path)
function yaml.load_file(path)
  if type(path) ~= "string" then
    error("bad argument #1 to 'yaml.load_file' (string expected, got " .. type(path) .. ")", 2)
  end
  local text, err = fs.read_file(path)
  if not text then
    return nil, err -- the message already starts with the path
  end
  return core.load(text, path)
end

--- yaml.dump(value) -> string: one block-style document, keys sorted. Raises, like
-- json.encode, for a value with no JSON form.
function yaml.dump(value)
  local ok, text = pcall(json.encode, value)
  if not ok then
    error((text:gsub("^json%.encode:", "yaml.dump:")), 2)
  end
  return core.dump_json(text)
end

return yaml
