--- kwhisk.sim.server: the simulated cluster's API server on loopback: routing, discovery,
-- bearer-token auth, faults on demand (`/_sim/faults`), the invoker agent on the node's host
-- IP, the kubeconfig it writes once it serves, and its start/stop.
local cqueues = require "cqueues"
local http_server = require "http.server"
local files = require "kwhisk.sim.files"
local json = require "kwhisk.json"
local base64 = require "kwhisk.base64"
local cluster_new = require("kwhisk.sim.cluster").new
local faults_new = require("kwhisk.sim.faults").new
local request = require("kwhisk.sim.http").request
local portforward = require "kwhisk.sim.portforward"
local resources = require "kwhisk.sim.resources"
local status = require "kwhisk.sim.status"
local streams = require "kwhisk.sim.streams"
local validate = require "kwhisk.sim.validate"
local decode = require("http.util").decodeURIComponent

local server = {}

local BODY_LIMIT = 3 * 1024 * 1024
local TMP_PREFIX = "kwhisk-sim"
local VERSION = { major = "1", minor = "30", gitVersion = "v1.30.0-kwhisk-sim",
  gitCommit = "0000000000000000000000000000000000000000", gitTreeState = "clean",
  buildDate = "2024-04-17T00:00:00Z", goVersion = "go1.22.2", compiler = "gc",
  platform = "linux/amd64" }

local function verbs(list)
  return json.array(list)
end

local CORE_RESOURCES = {
  { name = "pods", singularName = "pod", namespaced = true, kind = "Pod", shortNames = { "po" },
    verbs = verbs({ "create", "delete", "deletecollection", "get", "list", "patch", "watch" }),
    categories = { "all" } },
  { name = "pods/log", singularName = "", namespaced = true, kind = "Pod",
    verbs = verbs({ "get" }) },
  { name = "pods/status", singularName = "", namespaced = true, kind = "Pod",
    verbs = verbs({ "get" }) },
  { name = "pods/eviction", singularName = "", namespaced = true, group = "policy",
    version = "v1", kind = "Eviction", verbs = verbs({ "create" }) },
  { name = "pods/portforward", singularName = "", namespaced = true,
    kind = "PodPortForwardOptions", verbs = verbs({ "create", "get" }) },
  { name = "events", singularName = "event", namespaced = true, kind = "Event",
    shortNames = { "ev" }, verbs = verbs({ "get", "list", "watch" }) },
  { name = "nodes", singularName = "node", namespaced = false, kind = "Node",
    shortNames = { "no" }, verbs = verbs({ "get", "list", "watch" }) },
  { name = "namespaces", singularName = "namespace", namespaced = false, kind = "Namespace",
    shortNames = { "ns" }, verbs = verbs({ "get" }) },
}
local POLICY_RESOURCES = {
  { name = "poddisruptionbudgets", singularName = "poddisruptionbudget", namespaced = true,
    kind = "PodDisruptionBudget", shortNames = { "pdb" },
    verbs = verbs({ "create", "delete", "get", "list", "watch" }) },
}
local POLICY_GROUP = { name = "policy",
  versions = { { groupVersion = "policy/v1", version = "v1" } },
  preferredVersion = { groupVersion = "policy/v1", version = "v1" } }

-- OpenAPI v3, only as much as kubectl reads to learn that the server validates fields itself
-- (a PATCH operation per kind with the `fieldValidation` query parameter).
local function openapi_doc(group, version, kinds)
  local paths = {}
  for path, kind in pairs(kinds) do
    paths[path] = { patch = {
      ["x-kubernetes-group-version-kind"] = { group = group, version = version, kind = kind },
      parameters = { { name = "fieldValidation", ["in"] = "query",
        schema = { type = "string" } } },
      responses = json.object({}) } }
  end
  return { openapi = "3.0.0", info = { title = "Kubernetes", version = VERSION.gitVersion },
    paths = paths }
end

local OPENAPI = {
  ["/openapi/v3"] = { paths = {
    ["api/v1"] = { serverRelativeURL = "/openapi/v3/api/v1?hash=kwhisk-sim-1" },
    ["apis/policy/v1"] = { serverRelativeURL = "/openapi/v3/apis/policy/v1?hash=kwhisk-sim-1" },
  } },
  ["/openapi/v3/api/v1"] = openapi_doc("", "v1",
    { ["/api/v1/namespaces/{namespace}/pods/{name}"] = "Pod" }),
  ["/openapi/v3/apis/policy/v1"] = openapi_doc("policy", "v1",
    { ["/apis/policy/v1/namespaces/{namespace}/poddisruptionbudgets/{name}"] =
      "PodDisruptionBudget" }),
}

local function discovery(sim, req, path)
  if OPENAPI[path] then
    return req:json(200, OPENAPI[path])
  end
  if path == "/version" then
    return req:json(200, VERSION)
  elseif path == "/api" then
    return req:json(200, { kind = "APIVersions", versions = { "v1" },
      serverAddressByClientCIDRs = { { clientCIDR = "0.0.0.0/0",
        serverAddress = sim.host .. ":" .. sim.port } } })
  elseif path == "/api/v1" then
    return req:json(200, { kind = "APIResourceList", groupVersion = "v1",
      resources = CORE_RESOURCES })
  elseif path == "/apis" then
    return req:json(200, { kind = "APIGroupList", apiVersion = "v1", groups = { POLICY_GROUP } })
  elseif path == "/apis/policy" then
    return req:json(200, { kind = "APIGroup", apiVersion = "v1", name = POLICY_GROUP.name,
      versions = POLICY_GROUP.versions, preferredVersion = POLICY_GROUP.preferredVersion })
  elseif path == "/apis/policy/v1" then
    return req:json(200, { kind = "APIResourceList", apiVersion = "v1",
      groupVersion = "policy/v1", resources = POLICY_RESOURCES })
  end
  return false
end

local function namespace(sim, req, name)
  req:json(200, { kind = "Namespace", apiVersion = "v1", metadata = { name = name,
    uid = "00000000-0000-4000-8000-" .. string.format("%012x", #name),
    creationTimestamp = sim.started, labels = { ["kubernetes.io/metadata.name"] = name } },
    spec = { finalizers = { "kubernetes" } }, status = { phase = "Active" } })
end

local function collection(sim, req, ns, resource)
  local m = req.method
  if m == "GET" then
    if req:bool("watch") then
      return streams.watch(sim, req, resource, ns)
    end
    return resources.list(sim, req, resource, ns)
  elseif m == "POST" and ns and resource == "pods" then
    return resources.create_pod(sim, req, ns)
  elseif m == "POST" and ns and resource == "poddisruptionbudgets" then
    return resources.create_pdb(sim, req, ns)
  elseif m == "DELETE" and ns and resource == "pods" then
    return resources.delete_collection(sim, req, ns)
  end
  req:fail(status.new(405, "the server does not allow this method on the requested resource"))
end

local function item(sim, req, ns, resource, name)
  local m = req.method
  if m == "GET" then
    return resources.get(sim, req, resource, ns, name)
  elseif m == "DELETE" and resource ~= "events" then
    return resources.delete(sim, req, resource, ns, name)
  elseif m == "PATCH" and resource == "pods" then
    return resources.patch_pod(sim, req, ns, name)
  end
  req:fail(status.new(405, "the server does not allow this method on the requested resource"))
end

-- A route that answers only GET (or only POST), with the API server's 405 for the rest.
local function only(method, fn)
  return function(sim, req, ...)
    if req.method ~= method then
      return req:fail(status.new(405, "the server does not allow this method"))
    end
    return fn(sim, req, ...)
  end
end

local ROUTES = {
  { "^/api/v1/namespaces/([^/]+)/pods/([^/]+)/log$", only("GET", streams.log) },
  { "^/api/v1/namespaces/([^/]+)/pods/([^/]+)/portforward$", portforward.route },
  { "^/api/v1/namespaces/([^/]+)/pods/([^/]+)/eviction$", only("POST", resources.evict) },
  { "^/api/v1/(nodes)$", only("GET", function(sim, req, resource)
    collection(sim, req, nil, resource)
  end) },
  { "^/api/v1/(nodes)/([^/]+)$", only("GET", function(sim, req, resource, name)
    resources.get(sim, req, resource, nil, name)
  end) },
  { "^/api/v1/namespaces/([^/]+)/pods/([^/]+)/status$", only("GET", function(sim, req, ns, name)
    resources.get(sim, req, "pods", ns, name)
  end) },
  { "^/api/v1/namespaces/([^/]+)/(pods)/([^/]+)$", item },
  { "^/api/v1/namespaces/([^/]+)/(events)/([^/]+)$", item },
  { "^/api/v1/namespaces/([^/]+)/(pods)$", collection },
  { "^/api/v1/namespaces/([^/]+)/(events)$", collection },
  { "^/api/v1/(pods)$", function(sim, req, resource) collection(sim, req, nil, resource) end },
  { "^/api/v1/(events)$", function(sim, req, resource) collection(sim, req, nil, resource) end },
  { "^/api/v1/namespaces/([^/]+)$", namespace },
  { "^/apis/policy/v1/namespaces/([^/]+)/(poddisruptionbudgets)/([^/]+)$", item },
  { "^/apis/policy/v1/namespaces/([^/]+)/(poddisruptionbudgets)$", collection },
}

-- The decoded captures of a route (namespace first where it has one), or nil and the Status
-- the API server answers for an invalid one: no name reaches a handler (or a file) unchecked.
local function route_args(pattern, a, b, c)
  local args = { decode(a), b and decode(b), c and decode(c) }
  local ns_first = pattern:find("/namespaces/", 1, true)
  if ns_first then
    local problem = validate.namespace(args[1])
    if problem then
      return nil, problem
    end
  end
  for i = ns_first and 2 or 1, 3 do
    local problem = args[i] and validate.path_segment(args[i])
    if problem then
      return nil, problem
    end
  end
  return args
end

local function route(sim, req)
  local path = req.path
  if req.method == "GET" and discovery(sim, req, path) ~= false then
    return
  end
  for _, r in ipairs(ROUTES) do
    local a, b, c = path:match(r[1])
    if a then
      local args, problem = route_args(r[1], a, b, c)
      if not args then
        return req:fail(problem)
      end
      return r[2](sim, req, args[1], args[2], args[3])
    end
  end
  req:fail(status.unknown_path())
end

local function fault_view(f)
  return { id = f.id, kind = f.kind, method = f.method, path = f.path, count = f.count,
    remaining = f.remaining, hits = f.hits, code = f.code, plain = f.plain, mode = f.mode,
    seconds = f.seconds, retry_after = f.retry_after, after_bytes = f.after_bytes,
    error = f.error }
end

-- Faults that happen to the cluster at once rather than to requests: node loss and its end,
-- and node-pressure eviction of a pod. Each answers the object it changed.
local ACTIONS = {
  node_lost = function(sim, spec)
    local name = spec.node or sim.cluster.node.name
    local ok, err = sim.cluster:lose_node(name)
    return ok and sim.cluster:node_named(name), err
  end,
  node_ready = function(sim, spec)
    local name = spec.node or sim.cluster.node.name
    local ok, err = sim.cluster:restore_node(name)
    return ok and sim.cluster:node_named(name), err
  end,
  evict = function(sim, spec)
    local pod = type(spec.pod) == "string"
      and sim.cluster.store:get("pods", spec.namespace or "default", spec.pod)
    if not pod then
      return nil, "no pod " .. tostring(spec.pod) .. " in namespace "
        .. tostring(spec.namespace or "default")
    end
    return sim.cluster:evict_for_pressure(pod, spec.resource)
  end,
}

local function admin_action(sim, req, spec)
  local obj, err = ACTIONS[spec.kind](sim, spec)
  if not obj then
    return req:fail(status.new(400, "bad fault: " .. tostring(err)))
  end
  req:json(201, resources.public(obj))
end

local function admin(sim, req)
  if req.path == "/_sim/info" then
    return req:json(200, { url = sim.url, hostIP = sim.cluster.node.ip,
      agentPort = sim.agent_port, node = sim.cluster.node.name, pid = sim.pid })
  end
  if req.path == "/_sim/runtimes" then
    return req:json(200, { items = json.array(sim.cluster:runtime_list()) })
  end
  if req.path ~= "/_sim/faults" then
    return req:fail(status.unknown_path())
  end
  if req.method == "GET" then
    local items = json.array({})
    for i, f in ipairs(sim.faults:all()) do
      items[i] = fault_view(f)
    end
    return req:json(200, { items = items })
  elseif req.method == "DELETE" then
    sim.faults:clear()
    return req:json(200, { items = json.array({}) })
  elseif req.method == "POST" then
    local spec, err = req:json_body()
    if type(spec) == "table" and ACTIONS[spec.kind] then
      return admin_action(sim, req, spec)
    end
    local f
    if spec then
      f, err = sim.faults:add(spec)
    end
    if not f then
      return req:fail(status.new(400, "bad fault: " .. tostring(err or "empty body")))
    end
    return req:json(201, fault_view(f))
  end
  req:fail(status.new(405, "the server does not allow this method"))
end

-- The rotate_token fault still waiting for its new token, if any.
local function pending_rotation(sim)
  for _, f in ipairs(sim.faults:all()) do
    if f.kind == "rotate_token" and f.remaining > 0 then
      return f
    end
  end
end

-- The bearer-token check on every path, /_sim/ included; a rotate_token fault makes the old
-- token fail until the new one is used. The admin API takes the pending new token as well
-- (without completing the rotation), so whoever armed it can go on arming faults. Returns true
-- when the request may go on.
local function authorized(sim, req)
  if not sim.token then
    return true
  end
  local given = (req.headers:get("authorization") or ""):match("^[Bb]earer%s+(.+)$")
  local f = pending_rotation(sim)
  if req.path:sub(1, 6) == "/_sim/" then
    return given == sim.token or (f ~= nil and given == f.token)
  elseif not f then
    return given == sim.token
  elseif given == f.token then
    f.remaining = 0
    sim.token = f.token
    return true
  end
  f.hits = f.hits + 1
  return false
end

local function status_fault(req, f)
  local extra = {}
  if f.retry_after then
    extra["retry-after"] = tostring(math.floor(f.retry_after))
  end
  if f.code == 429 and f.plain then
    return req:send(429, "Too many requests, please try again later.\n", "text/plain", extra)
  end
  local details = json.object({})
  if f.retry_after then
    details.retryAfterSeconds = math.floor(f.retry_after)
  end
  local message = f.code == 429 and "Too many requests, please try again later."
    or "injected fault: " .. f.code
  req:fail(status.new(f.code, message, nil, details), extra)
end

local STATUS_FAULTS = { status = true, stall = true, reset = true }

local function handle(sim, stream)
  local req = request(stream, sim.body_limit)
  if not req then
    return
  end
  local started = cqueues.monotime()
  local ok, err = pcall(function()
    if not authorized(sim, req) then
      return req:fail(status.new(401, "Unauthorized"))
    end
    if req.path:sub(1, 6) == "/_sim/" then
      return admin(sim, req)
    end
    local f = sim.faults:take(STATUS_FAULTS, req.method, req.path)
    if f and f.kind == "stall" then
      cqueues.sleep(f.seconds or 3600)
    elseif f and f.kind == "status" then
      return status_fault(req, f)
    elseif f and f.kind == "reset" then
      req.reset_after = math.floor(f.after_bytes or 0)
    end
    route(sim, req)
  end)
  if not ok then
    sim.report(req.method .. " " .. req.path .. ": " .. tostring(err))
    if req.status == 0 then
      pcall(req.fail, req, status.new(500, "Internal error occurred: " .. tostring(err)))
    end
  end
  req:finish()
  sim.log(string.format("%s %s %d %.1fms", req.method, req.path, req.status,
    (cqueues.monotime() - started) * 1000))
end

local function agent_handle(sim, stream)
  local req = request(stream, 4096)
  if not req then
    return
  end
  local verb, id = req.path:match("^/(%a+)/([%w]+)$")
  if req.method ~= "GET" or (verb ~= "suspend" and verb ~= "resume") then
    req:send(404, "not found\n", "text/plain")
    return req:finish()
  end
  local ok, err = sim.cluster:suspend(id, verb == "suspend")
  if not ok then
    req:send(500, err .. "\n", "text/plain")
  else
    req:send(204, "", nil)
  end
  req:finish()
end

local function kubeconfig_text(sim)
  local cluster = { server = sim.url }
  if sim.ca_pem then
    cluster["certificate-authority-data"] = base64.encode(sim.ca_pem)
  end
  local user = json.object({})
  if sim.token then
    user.token = sim.token
  end
  return json.encode({ apiVersion = "v1", kind = "Config", ["current-context"] = "kwhisk-sim",
    clusters = { { name = "kwhisk-sim", cluster = cluster } },
    users = { { name = "kwhisk-sim", user = user } },
    contexts = { { name = "kwhisk-sim", context = { cluster = "kwhisk-sim",
      user = "kwhisk-sim", namespace = sim.namespace } } },
    preferences = json.object({}) }) .. "\n"
end

-- Writes the kubeconfig (it holds the token and the CA) 0600 and atomically, so a reader
-- never sees half of it and no other user reads it.
local function write_kubeconfig(sim, path)
  return files.write_private(path, kubeconfig_text(sim))
end

-- Listens for the invoker agent on the node's host IP: the first free network in
-- 127.<n>.0.0/16 whose host IP takes the agent port gives the sim its pod network.
local function listen_agent(sim, opts)
  local first = opts.podNetwork or (require("posix.unistd").getpid() % 200 + 20)
  local last_err
  for attempt = 0, 40 do
    local net = opts.podNetwork or (first + attempt * 7) % 230 + 20
    local s = http_server.listen({ host = "127." .. net .. ".0.1", port = opts.agentPort,
      reuseaddr = false, tls = false, cq = sim.cq,
      onstream = function(_, stream) agent_handle(sim, stream) end })
    local ok, err = s:listen()
    if ok then
      local _, _, port = s:localname()
      return s, net, port
    end
    s:close()
    last_err = err
    if opts.podNetwork then
      break
    end
  end
  return nil, "cannot listen for the invoker agent on port " .. opts.agentPort .. ": "
    .. tostring(last_err)
end

-- The invoker agents of nodes 2..count, on their host IPs 127.net.0.i at the same port;
-- a node whose address is taken has none.
local function listen_node_agents(sim, net, port, count)
  local out = {}
  for i = 2, count do
    local s = http_server.listen({ host = "127." .. net .. ".0." .. i, port = port,
      reuseaddr = false, tls = false, cq = sim.cq,
      onstream = function(_, stream) agent_handle(sim, stream) end })
    if s:listen() then
      out[#out + 1] = s
    else
      s:close()
    end
  end
  return out
end

--- Starts a sim in the cqueues controller cq. opts as from kwhisk.sim.args. Returns the sim
-- (url, port, cluster, faults, stop()) or nil, message.
function server.start(cq, opts)
  -- Container logs go to --log-dir (kept at stop) or to a directory of the sim's own, which
  -- a later sim removes if this one dies without stop().
  local dir, own_dir = opts.logDir, not opts.logDir
  if own_dir then
    files.remove_stale(TMP_PREFIX)
    local derr
    dir, derr = files.own_tmpdir(TMP_PREFIX)
    if not dir then
      return nil, derr
    end
  else
    local made, merr, code = require("posix.sys.stat").mkdir(dir, tonumber("700", 8))
    if not made and code ~= require("posix.errno").EEXIST then
      return nil, "cannot make the log directory " .. dir .. ": " .. tostring(merr)
    end
  end
  math.randomseed(os.time() + require("posix.unistd").getpid())
  local scale = opts.timeScale or 1
  local sim = { cq = cq, host = opts.host, token = opts.token, namespace = opts.namespace,
    time_scale = scale, min_request_timeout = (opts.minRequestTimeout or 1800) * scale,
    toleration_seconds = opts.defaultUnreachableTolerationSeconds or 300,
    faults = faults_new(), body_limit = opts.bodyLimit or BODY_LIMIT, log_dir = dir,
    split_streams = opts.splitStreams, bookmark_interval = opts.bookmarkInterval or 5,
    log = opts.log or function() end, pid = require("posix.unistd").getpid(),
    report = opts.report or function(message)
      io.stderr:write("kwhisk sim: ", message, "\n")
    end,
    started = require("kwhisk.time").format(require("kwhisk.time").now(), "seconds") }
  local agent, net, agent_port = listen_agent(sim, opts)
  if not agent then
    return nil, net
  end
  sim.agent, sim.agent_port = agent, agent_port
  local node_specs
  if opts.nodes then
    local nerr
    node_specs, nerr = require("kwhisk.sim.nodes").load(opts.nodes)
    if not node_specs then
      agent:close()
      return nil, "bad --nodes file: " .. nerr
    end
  end
  sim.cluster = cluster_new(cq, { net = net, log_dir = dir, nodes = node_specs,
    time_scale = scale, status_lag = opts.statusLag, log_max_size = opts.containerLogMaxSize,
    log_max_files = opts.containerLogMaxFiles })
  sim.node_agents = listen_node_agents(sim, net, agent_port, #sim.cluster.nodes)
  sim.logwatch = require("kwhisk.sim.logwatch").new(cq, dir)
  local tls_ctx
  if opts.tls then
    tls_ctx, sim.ca_pem = require("kwhisk.sim.tls").new(opts.host)
  end
  local api = http_server.listen({ host = opts.host, port = opts.port, reuseaddr = true,
    tls = opts.tls and true or false, ctx = tls_ctx, cq = cq,
    onstream = function(_, stream) handle(sim, stream) end,
    onerror = function() end })
  local ok, err = api:listen()
  if not ok then
    agent:close()
    return nil, "cannot listen on " .. opts.host .. ":" .. opts.port .. ": " .. tostring(err)
  end
  local _, host, port = api:localname()
  sim.api, sim.port = api, port
  local bracketed = host:find(":", 1, true) and "[" .. host .. "]" or host
  sim.url = (opts.tls and "https://" or "http://") .. bracketed .. ":" .. port
  cq:wrap(function()
    while not sim.stopped do
      cqueues.sleep(0.5)
      sim.cluster.reap()
    end
  end)
  function sim.stop()
    sim.stopped = true
    sim.logwatch:stop()
    sim.cluster:shutdown()
    api:close()
    agent:close()
    for _, a in ipairs(sim.node_agents) do
      a:close()
    end
    if own_dir then
      files.remove_tree(dir)
    end
  end
  if opts.kubeconfig then
    local wok, werr = write_kubeconfig(sim, opts.kubeconfig)
    if not wok then
      sim.stop()
      return nil, "cannot write the kubeconfig " .. opts.kubeconfig .. ": " .. tostring(werr)
    end
  end
  return sim
end

return server
