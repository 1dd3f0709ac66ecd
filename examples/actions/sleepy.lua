-- sleepy: waits a moment before answering.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  local started = os.clock()
  os.execute("sleep 0.2")
  print("slept, cpu " .. (os.clock() - started))
  return { slept = 0.2, n = args.n }
end
