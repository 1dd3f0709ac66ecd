--- Fuzzes kubeconfig loading (kwhisk.k8s.kubeconfig.load on a file: YAML, merging, contexts,
-- base64, PEM and file references; exec plugins are only described, never run, by load):
-- every input must give a connection or nil and an error of kind "config" with a message,
-- never a raise.
local mutator = require "mutator"
local kubeconfig = require "kwhisk.k8s.kubeconfig"

local o = mutator.options(arg, arg[0])
local corpus = mutator.corpus("fuzz/corpus/kubeconfig")
local DICT = { ":", ": ", "- ", "-", "{", "}", "[", "]", ",", "&a ", "*a", "<<: *a", "!!binary ",
  "!!str ", "!!int ", "~", "null", "true", "\"", "'", "\n", "\n  ", "\n    ", "#", "%YAML 1.1\n",
  "---\n", "...\n", "\t", "\0", "\xff", "current-context: ", "clusters: ", "users: ",
  "contexts: ", "server: ", "https://", "http://[::1", "certificate-authority-data: ",
  "certificate-authority: ", "client-certificate-data: ", "client-key: ", "tokenFile: ",
  "token: ", "insecure-skip-tls-verify: ", "exec: ", "apiVersion: ",
  "client.authentication.k8s.io/v1beta1", "namespace: ", "name: ", "cluster: ", "user: ",
  "====", "LS0t", string.rep("a", 200) }

local dir = os.tmpname()
os.remove(dir)
assert(os.execute("mkdir -m 700 " .. dir) == 0)
local path = dir .. "/config"
local f = assert(io.open(dir .. "/token", "w"))
f:write("fuzz-token\n")
f:close()

local function one(input)
  local w = assert(io.open(path, "wb"))
  w:write(input)
  w:close()
  local ok, conn, err = pcall(kubeconfig.load, path, { env = {}, home = dir .. "/none" })
  if not ok then
    return "raised: " .. tostring(conn)
  end
  if conn == nil and not (type(err) == "table" and err.kind == "config"
    and type(err.message) == "string") then
    return "an error that is not of kind config: " .. tostring(err)
  end
  if conn ~= nil and type(conn) ~= "table" then
    return "a connection that is not a table: " .. tostring(conn)
  end
end

mutator.run("kubeconfig", o, corpus, DICT, one)
os.execute("rm -rf " .. dir)
