# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# bpfcancel - the two commands a user types:
#
#   make demo    compile the BPF bomb with -fbpf-cancellable and show its
#                cold twin and cancellation sites
#   make check   every test: deps, build, runtime + lit tests, the kernel
#                selftests corpus, the sched_ext/samples/tools corpus, a
#                compiler fuzz smoke, the QEMU kernel bench (x86-64, arm64)
#
# Everything is built under $(BUILD); nothing is installed outside it
# except Debian packages (scripts/install-deps.sh).

BUILD     ?= build
LLVM_DIR  ?= /usr/lib/llvm-22/lib/cmake/llvm
JOBS      ?= $(shell nproc)
export BUILD

.PHONY: all deps build check check-user check-corpus check-kernel \
	check-kernel-debug demo clean

all: build

deps:
	@scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: CMakeLists.txt
	cmake -S . -B $(BUILD) -DLLVM_DIR=$(LLVM_DIR) -DCMAKE_BUILD_TYPE=RelWithDebInfo

build: $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j$(JOBS)

# The lit suite links objects with the tree's bpftool (built by the corpus
# set-up), so prepare that first: a test must never be skipped for want of it.
# the patched kernel tree: test/libbpf builds its libbpf, and the copy
# check compares its shared core with runtime/core
check-user: build prepare-corpus
	@test/kernel/scripts/prepare-src.sh
	cmake --build $(BUILD) --target check

check: deps
	@scripts/check-all.sh

demo: deps build
	@scripts/demo.sh

clean:
	rm -rf $(BUILD)

-include test/corpus/corpus.mk
-include test/corpus-ext/corpus-ext.mk
-include test/fuzz/fuzz.mk
-include test/kernel/kernel.mk
-include test/upstream/upstream.mk
