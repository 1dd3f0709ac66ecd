-- upper: upper-cases a string.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  return { text = ("activation " .. args.n):upper() }
end
