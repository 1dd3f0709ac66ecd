-- reverse: reverses a string.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  return { text = ("kwhisk " .. args.n):reverse() }
end
