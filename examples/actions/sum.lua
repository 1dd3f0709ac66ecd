-- sum: adds the numbers 1..n*1000.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  local total = 0
  for i = 1, args.n * 1000 do total = total + i end
  return { sum = total }
end
