#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run.sh [x86_64|arm64] - make check-upstream: the 798 selftests objects of
# the corpus (test/corpus/, built with clang -fbpf-cancellable) on the
# patched bench kernel, in one guest (test/upstream/init.sh), in stages:
#
#   veristat  Linux 6.12's own veristat (tools/testing/selftests/bpf/
#             veristat.c of the patched tree, built static for the guest),
#             once plain, once with LIBBPF_CANCELLABLE=1 (every program
#             cancellable). Every program that loads plain must load
#             cancellable with the same insn_processed (the design promises
#             no extra verifier work).
#   cold      test/upstream/coldrun.c: every program BPF_PROG_TEST_RUN can
#             run, run cold from its first instruction and cancelled at
#             random points.
#   test_verifier
#             Linux 6.12's test_verifier in full, on the patched kernel and
#             on the same configuration built without the series (a second
#             guest, src-stock): every test whose verdict differs fails.
#
# Output: one line per failing program, the totals, under
# $BUILD/upstream/<arch>/ the CSVs (veristat-plain.csv,
# veristat-cancellable.csv), cold.txt, test_verifier-{patched,stock}.txt,
# console.log and console-stock.log, and last
# "upstream: N passed, N failed".
#
#   UPSTREAM_FLAVOUR=debug   test the bench's debug kernel (KASAN, lockdep,
#                            kmemleak, RCU stall detection) instead
#   UPSTREAM_FILTER=glob     only the corpus objects whose name matches
#   UPSTREAM_STAGES="..."    the stages to run (default: veristat cold
#                            test_verifier)
#   BENCH_TIMEOUT=secs       limit of the guest (default 5400)
set -euo pipefail
. "$(dirname "$0")/../kernel/scripts/lib.sh"
ARCH=${1:-x86_64}
FLAVOUR=${UPSTREAM_FLAVOUR:-}
case "$FLAVOUR" in "" | debug) ;; *) die "UPSTREAM_FLAVOUR: '$FLAVOUR' (debug or empty)" ;; esac
set_arch "$ARCH" "$FLAVOUR"
SCRIPTS="$TOP/test/kernel/scripts"
OUT="$BUILD/upstream/$FLAV"
FLAGOBJ="$BUILD/corpus/out/flag"
mkdir -p "$OUT/corpus"

# the patched kernel, its bpf_testmod.ko and libbpf (incremental)
"$SCRIPTS/prepare-src.sh"
"$SCRIPTS/build-kernel.sh" "$ARCH" $FLAVOUR
"$SCRIPTS/build-testmod.sh" "$ARCH" $FLAVOUR
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

# coldrun, static, against the arch's patched libbpf
CSRC="$TOP/test/upstream/coldrun.c"
if [ ! -x "$OUT/coldrun" ] || [ "$CSRC" -nt "$OUT/coldrun" ] ||
   [ "$LIBBPF/libbpf.a" -nt "$OUT/coldrun" ]; then
	log "building coldrun for $ARCH"
	"$TARGET_CC" -O2 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
		-static -I"$LIBBPF/include" -I"$SRC/tools/include/uapi" "$CSRC" \
		-o "$OUT/coldrun" "$LIBBPF/libbpf.a" -lelf -lz -lpthread \
		> "$OUT/coldrun.build.log" 2>&1 ||
		{ cat "$OUT/coldrun.build.log"; die "coldrun does not build"; }
fi

# test_verifier, static, against the arch's patched libbpf (its list of
# tests is generated as the selftests' Makefile does)
SELF="$SRC/tools/testing/selftests/bpf"
mkdir -p "$OUT/tv/verifier"
( cd "$SELF/verifier" && echo '#ifdef FILL_ARRAY' && ls *.c | sed 's/.*/#include "&"/' &&
  echo '#endif' ) > "$OUT/tv/verifier/tests.h.new"
cmp -s "$OUT/tv/verifier/tests.h.new" "$OUT/tv/verifier/tests.h" ||
	mv "$OUT/tv/verifier/tests.h.new" "$OUT/tv/verifier/tests.h"
if [ ! -x "$OUT/test_verifier" ] || [ "$LIBBPF/libbpf.a" -nt "$OUT/test_verifier" ] ||
   [ -n "$(find "$SELF/verifier" "$SELF/test_verifier.c" -newer "$OUT/test_verifier" | head -1)" ]; then
	log "building test_verifier for $ARCH"
	"$TARGET_CC" -O2 -static -I"$OUT/tv" -I"$SELF" -I"$SELF/verifier" -I"$LIBBPF/include" \
		-I"$OBJ/include/generated" -I"$SRC/tools/lib" -I"$SRC/tools/include" \
		-I"$SRC/tools/include/uapi" "$SELF/test_verifier.c" "$SELF/testing_helpers.c" \
		"$SELF/cap_helpers.c" "$SELF/unpriv_helpers.c" -o "$OUT/test_verifier" \
		"$LIBBPF/libbpf.a" -lelf -lz -lpthread > "$OUT/test_verifier.build.log" 2>&1 ||
		{ grep -A3 error "$OUT/test_verifier.build.log"; die "test_verifier does not build"; }
fi
for st in ${UPSTREAM_STAGES:=veristat cold test_verifier}; do
	case "$st" in
	veristat|cold|test_verifier) ;;
	*) die "UPSTREAM_STAGES: unknown stage '$st' (veristat, cold, test_verifier)" ;;
	esac
done
echo "$UPSTREAM_STAGES" > "$OUT/stages"

# the guest root: busybox, veristat, coldrun, test_verifier, the kernel's
# bpf_testmod.ko, the objects, test/upstream/init.sh. One per kernel booted.
case "$ARCH" in
x86_64) BB=/bin/busybox ;;
arm64) BB="$KB/dl/busybox-arm64/bin/busybox" ;;
esac
[ -x "$BB" ] || die "$BB missing (make check-kernel prepares it)"
# guest_root <flav>: $OUT/initramfs-<flav>.cpio
guest_root() {
	{
		echo "dir /dev 755 0 0"
		echo "nod /dev/console 600 0 0 c 5 1"
		echo "nod /dev/null 666 0 0 c 1 3"
		for d in /bin /proc /sys /tmp /upstream /corpus; do echo "dir $d 755 0 0"; done
		echo "file /bin/busybox $BB 755 0 0"
		echo "file /init $TOP/test/upstream/init.sh 755 0 0"
		echo "file /guest.sh $TOP/test/kernel/guest.sh 644 0 0"
		echo "file /upstream/veristat $OUT/veristat 755 0 0"
		echo "file /upstream/coldrun $OUT/coldrun 755 0 0"
		echo "file /upstream/test_verifier $OUT/test_verifier 755 0 0"
		echo "file /upstream/bpf_testmod.ko $KB/$1/bpf_testmod/bpf_testmod.ko 644 0 0"
		echo "file /upstream/stages $OUT/stages 644 0 0"
		for o in "$OUT"/corpus/*.o; do echo "file /corpus/${o##*/} $o 644 0 0"; done
	} > "$OUT/initramfs-$1.spec"
	"$OBJ/usr/gen_init_cpio" "$OUT/initramfs-$1.spec" > "$OUT/initramfs-$1.cpio"
}
guest_root "$FLAV"

log "$FLAV: $UPSTREAM_STAGES over $n objects"
rc=0
BENCH_INITRD="$OUT/initramfs-$FLAV.cpio" BENCH_LOG="$OUT/console.log" \
BENCH_TIMEOUT=${BENCH_TIMEOUT:-5400} "$SCRIPTS/run-qemu.sh" "$ARCH" $FLAVOUR > "$OUT/run.log" 2>&1 || rc=$?
for m in plain cancellable; do
	sed -n "/^UPSTREAM-CSV-BEGIN $m\$/,/^UPSTREAM-CSV-END $m\$/p" "$OUT/console.log" |
		sed '1d;$d' > "$OUT/veristat-$m.csv"
done
grep '^COLD' "$OUT/console.log" > "$OUT/cold.txt" || true
grep '^UPSTREAM-' "$OUT/console.log" | grep -v 'CSV\|UPSTREAM-OBJ\|DMESG' || true
grep '^COLD-UNEXPLAINED' "$OUT/console.log" || true
grep -v ' PASS\( \|$\)' "$OUT/run.log" || true
read -r passed failed < "$OUT/console.result" 2>/dev/null || { passed=0; failed=1; }

# test_verifier on the stock kernel: the same configuration without the
# series, booted with the same guest root
tv_verdicts() {
	# "#12/p name OK", "#12/u name SKIP (...)", "#12/p name FAIL ..."
	sed -n '/^UPSTREAM-TV-BEGIN/,/^UPSTREAM-TV-END/p' "$1" |
		awk '/^#[0-9]+\/[pu] / {
			v = / FAIL/ ? "FAIL" : / SKIP/ ? "SKIP" : / OK$/ ? "OK" : "?"
			print $1, v
		}'
}
case " $UPSTREAM_STAGES " in
*" test_verifier "*)
	export LC_ALL=C
	"$SCRIPTS/prepare-src.sh" stock
	"$SCRIPTS/build-kernel.sh" "$ARCH" stock
	"$SCRIPTS/build-testmod.sh" "$ARCH" stock
	guest_root "$ARCH-stock"
	log "$ARCH: test_verifier on the stock kernel"
	src=0
	BENCH_INITRD="$OUT/initramfs-$ARCH-stock.cpio" BENCH_LOG="$OUT/console-stock.log" \
	BENCH_APPEND="upstream.stages=test_verifier" BENCH_TIMEOUT=${BENCH_TIMEOUT:-5400} \
		"$SCRIPTS/run-qemu.sh" "$ARCH" stock > "$OUT/run-stock.log" 2>&1 || src=$?
	grep 'FAIL kernel/guest' -A20 "$OUT/run-stock.log" || true
	[ "$src" = 0 ] || failed=$((failed + 1))
	tv_verdicts "$OUT/console.log" > "$OUT/test_verifier-patched.txt"
	tv_verdicts "$OUT/console-stock.log" > "$OUT/test_verifier-stock.txt"
	for k in patched stock; do
		f="$OUT/test_verifier-$k.txt"
		echo "UPSTREAM-TV $k: $(wc -l < "$f") tests, $(grep -c ' OK$' "$f") passed," \
		     "$(grep -c ' FAIL$' "$f") failed, $(grep -c ' SKIP$' "$f") skipped"
	done
	# one comparison per test of either run
	read -r same diff < <(join -a1 -a2 -e missing -o 0,1.2,2.2 \
		<(sort "$OUT/test_verifier-stock.txt") <(sort "$OUT/test_verifier-patched.txt") |
		awk '$2 == $3 { s++; next }
		     { d++; print "  test_verifier " $1 ": stock " $2 ", patched " $3 > "/dev/stderr" }
		     END { print s + 0, d + 0 }')
	[ -s "$OUT/test_verifier-stock.txt" ] || { echo "  test_verifier: no result from the stock kernel"; diff=$((diff + 1)); }
	passed=$((passed + same))
	failed=$((failed + diff))
	echo "UPSTREAM-TV differences: $diff" ;;
esac
echo "upstream: $passed passed, $failed failed"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
