-- nested: returns a nested structure.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  return { activation = args.n, items = { { id = 1, tags = { "a", "b" } }, { id = 2, tags = {} } } }
end
