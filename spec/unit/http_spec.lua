-- kwhisk.http: the transport against real HTTP servers on loopback.
local http = require "kwhisk.http"
local loop = require "kwhisk.loop"
local errors = require "kwhisk.errors"
local httpd = require "helpers.httpd"

local TOKEN = "tok-7f3a9c-never-print-me"

-- A log text of n lines, shared by the spec and the server: "\n" and "\r\n" ends, empty
-- and malformed lines, lines of 0 to ~300 bytes, shared seconds, no final newline.
local LOG_TEXT = [[
  return function(n)
    local out, seed = {}, 7
    for i = 1, n do
      seed = (seed * 1103515245 + 12345) % 2147483648
      out[#out + 1] = string.format("2018-02-06T00:%02d:%02d.%06dZ %d %s%s",
        math.floor(i / 60) % 60, i % 60, seed % 1000000, i, string.rep("x", seed % 300),
        i % 3 == 0 and "\r\n" or "\n")
      if i % 97 == 0 then out[#out + 1] = "\nno-timestamp-here\n" end
    end
    out[#out + 1] = "2018-02-06T01:00:00Z last, unterminated"
    return table.concat(out)
  end]]

-- Cuts text into chunks of size bytes.
local CHUNKS = [[
  return function(text, size)
    local chunks = {}
    for i = 1, #text, size do chunks[#chunks + 1] = text:sub(i, i + size - 1) end
    return chunks
  end]]

describe("kwhisk.http", function()
  local server

  setup(function()
    local prelude = string.format("local log_text = assert(loadstring(%q))()\n"
      .. "local chunked = assert(loadstring(%q))()\n", LOG_TEXT, CHUNKS)
    server = httpd.start { handler = prelude .. [[
      local big = string.rep("x", 100000)
      return function(r)
        local p = r.path
        if p == "/echo" then
          return { status = 201, body = r.method .. " " .. r.body,
                   headers = { ["x-Method"] = r.method, ["content-type"] = "text/plain" } }
        elseif p == "/slow" then return { delay = 0.05, body = "slow" }
        elseif p == "/stall" then return { delay = 3, body = "late" }
        elseif p == "/cut" then return { body = big, cut_after = 100 }
        elseif p == "/big" then return { body = big }
        elseif p == "/none" then return { status = 204 }
        elseif p == "/chunks" then
          return { chunks = { "one\n", "two\n", "three\n" }, interval = 0.02 }
        elseif p == "/log" then
          return { chunks = { "2018-02-06T00:00:18.419889342Z first", " line\n2018-02-06T00:00:1",
            "9Z second\r\n", "no-timestamp-here\n", "2018-02-06T00:00:20.5Z last" },
            interval = 0.01 }
        elseif p == "/log-1b" then return { chunks = chunked(log_text(200), 1) }
        elseif p == "/log-64k" then return { chunks = chunked(log_text(20000), 65536) }
        elseif p == "/long-line" then
          local chunks = chunked("2018-02-06T00:00:01Z " .. string.rep("a", 10000), 7)
          chunks[#chunks + 1] = "\n2018-02-06T00:00:02Z next\n"
          return { chunks = chunks }
        elseif p == "/endless-log" then
          local chunks = {}
          for i = 1, 100 do chunks[i] = log_text(50) .. "\n" end
          return { chunks = chunks, interval = 0.05 }
        elseif p == "/endless" then
          local chunks = {}
          for i = 1, 200 do chunks[i] = "line " .. i .. "\n" end
          return { chunks = chunks, interval = 0.05 }
        end
        return { status = 404, body = "no route " .. p }
      end]] }
  end)

  teardown(function()
    server:stop()
  end)

  it("sends method, headers, body and token, and returns status, headers and body", function()
    local r = assert(http.request { url = server.url .. "/echo", method = "POST", body = "{}",
      headers = { "Content-Type: application/json", "X-Trace: 1" }, token = TOKEN })
    assert.equal(201, r.status)
    assert.equal("POST {}", r.body)
    assert.equal("POST", r.headers["x-method"])
    assert.equal("text/plain", r.headers["content-type"])
    local seen = server:requests()
    local last = seen[#seen]
    assert.equal("Bearer " .. TOKEN, last.headers.authorization)
    assert.equal("application/json", last.headers["content-type"])
    assert.equal("1", last.headers["x-trace"])
    assert.is_nil(last.headers.expect)
  end)

  it("returns a 204 with an empty body", function()
    local r = assert(http.request { url = server.url .. "/none" })
    assert.equal(204, r.status)
    assert.equal("", r.body)
  end)

  it("keeps the connection alive across sequential requests", function()
    for _ = 1, 5 do
      assert.equal(200, assert(http.request { url = server.url .. "/slow" }).status)
    end
    local seen = server:requests()
    local ports = {}
    for i = #seen - 4, #seen do
      ports[seen[i].peer] = true
    end
    local n = 0
    for _ in pairs(ports) do
      n = n + 1
    end
    assert.equal(1, n)
  end)

  it("runs 200 requests at once from one Lua state", function()
    local tasks = {}
    for i = 1, 200 do
      tasks[i] = loop.spawn(http.request, { url = server.url .. "/slow", token = TOKEN })
    end
    local ok = 0
    for i = 1, 200 do
      local r = tasks[i]:wait()
      if r and r.status == 200 and r.body == "slow" then
        ok = ok + 1
      end
    end
    assert.equal(200, ok)
    assert.equal(0, loop.active())
  end)

  it("fails with kind timeout when the server is slower than the total timeout", function()
    local r, err = http.request { url = server.url .. "/stall", timeout = 0.3, token = TOKEN }
    assert.is_nil(r)
    assert.is_true(errors.is(err, "timeout"))
    assert.matches("GET http://127.0.0.1:%d+/stall: Timeout was reached", err.message)
    assert.not_matches(TOKEN, tostring(err), 1, true)
  end)

  it("fails with kind timeout when no byte arrives within the read timeout", function()
    local r, err = http.request { url = server.url .. "/stall", read_timeout = 1 }
    assert.is_nil(r)
    assert.equal("timeout", err.kind)
  end)

  it("fails with kind transport when the connection is cut mid-body", function()
    local r, err = http.request { url = server.url .. "/cut", token = TOKEN }
    assert.is_nil(r)
    assert.equal("transport", err.kind)
    assert.matches("partial", err.message)
    assert.not_matches(TOKEN, err.message, 1, true)
  end)

  it("fails with kind transport when nothing listens", function()
    local r, err = http.request { url = "http://127.0.0.1:1/", connect_timeout = 2 }
    assert.is_nil(r)
    assert.equal("transport", err.kind)
    assert.matches("GET http://127.0.0.1:1/: Couldn't connect", err.message)
  end)

  it("refuses a body over max_body with kind too_large", function()
    local r, err = http.request { url = server.url .. "/big", max_body = 1000 }
    assert.is_nil(r)
    assert.equal("too_large", err.kind)
    assert.matches("exceeds the limit of 1000 bytes", err.message)
    assert.equal(100000, #assert(http.request { url = server.url .. "/big" }).body)
  end)

  it("refuses header lines that would inject headers, without echoing them", function()
    local r, err = http.request { url = server.url .. "/echo",
      headers = { "X-A: 1\r\nAuthorization: Bearer " .. TOKEN } }
    assert.is_nil(r)
    assert.equal("bad_request", err.kind)
    assert.matches("header 1 is not one", err.message)
    assert.not_matches(TOKEN, err.message, 1, true)
    r, err = http.request { url = server.url .. "/echo", token = TOKEN .. "\n" }
    assert.is_nil(r)
    assert.equal("the bearer token contains a line break", err.message:match(": (.*)$"))
  end)

  it("raises on bad arguments, naming them", function()
    assert.has_error(function() http.request("http://x") end,
      "bad argument #1 to 'request' (options table expected, got string)")
    assert.has_error(function() http.request { url = "http://x", timeout = "1" } end)
  end)

  describe("streams", function()
    it("hands the body over chunk by chunk, then nil", function()
      local s = assert(http.stream { url = server.url .. "/chunks", token = TOKEN })
      assert.equal(200, s.status)
      local got = {}
      while true do
        local chunk, err = s:read()
        assert.is_nil(err)
        if not chunk then
          break
        end
        got[#got + 1] = chunk
      end
      assert.equal("one\ntwo\nthree\n", table.concat(got))
      s:close()
    end)

    it("pauses the transfer while the reader is behind, losing nothing", function()
      local s = assert(http.stream { url = server.url .. "/big", stream_buffer = 1024 })
      loop.sleep(0.1) -- the whole body has arrived at the socket; the transfer must pause
      local total, largest = 0, 0
      for chunk in s.read, s do
        total = total + #chunk
        largest = math.max(largest, #chunk)
      end
      assert.equal(100000, total)
      assert.is_true(largest <= 1024 + 16384, "a chunk of " .. largest .. " bytes")
    end)

    it("read_all collects the rest of the body", function()
      local s = assert(http.stream { url = server.url .. "/chunks" })
      assert.equal("one\ntwo\nthree\n", s:read_all())
    end)

    it("feeds the body into the log reader and yields finished records", function()
      local s = assert(http.stream { url = server.url .. "/log" })
      local got = {}
      for record in s:records(require("kwhisk.logs").reader()) do
        got[#got + 1] = tostring(record.time) .. "|" .. record.log
      end
      assert.same({ "2018-02-06T00:00:18.419889342Z|first line", "2018-02-06T00:00:19.0Z|second",
                    "2018-02-06T00:00:20.5Z|last" }, got)
    end)

    describe("into the log reader", function()
      local logs = require "kwhisk.logs"
      local log_text = assert(loadstring(LOG_TEXT))()

      local function summary(records)
        local out = {}
        for i, r in ipairs(records) do
          out[i] = tostring(r.time) .. "|" .. r.log .. (r.truncated and "|T" or "")
        end
        return out
      end

      local function stream_records(path, reader, options)
        options = options or {}
        options.url = server.url .. path
        local s = assert(http.stream(options))
        local got = {}
        for record, err in s:records(reader) do
          assert.is_nil(err)
          got[#got + 1] = record
        end
        s:close()
        return got
      end

      it("gives exactly the lines of the text from 1-byte chunks", function()
        local want = logs.read_lines(log_text(200))
        assert.equal(201, #want)
        local reader = logs.reader()
        assert.same(summary(want), summary(stream_records("/log-1b", reader)))
        assert.equal(2, reader:stats().malformed)
      end)

      it("gives exactly the lines of the text from 64 KiB chunks, pausing a slow reader", function()
        local want = logs.read_lines(log_text(20000))
        assert.equal(20001, #want)
        assert.same(summary(want), summary(stream_records("/log-64k", logs.reader())))
        -- A small buffer: the transfer pauses again and again, and nothing is lost.
        local s = assert(http.stream { url = server.url .. "/log-64k", stream_buffer = 4096 })
        loop.sleep(0.05)
        assert.is_true(s.req:pending() <= 4096 + 16384, s.req:pending() .. " bytes queued")
        local n = 0
        for record in s:records(logs.reader()) do
          n = n + 1
          assert.equal(tostring(want[n].time) .. "|" .. want[n].log,
            tostring(record.time) .. "|" .. record.log)
        end
        assert.equal(20001, n)
        s:close()
      end)

      it("cuts a line longer than max_line and flags it", function()
        local reader = logs.reader { max_line = 64 }
        local got = stream_records("/long-line", reader)
        assert.same({ "2018-02-06T00:00:01.0Z|" .. string.rep("a", 64 - 21) .. "|T",
                      "2018-02-06T00:00:02.0Z|next" }, summary(got))
        assert.equal(1, reader:stats().truncated)
      end)

      -- Reads five records of an endless log, closes the stream mid-body, checks what the
      -- reader still holds; returns a weak reference to the request.
      local function read_then_close(reader)
        local s = assert(http.stream { url = server.url .. "/endless-log" })
        local next_record = s:records(reader)
        for i = 1, 5 do
          assert.matches("^" .. i .. " ", next_record().log)
        end
        local req = setmetatable({ s.req }, { __mode = "v" })
        s:close()
        assert.equal(0, loop.active())
        -- The rest of the bytes handed over is the reader's own copy now.
        local rest = reader:drain()
        assert.is_true(#rest > 0)
        assert.equal("6", rest[1].log:match("^%d+"))
        local record, err = next_record()
        assert.is_nil(record)
        assert.matches("the stream is closed", err.message)
        return req
      end

      it("frees the transfer on close, the reader keeping what it was handed", function()
        local reader = logs.reader()
        local req = read_then_close(reader)
        collectgarbage()
        collectgarbage()
        assert.is_nil(req[1], "the reader still holds the request")
        assert.is_nil(reader:next())
      end)
    end)

    it("ends the records with the transfer's error", function()
      local s = assert(http.stream { url = server.url .. "/cut" })
      local next_record = s:records(require("kwhisk.logs").reader())
      local record, err = next_record()
      assert.is_nil(record)
      assert.equal("transport", err.kind)
    end)

    it("reports a cut mid-body as an error after the bytes that came", function()
      local s = assert(http.stream { url = server.url .. "/cut" })
      local total, err = 0
      repeat
        local chunk
        chunk, err = s:read()
        total = total + (chunk and #chunk or 0)
      until not chunk
      assert.equal(100, total)
      assert.equal("transport", err.kind)
    end)

    it("aborts the transfer at once on close", function()
      local s = assert(http.stream { url = server.url .. "/endless" })
      assert.equal("line 1\n", s:read())
      assert.equal(1, loop.active())
      s:close()
      assert.equal(0, loop.active())
      local chunk, err = s:read()
      assert.is_nil(chunk)
      assert.matches("the stream is closed", err.message)
    end)

    it("wakes a task reading a stream that another task closes", function()
      local s = assert(http.stream { url = server.url .. "/endless" })
      assert.equal("line 1\n", s:read())
      local reader = loop.spawn(function() return s:read() end)
      loop.spawn(function() s:close() end):wait()
      local chunk, err = reader:wait()
      assert.is_nil(chunk)
      assert.equal("transport", err.kind)
    end)

    it("fails like a request when there is no response", function()
      local s, err = http.stream { url = "http://127.0.0.1:1/" }
      assert.is_nil(s)
      assert.equal("transport", err.kind)
    end)
  end)
end)
