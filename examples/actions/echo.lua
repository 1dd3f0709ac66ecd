-- echo: returns its parameters.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  return args
end
