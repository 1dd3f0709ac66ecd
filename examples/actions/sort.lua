-- sort: sorts pseudo-random numbers and returns the smallest three.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  local values, x = {}, args.n
  for i = 1, 1000 do x = (x * 1103515245 + 12345) % 2147483648; values[i] = x end
  table.sort(values)
  return { smallest = { values[1], values[2], values[3] } }
end
