# SPDX-License-Identifier: GPL-2.0
#
# runner.mk - the bench's user space for one arch: the static test runner
# (harness/ + prog_tests/) and the BPF objects (progs/). Invoked by
# kernel.mk as  $(MAKE) -f test/kernel/runner.mk KARCH=x86_64|arm64
# after the kernel (vmlinux.h) and libbpf of that arch are built.

KARCH   ?= x86_64
BUILD   ?= build
BPF_CC  ?= clang-22
KB      := $(abspath $(BUILD))/kernel
SRC     := $(KB)/src
OUT     := $(KB)/$(KARCH)/runner
LIBBPF  := $(KB)/$(KARCH)/libbpf
HERE    := test/kernel

ifeq ($(KARCH),arm64)
TCC      := aarch64-linux-gnu-gcc
BPF_ARCH := arm64
else
TCC      := gcc
BPF_ARCH := x86
endif

CFLAGS   := -O2 -g -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	    -I$(OUT) -I$(HERE)/harness -I$(LIBBPF)/include -I$(SRC)/tools/include/uapi
LDLIBS   := $(LIBBPF)/libbpf.a -lelf -lz -lpthread
BPFFLAGS := --target=bpf -O2 -g -mcpu=v3 -D__TARGET_ARCH_$(BPF_ARCH) -Wall \
	    -I$(KB)/$(KARCH) -I$(LIBBPF)/include

TESTS    := $(sort $(wildcard $(HERE)/prog_tests/*.c))
PROGS    := $(sort $(wildcard $(HERE)/progs/*.c))
HARNESS  := $(wildcard $(HERE)/harness/*.c)
HDRS     := $(wildcard $(HERE)/harness/*.h)
PHDRS    := $(wildcard $(HERE)/progs/*.h)
OBJS     := $(patsubst $(HERE)/%.c,$(OUT)/%.o,$(HARNESS) $(TESTS))
BPFOBJS  := $(patsubst $(HERE)/progs/%.c,$(OUT)/bpf/%.bpf.o,$(PROGS))
# progs/stock_compat.c is also built by the project's clang shim with
# -fbpf-cancellable, to load it with stock libbpf (prog_tests/stock_compat.c)
SHIM     ?= $(abspath $(BUILD))/bin/clang
FLAGOBJS := $(OUT)/bpf/stock_compat_flag.bpf.o
BPFOBJS  += $(FLAGOBJS)
# progs/cancel_*.c (the cancellation tests) are always built by the shim with
# -fbpf-cancellable; cancel_figures.c also plain by $(BPF_CC), for the
# figures benchmark's side-by-side runs
PLAINOBJS := $(OUT)/bpf/cancel_figures_plain.bpf.o
BPFOBJS  += $(PLAINOBJS)

all: prune $(OUT)/bench_runner $(BPFOBJS)

# the list of tests: every "void test_<name>(void)" in prog_tests/; rewritten
# only when it changes (so that adding or removing a test file relinks)
$(OUT)/tests.h: FORCE
	@mkdir -p $(@D)
	@grep -ho '^void test_[a-zA-Z0-9_]*(void)' $(TESTS) | \
		sed 's/^void test_\(.*\)(void)/DEFINE_TEST(\1)/' > $@.tmp
	@if cmp -s $@.tmp $@; then rm $@.tmp; else mv $@.tmp $@; fi

# objects of removed programs must not reach the initramfs
prune: FORCE
	@for o in $(wildcard $(OUT)/bpf/*.bpf.o); do \
		case " $(BPFOBJS) " in *" $$o "*) ;; *) rm -f $$o ;; esac; done

$(OUT)/%.o: $(HERE)/%.c $(HDRS) $(OUT)/tests.h $(LIBBPF)/libbpf.a
	@mkdir -p $(@D)
	$(TCC) $(CFLAGS) -c $< -o $@

$(OUT)/bench_runner: $(OBJS) $(LIBBPF)/libbpf.a
	$(TCC) -static -o $@ $(OBJS) $(LDLIBS)

$(OUT)/bpf/%.bpf.o: $(HERE)/progs/%.c $(PHDRS) $(KB)/$(KARCH)/vmlinux.h $(LIBBPF)/libbpf.a
	@mkdir -p $(@D)
	$(BPF_CC) $(BPFFLAGS) -c $< -o $@

$(OUT)/bpf/%_flag.bpf.o: $(HERE)/progs/%.c $(PHDRS) $(KB)/$(KARCH)/vmlinux.h $(LIBBPF)/libbpf.a $(SHIM)
	@mkdir -p $(@D)
	$(SHIM) $(BPFFLAGS) -fbpf-cancellable -c $< -o $@

$(OUT)/bpf/cancel_%.bpf.o: $(HERE)/progs/cancel_%.c $(PHDRS) $(KB)/$(KARCH)/vmlinux.h $(LIBBPF)/libbpf.a $(SHIM)
	@mkdir -p $(@D)
	$(SHIM) $(BPFFLAGS) -fbpf-cancellable -c $< -o $@

$(OUT)/bpf/%_plain.bpf.o: $(HERE)/progs/%.c $(PHDRS) $(KB)/$(KARCH)/vmlinux.h $(LIBBPF)/libbpf.a
	@mkdir -p $(@D)
	$(BPF_CC) $(BPFFLAGS) -c $< -o $@

$(SHIM):
	@echo "runner.mk: $(SHIM) missing: run 'make build' first" >&2; exit 1

.PHONY: all prune FORCE
FORCE:
