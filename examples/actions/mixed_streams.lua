-- mixed_streams: interleaves stdout and stderr.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  local lines = 100 * args.n
  for i = 1, lines do
    if i % 2 == 0 then print("out " .. i) else io.stderr:write("err ", i, "\n") end
  end
  return { lines = lines }
end
