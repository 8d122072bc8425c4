# amplink: the two commands are `make bench` and `make test`.
# Both install what they need (scripts/install-deps.sh) and build the vboard
# kernel once (cached by its inputs under ~/.cache/amplink); `make test` also
# prepares, once and cached the same way, the ARM kernel tree the module is
# cross-built against, and builds the debug vboard kernel its vboard.debug.*
# tests boot and the 6.12 vboard kernel its vboard.k612.* tests boot.

BUILD_DIR ?= build
CMAKE_BUILD_TYPE ?= RelWithDebInfo
# The benchmark measures what a board pays: optimised builds without the
# sanitizers the tests use, in a tree of their own.
BENCH_BUILD_DIR ?= $(BUILD_DIR)/release
JOBS ?= $(shell nproc)

.PHONY: all help deps build bench-build vboard-kernel vboard-kernel-debug vboard-kernel-6.12 cross-kernel test test-unit test-vboard stress bench format clean

all: build

help:
	@echo "make bench        build the benchmark (optimised, unsanitised), boot the vboard, run it"
	@echo "make test         build everything and run every test (unit, fuzz smoke, vboard, debug and 6.12 vboard)"
	@echo "make build        configure and build into $(BUILD_DIR)/"
	@echo "make test-unit    only the tests that need no vboard"
	@echo "make test-vboard  only the end-to-end tests on the vboard"
	@echo "make stress       a long run of the module's churn stress (STRESS=fuzz: the genl fuzzer);"
	@echo "                  STRESS_SECONDS=600 STRESS_CLIENTS=16 SEED=N, DEBUG=1 on the debug kernel"
	@echo "make cross-kernel prepare the ARM (multi_v7, 6.1) kernel tree the module is cross-built against"
	@echo "make deps         install the Debian packages amplink needs (as root)"
	@echo "make format       apply .clang-format to userspace and firmware sources"
	@echo "make clean        remove $(BUILD_DIR)/ (the kernel caches stay)"

deps:
	@scripts/install-deps.sh

$(BUILD_DIR)/CMakeCache.txt: | deps
	CC=clang cmake -S . -B $(BUILD_DIR) -DCMAKE_BUILD_TYPE=$(CMAKE_BUILD_TYPE)

build: deps $(BUILD_DIR)/CMakeCache.txt
	cmake --build $(BUILD_DIR) -j $(JOBS)

vboard-kernel: deps
	@vboard/build-kernel --print-dir >/dev/null

# The tree the module is cross-built against for the board (ARCH=arm,
# multi_v7_defconfig, modules_prepare): about a minute, once.
cross-kernel: deps
	@kernel/prepare-arm-kernel --print-dir >/dev/null

# The debug kernel (KASAN, lockdep, kmemleak, ...) the vboard.debug.* tests
# boot; built after the normal one, not beside it (two -j$(nproc) builds).
vboard-kernel-debug: deps | vboard-kernel
	@vboard/build-kernel --debug --print-dir >/dev/null

# The kernel built from linux-source-6.12 the vboard.k612.* tests boot; after
# the other two, for the same reason.
vboard-kernel-6.12: deps | vboard-kernel-debug
	@vboard/build-kernel --kernel 6.12 --print-dir >/dev/null

test: build vboard-kernel vboard-kernel-debug vboard-kernel-6.12 cross-kernel
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS)

test-unit: build cross-kernel
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -LE vboard

test-vboard: build vboard-kernel vboard-kernel-debug vboard-kernel-6.12
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) -L vboard

# Long runs (issue 11): netlink-check's churn-stress (or STRESS=fuzz) for
# STRESS_SECONDS on the vboard, the firmware stopped and continued at random;
# DEBUG=1 on the debug kernel (its splat and leak checks apply). The vboard's
# --timeout leaves 300 s beyond the run for the boot and the final checks.
STRESS ?= churn-stress
STRESS_SECONDS ?= 600
STRESS_CLIENTS ?= 16
STRESS_KO = $(if $(DEBUG),$(BUILD_DIR)/kernel/vboard-um-debug,$(BUILD_DIR)/kernel)/rpmsg_netlink.ko

stress: build vboard-kernel $(if $(DEBUG),vboard-kernel-debug)
	$(if $(DEBUG),kernel/build-module.sh vboard-debug $(BUILD_DIR)/kernel/vboard-um-debug)
	vboard/run $(if $(DEBUG),--debug) --timeout $$(($(STRESS_SECONDS) + 300)) \
		--firmware $(BUILD_DIR)/firmware/ports/vhost-user/amplink-fw-vhost-user \
		--signal-firmware-on stop:STOP --signal-firmware-on cont:CONT -- \
		tests/vboard/netlink/netlink-test.sh $(STRESS_KO) \
		$(BUILD_DIR)/tests/vboard/netlink/netlink-check $(STRESS) \
		--seconds $(STRESS_SECONDS) --clients $(STRESS_CLIENTS) $(if $(SEED),--seed $(SEED))

$(BENCH_BUILD_DIR)/CMakeCache.txt: | deps
	CC=clang cmake -S . -B $(BENCH_BUILD_DIR) -DCMAKE_BUILD_TYPE=Release \
		-DAMPLINK_SANITIZE=OFF -DAMPLINK_FUZZ=OFF

bench-build: deps $(BENCH_BUILD_DIR)/CMakeCache.txt vboard-kernel
	cmake --build $(BENCH_BUILD_DIR) -j $(JOBS) \
		--target amplink-cli amplink-fw-vhost-user rpmsg_netlink_ko

# Two runs on one boot: messages of 512 B to 32 KiB on every transport, 20
# repetitions; then 64 KiB to 64 MiB (the largest message), where bulk
# transfers (shm) matter, 5. 512 MiB of guest memory: a 64 MiB block, its
# copy, and the library's reassembly of one from the firmware.
bench: bench-build
	@echo "== amplink bench on the vboard (16-entry rings, as on STM32MP157; optimised, unsanitised builds); results in $(BUILD_DIR)/bench/ and $(BUILD_DIR)/bench/large/"
	vboard/run --firmware $(BENCH_BUILD_DIR)/firmware/ports/vhost-user/amplink-fw-vhost-user \
		--timeout 900 --mem 512M --results $(BUILD_DIR)/bench -- sh -c '\
		insmod $(BENCH_BUILD_DIR)/kernel/rpmsg_netlink.ko && \
		$(BENCH_BUILD_DIR)/tools/amplink/amplink bench --transport netlink,tty,char,shm \
			--output "$$AMPLINK_RESULTS_DIR" && \
		$(BENCH_BUILD_DIR)/tools/amplink/amplink bench --transport netlink,tty,char,shm \
			--sizes 64K,1M,16M,64M --repeat 5 --warmup 1 --output "$$AMPLINK_RESULTS_DIR/large"'
	@ls $(BUILD_DIR)/bench/bench.csv $(BUILD_DIR)/bench/bench.json $(BUILD_DIR)/bench/bench.svg \
		$(BUILD_DIR)/bench/large/bench.csv

format:
	git ls-files '*.c' '*.h' | grep -v '^kernel/' | xargs clang-format -i

clean:
	rm -rf $(BUILD_DIR)
