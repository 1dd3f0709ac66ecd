# kwhisk: a thin wrapper over CMake, so the everyday commands are `make` and `make test`.
# Every goal first makes sure the Debian packages it needs are there (scripts/ensure-deps).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_RUNS ?= 20000
LUA_FUZZ_SMOKE_RUNS ?= 1000
SOAK_SECONDS ?= 1800
POOL_SOAK_SECONDS ?= 300
TEST_LOG_DIR ?= build/test-logs

.PHONY: all deps test test-c test-asan test-valgrind test-lua test-fuzz lint fuzz bench demo clean \
        pool-demo \
        asan-build test-secrets test-leaks soak

all: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

deps:
	@scripts/ensure-deps build

# Everything: C unit tests (plain, ASan+UBSan, valgrind), fuzz smoke, luacheck, busted, busted
# again on the ASan+UBSan build under LeakSanitizer, and no test credential in any log.
test: all
	@scripts/ensure-deps test
	$(MAKE) --no-print-directory test-c test-asan test-valgrind test-fuzz lint test-lua \
	  test-leaks test-secrets

test-c:
	cd $(BUILD) && ctest --output-on-failure

asan-build:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKWHISK_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory

test-asan: asan-build
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure

test-valgrind:
	@for t in $(BUILD)/spec/c/test_*; do \
	  valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    --error-exitcode=1 $$t >/dev/null || { echo "valgrind: $$t FAILED" >&2; exit 1; }; \
	  echo "valgrind: $$(basename $$t) clean"; \
	done

$(FUZZ_BUILD)/.built: $(wildcard src/*/*.c src/*/*.h fuzz/*.c)
	@scripts/ensure-deps fuzz
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKWHISK_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS) -- --no-print-directory
	@touch $@

# A short pass of every fuzz target over its corpus (make test); `make fuzz` runs them long.
# The Lua fuzz loops (fuzz/lua/: the sim's request parsing, kubeconfig loading) run after the
# libFuzzer targets, with the same time each.
test-fuzz: $(FUZZ_BUILD)/.built all
	@scripts/run-fuzzers $(FUZZ_BUILD)/fuzz -runs=$(FUZZ_SMOKE_RUNS)
	@scripts/run-lua-fuzzers $(BUILD) --runs $(LUA_FUZZ_SMOKE_RUNS)

fuzz: $(FUZZ_BUILD)/.built all
	@scripts/run-fuzzers $(FUZZ_BUILD)/fuzz -max_total_time=$(FUZZ_SECONDS)
	@scripts/run-lua-fuzzers $(BUILD) --seconds $(FUZZ_SECONDS)

lint:
	luacheck -q bin/kwhisk $(wildcard lua spec examples bench fuzz/lua)

# busted's output and the logs specs keep (KWHISK_TEST_LOG_DIR) go to $(TEST_LOG_DIR), where
# test-secrets looks for the test credentials. The soak spec runs 60 s here.
test-lua: all
	@rm -rf $(TEST_LOG_DIR) && mkdir -p $(TEST_LOG_DIR)
	@{ KWHISK_TEST_LOG_DIR=$(abspath $(TEST_LOG_DIR)) busted 2>&1; echo $$? >$(TEST_LOG_DIR)/.rc; } \
	  | tee $(TEST_LOG_DIR)/busted.log; exit $$(cat $(TEST_LOG_DIR)/.rc)

# The whole busted suite (the soak for 10 s) with LeakSanitizer, loading the ASan+UBSan
# build of kwhisk.core. The busted process is the one watched: its LUA_INIT drops LD_PRELOAD
# (and itself) before any child starts (a Lua child given this cpath loads ASan late, hence
# verify_asan_link_order=0). Any report (in $(TEST_LOG_DIR)/lsan.*) fails; spec/lsan.supp
# lists the third-party allocations that live until exit, never kwhisk's own.
test-leaks: asan-build
	@mkdir -p $(TEST_LOG_DIR) && rm -f $(TEST_LOG_DIR)/lsan.*
	@KWHISK_SOAK_SECONDS=10 \
	  LUA_INIT='local s = require("posix.stdlib") s.setenv("LD_PRELOAD") s.setenv("LUA_INIT")' \
	  LD_PRELOAD="$$(gcc -print-file-name=libasan.so):$$(gcc -print-file-name=libubsan.so)" \
	  ASAN_OPTIONS=detect_leaks=1:verify_asan_link_order=0:log_path=$(abspath $(TEST_LOG_DIR))/lsan \
	  LSAN_OPTIONS=suppressions=$(abspath spec/lsan.supp):print_suppressions=0 \
	  luajit "$$(command -v busted)" --ignore-lua --cpath='$(ASAN_BUILD)/?.so' \
	  >$(TEST_LOG_DIR)/busted-lsan.log 2>&1; rc=$$?; \
	  if ls $(TEST_LOG_DIR)/lsan.* >/dev/null 2>&1; then cat $(TEST_LOG_DIR)/lsan.* >&2; \
	    echo "test-leaks: LeakSanitizer reports above" >&2; exit 1; fi; \
	  if [ $$rc -ne 0 ]; then tail -40 $(TEST_LOG_DIR)/busted-lsan.log >&2; exit $$rc; fi; \
	  echo "test-leaks: $$(grep -E "^[0-9]+ successes" $(TEST_LOG_DIR)/busted-lsan.log | tail -1 | sed "s/ : .*//"); no leaks"

# No credential of spec/helpers/tokens.lua may appear in any test log.
test-secrets:
	@mkdir -p $(TEST_LOG_DIR)
	@luajit -e 'package.path = "spec/?.lua;lua/?.lua;" .. package.path' \
	  -e 'for _, t in pairs(require("helpers.tokens").list) do print(t) end' >$(TEST_LOG_DIR)/.tokens
	@if grep -rlF -f $(TEST_LOG_DIR)/.tokens --exclude=.tokens $(TEST_LOG_DIR); then \
	  echo "test-secrets: a test credential appears in the logs listed above" >&2; exit 1; fi
	@echo "test-secrets: $$(wc -l <$(TEST_LOG_DIR)/.tokens) credentials, none in" \
	  "$$(ls $(TEST_LOG_DIR) | wc -l) logs of $(TEST_LOG_DIR)"

# The longer soak: SOAK_SECONDS (30 minutes) of pods and activations under random faults.
soak: all
	KWHISK_SOAK_SECONDS=$(SOAK_SECONDS) busted spec/system/soak_spec.lua
	KWHISK_POOL_SOAK_SECONDS=$(POOL_SOAK_SECONDS) busted spec/system/pool_soak_spec.lua

bench: all
	@scripts/ensure-deps bench
	@bench/run $(BUILD) $(BENCHES)

# The main job: 20 action pods at once on the embedded sim (or KUBECONFIG's cluster). The
# build's output is shown only when it fails. DEMO_ARGS=--help lists the demo's options.
demo: deps
	@scripts/ensure-deps demo
	@mkdir -p $(BUILD) && $(MAKE) --no-print-directory all >$(BUILD)/demo-build.log 2>&1 \
	  || { cat $(BUILD)/demo-build.log >&2; exit 1; }
	@LUA_PATH='lua/?.lua;lua/?/init.lua;;' LUA_CPATH='$(BUILD)/?.so;;' \
	  luajit examples/invoke_many.lua $(DEMO_ARGS)

# The warm pool (kwhisk.pool) in phases, on the embedded sim: `kwhisk pool-demo`.
pool-demo: all
	@scripts/ensure-deps demo
	@$(CURDIR)/bin/kwhisk pool-demo $(DEMO_ARGS)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build.luarocks
