-- hello: greets whoever is named.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  print("hello, " .. (args.name or "world"))
  return { greeting = "hello, " .. (args.name or "world") }
end
