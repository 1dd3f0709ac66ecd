std = "luajit"
max_line_length = 100
files["spec"] = { std = "+busted" }
exclude_files = { "build*/**", ".rocks/**", "spec/fixtures/policies/syntax-error.lua" }
