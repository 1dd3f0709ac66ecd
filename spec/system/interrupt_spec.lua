-- Ctrl-C in `make demo`, pressed in a real terminal (tmux): at 0.3 s and at 2 s after the
-- demo starts, and twice. Each time the demo exits 130, says "interrupted" once, and leaves
-- nothing running (the sim, its runtimes) and nothing on disk (its TMPDIR stays empty).
local shell = require "helpers.shell"

-- The lines of the pane.
local function screen(socket)
  local _, out = shell.run("tmux -L " .. socket .. " capture-pane -p -t demo")
  return out
end

local function wait_until(fn, seconds)
  local deadline = os.time() + seconds
  while os.time() <= deadline do
    local v = fn()
    if v then return v end
    os.execute("sleep 0.05")
  end
end

-- The processes whose command line names dir (the sim's and the runtimes' do).
local function processes_in(dir)
  local _, out = shell.run("ps -eo pid=,args= | grep -F " .. shell.quote(dir) ..
    " | grep -v -e grep -e tmux -e 'trap : INT'")
  return out
end

-- Runs `make demo` in a tmux pane with TMPDIR=dir, presses Ctrl-C `delay` seconds after the
-- demo said its first line (and again `again` seconds later); returns the exit status and
-- the screen.
local function interrupt_demo(delay, again)
  local dir, cleanup = shell.tmpdir()
  local socket = "kwhisk-spec-" .. dir:match("[^/.]+$")
  finally(function()
    os.execute("tmux -L " .. socket .. " kill-server 2>/dev/null")
    cleanup()
  end)
  -- The shell in the pane survives the Ctrl-C (its trap) to write make's exit status.
  local command = string.format("bash -c 'trap : INT; export TMPDIR=%s; make demo; "
    .. "echo $? >%s/rc; sleep 60'", dir, dir)
  assert.are.equal(0, (shell.run(string.format("tmux -L %s new-session -d -s demo -x 160 "
    .. "-y 50 %s", socket, shell.quote(command)))))
  assert.truthy(wait_until(function() return screen(socket):find("invoke_many: ") end, 120),
    "the demo did not start: " .. screen(socket))
  os.execute("sleep " .. delay)
  shell.run("tmux -L " .. socket .. " send-keys -t demo C-c")
  if again then
    os.execute("sleep " .. again)
    shell.run("tmux -L " .. socket .. " send-keys -t demo C-c")
  end
  local rc = wait_until(function() return require("kwhisk.fs").read_file(dir .. "/rc") end, 60)
  local text = screen(socket)
  assert.truthy(rc, "make demo did not exit: " .. text)
  -- The runtimes die with the sim: give the kernel a moment to reap them.
  wait_until(function() return processes_in(dir) == "" end, 3)
  assert.are.equal("", processes_in(dir), text)
  local _, left = shell.run("ls -A " .. shell.quote(dir) .. " | grep -v '^rc$'")
  assert.are.equal("", left, text)
  return tonumber(rc), text
end

local function count(text, word)
  return select(2, text:gsub(word, ""))
end

describe("Ctrl-C in make demo", function()
  it("at 0.3 s: stops, says interrupted once, exits 130, leaves nothing", function()
    local rc, text = interrupt_demo(0.3)
    assert.are.equal(130, rc, text)
    assert.are.equal(1, count(text, "interrupted"), text)
    assert.not_matches("Couldn't connect", text)
  end)

  it("at 2 s: removes every pod, says interrupted once, exits 130, leaves nothing", function()
    local rc, text = interrupt_demo(2)
    assert.are.equal(130, rc, text)
    assert.are.equal(1, count(text, "interrupted"), text)
    assert.matches("all pods deleted", text)
    assert.not_matches("Couldn't connect", text)
  end)

  it("twice: the second forces, exits 130 and still leaves nothing", function()
    local rc, text = interrupt_demo(1, 0.3)
    assert.are.equal(130, rc, text)
    assert.are.equal(1, count(text, "interrupted"), text)
    assert.matches("forced: exiting now", text)
  end)
end)
