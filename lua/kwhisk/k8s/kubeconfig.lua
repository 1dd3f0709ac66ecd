--- kwhisk.k8s.kubeconfig: where the API server is and how to authenticate, resolved as kubectl
-- does (SPEC B), in this order: an explicit table; a kubeconfig path; KUBECONFIG (merged);
-- ~/.kube/config; in-cluster. The result is a connection for kwhisk.k8s.api:
--   { server, namespace, ca, insecure, credentials, source }
-- where credentials:get() -> { token, cert, key } reads rotating token files (at most
-- `token_refresh` seconds old, 60 by default) and caches exec plugins until they expire,
-- and credentials:renew() makes the next get() fetch fresh ones (after a 401).
local base64 = require "kwhisk.base64"
local fs = require "kwhisk.fs"
local json = require "kwhisk.json"
local time = require "kwhisk.time"
local shell_quote = require("kwhisk.shell").quote
local errors = require "kwhisk.errors"
local loop = require "kwhisk.loop"

local type, pairs, ipairs, tostring, error, setmetatable =
  type, pairs, ipairs, tostring, error, setmetatable
local format, concat = string.format, table.concat

local kubeconfig = {}

kubeconfig.INCLUSTER_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"

local function config_error(message)
  return nil, errors.new("config", message)
end


local function dirname(path)
  return path:match("^(.*)/[^/]*$") or "."
end

local function resolve(path, base)
  if path:sub(1, 1) == "/" or not base then
    return path
  end
  return base .. "/" .. path
end

-- Credentials -------------------------------------------------------------------------

local Credentials = {}
Credentials.__index = Credentials

function Credentials:__tostring()
  return "kwhisk credentials (" .. self.kind .. ")" -- never the secrets themselves
end

local function read_token(self)
  local token = fs.read_file(self.token_file)
  token = token and token:match("^%s*(.-)%s*$")
  self.read_at = loop.now()
  if token and token ~= "" then
    self.token = token -- a failed read keeps the last good token
  end
end

-- Seconds since the epoch of an RFC 3339 timestamp (kwhisk.time), or nil.
local function rfc3339_seconds(s)
  local t = type(s) == "string" and time.parse(s)
  return t and t.sec or nil
end

-- Runs the exec plugin and returns its status table, or nil, err.
local function run_plugin(self)
  local e = self.exec
  local info = json.encode { apiVersion = e.api_version, kind = "ExecCredential",
                             spec = { interactive = false } }
  local parts = { "env", "KUBERNETES_EXEC_INFO=" .. shell_quote(info) }
  for _, kv in ipairs(e.env) do
    parts[#parts + 1] = shell_quote(kv.name .. "=" .. kv.value)
  end
  parts[#parts + 1] = shell_quote(e.command)
  for _, a in ipairs(e.args) do
    parts[#parts + 1] = shell_quote(a)
  end
  local pipe = io.popen(concat(parts, " ") .. " 2>/dev/null; echo \"exit:$?\"")
  local out = pipe and pipe:read("*a") or ""
  if pipe then
    pipe:close()
  end
  local body, code = out:match("^(.-)exit:(%d+)%s*$")
  local what = e.source .. ": the exec plugin " .. e.command
  if code ~= "0" then
    return config_error(what .. " failed (exit status " .. tostring(code) .. ")")
  end
  local cred, err = json.decode(body)
  if type(cred) ~= "table" or type(cred.status) ~= "table" then
    return config_error(what .. " printed no ExecCredential with a status" ..
      (err and (": " .. err) or ""))
  end
  return cred.status
end

local function refresh_exec(self)
  local status, err = run_plugin(self)
  self.runs = self.runs + 1
  if not status then
    return nil, err
  end
  self.token = status.token
  self.cert = status.clientCertificateData or self.static_cert
  self.key = status.clientKeyData or self.static_key
  self.expires = status.expirationTimestamp and rfc3339_seconds(status.expirationTimestamp)
  self.fetched = true
  return true
end

--- The credentials to use now: { token, cert, key } (any may be nil).
function Credentials:get()
  if self.exec then
    if not self.fetched or self.stale or (self.expires and os.time() >= self.expires) then
      self.stale = false
      local ok, err = refresh_exec(self)
      if not ok and not self.fetched then
        return { cert = self.static_cert, key = self.static_key }, err
      end
    end
  elseif self.token_file then
    if self.stale or loop.now() - self.read_at >= self.refresh then
      self.stale = false
      read_token(self)
    end
  end
  return { token = self.token, cert = self.cert, key = self.key }
end

--- Makes the next get() fetch fresh credentials (after a 401).
function Credentials:renew()
  self.stale = true
end

local function new_credentials(spec)
  local self = setmetatable({ kind = "none", token = spec.token, cert = spec.cert,
                              key = spec.key, static_cert = spec.cert, static_key = spec.key,
                              refresh = spec.refresh or 60, runs = 0 }, Credentials)
  if spec.exec then
    self.kind, self.exec = "exec", spec.exec
  elseif spec.token then
    self.kind = "token"
  elseif spec.token_file then
    self.kind, self.token_file = "token_file", spec.token_file
    read_token(self)
    if not self.token then
      return config_error(spec.token_source .. ": cannot read a token from " .. spec.token_file)
    end
  elseif spec.cert then
    self.kind = "client certificate"
  end
  return self
end

-- Explicit tables ------------------------------------------------------------------------

local EXPLICIT_KEYS = { server = true, token = true, token_file = true, ca = true,
  ca_file = true, cert = true, key = true, cert_file = true, key_file = true,
  insecure = true, namespace = true }

local function read_named(path, what)
  local text, err = fs.read_file(path)
  if not text then
    return config_error(what .. ": cannot read " .. path .. ": " .. tostring(err))
  end
  return text
end

local function bad_key(detail)
  errors.bad_argument(1, "kubeconfig.load", "connection key " .. detail, 3)
end

local function from_table(t, options)
  for k in pairs(t) do
    if not EXPLICIT_KEYS[k] then
      bad_key("'" .. tostring(k) .. "' unknown")
    end
  end
  if type(t.server) ~= "string" or not t.server:match("^https?://") then
    bad_key("'server': http:// or https:// URL expected")
  end
  if t.insecure ~= nil and type(t.insecure) ~= "boolean" then
    -- a string such as "false" must not turn verification off
    bad_key("'insecure': boolean expected, got " .. type(t.insecure))
  end
  if t.insecure and (t.ca or t.ca_file) then
    bad_key("'insecure': not allowed with a CA")
  end
  local files = {}
  for _, k in ipairs { "ca", "cert", "key" } do
    files[k] = t[k]
    if not files[k] and t[k .. "_file"] then
      local text, err = read_named(t[k .. "_file"], "connection." .. k .. "_file")
      if not text then
        return nil, err
      end
      files[k] = text
    end
  end
  local credentials, err = new_credentials { token = t.token, token_file = t.token_file,
    token_source = "connection.token_file", cert = files.cert, key = files.key,
    refresh = options.token_refresh }
  if not credentials then
    return nil, err
  end
  return { server = t.server, namespace = t.namespace or "default", ca = files.ca,
           insecure = t.insecure == true, credentials = credentials,
           source = "explicit configuration" }
end

-- kubeconfig files -----------------------------------------------------------------------

-- Loads one file as a table, or nil, err naming it.
local function load_file(path)
  local text, rerr = fs.read_file(path)
  if not text then
    return config_error(path .. ": cannot read: " .. tostring(rerr))
  end
  -- Loaded on first use: an explicit table or in-cluster needs no YAML.
  local docs, err = require("kwhisk.yaml").load(text, path)
  if not docs then
    return config_error(tostring(err)) -- "<path>:<line>:<column>: <problem>"
  end
  local doc = docs[1]
  if doc == nil or doc == json.null then
    doc = {}
  end
  if type(doc) ~= "table" or json.is_array(doc) then
    return config_error(path .. ": a kubeconfig must be a mapping")
  end
  return doc
end

-- Adds the named entries of one file's list (clusters, users, contexts) to merged,
-- first definition winning; each remembers its file (relative paths resolve there).
local function merge_list(merged, doc, key, path)
  local list = doc[key]
  if list == nil or list == json.null then
    return true
  end
  if type(list) ~= "table" or json.is_object(list) then
    return config_error(path .. ": " .. key .. ": a list expected")
  end
  for i, entry in ipairs(list) do
    local where = format("%s: %s[%d]", path, key, i - 1)
    if type(entry) ~= "table" or type(entry.name) ~= "string" then
      return config_error(where .. ".name: a string expected")
    end
    if merged[key][entry.name] == nil then
      local body = entry[key:sub(1, -2)] -- clusters[i].cluster, users[i].user, ...
      if body ~= nil and body ~= json.null and type(body) ~= "table" then
        return config_error(where .. "." .. key:sub(1, -2) .. ": a mapping expected")
      end
      merged[key][entry.name] = { body = type(body) == "table" and body or {}, file = path,
                                  where = where .. "." .. key:sub(1, -2) }
    end
  end
  return true
end

local function merge_files(paths)
  local merged = { clusters = {}, users = {}, contexts = {}, files = {} }
  for _, path in ipairs(paths) do
    local doc, err = load_file(path)
    if not doc then
      return nil, err
    end
    merged.files[#merged.files + 1] = path
    for _, key in ipairs { "clusters", "users", "contexts" } do
      local ok, merr = merge_list(merged, doc, key, path)
      if not ok then
        return nil, merr
      end
    end
    local cc = doc["current-context"]
    if merged.current == nil and type(cc) == "string" and cc ~= "" then
      merged.current = cc
    end
  end
  return merged
end

-- A credential given as "<name>-data" (base64) or as "<name>" (a path): its text, nil when
-- neither is there, or nil, err when it cannot be had.
local function pem(body, name, entry)
  local data = body[name .. "-data"]
  if type(data) == "string" and data ~= "" then
    local text = base64.decode(data)
    if not text then
      return config_error(entry.where .. "." .. name .. "-data: not base64")
    end
    return text
  end
  local path = body[name]
  if type(path) == "string" and path ~= "" then
    local full = resolve(path, dirname(entry.file))
    local text, err = fs.read_file(full)
    if not text then
      return config_error(format("%s.%s: cannot read %s: %s", entry.where, name, full,
        tostring(err)))
    end
    return text
  end
  return nil
end

local function exec_spec(e, entry)
  local where = entry.where .. ".exec"
  if type(e.command) ~= "string" or e.command == "" then
    return config_error(where .. ".command: a command expected")
  end
  local v = e.apiVersion
  if v ~= "client.authentication.k8s.io/v1" and v ~= "client.authentication.k8s.io/v1beta1" then
    return config_error(where .. ".apiVersion: unsupported " .. tostring(v) ..
      " (client.authentication.k8s.io/v1 or v1beta1 expected)")
  end
  local command = e.command
  if command:find("/") then
    command = resolve(command, dirname(entry.file))
  end
  local env = {}
  for i, kv in ipairs(type(e.env) == "table" and e.env or {}) do
    if type(kv) ~= "table" or type(kv.name) ~= "string" or type(kv.value) ~= "string" then
      return config_error(format("%s.env[%d]: name and value strings expected", where, i - 1))
    end
    env[#env + 1] = kv
  end
  local args = {}
  for i, a in ipairs(type(e.args) == "table" and e.args or {}) do
    args[i] = tostring(a)
  end
  return { command = command, args = args, env = env, api_version = v, source = where }
end

local function user_credentials(entry, options)
  local body = entry and entry.body or {}
  local spec = { refresh = options.token_refresh }
  local err
  spec.cert, err = pem(body, "client-certificate", entry or {})
  if err then
    return nil, err
  end
  spec.key, err = pem(body, "client-key", entry or {})
  if err then
    return nil, err
  end
  if type(body.token) == "string" and body.token ~= "" then
    spec.token = body.token -- token beats tokenFile (SPEC B)
  elseif type(body.tokenFile) == "string" and body.tokenFile ~= "" then
    spec.token_file = resolve(body.tokenFile, dirname(entry.file))
    spec.token_source = entry.where .. ".tokenFile"
  end
  if type(body.exec) == "table" then
    spec.exec, err = exec_spec(body.exec, entry)
    if not spec.exec then
      return nil, err
    end
  end
  return new_credentials(spec)
end

local function from_merged(merged, options)
  local files = concat(merged.files, ":")
  local name = options.context or merged.current
  if not name then
    return config_error(files .. ": current-context: not set and no context was named")
  end
  local context = merged.contexts[name]
  if not context then
    return config_error(files .. ": contexts: no context named " .. name)
  end
  local cb = context.body
  local cluster = merged.clusters[cb.cluster]
  if not cluster then
    return config_error(context.where .. ".cluster: no cluster named " .. tostring(cb.cluster))
  end
  local server = cluster.body.server
  if type(server) ~= "string" or not server:match("^https?://") then
    return config_error(cluster.where .. ".server: an http(s) URL expected")
  end
  local user = merged.users[cb.user]
  if cb.user ~= nil and not user then
    return config_error(context.where .. ".user: no user named " .. tostring(cb.user))
  end
  local ca, err = pem(cluster.body, "certificate-authority", cluster)
  if err then
    return nil, err
  end
  local insecure = cluster.body["insecure-skip-tls-verify"]
  if insecure ~= nil and type(insecure) ~= "boolean" then -- as kubectl: no quoted "true"
    return config_error(cluster.where .. ".insecure-skip-tls-verify: true or false expected")
  end
  if insecure and ca then
    return config_error(cluster.where .. ".insecure-skip-tls-verify: not allowed with a CA")
  end
  local credentials
  credentials, err = user_credentials(user, options)
  if not credentials then
    return nil, err
  end
  local ns = cb.namespace
  return { server = server, namespace = type(ns) == "string" and ns ~= "" and ns or "default",
           ca = ca, insecure = insecure == true, credentials = credentials,
           source = files .. " (context " .. name .. ")" }
end

local function split_list(value)
  local seen, paths = {}, {}
  for p in value:gmatch("[^:]+") do
    if not seen[p] then
      seen[p] = true
      paths[#paths + 1] = p
    end
  end
  return paths
end

local function exists(path)
  local f = io.open(path, "rb")
  if f then
    f:close()
  end
  return f ~= nil
end

local function in_cluster(options, getenv)
  local host, port = getenv("KUBERNETES_SERVICE_HOST"), getenv("KUBERNETES_SERVICE_PORT")
  if not host or host == "" or not port or port == "" then
    return config_error("no configuration: no explicit one, no kubeconfig (KUBECONFIG, " ..
      "~/.kube/config) and not in a cluster (KUBERNETES_SERVICE_HOST unset)")
  end
  if host:find(":") then
    host = "[" .. host .. "]" -- an IPv6 address
  end
  local dir = options.incluster_dir or kubeconfig.INCLUSTER_DIR
  local ca, err = read_named(dir .. "/ca.crt", "in-cluster CA")
  if not ca then
    return nil, err
  end
  local credentials
  credentials, err = new_credentials { token_file = dir .. "/token",
                                       refresh = options.token_refresh,
                                       token_source = "in-cluster service account" }
  if not credentials then
    return nil, err
  end
  local ns = (fs.read_file(dir .. "/namespace") or ""):match("^%s*(.-)%s*$")
  return { server = "https://" .. host .. ":" .. port, namespace = ns ~= "" and ns or "default",
           ca = ca, insecure = false, credentials = credentials, source = "in-cluster" }
end

--- Resolves the connection. source: nil (the default order), a kubeconfig path, or a
-- table (explicit keys: server, token, token_file, ca, ca_file, cert, key, cert_file,
-- key_file, insecure, namespace). options: context (a context name), token_refresh
-- (seconds), env (a table standing in for the environment), home, incluster_dir.
-- Returns the connection, or nil, err (kind "config", naming the file and key).
function kubeconfig.load(source, options)
  options = options or {}
  if type(options) ~= "table" then
    error("bad argument #2 to 'kubeconfig.load' (table expected, got " .. type(options) .. ")", 2)
  end
  if type(source) == "table" then
    return from_table(source, options)
  end
  if source ~= nil and type(source) ~= "string" then
    error("bad argument #1 to 'kubeconfig.load' (path or table expected, got " ..
      type(source) .. ")", 2)
  end
  local getenv = options.env and function(k) return options.env[k] end or os.getenv
  local paths
  if source then
    paths = { source }
  else
    local list = getenv("KUBECONFIG")
    if list and list ~= "" then
      paths = {}
      for _, p in ipairs(split_list(list)) do
        if exists(p) then
          paths[#paths + 1] = p -- missing files are skipped, as kubectl does
        end
      end
    else
      local home = options.home or getenv("HOME")
      local default = home and home .. "/.kube/config"
      paths = default and exists(default) and { default } or {}
    end
  end
  if #paths == 0 then
    return in_cluster(options, getenv)
  end
  local merged, err = merge_files(paths)
  if not merged then
    return nil, err
  end
  return from_merged(merged, options)
end

return kubeconfig
