# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# fuzz.mk - included by the top-level Makefile.
#
#   make fuzz-smoke      40 random BPF C programs from the fixed seeds 1..40
#                        (test/fuzz/gen.py), each compiled with and without
#                        -fbpf-cancellable, bpfcancel check, cmp-hot; about
#                        a minute on 2 cores (part of make check)
#   make fuzz-compiler   the same on FUZZ_COUNT programs (default 2000) from
#                        seed FUZZ_SEED on
#
# FUZZ_SEED defaults to today's date times 10000 (e.g. 202612070000): a run
# of up to 10000 programs covers seeds no other day's run covers, and a run
# repeated the same day tries the same programs. run.sh prints the range;
# any failure is reproduced from its seed alone (test/fuzz/README.md).
# FUZZ_ARGS passes options to run.sh (e.g. FUZZ_ARGS=--keep).
# Parallelism is capped at 2: the machine is shared with kernel builds.

FUZZ_JOBS  ?= 2
FUZZ_COUNT ?= 2000
FUZZ_SEED  ?= $(shell date +%Y%m%d)0000
FUZZ_ARGS  ?=

.PHONY: fuzz-smoke fuzz-compiler

fuzz-smoke: build prepare-corpus
	@test/fuzz/run.sh --seed 1 --count 40 --jobs $(FUZZ_JOBS) $(FUZZ_ARGS)

fuzz-compiler: build prepare-corpus
	@test/fuzz/run.sh --seed $(FUZZ_SEED) --count $(FUZZ_COUNT) \
		--jobs $(FUZZ_JOBS) $(FUZZ_ARGS)
