-- burst: one large burst of log lines (many share a timestamp).
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  local lines = 2000
  local out = {}
  for i = 1, lines do out[i] = "burst " .. args.n .. "." .. i end
  print(table.concat(out, "\n"))
  return { lines = lines }
end
