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
#   test_progs
#             Linux 6.12's test_progs (test/upstream/build-test-progs.sh),
#             the selection test/upstream/test_progs.list: stock (stock
#             kernel and libbpf), patched (patched kernel and libbpf, the
#             same objects) and cancellable (objects built with
#             -fbpf-cancellable, LIBBPF_CANCELLABLE=1). Every test or
#             subtest whose verdict differs from stock fails. x86-64 only.
#
# Output: one line per failing program, the totals, under
# $BUILD/upstream/<arch>/ the CSVs (veristat-plain.csv,
# veristat-cancellable.csv), cold.txt, test_verifier-{patched,stock}.txt,
# test_progs-{stock,patched,cancellable}.txt, console.log and
# console-stock.log, and last
# "upstream: N passed, N failed".
#
#   UPSTREAM_FLAVOUR=debug   test the bench's debug kernel (KASAN, lockdep,
#                            kmemleak, RCU stall detection) instead
#   UPSTREAM_FILTER="globs"  only the corpus objects whose name matches one
#                            of the (blank-separated) globs
#   UPSTREAM_STAGES="..."    the stages to run (default: veristat cold
#                            test_verifier test_progs; no test_progs on
#                            arm64)
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
	match=0
	set -f	# the globs are for case, not for the file system
	for g in ${UPSTREAM_FILTER:-*}; do
		case "$b" in $g) match=1; break ;; esac
	done
	set +f
	[ "$match" = 1 ] || continue
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
if [ -z "${UPSTREAM_STAGES:-}" ]; then
	UPSTREAM_STAGES="veristat cold test_verifier test_progs"
	[ "$ARCH" = x86_64 ] || UPSTREAM_STAGES="veristat cold test_verifier"
fi
for st in $UPSTREAM_STAGES; do
	case "$st" in
	veristat|cold|test_verifier|test_progs) ;;
	*) die "UPSTREAM_STAGES: unknown stage '$st' (veristat, cold, test_verifier, test_progs)" ;;
	esac
done
echo "$UPSTREAM_STAGES" > "$OUT/stages"
has_stage() { case " $UPSTREAM_STAGES " in *" $1 "*) return 0 ;; esac; return 1; }
TP="$BUILD/upstream/test_progs/$ARCH"
has_stage test_progs && "$TOP/test/upstream/build-test-progs.sh" "$ARCH"

# the guest root: busybox, veristat, coldrun, test_verifier, the kernel's
# bpf_testmod.ko, the objects, test/upstream/init.sh. One per kernel booted.
case "$ARCH" in
x86_64) BB=/bin/busybox ;;
arm64) BB="$KB/dl/busybox-arm64/bin/busybox" ;;
esac
[ -x "$BB" ] || die "$BB missing (make check-kernel prepares it)"
# tp_root <flav>: test_progs' part of the guest root: the binary of each
# configuration of the kernel as /tp/test_progs-<objects> (a "flavour", run
# in /tp/<objects>), the objects with bpf_testmod.ko (test_progs loads it
# from there), the selection
tp_root() {
	case "$1" in
	*-stock) printf 'stock plain 0\n' > "$OUT/tp-configs-$1" ;;
	*) printf 'patched plain 0\ncancellable flag 1\n' > "$OUT/tp-configs-$1" ;;
	esac
	echo "file /upstream/tp-configs $OUT/tp-configs-$1 644 0 0"
	echo "file /upstream/test_progs.list $TOP/test/upstream/test_progs.list 644 0 0"
	local cfg objs env o
	echo "dir /tp 755 0 0"
	while read -r cfg objs env; do
		# test_progs-<flavour> changes to the directory <flavour>
		echo "file /tp/test_progs-$objs $TP/$cfg/test_progs 755 0 0"
	done < "$OUT/tp-configs-$1"
	for objs in $(awk '{ print $2 }' "$OUT/tp-configs-$1" | sort -u); do
		echo "dir /tp/$objs 755 0 0"
		echo "file /tp/$objs/bpf_testmod.ko $KB/$1/bpf_testmod/bpf_testmod.ko 644 0 0"
		for o in "$TP/skel-$objs"/*.bpf.o; do
			echo "file /tp/$objs/${o##*/} $o 644 0 0"
		done
	done
}
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
		has_stage test_progs && tp_root "$1"
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
# compare <what> <stock file> <other file> <other name>: one comparison per
# test of either run ("name verdict" lines); adds to passed and failed. One
# difference is documented, not failed: an "@unpriv" subtest of test_progs
# (test_loader.c runs it without CAP_BPF) that fails because the load was
# refused with EPERM (verdict EPERM, tp_verdicts): the series refuses
# BPF_F_CANCELLABLE without CAP_BPF. So is a test whose differing subtests
# are all of that kind.
compare() {
	local same diff doc
	read -r same diff doc < <(join -a1 -a2 -e missing -o 0,1.2,2.2 <(sort "$2") <(sort "$3") |
		awk -v w="$1" -v o="$4" '
		function parent(k) { sub(/\/.*/, "", k); return k }
		{ k[NR] = $1; s[NR] = $2; c[NR] = $3 }
		$2 == $3 || !index($1, "/") { next }
		$3 == "EPERM" && $1 ~ /@unpriv$/ { eperm[$1] = 1; dchild[parent($1)]++; next }
		{ uchild[parent($1)]++ }
		END {
			for (i = 1; i <= NR; i++) {
				if (s[i] == c[i]) { n++; continue }
				if ((k[i] in eperm) ||
				    (!index(k[i], "/") && dchild[k[i]] && !uchild[k[i]])) {
					doc++
					continue
				}
				d++
				print "  " w " " k[i] ": stock " s[i] ", " o " " c[i] > "/dev/stderr"
			}
			print n + 0, d + 0, doc + 0
		}')
	[ -s "$2" ] || { echo "  $1: no result from the stock kernel"; diff=$((diff + 1)); }
	[ -s "$3" ] || { echo "  $1: no result from $4"; diff=$((diff + 1)); }
	passed=$((passed + same + doc))
	failed=$((failed + diff))
	local why=
	[ "$doc" = 0 ] || why=", $doc documented (unprivileged loads of cancellable programs refused: EPERM)"
	echo "UPSTREAM-DIFF $1 stock vs $4: $diff differences$why"
}
# the stages the stock kernel runs too: test_verifier and test_progs
stock_stages=
for st in test_verifier test_progs; do has_stage $st && stock_stages+=${stock_stages:+,}$st; done
if [ -n "$stock_stages" ]; then
	export LC_ALL=C
	"$SCRIPTS/prepare-src.sh" stock
	"$SCRIPTS/build-kernel.sh" "$ARCH" stock
	"$SCRIPTS/build-testmod.sh" "$ARCH" stock
	guest_root "$ARCH-stock"
	log "$ARCH: $stock_stages on the stock kernel"
	src=0
	BENCH_INITRD="$OUT/initramfs-$ARCH-stock.cpio" BENCH_LOG="$OUT/console-stock.log" \
	BENCH_APPEND="upstream.stages=$stock_stages" BENCH_TIMEOUT=${BENCH_TIMEOUT:-5400} \
		"$SCRIPTS/run-qemu.sh" "$ARCH" stock > "$OUT/run-stock.log" 2>&1 || src=$?
	grep 'FAIL kernel/guest' -A20 "$OUT/run-stock.log" || true
	[ "$src" = 0 ] || failed=$((failed + 1))
fi
if has_stage test_verifier; then
	tv_verdicts "$OUT/console.log" > "$OUT/test_verifier-patched.txt"
	tv_verdicts "$OUT/console-stock.log" > "$OUT/test_verifier-stock.txt"
	for k in patched stock; do
		f="$OUT/test_verifier-$k.txt"
		echo "UPSTREAM-TV $k: $(wc -l < "$f") tests, $(grep -c ' OK$' "$f") passed," \
		     "$(grep -c ' FAIL$' "$f") failed, $(grep -c ' SKIP$' "$f") skipped"
	done
	compare test_verifier "$OUT/test_verifier-stock.txt" "$OUT/test_verifier-patched.txt" patched
fi
# "#12 name:OK", "#12/3 name/sub name:SKIP", "#4 name:OK (SKIP: 1/3)" of one
# configuration's output, as "name/sub~name SKIP" (no blank in the name),
# up to "All error logs:" (which repeats the failures). An "@unpriv" subtest
# whose log (printed before its verdict) has a load refused with EPERM gets
# the verdict EPERM instead of FAIL.
tp_verdicts() {
	sed -n "/^UPSTREAM-TP-BEGIN $2\$/,/^UPSTREAM-TP-END $2 /p" "$1" |
		sed '/^All error logs:/,$d' |
		awk '
		/^#[0-9]+(\/[0-9]+)? +.*:(OK|SKIP|FAIL)( \(SKIP: [0-9]+\/[0-9]+\))?$/ {
			l = $0
			sub(/^#[0-9]+(\/[0-9]+)? +/, "", l)
			sub(/ \(SKIP: [0-9]+\/[0-9]+\)$/, "", l)
			v = l
			sub(/.*:/, "", v)
			name = substr(l, 1, length(l) - length(v) - 1)
			if (v == "FAIL" && eperm && name ~ /@unpriv$/)
				v = "EPERM"
			gsub(/ /, "~", name)
			print name, v
			eperm = 0
			next
		}
		/BPF program load failed: Operation not permitted/ { eperm = 1 }'
}
if has_stage test_progs; then
	tp_verdicts "$OUT/console-stock.log" stock > "$OUT/test_progs-stock.txt"
	for k in patched cancellable; do
		tp_verdicts "$OUT/console.log" $k > "$OUT/test_progs-$k.txt"
	done
	for k in stock patched cancellable; do
		f="$OUT/test_progs-$k.txt"
		echo "UPSTREAM-TP $k: $(wc -l < "$f") tests and subtests, $(grep -c ' OK$' "$f") passed," \
		     "$(grep -c ' FAIL$' "$f") failed, $(grep -c ' SKIP$' "$f") skipped," \
		     "$(grep -c ' EPERM$' "$f") unprivileged loads refused (EPERM)"
	done
	grep -h '^UPSTREAM-TP-END\|^UPSTREAM-TIME test_progs' "$OUT/console-stock.log" "$OUT/console.log" || true
	compare test_progs "$OUT/test_progs-stock.txt" "$OUT/test_progs-patched.txt" patched
	compare test_progs "$OUT/test_progs-stock.txt" "$OUT/test_progs-cancellable.txt" cancellable
fi
echo "upstream: $passed passed, $failed failed"
[ "$rc" = 0 ] && [ "$failed" = 0 ]
