# SPDX-License-Identifier: GPL-2.0
#
# kernel.mk - the QEMU kernel bench, included by the top-level Makefile.
#
#   make check-kernel [KARCH="x86_64 arm64"]   build (incrementally) and boot
#   make check-kernel-debug [KARCH=...]        same with KASAN/lockdep/kmemleak
#
# Output under $(BUILD)/kernel/ (see docs/kernel-bench.md); the last line is
# "N passed, N failed". BPF_CC compiles test/kernel/progs (later: the
# project's clang shim).

KARCH  ?= x86_64 arm64
BPF_CC ?= clang-22
export BPF_CC

.PHONY: check-kernel check-kernel-debug
# build: progs/stock_compat.c is also compiled by the project's clang shim
check-kernel: build
	@test/kernel/scripts/bench.sh $(KARCH)

check-kernel-debug: build
	@test/kernel/scripts/bench.sh --debug $(KARCH)
