-- unicode: logs and returns non-ASCII text.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  print("grüße, 世界 #" .. args.n)
  return { text = "grüße, 世界" }
end
