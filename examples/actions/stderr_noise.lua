-- stderr_noise: writes its lines to stderr.
-- luacheck: globals main (the action protocol calls the global main)
function main()
  local lines = 200
  for i = 1, lines do io.stderr:write("warning ", i, ": nothing is wrong\n") end
  return { lines = lines }
end
