#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [x86_64|arm64] - make check-upstream, first stage: Linux 6.12's own
# veristat (tools/testing/selftests/bpf/veristat.c of the patched tree,
# built static for the guest) over the 798 selftests objects of the corpus
# (test/corpus/, built with clang -fbpf-cancellable), on the patched bench
# kernel: once plain, once with LIBBPF_CANCELLABLE=1 (every program
# cancellable). Every program that loads plain must load cancellable with
# the same insn_processed (the design promises no extra verifier work).
#
# Output: one line per failing program, the totals, the CSVs under
# $BUILD/upstream/<arch>/ (veristat-plain.csv, veristat-cancellable.csv,
# console.log), and last "upstream: N passed, N failed".
#
#   UPSTREAM_FILTER=glob   only the corpus objects whose name matches
#   BENCH_TIMEOUT=secs     limit of the guest (default 5400)
set -euo pipefail
. "$(dirname "$0")/../kernel/scripts/lib.sh"
ARCH=${1:-x86_64}
set_arch "$ARCH"
SCRIPTS="$TOP/test/kernel/scripts"
OUT="$BUILD/upstream/$ARCH"
FLAGOBJ="$BUILD/corpus/out/flag"
mkdir -p "$OUT/corpus"

# the patched kernel and its libbpf (incremental)
"$SCRIPTS/prepare-src.sh"
"$SCRIPTS/config.sh" "$ARCH"
"$SCRIPTS/build-kernel.sh" "$ARCH"
"$SCRIPTS/build-tools.sh" "$ARCH"
LIBBPF="$KB/$ARCH/libbpf"

# the corpus objects, built with the flag by test/corpus/run.sh
[ -d "$FLAGOBJ" ] && [ "$(ls "$FLAGOBJ" | grep -c '\.o$')" -ge 798 ] ||
	"$TOP/test/corpus/run.sh" --flag-only >/dev/null ||
	die "the corpus does not build (make check-corpus)"
rm -f "$OUT"/corpus/*.o
n=0
for o in "$FLAGOBJ"/*.o; do
	b=${o##*/}
	case "$b" in ${UPSTREAM_FILTER:-*}) ;; *) continue ;; esac
	# debug info is not loaded; .BTF, .BTF.ext and .BPF.cancel stay
	llvm-strip-22 --strip-debug -o "$OUT/corpus/$b" "$o"
	n=$((n + 1))
done
[ "$n" -gt 0 ] || die "no corpus object matches '${UPSTREAM_FILTER:-*}'"

# veristat, static, against the arch's patched libbpf
VSRC="$SRC/tools/testing/selftests/bpf/veristat.c"
if [ ! -x "$OUT/veristat" ] || [ "$VSRC" -nt "$OUT/veristat" ] ||
   [ "$LIBBPF/libbpf.a" -nt "$OUT/veristat" ]; then
	log "building veristat for $ARCH"
	"$TARGET_CC" -O2 -static -I"$LIBBPF/include" -I"$SRC/tools/include/uapi" \
		-I"$SRC/tools/include" "$VSRC" -o "$OUT/veristat" \
		"$LIBBPF/libbpf.a" -lelf -lz -lm -lpthread 2> "$OUT/veristat.build.log" ||
		{ cat "$OUT/veristat.build.log"; die "veristat does not build"; }
fi

# the guest root: busybox, veristat, the objects, test/upstream/init.sh
case "$ARCH" in
x86_64) BB=/bin/busybox ;;
arm64) BB="$KB/dl/busybox-arm64/bin/busybox" ;;
esac
[ -x "$BB" ] || die "$BB missing (make check-kernel prepares it)"
{
	echo "dir /dev 755 0 0"
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "nod /dev/null 666 0 0 c 1 3"
	for d in /bin /proc /sys /tmp /upstream /corpus; do echo "dir $d 755 0 0"; done
	echo "file /bin/busybox $BB 755 0 0"
	echo "file /init $TOP/test/upstream/init.sh 755 0 0"
	echo "file /upstream/veristat $OUT/veristat 755 0 0"
	for o in "$OUT"/corpus/*.o; do echo "file /corpus/${o##*/} $o 644 0 0"; done
} > "$OUT/initramfs.spec"
"$OBJ/usr/gen_init_cpio" "$OUT/initramfs.spec" > "$OUT/initramfs.cpio"

log "$ARCH: veristat over $n objects, plain then cancellable"
rc=0
BENCH_INITRD="$OUT/initramfs.cpio" BENCH_LOG="$OUT/console.log" \
BENCH_TIMEOUT=${BENCH_TIMEOUT:-5400} "$SCRIPTS/run-qemu.sh" "$ARCH" > "$OUT/run.log" 2>&1 || rc=$?
for m in plain cancellable; do
	sed -n "/^UPSTREAM-CSV-BEGIN $m\$/,/^UPSTREAM-CSV-END $m\$/p" "$OUT/console.log" |
		sed '1d;$d' > "$OUT/veristat-$m.csv"
done
grep '^UPSTREAM-' "$OUT/console.log" | grep -v CSV || true
grep -v ' PASS$' "$OUT/run.log" || true
read -r passed failed < "$OUT/console.result" 2>/dev/null || { passed=0; failed=1; }
echo "upstream: $passed passed, $failed failed"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
