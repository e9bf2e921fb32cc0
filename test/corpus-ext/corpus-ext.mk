# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# corpus-ext.mk - included by the top-level Makefile.
#
#   make prepare-corpus-ext   set up the corpus of BPF programs written
#                             outside the selftests (cached; the first time
#                             about a minute and a half: it configures the
#                             6.12 tree and compiles the kernel objects that
#                             give sched_ext's types)
#   make check-corpus-ext     prepare it and run it: tools/sched_ext,
#                             samples/bpf and tools/bpf programs with and
#                             without -fbpf-cancellable, bpfcancel check,
#                             cmp-hot
#
# CORPUS_EXT_ARGS passes options to run.sh (e.g. CORPUS_EXT_ARGS="sched_ext/").
# Parallelism is capped at 2: the machine is shared with kernel builds.

CORPUS_EXT_JOBS ?= 2
CORPUS_EXT_ARGS ?=

.PHONY: check-corpus-ext prepare-corpus-ext

prepare-corpus-ext:
	@test/corpus-ext/prepare.sh

check-corpus-ext: build prepare-corpus-ext
	@test/corpus-ext/run.sh --jobs $(CORPUS_EXT_JOBS) $(CORPUS_EXT_ARGS)
