-- counter: keeps state between activations of the same container.
-- luacheck: globals main (the action protocol calls the global main)
local calls = 0
function main()
  calls = calls + 1
  print("call number " .. calls)
  return { calls = calls }
end
