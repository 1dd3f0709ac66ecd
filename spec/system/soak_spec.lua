-- Soak: pods and activations without pause against a TLS sim with a rotating token, while
-- random faults fire (429 plain and Status, 5xx, resets, stalls, idle cuts of log follows,
-- 410 watches, token rotation, persistent kubelet 400s on pods/log), the cluster disrupts
-- pods (node-pressure evictions, out-of-band deletes, node loss for a second or two),
-- container logs rotate (4 KiB files: more than one activation writes, so the first
-- collection of a pod, which has no cursor to check, never meets a rotation) and pod names
-- are reused while the previous pod of the name is Terminating. The activations of a
-- disrupted pod may lose their log lines, as on a cluster: they must fail with an error
-- value instead. As in OpenWhisk, a container whose run failed or whose activation's log was
-- not read to its end takes no further activation (its lines would come first).
-- KWHISK_SOAK_SECONDS sets the length (60 in `make test`, 1800 in `make soak`). What
-- counts: every failure is an error value with a kind; no log line lost silently or
-- repeated (a rotation can take lines a reconnect no longer reaches: such a collection must
-- say logs may be missing, and those lines are counted apart); no pod left behind; the
-- client's RSS drifts less than 5 %.
local kwhisk = require "kwhisk"
local simh = require "helpers.sim"
local shell = require "helpers.shell"
local tokens = require "helpers.tokens"
local json = require "kwhisk.json"
local fs = require "kwhisk.fs"

local SECONDS = tonumber(os.getenv("KWHISK_SOAK_SECONDS") or "60")
local WORKERS = 4
local NS_PODS = "/api/v1/namespaces/default/pods"
local LABELS = { invoker = "invoker0", release = "soak" }
local now = kwhisk.loop.now
local MISSING = "There was an issue while collecting your logs. Data might be missing."

-- Prints each line of a.lines, alternately on stdout and stderr (the API mixes them).
local ACTION = [[function main(a)
  for i, l in ipairs(a.lines) do
    if i % 2 == 0 then io.stderr:write(l, "\n") else print(l) end
  end
  return { id = a.id }
end]]

local ffi = require "ffi"
ffi.cdef "int malloc_trim(size_t pad);"

-- VmRSS after dropping compiled traces, a full collection and giving free heap pages back:
-- LuaJIT keeps compiling new traces (bounded by maxtrace/maxmcode) for minutes and malloc
-- keeps freed pages, neither of which is what the drift is about.
local function vmrss_kib()
  jit.flush()
  collectgarbage("collect")
  collectgarbage("collect")
  ffi.C.malloc_trim(0)
  local status = fs.read_file("/proc/self/status") or ""
  return tonumber(status:match("VmRSS:%s*(%d+)"))
end

local function median3(a, b, c)
  return math.max(math.min(a, b), math.min(math.max(a, b), c))
end

-- How many of the lines mention text.
local function count_lines(lines, text)
  local c = 0
  for _, l in ipairs(lines) do
    if l:find(text, 1, true) then c = c + 1 end
  end
  return c
end

-- The numbers of a run, one line per subject.
local function summary(n, x)
  local tally = {}
  for kind, count in pairs(x.kinds) do tally[#tally + 1] = kind .. "=" .. count end
  table.sort(tally)
  return string.format(table.concat({
    "soak: %d s, %d workers, %d faults armed (%d fired), %d token rotations",
    "soak: faults fired by kind: %s",
    "soak: log rotations past a cursor %d, runs that waited for a Terminating name %d",
    "soak: pods %d attempted, %d ran, %d failed with an error value",
    "soak: activations %d attempted, %d succeeded, %d failed with an error value",
    "soak: log lines %d sent, %d lost, %d duplicated, %d from other activations, "
      .. "%d gone with a rotation (collection said so)",
    "soak: log collections with an error %d, extra collection calls %d",
    "soak: disruptions: %d evictions, %d out-of-band deletes, %d node losses; %d lines of "
      .. "disrupted pods missing, each with an error value",
    "soak: deletes failed %d, pods listed at the end (terminating too) %d, leaked %d",
    "soak: client log lines %d, improper errors %d, failures by kind: %s",
    "soak: client RSS %d KiB warm, %d KiB end (medians of 3 samples), drift %.1f %%",
    "soak: RSS samples (KiB) %s", "soak: Lua heap samples (KiB) %s",
  }, "\n"), SECONDS, WORKERS, n.faults, x.hits, n.rotations, x.fired,
    count_lines(x.client_log, "the log rotated after the last line read"),
    count_lines(x.client_log, "is still Terminating"), n.pods, n.pods_ok,
    n.pods_failed, n.activations, n.activations_ok, n.activations_failed, n.lines, n.lost,
    n.duplicated, n.foreign, n.rotated_away, n.log_errors, n.extra_log_calls, n.evictions,
    n.oob_deletes, n.node_losses, n.disrupted_lines, n.deletes_failed,
    x.left_before, x.left, x.log_lines, n.improper_errors, table.concat(tally, " "),
    x.rss_warm, x.rss_end, x.drift, table.concat(x.samples, " "), table.concat(x.heap, " "))
end

-- A value the API layer returns for a failure: an error table with a kind and a message.
local function proper_error(err)
  return type(err) == "table" and type(err.kind) == "string" and type(err.message) == "string"
    and tostring(err) == err.message
end

-- The random fault catalogue: each entry builds one fault spec.
local FAULTS = {
  function()
    return { kind = "status", code = 429, plain = true, retry_after = 1, method = "GET" }
  end,
  function() return { kind = "status", code = 429, retry_after = 1 } end,
  function() return { kind = "status", code = 500, method = "GET" } end,
  function() return { kind = "status", code = 503, method = "DELETE" } end,
  function() return { kind = "status", code = 502 } end,
  function() return { kind = "reset", after_bytes = math.random(0, 300), method = "GET" } end,
  function() return { kind = "reset", after_bytes = math.random(0, 50) } end,
  -- not retryable: the create fails, with the seed's message and a pod_api cause
  function() return { kind = "status", code = 403, method = "POST", count = 1 } end,
  function() return { kind = "stall", seconds = 0.2 + math.random() } end,
  function() return { kind = "idle_cut", seconds = 0.2, method = "GET" } end,
  function() return { kind = "watch_gone", mode = math.random() < 0.5 and "event" or "http" } end,
  -- the kubelet cannot read a running container's log, for a while
  function() return { kind = "kubelet_log", error = "unretrievable", count = math.random(5, 40) }
  end,
  "rotate_token", "evict", "delete_pod", "node_loss",
}

describe("soak (" .. SECONDS .. " s)", function()
  local sim, dir, cleanup, client, client_log

  setup(function()
    sim = simh.start({ "--tls", "--container-log-max-size", "4Ki" }, tokens.list.soak)
    dir, cleanup = shell.tmpdir()
    -- The same kubeconfig, but reading the token from a file, so it can rotate.
    local kc = json.decode(shell.read(sim.kubeconfig))
    kc.users[1].user = { tokenFile = dir .. "/token" }
    shell.write(dir .. "/token", tokens.list.soak)
    shell.write(dir .. "/kubeconfig", json.encode(kc))
    client_log = {}
    client = assert(kwhisk.client({ kubeconfig = dir .. "/kubeconfig",
      ["user-pod-node-affinity"] = { enabled = false }, ["log-collect-timeout"] = "5 s",
      timeouts = { run = "2 minutes" } },
      { log = function(line) client_log[#client_log + 1] = line end }))
  end)

  teardown(function()
    tokens.keep_log("soak-client.log", table.concat(client_log, "\n"))
    tokens.keep_log("soak-sim.log", fs.read_file(sim.log) or "")
    sim:stop()
    cleanup()
  end)

  local n = {
    pods = 0, pods_ok = 0, pods_failed = 0, activations = 0, activations_ok = 0,
    activations_failed = 0, improper_errors = 0, lines = 0, lost = 0, duplicated = 0,
    foreign = 0, log_errors = 0, extra_log_calls = 0, deletes_failed = 0, faults = 0,
    rotations = 0, rotated_away = 0, evictions = 0, oob_deletes = 0, node_losses = 0,
    disrupted_lines = 0,
  }
  -- Pods alive now (name -> true), and those the soak disrupted (evicted or deleted).
  local live, disrupted = {}, {}
  local improper, kinds = {}, {}
  local losses = {} -- a line for each activation that lost lines
  local repeats = {} -- a line for each activation whose collections held others' lines
  local failed_runs = {} -- activation id -> true when its run returned an error
  local unnoticed = {} -- collections that met a rotation but did not end with the notice

  local function failed(counter, err)
    n[counter] = n[counter] + 1
    local kind = counter .. ":" .. tostring(type(err) == "table" and err.kind)
    kinds[kind] = (kinds[kind] or 0) + 1
    if not proper_error(err) then
      n.improper_errors = n.improper_errors + 1
      improper[#improper + 1] = tostring(err)
    end
  end

  -- Whether the client logged, from client_log[from] on, that pod's log rotated past the
  -- cursor (lines may be missing; the collection's records end with the notice).
  local function rotation_said(pod, from)
    local said = "logs of " .. pod .. ": the log rotated after the last line read"
    for i = from, #client_log do
      if client_log[i]:find(said, 1, true) then return true end
    end
    return false
  end

  -- One activation: numbered lines out, the same lines back, each exactly once. Returns
  -- true when the container can take another: as OpenWhisk's ContainerProxy removes a
  -- container whose run failed or whose activation's logs could not be read to the end
  -- (ActivationLogReadingError), so that no activation is given another one's lines.
  local function activation(c, id)
    local lines, want = {}, {}
    for j = 1, math.random(1, 40) do
      lines[j] = "soak " .. id .. " line " .. j
      want[lines[j]] = 0
    end
    n.activations = n.activations + 1
    local result, err = c:run({ id = id, lines = lines }, now() + 30)
    if not result then
      failed_runs[id] = true
      return failed("activations_failed", err)
    end
    local seen, missing, reported, noticed, complete = 0, #lines, false, false, false
    local calls = {} -- what each collection returned, for the report of a loss
    local foreign = {} -- the lines of other activations among the records
    -- A collection cut by the time cap, or failed (a kubelet error that lasted), leaves the
    -- rest for the next call (the cursor). A kubelet_log fault fails up to 40 reads, about
    -- 5 a call before the client reports log_unavailable: 16 calls outlast any of them. A
    -- complete collection (both sentinels read) is the activation's last.
    for call = 1, 16 do
      if call > 1 then
        n.extra_log_calls = n.extra_log_calls + 1
      end
      local logged = #client_log
      local records, lerr
      records, lerr, complete = c:logs(10 * 1024 * 1024, true)
      -- a rotation past the cursor: the client's log says which pod's log rotated, and the
      -- records end with the missing-logs notice (with an error, the error's notice)
      if rotation_said(c.id, logged + 1) then
        noticed = true
        local last = records[#records]
        if not (last and last.log == MISSING) then
          unnoticed[#unnoticed + 1] = "activation " .. id .. ", collection " .. call
        end
      end
      calls[call] = #records .. " records" .. (complete and ", complete" or "")
        .. (lerr and ", " .. tostring(lerr.kind) .. ": " .. tostring(lerr) or "")
      if lerr then
        reported = true
        failed("log_errors", lerr)
      end
      for _, r in ipairs(records) do
        local count = want[r.log]
        if count then
          want[r.log] = count + 1
          seen = seen + 1
        elseif r.log:match("^soak ") then
          n.foreign = n.foreign + 1 -- another activation's line: a repeat
          local of = r.log:match("^soak (%S+)")
          foreign[#foreign + 1] = string.format("%q (%s, collection %d%s)", r.log,
            tostring(r.time), call, failed_runs[of] and ", its run failed" or "")
        end
      end
      missing = 0
      for _, count in pairs(want) do
        missing = missing + (count == 0 and 1 or 0)
      end
      if complete or (call >= 3 and not lerr) then
        break
      end
    end
    n.lines = n.lines + #lines
    n.duplicated = n.duplicated + (seen - (#lines - missing))
    if noticed then -- (a later error does not bring them back)
      n.rotated_away = n.rotated_away + missing
      missing = 0
    end
    if disrupted[c.id] and reported then
      -- the pod went under it, and the collection said so with an error value
      n.disrupted_lines = n.disrupted_lines + missing
      missing = 0
    end
    if missing > 0 then
      losses[#losses + 1] = string.format("activation %s on pod %s%s: %d of %d lines lost; "
        .. "collections: %s", id, c.id, disrupted[c.id] and " (disrupted)" or "", missing,
        #lines, table.concat(calls, " | "))
    end
    if #foreign > 0 then
      repeats[#repeats + 1] = string.format("activation %s on pod %s: %d lines of others, "
        .. "from %s to %s; collections: %s", id, c.id, #foreign, foreign[1],
        foreign[#foreign], table.concat(calls, " | "))
    end
    n.lost = n.lost + missing
    n.activations_ok = n.activations_ok + 1
    assert.equal(id, result.id)
    return complete
  end

  local function worker(w, deadline)
    local k = 0
    while now() < deadline do
      k = k + 1
      n.pods = n.pods + 1
      -- two names per worker: the pod of a name is often still Terminating when its name
      -- comes round again, and run waits for it to go
      local c, err = kwhisk.container.create(client, "soak_" .. w .. "_" .. math.random(2),
        "kwhisk/action-lua", { labels = LABELS })
      if not c then
        failed("pods_failed", err)
        kwhisk.sleep(0.2) -- as an invoker backs off (a lost node fails creates at once)
      else
        live[c.id] = true
        local ok, ierr = c:init(ACTION, "main", nil, now() + 30)
        if not ok then
          failed("activations_failed", ierr)
        else
          for a = 1, math.random(1, 4) do
            if not activation(c, w .. "." .. k .. "." .. a) then break end
          end
        end
        n.pods_ok = n.pods_ok + 1
        live[c.id] = nil
        local gone, derr = c:destroy()
        if not gone then
          failed("deletes_failed", derr)
        end
      end
    end
  end

  local function rotate(r)
    local token = tokens.list.soak_rotated .. "-" .. r
    -- Both at once: no task runs between the file write and the (blocking) fault call.
    shell.write(dir .. "/token", token)
    assert(sim:fault({ kind = "rotate_token", token = token }))
    n.rotations = n.rotations + 1
  end

  local function some_live_pod()
    local names = {}
    for name in pairs(live) do names[#names + 1] = name end
    return names[1] and names[math.random(#names)]
  end

  -- A disruption by the cluster or another actor: a node-pressure eviction, a delete that is
  -- not kwhisk's, or the node lost for a second or two.
  local function disrupt(what)
    if what == "node_loss" then
      -- every pod is on the sim's one node: a loss that outlasts the (scaled) toleration
      -- deletes them all, as the taint manager does
      for name in pairs(live) do disrupted[name] = true end
      assert(sim:fault({ kind = "node_lost" }))
      n.node_losses = n.node_losses + 1
      kwhisk.sleep(1 + math.random())
      assert(sim:fault({ kind = "node_ready" }))
      return
    end
    local name = some_live_pod()
    if not name then return end
    disrupted[name] = true
    if what == "evict" then
      n.evictions = n.evictions + (sim:fault({ kind = "evict", pod = name }) and 1 or 0)
    else
      n.oob_deletes = n.oob_deletes + (client.conn:delete(client:pods_path(name)) and 1 or 0)
    end
  end

  local function faulter(deadline)
    while now() < deadline do
      kwhisk.sleep(0.3 + math.random() * 0.7)
      local make = FAULTS[math.random(#FAULTS)]
      if make == "rotate_token" then
        rotate(n.rotations + 1)
      elseif type(make) == "string" then
        disrupt(make)
      else
        local spec = make()
        spec.path = spec.path or NS_PODS
        spec.count = spec.count or math.random(1, 3)
        assert(sim:fault(spec))
      end
      n.faults = n.faults + 1
    end
  end

  -- RSS samples from the end of the warm-up on, each under the same load, so the drift
  -- compares like with like: the median of the first three against the last three.
  local function sampler(warm_at, deadline, samples, heap)
    kwhisk.sleep(warm_at - now())
    while now() < deadline do
      samples[#samples + 1] = vmrss_kib()
      heap[#heap + 1] = math.floor(collectgarbage("count"))
      kwhisk.sleep(math.max(1, (deadline - warm_at) / 11))
    end
  end

  it("runs activations under random faults: nothing lost or repeated, no pod leaked", function()
    math.randomseed(tonumber(os.getenv("KWHISK_SOAK_SEED") or os.time()))
    local started = now()
    local deadline = started + SECONDS
    local warm_at = started + math.min(300, SECONDS / 4)
    local tasks = { kwhisk.spawn(faulter, deadline) }
    for w = 1, WORKERS do
      tasks[#tasks + 1] = kwhisk.spawn(worker, w, deadline)
    end
    local samples, heap = {}, {}
    tasks[#tasks + 1] = kwhisk.spawn(sampler, warm_at, deadline, samples, heap)
    for _, t in ipairs(tasks) do
      local ok, err = pcall(t.wait, t)
      assert(ok, err)
    end
    -- Faults off; the invoker's shut-down clean-up removes what failed deletes left.
    local armed = assert(sim:faults())
    local hits, by_kind = 0, {}
    for _, f in ipairs(armed) do
      hits = hits + f.hits
      local kind = f.kind .. (f.error and "/" .. f.error or "")
      by_kind[kind] = (by_kind[kind] or 0) + f.hits
    end
    local fired = {}
    for kind, count in pairs(by_kind) do fired[#fired + 1] = kind .. "=" .. count end
    table.sort(fired)
    -- One good call first: it completes a pending token rotation before the faults go.
    local listed
    for _ = 1, 10 do
      listed = client:list(LABELS)
      if listed then break end
    end
    assert.truthy(listed)
    assert(sim:clear_faults())
    local left_before = #assert(client:list(LABELS))
    assert(kwhisk.container.cleanup(client, 0, "soak", 30, { wait_gone = true }))
    local left = assert(client:list(LABELS))
    assert.is_true(#samples >= 6, "too few RSS samples")
    local rss_warm = median3(samples[1], samples[2], samples[3])
    local rss_end = median3(samples[#samples - 2], samples[#samples - 1], samples[#samples])
    local drift = (rss_end - rss_warm) / rss_warm * 100
    local report = summary(n, { hits = hits, fired = table.concat(fired, " "),
      client_log = client_log, left_before = left_before, left = #left,
      log_lines = #client_log, rss_warm = rss_warm, rss_end = rss_end, drift = drift,
      kinds = kinds, samples = samples, heap = heap })
    print("\n" .. report)
    tokens.keep_log("soak-report.txt", report .. "\n"
      .. table.concat(losses, "\n") .. "\n" .. table.concat(repeats, "\n"))
    assert.same({}, improper)
    assert.same({}, losses) -- n.lost == 0, with what each losing collection returned
    assert.equal(0, n.duplicated)
    assert.same({}, repeats) -- n.foreign == 0, with what those collections returned
    assert.same({}, unnoticed)
    assert.equal(0, #left)
    assert.is_true(n.activations_ok > 0)
    assert.is_true(drift < 5, "client RSS drift " .. drift .. " %")
    assert.same({}, tokens.found_in(table.concat(client_log, "\n")))
  end)
end)
