--- kwhisk.sim.schema: the Go types of the fields of the bodies the sim accepts (core/v1 Pod,
-- policy/v1 PodDisruptionBudget and Eviction, meta/v1 DeleteOptions), and the decoding the
-- API server makes of a body into them before anything else. A value of the wrong JSON type
-- fails the whole request with 400 BadRequest (encoding/json's UnmarshalTypeError through
-- sigs.k8s.io/json, worded for a create by transformDecodeError in
-- staging/src/k8s.io/apiserver/pkg/endpoints/handlers/rest.go), so a client that sends
-- `"nodeSelector": "x"` or `"terminationGracePeriodSeconds": "30"` is refused here as on a
-- cluster. Unknown fields are dropped, as the server does without fieldValidation=Strict; a
-- null becomes what the decoding makes of it (a field: absent; an element: its zero value).
-- Only the fields the sim or a kwhisk policy uses are typed to their leaves; the other
-- structs are checked to be objects.
local json = require "kwhisk.json"

local type, pairs, error, format, floor = type, pairs, error, string.format, math.floor

local schema = {}

-- Leaf types: the Go type's name and the test a decoded JSON value must pass.
local function integer_in(bits)
  local limit = 2 ^ (bits - 1)
  return function(v)
    return type(v) == "number" and v == floor(v) and v >= -limit and v < limit
  end
end

local function leaf(go, test)
  return { go = go, test = test }
end

local function is_string(v) return type(v) == "string" end

local STRING = leaf("string", is_string)
local is_int32 = integer_in(32)
local INT32 = leaf("int32", is_int32)
local INT64 = leaf("int64", integer_in(64))
local BOOL = leaf("bool", function(v) return type(v) == "boolean" end)
-- resource.Quantity and intstr.IntOrString decode a string or a number themselves
local QUANTITY = leaf("resource.Quantity", function(v)
  return type(v) == "string" or type(v) == "number"
end)
local INT_OR_STRING = leaf("intstr.IntOrString", function(v)
  return type(v) == "string" or is_int32(v)
end)
local TIME = leaf("v1.Time", is_string)

local function named(go) return leaf(go, is_string) end -- a string type (v1.RestartPolicy)

local function list(elem, go) return { list = elem, go = go } end
local function map(elem, go) return { map = elem, go = go } end
-- A struct: name (the Go type, for messages) and its typed fields (nil: object only).
local function struct(name, fields)
  return { struct = name, go = "v1." .. name, fields = fields }
end

local STRINGS = list(STRING, "[]string")
local STRING_MAP = map(STRING, "map[string]string")
local RESOURCE_LIST = map(QUANTITY, "v1.ResourceList")

local OWNER_REFERENCE = struct("OwnerReference", {
  apiVersion = STRING, kind = STRING, name = STRING, uid = named("types.UID"),
  controller = BOOL, blockOwnerDeletion = BOOL,
})

local OBJECT_META = struct("ObjectMeta", {
  name = STRING, generateName = STRING, namespace = STRING, uid = named("types.UID"),
  resourceVersion = STRING, generation = INT64, creationTimestamp = TIME,
  deletionTimestamp = TIME, deletionGracePeriodSeconds = INT64, labels = STRING_MAP,
  annotations = STRING_MAP, finalizers = STRINGS,
  ownerReferences = list(OWNER_REFERENCE, "[]v1.OwnerReference"),
})

local LABEL_SELECTOR = struct("LabelSelector", {
  matchLabels = STRING_MAP,
  matchExpressions = list(struct("LabelSelectorRequirement", {
    key = STRING, operator = named("v1.LabelSelectorOperator"), values = STRINGS,
  }), "[]v1.LabelSelectorRequirement"),
})

local NODE_SELECTOR_REQUIREMENTS = list(struct("NodeSelectorRequirement", {
  key = STRING, operator = named("v1.NodeSelectorOperator"), values = STRINGS,
}), "[]v1.NodeSelectorRequirement")

local NODE_SELECTOR_TERM = struct("NodeSelectorTerm", {
  matchExpressions = NODE_SELECTOR_REQUIREMENTS, matchFields = NODE_SELECTOR_REQUIREMENTS,
})

local NODE_AFFINITY = struct("NodeAffinity", {
  requiredDuringSchedulingIgnoredDuringExecution = struct("NodeSelector", {
    nodeSelectorTerms = list(NODE_SELECTOR_TERM, "[]v1.NodeSelectorTerm"),
  }),
  preferredDuringSchedulingIgnoredDuringExecution = list(struct("PreferredSchedulingTerm", {
    weight = INT32, preference = NODE_SELECTOR_TERM,
  }), "[]v1.PreferredSchedulingTerm"),
})

local PROBE = struct("Probe", {
  initialDelaySeconds = INT32, timeoutSeconds = INT32, periodSeconds = INT32,
  successThreshold = INT32, failureThreshold = INT32, terminationGracePeriodSeconds = INT64,
  exec = struct("ExecAction", { command = STRINGS }),
  httpGet = struct("HTTPGetAction", { path = STRING, port = INT_OR_STRING, host = STRING,
    scheme = named("v1.URIScheme") }),
  tcpSocket = struct("TCPSocketAction", { port = INT_OR_STRING, host = STRING }),
})

local CONTAINER = struct("Container", {
  name = STRING, image = STRING, command = STRINGS, args = STRINGS, workingDir = STRING,
  ports = list(struct("ContainerPort", {
    name = STRING, hostPort = INT32, containerPort = INT32, protocol = named("v1.Protocol"),
    hostIP = STRING,
  }), "[]v1.ContainerPort"),
  env = list(struct("EnvVar", { name = STRING, value = STRING,
    valueFrom = struct("EnvVarSource") }), "[]v1.EnvVar"),
  resources = struct("ResourceRequirements", { limits = RESOURCE_LIST,
    requests = RESOURCE_LIST }),
  volumeMounts = list(struct("VolumeMount", { name = STRING, mountPath = STRING,
    readOnly = BOOL, subPath = STRING }), "[]v1.VolumeMount"),
  livenessProbe = PROBE, readinessProbe = PROBE, startupProbe = PROBE,
  lifecycle = struct("Lifecycle"), securityContext = struct("SecurityContext"),
  terminationMessagePath = STRING, terminationMessagePolicy = named("v1.TerminationMessagePolicy"),
  imagePullPolicy = named("v1.PullPolicy"), stdin = BOOL, stdinOnce = BOOL, tty = BOOL,
})

local CONTAINERS = list(CONTAINER, "[]v1.Container")

local POD_SPEC = struct("PodSpec", {
  containers = CONTAINERS, initContainers = CONTAINERS,
  volumes = list(struct("Volume", { name = STRING }), "[]v1.Volume"),
  restartPolicy = named("v1.RestartPolicy"), terminationGracePeriodSeconds = INT64,
  activeDeadlineSeconds = INT64, dnsPolicy = named("v1.DNSPolicy"), nodeSelector = STRING_MAP,
  serviceAccountName = STRING, serviceAccount = STRING, automountServiceAccountToken = BOOL,
  nodeName = STRING, hostNetwork = BOOL, hostPID = BOOL, hostIPC = BOOL,
  shareProcessNamespace = BOOL, securityContext = struct("PodSecurityContext"),
  imagePullSecrets = list(struct("LocalObjectReference", { name = STRING }),
    "[]v1.LocalObjectReference"),
  hostname = STRING, subdomain = STRING,
  affinity = struct("Affinity", { nodeAffinity = NODE_AFFINITY,
    podAffinity = struct("PodAffinity"), podAntiAffinity = struct("PodAntiAffinity") }),
  schedulerName = STRING,
  tolerations = list(struct("Toleration", {
    key = STRING, operator = named("v1.TolerationOperator"), value = STRING,
    effect = named("v1.TaintEffect"), tolerationSeconds = INT64,
  }), "[]v1.Toleration"),
  priorityClassName = STRING, priority = INT32, runtimeClassName = STRING,
  enableServiceLinks = BOOL, preemptionPolicy = named("v1.PreemptionPolicy"),
  overhead = RESOURCE_LIST,
})

local DELETE_OPTIONS = struct("DeleteOptions", {
  kind = STRING, apiVersion = STRING, gracePeriodSeconds = INT64,
  preconditions = struct("Preconditions", { uid = named("types.UID"),
    resourceVersion = STRING }),
  orphanDependents = BOOL, propagationPolicy = named("v1.DeletionPropagation"),
  dryRun = STRINGS,
})

--- The bodies by the kind the request's path names.
schema.kinds = {
  Pod = struct("Pod", { kind = STRING, apiVersion = STRING, metadata = OBJECT_META,
    spec = POD_SPEC, status = struct("PodStatus") }),
  PodDisruptionBudget = struct("PodDisruptionBudget", { kind = STRING, apiVersion = STRING,
    metadata = OBJECT_META,
    spec = struct("PodDisruptionBudgetSpec", { minAvailable = INT_OR_STRING,
      maxUnavailable = INT_OR_STRING, selector = LABEL_SELECTOR,
      unhealthyPodEvictionPolicy = named("v1.UnhealthyPodEvictionPolicyType") }),
    status = struct("PodDisruptionBudgetStatus") }),
  Eviction = struct("Eviction", { kind = STRING, apiVersion = STRING, metadata = OBJECT_META,
    deleteOptions = DELETE_OPTIONS }),
  DeleteOptions = DELETE_OPTIONS,
}

-- The JSON type of a decoded value, as encoding/json names it in its message ("number 1.5"
-- for a number that does not fit an integer field).
local function json_type(v, t)
  local lt = type(v)
  if lt == "table" then
    return json.is_array(v) and "array" or "object"
  elseif lt == "number" then
    return (t == INT32 or t == INT64 or t == INT_OR_STRING)
      and format("number %.17g", v) or "number"
  end
  return lt == "boolean" and "bool" or lt
end

local function is_object(v) return type(v) == "table" and not json.is_array(v) end

-- The zero value Go gives an element of type t that is null: "" for a string, 0, false, an
-- empty struct; nil (absent) for the rest.
local function zero(t)
  if t.test == BOOL.test then
    return false
  elseif t == INT32 or t == INT64 then
    return 0
  elseif t.test == is_string then
    return ""
  elseif t.struct then
    return json.object({})
  end
  return nil
end

-- Decodes v (not null) into t: the first type error, or nil once every null below v is what
-- the decoding makes of it (a field's: absent, as its zero value is written; an element's or
-- a map value's: its zero value). owner: the innermost struct's name; path: the JSON field
-- names from the top, as encoding/json reports them (no list indices).
local function decode(v, t, owner, path)
  local ok
  if t.test then
    ok = t.test(v)
  elseif t.list then
    ok = json.is_array(v)
  else
    ok = is_object(v)
  end
  if not ok then
    local where = owner and format("Go struct field %s.%s", owner, path) or "Go value"
    return format("json: cannot unmarshal %s into %s of type %s", json_type(v, t), where, t.go)
  end
  local elem = t.list or t.map
  if elem then
    for k, e in pairs(v) do
      if e == json.null then
        v[k] = zero(elem)
      else
        local err = decode(e, elem, owner, path)
        if err then return err end
      end
    end
  elseif t.fields then
    for name, ft in pairs(t.fields) do
      local f = v[name]
      if f == json.null then
        v[name] = nil
      elseif f ~= nil then
        local err = decode(f, ft, t.struct, path and path .. "." .. name or name)
        if err then return err end
      end
    end
  end
  return nil
end

--- Decodes a body (decoded JSON) into kind's Go type, as the API server does before anything
-- else: nil once its nulls are what the decoding makes of them (in place), or encoding/json's
-- message for the first field of the wrong type. A DELETE's options answer that message as
-- is (400, handlers/delete.go).
function schema.decode(kind, body)
  local t = schema.kinds[kind] or error("kwhisk.sim.schema: no type for " .. tostring(kind), 2)
  return decode(body, t, nil, nil)
end

--- schema.decode with its message worded as a create's 400 (BadRequest): with the kind and
-- version the body names, or with its first 30 bytes (raw) when it names no kind.
function schema.create_error(kind, body, raw)
  local err = schema.decode(kind, body)
  if not err then
    return nil
  end
  if is_object(body) and type(body.kind) == "string" and body.kind ~= "" then
    local v = type(body.apiVersion) == "string" and body.apiVersion:match("[^/]*$") or ""
    return format("%s in version %q cannot be handled as a %s: %s", body.kind, v, kind, err)
  end
  local summary = raw and #raw > 30 and raw:sub(1, 30) .. " ..." or raw or ""
  return format("the object provided is unrecognized (must be of type %s): %s (%s)", kind, err,
    summary)
end

return schema
