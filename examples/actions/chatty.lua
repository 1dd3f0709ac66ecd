-- chatty: prints many numbered log lines and says how many.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  local lines = 500 * args.n
  for i = 1, lines do print("chatty line " .. i .. " of " .. lines) end
  return { lines = lines }
end
