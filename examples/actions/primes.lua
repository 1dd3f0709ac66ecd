-- primes: counts the primes below a bound with a sieve.
-- luacheck: globals main (the action protocol calls the global main)
function main(args)
  local limit, composite, count = 10000 * args.n, {}, 0
  for i = 2, limit do
    if not composite[i] then
      count = count + 1
      for j = i * i, limit, i do composite[j] = true end
    end
  end
  return { primes = count }
end
