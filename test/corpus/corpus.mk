# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# corpus.mk - included by the top-level Makefile.
#
#   make check-corpus     prepare the selftests corpus (cached) and run it:
#                         every progs/*.c of linux-source-6.12 with and
#                         without -fbpf-cancellable, bpfcancel check, cmp-hot
#   make bench-compile    test/bench/compile-bench.sh on the same corpus
#
# CORPUS_ARGS passes options to run.sh (e.g. CORPUS_ARGS="--fresh verifier_*").
# Parallelism is capped at 2: the machine is shared with kernel builds.

CORPUS_JOBS ?= 2
CORPUS_ARGS ?=

.PHONY: check-corpus prepare-corpus bench-compile

prepare-corpus:
	@test/corpus/prepare.sh

check-corpus: build prepare-corpus
	@test/corpus/run.sh --jobs $(CORPUS_JOBS) $(CORPUS_ARGS)

bench-compile: build prepare-corpus
	@test/bench/compile-bench.sh --jobs $(CORPUS_JOBS)
