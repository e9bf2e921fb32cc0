# SPDX-License-Identifier: GPL-2.0
#
# upstream.mk - included by the top-level Makefile.
#
#   make check-upstream [UPSTREAM_ARCH="x86_64 arm64"]
#       Linux 6.12's own BPF tooling on the patched kernel (docs/upstream.md),
#       over the 798 selftests objects of the corpus:
#       - veristat, plain and with every program cancellable
#         (LIBBPF_CANCELLABLE=1): every program that loads plain loads
#         cancellable with the same insn_processed and hot JIT size;
#       - cold runs: every program BPF_PROG_TEST_RUN can run, run cold from
#         its first instruction and cancelled at random points;
#       - test_verifier in full, patched vs the same kernel without the
#         series (stock);
#       - test_progs (a selection, test/upstream/test_progs.list), stock vs
#         patched vs everything cancellable (x86-64).
#       Not part of make check (under TCG it takes longer than make check
#       may). Last line: "upstream: N passed, N failed".
#
# UPSTREAM_FILTER="globs" limits the corpus objects (e.g. 'bpf_loop* iters*').
# UPSTREAM_STAGES="veristat cold test_verifier test_progs" selects stages.
# UPSTREAM_FLAVOUR=debug tests the debug kernel (KASAN, lockdep, kmemleak).

UPSTREAM_ARCH ?= x86_64

.PHONY: check-upstream
check-upstream: build prepare-corpus
	@rc=0; for a in $(UPSTREAM_ARCH); do test/upstream/run.sh $$a || rc=1; done; exit $$rc
