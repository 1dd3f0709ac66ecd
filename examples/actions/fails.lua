-- fails: fails on purpose; every activation answers 502 with an error.
-- luacheck: globals main (the action protocol calls the global main)
-- expect: error
function main(args)
  print("about to fail, activation " .. args.n)
  error("this action fails on purpose")
end
