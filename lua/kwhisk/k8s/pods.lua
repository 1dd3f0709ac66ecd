--- kwhisk.k8s.pods: the pods of one namespace over one API connection, the one place their
-- paths are built. The client, the log stream, the stream merger and podstate all reach pods
-- through a handle, never through each other.
--
--   local p = pods.new(conn, namespace)        -- conn: kwhisk.k8s.api.new(...)
--   p:path(name, subresource) -> "/api/v1/namespaces/<ns>/pods[/<name>[/<subresource>]]"
--   p:get(name) / p:list(query) -> decoded JSON | nil, err
--   p:stream(name, subresource, query) -> a kwhisk.http stream | nil, err  (log, watch)
local api = require "kwhisk.k8s.api"

local type, error, setmetatable = type, error, setmetatable

local pods = {}

--- The path of the pods of namespace, of the pod name, or of its subresource ("log",
-- "portforward"), each segment percent-encoded.
function pods.path(namespace, name, subresource)
  if type(namespace) ~= "string" then
    error("bad argument #1 to 'pods.path' (namespace string expected, got "
      .. type(namespace) .. ")", 2)
  end
  if subresource then
    return api.path("api", "v1", "namespaces", namespace, "pods", name, subresource)
  elseif name then
    return api.path("api", "v1", "namespaces", namespace, "pods", name)
  end
  return api.path("api", "v1", "namespaces", namespace, "pods")
end

local Pods = {}
Pods.__index = Pods

function Pods:__tostring()
  return "kwhisk pods (" .. self.conn.server .. ", namespace " .. self.namespace .. ")"
end

--- A handle on the pods of namespace through conn (a kwhisk.k8s.api connection).
function pods.new(conn, namespace)
  if type(conn) ~= "table" or type(conn.get) ~= "function" then
    error("bad argument #1 to 'pods.new' (API connection expected, got " .. type(conn) .. ")", 2)
  end
  if type(namespace) ~= "string" then
    error("bad argument #2 to 'pods.new' (namespace string expected, got "
      .. type(namespace) .. ")", 2)
  end
  return setmetatable({ conn = conn, namespace = namespace }, Pods)
end

function Pods:path(name, subresource)
  return pods.path(self.namespace, name, subresource)
end

--- GET of one pod (or of a subresource with a query): the decoded JSON, or nil, err.
function Pods:get(name, subresource, query)
  return self.conn:get(self:path(name, subresource), query)
end

--- GET of the pod list with query (labelSelector, fieldSelector, ...).
function Pods:list(query)
  return self.conn:get(self:path(), query)
end

--- A streaming GET: the pod's subresource ("log"), or with name nil, the collection (a
-- watch with query.watch). A kwhisk.http stream, or nil, err.
function Pods:stream(name, subresource, query)
  return self.conn:stream(self:path(name, subresource), query)
end

return pods
