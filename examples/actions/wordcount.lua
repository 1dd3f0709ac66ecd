-- wordcount: counts the words of a text.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  local text = args.text or "the quick brown fox jumps over the lazy dog"
  local count = 0
  for _ in text:gmatch("%S+") do count = count + 1 end
  return { words = count }
end
