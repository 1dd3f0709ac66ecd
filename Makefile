# kwhisk: a thin wrapper over CMake, so the everyday commands are `make` and `make test`.
# Every goal first makes sure the Debian packages it needs are there (scripts/ensure-deps).

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
FUZZ_SECONDS ?= 600
FUZZ_SMOKE_RUNS ?= 20000

.PHONY: all deps test test-c test-asan test-lua-asan test-valgrind test-lua test-fuzz lint fuzz bench demo clean

all: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	cmake --build $(BUILD) -j $(JOBS)

deps:
	@scripts/ensure-deps build

# Everything: C unit tests (plain, ASan+UBSan, valgrind), fuzz smoke, luacheck, busted.
test: all
	@scripts/ensure-deps test
	$(MAKE) --no-print-directory test-c test-asan test-lua-asan test-valgrind test-fuzz lint test-lua

test-c:
	cd $(BUILD) && ctest --output-on-failure

test-asan:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKWHISK_SANITIZE=ON >/dev/null
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure

# The specs of the C-backed modules again, loading the ASan+UBSan build of kwhisk.core.
ASAN_SPECS = spec/time_spec.lua spec/logs_spec.lua spec/logline_spec.lua spec/json_spec.lua \
             spec/yaml_spec.lua spec/http_spec.lua spec/api_spec.lua spec/policy_openwhisk_spec.lua \
             spec/portforward_spec.lua
test-lua-asan:
	LD_PRELOAD="$$(gcc -print-file-name=libasan.so):$$(gcc -print-file-name=libubsan.so)" \
	  ASAN_OPTIONS=detect_leaks=0 busted --cpath='$(ASAN_BUILD)/?.so' $(ASAN_SPECS)

test-valgrind:
	@for t in $(BUILD)/spec/c/test_*; do \
	  valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
	    --error-exitcode=1 $$t >/dev/null || { echo "valgrind: $$t FAILED" >&2; exit 1; }; \
	  echo "valgrind: $$(basename $$t) clean"; \
	done

$(FUZZ_BUILD)/.built: $(wildcard src/*.c src/*.h fuzz/*.c)
	@scripts/ensure-deps fuzz
	CC=clang cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug -DKWHISK_FUZZ=ON >/dev/null
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	@touch $@

# A short pass of every fuzz target over its corpus (make test); `make fuzz` runs them long.
test-fuzz: $(FUZZ_BUILD)/.built
	@scripts/run-fuzzers $(FUZZ_BUILD)/fuzz -runs=$(FUZZ_SMOKE_RUNS)

fuzz: $(FUZZ_BUILD)/.built
	@scripts/run-fuzzers $(FUZZ_BUILD)/fuzz -max_total_time=$(FUZZ_SECONDS)

lint:
	luacheck -q bin/kwhisk $(wildcard lua spec examples bench)

test-lua: all
	busted

bench: all
	@scripts/ensure-deps bench
	@bench/run $(BUILD)

demo: all
	@scripts/ensure-deps demo
	@echo "make demo: the demo (examples/invoke_many.lua) is not built yet; see the README." >&2
	@exit 1

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD) build.luarocks
