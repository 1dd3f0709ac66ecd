--- json_bench: kwhisk.json against lua-cjson on a realistic Pod object (decode and encode).
-- Prints each codec's rate and kwhisk's time as a ratio of cjson's, measured in this run.
local json = require "kwhisk.json"
local cjson = require "cjson"

local clock = os.clock

local pod = [[{"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{
"kubectl.kubernetes.io/last-applied-configuration":"{\"apiVersion\":\"v1\"}"},
"creationTimestamp":"2024-03-01T10:00:00Z","labels":{"invoker":"invoker0","name":"wsk-action-1",
"openwhisk/action":"hello","openwhisk/namespace":"guest"},"name":"wskinvoker0-12-guest-hello",
"namespace":"openwhisk","resourceVersion":"123456","uid":"5d3c2c0e-8c1b-4c7e-9f4e-0a1b2c3d4e5f",
"managedFields":[{"apiVersion":"v1","fieldsType":"FieldsV1","manager":"kwhisk","operation":"Update",
"time":"2024-03-01T10:00:00Z"}]},
"spec":{"affinity":{"nodeAffinity":{
"requiredDuringSchedulingIgnoredDuringExecution":{"nodeSelectorTerms":[{"matchExpressions":[
{"key":"openwhisk-role","operator":"In","values":["invoker"]}]}]}}},"containers":[{"args":[],
"env":[{"name":"__OW_API_HOST","value":"https://10.0.0.1:443"},{"name":"MEMORY","value":"256"}],
"image":"openwhisk/action-nodejs-v14:1.2.0","imagePullPolicy":"IfNotPresent","name":"user-action",
"ports":[{"containerPort":8080,"name":"action","protocol":"TCP"}],"resources":{"limits":{
"memory":"256Mi"},"requests":{"cpu":0.25,"memory":"256Mi"}},"securityContext":{
"capabilities":{"drop":["NET_RAW","NET_ADMIN"]}},"terminationMessagePath":"/dev/termination-log",
"volumeMounts":[]}],"dnsPolicy":"ClusterFirst","nodeName":"node-1","priority":0,
"restartPolicy":"Always","schedulerName":"default-scheduler","securityContext":{},
"terminationGracePeriodSeconds":30,"tolerations":[{"effect":"NoExecute",
"key":"node.kubernetes.io/not-ready","operator":"Exists","tolerationSeconds":300}]},
"status":{"conditions":[{"lastProbeTime":null,"lastTransitionTime":"2024-03-01T10:00:01Z",
"status":"True","type":"Ready"}],"containerStatuses":[{"containerID":"containerd://abcdef0123",
"image":"openwhisk/action-nodejs-v14:1.2.0","name":"user-action","ready":true,"restartCount":0,
"started":true,"state":{"running":{"startedAt":"2024-03-01T10:00:01Z"}}}],"hostIP":"10.0.0.5",
"phase":"Running","podIP":"10.244.1.17","qosClass":"Burstable",
"startTime":"2024-03-01T10:00:00Z"}}]]
pod = pod:gsub("\n", "")

-- Runs f n times and returns the seconds it took (best of 3 rounds).
local function time(f, arg, n)
  local best = math.huge
  for _ = 1, 3 do
    local t0 = clock()
    for _ = 1, n do f(arg) end
    best = math.min(best, clock() - t0)
  end
  return best
end

local N = 20000
local kv, cv = json.decode(pod), cjson.decode(pod)
local rows = {
  { "decode", time(json.decode, pod, N), time(cjson.decode, pod, N) },
  -- kwhisk sorts keys and checks every table; cjson does neither.
  { "encode", time(json.encode, kv, N), time(cjson.encode, cv, N) },
}
print(("Pod JSON of %d bytes, %d iterations, best of 3"):format(#pod, N))
for _, r in ipairs(rows) do
  print(("json %s: kwhisk %.0f/s, cjson %.0f/s, kwhisk time / cjson time = %.2f"):format(
    r[1], N / r[2], N / r[3], r[2] / r[3]))
end
