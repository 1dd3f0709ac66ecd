-- fibonacci: the n-th Fibonacci number, iteratively.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  local a, b = 0, 1
  for _ = 1, 20 + args.n do a, b = b, a + b end
  return { fib = a }
end
