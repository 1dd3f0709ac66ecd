-- env: reports whether the action runs with an activation number.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  print("activation " .. tostring(args.n))
  return { has_n = args.n ~= nil }
end
