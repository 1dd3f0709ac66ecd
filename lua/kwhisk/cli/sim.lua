--- kwhisk.cli.sim: `kwhisk sim`, the simulated cluster (kwhisk.sim parses its own flags and
-- has its own --help).
return function(argv)
  return require("kwhisk.sim").main(argv)
end
