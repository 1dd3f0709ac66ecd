-- long_line: one 64 KiB log line.
-- luacheck: globals main (the action protocol calls the global main)
function main()
  print(string.rep("x", 65536))
  return { lines = 1, bytes = 65536 }
end
