#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-test-progs.sh x86_64 - Linux 6.12's test_progs for make
# check-upstream, three times (test/upstream/test_progs.mk builds each):
#
#   stock        the tree without the series (src-stock): its prog_tests,
#                its libbpf; skeletons of the corpus objects built by
#                clang-22 (test/corpus/run.sh "plain")
#   patched      the patched tree and its libbpf, the same skeletons
#   cancellable  the patched tree and its libbpf; skeletons of the objects
#                built by build/bin/clang -fbpf-cancellable ("flag")
#
# Output, under $BUILD/upstream/test_progs/<arch>/: skel-plain/, skel-flag/
# (X.bpf.o, skeletons), stock/test_progs, patched/test_progs,
# cancellable/test_progs. Incremental (make, ccache).
#
# x86-64 only: the corpus objects are compiled for it (-D__TARGET_ARCH_x86,
# x86's vmlinux.h), and test_progs embeds them.
set -euo pipefail
. "$(dirname "$0")/../kernel/scripts/lib.sh"
ARCH=${1:-x86_64}
[ "$ARCH" = x86_64 ] ||
	die "test_progs is built for x86_64 only (the corpus objects it embeds are x86 objects)"
set_arch "$ARCH"
MK=(make -s -j"$JOBS" -f "$TOP/test/upstream/test_progs.mk")
TP="$BUILD/upstream/test_progs/$ARCH"
BPFTOOL="$KB/host/bpftool/bpftool"
CORPUS="$BUILD/corpus/out"

# prog_tests/ files of linux-source-6.12 that do not build from the tree:
#   bpf_attr_size  (6.12.118) includes cgroup_skb_direct_packet_access.skel.h,
#                  whose progs/ source the stable backport left out
EXCLUDE_TESTS="bpf_attr_size"

SCRIPTS="$TOP/test/kernel/scripts"
[ -x "$BPFTOOL" ] || "$SCRIPTS/build-tools.sh" host
# the stock binary needs the stock tree, its libbpf, and its kernel build
# (include/generated, resolve_btfids); the patched one the patched build
"$SCRIPTS/prepare-src.sh" stock
"$SCRIPTS/build-kernel.sh" "$ARCH" stock
"$SCRIPTS/build-tools.sh" "$ARCH" stock
"$SCRIPTS/build-kernel.sh" "$ARCH"
"$SCRIPTS/build-tools.sh" "$ARCH"

for v in plain flag; do
	n=$(ls "$CORPUS/$v" 2>/dev/null | grep -c '\.o$' || true)
	[ "$n" -ge 798 ] || die "$CORPUS/$v has $n objects, not 798 (make check-corpus)"
	log "$ARCH: skeletons of the $v objects"
	"${MK[@]}" skels SELF="$SRC/tools/testing/selftests/bpf" OBJS="$CORPUS/$v" \
		SKEL="$TP/skel-$v" BPFTOOL="$BPFTOOL" ||
		die "the $v skeletons do not build"
done

# build <name> <tree> <kernel build dir> <libbpf install> <skeletons>
build() {
	log "$ARCH: test_progs ($1)"
	"${MK[@]}" binary EXCLUDE_TESTS="$EXCLUDE_TESTS" SELF="$2/tools/testing/selftests/bpf" \
		SRC="$2" KOBJ="$3" LIBBPF="$4" SKEL="$TP/skel-$5" OUT="$TP/$1" \
		CC="ccache $TARGET_CC" SRCARCH="$BPF_ARCH" BPFTOOL="$BPFTOOL" \
		RESOLVE_BTFIDS="$3/tools/bpf/resolve_btfids/resolve_btfids" ||
		die "test_progs ($1) does not build"
}
build stock "$KB/src-stock" "$KB/$ARCH-stock/obj" "$KB/$ARCH-stock/libbpf" plain
build patched "$SRC" "$OBJ" "$KB/$ARCH/libbpf" plain
build cancellable "$SRC" "$OBJ" "$KB/$ARCH/libbpf" flag
