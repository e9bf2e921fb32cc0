#!/usr/bin/env bash
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# run.sh - the modified libbpf of the kernel tree ($BUILD/kernel/src,
# override with BPFCANCEL_KERNEL_SRC) against -fbpf-cancellable objects:
#   1. builds that libbpf statically for the host (warnings are errors, as
#      libbpf's Makefile sets), the objects of test/programs/ and
#      test/libbpf/progs/ with build/bin/clang -fbpf-cancellable, and
#      test_libbpf_cancel.c, all under $BUILD/test-libbpf/;
#   2. runs test_libbpf_cancel (see its header);
#   3. when strace is installed and this machine loads BPF programs, checks
#      that BPF_PROG_LOAD is the stock syscall (same attr size, no
#      BPF_F_CANCELLABLE) for programs not opted in, and for opted-in ones
#      on a kernel without cancellation (the feature probe aside).
# A tree whose libbpf has no cancellation support fails (the series in
# kernel-patch/ adds it; make check-user unpacks and patches the tree first).
# Prints "N passed, N failed" last.
set -euo pipefail
TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-build}
case "$BUILD" in /*) ;; *) BUILD="$TOP/$BUILD" ;; esac
SRC=${BPFCANCEL_KERNEL_SRC:-$BUILD/kernel/src}
OUT="$BUILD/test-libbpf"
CLANG="$BUILD/bin/clang"
HERE="$TOP/test/libbpf"

if [ ! -f "$SRC/tools/lib/bpf/bpf_cancel_core.c" ]; then
	echo "FAIL: $SRC/tools/lib/bpf has no cancellation support (run test/kernel/scripts/prepare-src.sh)"
	echo "0 passed, 1 failed"
	exit 1
fi
cc=gcc
command -v ccache >/dev/null && cc="ccache gcc"

mkdir -p "$OUT/libbpf/obj" "$OUT/obj"
lmake=(make -s -C "$SRC/tools/lib/bpf" OUTPUT="$OUT/libbpf/obj/" BUILD_STATIC_ONLY=1
       CC="$cc" HOSTCC="$cc" -j"$(nproc)")
{ "${lmake[@]}" "$OUT/libbpf/obj/libbpf.a" &&
  "${lmake[@]}" DESTDIR="$OUT/libbpf" prefix=/ install_headers; } > "$OUT/libbpf.log" 2>&1 ||
	{ tail -30 "$OUT/libbpf.log"; echo "libbpf build failed ($OUT/libbpf.log)"; exit 1; }

for src in "$TOP"/test/programs/*.bpf.c "$HERE"/progs/*.bpf.c; do
	o="$OUT/obj/$(basename "${src%.c}").o"
	if [ ! -f "$o" ] || [ "$src" -nt "$o" ] || [ "$CLANG" -nt "$o" ]; then
		"$CLANG" --target=bpf -O2 -g -fbpf-cancellable -I"$TOP/test/programs" \
			-c "$src" -o "$o"
	fi
done

gcc -std=gnu11 -g -O1 -Wall -Wextra -Werror -I"$OUT/libbpf/include" \
	-I"$SRC/tools/include/uapi" "$HERE/test_libbpf_cancel.c" \
	"$OUT/libbpf/obj/libbpf.a" -lelf -lz -o "$OUT/test_libbpf_cancel"

rc=0
res=$("$OUT/test_libbpf_cancel" "$OUT/obj") || rc=1
echo "$res" | sed '$d'
set -- $(echo "$res" | tail -1)
pass=$1 fail=$3

# the syscall a program not opted in (or opted in, on a kernel without
# cancellation) makes is the stock one: attr size 148
# (offsetofend(union bpf_attr, prog_token_fd)), no BPF_F_CANCELLABLE
# PROBES: how many feature probes (failed loads with BPF_F_CANCELLABLE) the
# load must make: 0 when nothing is opted in, 1 when something is.
stock_check() {
	local label=$1 probes=$2; shift 2
	local log="$OUT/strace-$label.log"
	strace -f -v -e trace=bpf -e signal=none -o "$log" \
		"$OUT/test_libbpf_cancel" --load "$OUT/obj/cancel_subprogs.bpf.o" "$@" >/dev/null 2>&1 || {
		echo "FAIL strace $label: load failed"; fail=$((fail + 1)); return; }
	local n
	n=$(grep 'BPF_PROG_LOAD' "$log" | grep 'prog_flags=0x1000000' | grep -vc '= [0-9]' || true)
	if [ "$n" -ne "$probes" ]; then
		echo "FAIL strace $label: $n feature probes, expected $probes ($log)"
		fail=$((fail + 1))
		return
	fi
	local loads bad
	# the feature probe is the one load that carries the flag, and fails
	loads=$(grep -c 'BPF_PROG_LOAD.*= [0-9]' "$log" || true)
	bad=$(grep 'BPF_PROG_LOAD.*= [0-9]' "$log" | grep -v ', 148) = ' | grep -c . || true)
	bad=$((bad + $(grep 'BPF_PROG_LOAD.*= [0-9]' "$log" | grep -c 'prog_flags=0x1000000' || true)))
	if [ "$loads" -ge 3 ] && [ "$bad" -eq 0 ]; then
		echo "ok   strace $label: $loads BPF_PROG_LOAD, all of size 148 without BPF_F_CANCELLABLE"
		pass=$((pass + 1))
	else
		echo "FAIL strace $label: $loads loads, $bad not stock ($log)"
		fail=$((fail + 1))
	fi
}
if ! command -v strace >/dev/null; then
	echo "SKIP strace: not installed"
elif ! "$OUT/test_libbpf_cancel" --can-load; then
	echo "SKIP strace: this machine cannot load BPF programs or accepts BPF_F_CANCELLABLE"
else
	stock_check plain 0
	stock_check opted-in 1 --cancellable
	# the same through the environment (libbpf's open-time switch)
	LIBBPF_CANCELLABLE=1 stock_check env-opted-in 1
	LIBBPF_CANCELLABLE=0 stock_check env-off 0
fi

echo "$pass passed, $fail failed"
[ "$rc" -eq 0 ] && [ "$fail" -eq 0 ]
