#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# demo.sh - what "make demo" shows: the "BPF bomb" (nested open-coded
# iterators on sched_switch, from the "Rethinking BPF safety" RFC) compiled
# with -fbpf-cancellable, its cold twin, and where cancellation cuts it short;
# then the patched Linux 6.12 (x86-64) booted under QEMU, where the watchdog
# cancels running programs and what they held is released.
#
#   DEMO_KERNEL=0   stop after the compiler part (no kernel build, no boot)
#
# The kernel part builds through the kernel bench's stages
# (test/kernel/scripts/, docs/kernel-bench.md): the first run builds the
# kernel (about 15 min on an idle 2-core machine), later runs take about a
# minute. Logs of the stages go to $BUILD/demo/kernel.log.
set -euo pipefail
cd "$(dirname "$0")/.."

BUILD=${BUILD:-build}
SRC=test/programs/bomb.bpf.c
OUT=$BUILD/demo
mkdir -p "$OUT"

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

say "1. The program: a verified BPF program that can run for minutes"
sed -n '/SEC(/,/^}/p' "$SRC"

say "2. Compile it with the one extra flag (remarks list every cancellation site)"
echo "\$ $BUILD/bin/clang --target=bpf -O2 -g -fbpf-cancellable -Rpass=bpf-cancel -Rpass-missed=bpf-cancel -c $SRC"
"$BUILD/bin/clang" --target=bpf -O2 -g -Itest/programs -fbpf-cancellable \
	-Rpass=bpf-cancel -Rpass-missed=bpf-cancel -c "$SRC" -o "$OUT/bomb.bpf.o"
"$BUILD/bin/clang" --target=bpf -O2 -g -Itest/programs -c "$SRC" -o "$OUT/bomb.plain.o"

say "3. The object now holds a cold twin per long-running function, and a .BPF.cancel section"
"$BUILD/bin/bpfcancel" dump "$OUT/bomb.bpf.o"

say "4. Checked: each twin equals its hot function except at the sites"
"$BUILD/bin/bpfcancel" check "$OUT/bomb.bpf.o" && echo "bpfcancel check: OK"

say "5. And the hot code is byte-identical to a build without the flag"
"$BUILD/bin/bpfcancel" cmp-hot "$OUT/bomb.plain.o" "$OUT/bomb.bpf.o" && echo "bpfcancel cmp-hot: hot functions identical (bytes and relocations)"

say "6. What it costs"
"$BUILD/bin/bpfcancel" stats "$OUT/bomb.bpf.o"

if [ "${DEMO_KERNEL:-1}" = 0 ]; then
	cat <<'TXT'

What happens next (kernel half, kernel-patch/): libbpf checks each twin against
its hot function and passes the sites at BPF_PROG_LOAD; the kernel confirms
them on the verifier's own states, builds the cold code from the final hot
code, and when the watchdog fires moves the running frames from hot to cold:
bpf_iter_num_next() returns NULL, both loops end, bpf_iter_num_destroy() runs,
and the program returns normally with nothing leaked.
(DEMO_KERNEL=0: the kernel part was skipped.)
TXT
	exit 0
fi

say "7. Build the patched Linux 6.12 for x86-64 (kernel-patch/series) and its test programs"
cat <<'TXT'
libbpf checks each twin against its hot function and passes the sites at
BPF_PROG_LOAD; the kernel confirms them on the verifier's own states and builds
the cold code from the final hot code. (First run: about 15 minutes.)
TXT
S=test/kernel/scripts
KLOG="$OUT/kernel.log"
: > "$KLOG"
step() {
	local what=$1
	shift
	printf '  %-44s' "$what"
	if "$@" >> "$KLOG" 2>&1; then
		echo "done"
	else
		echo "FAILED"
		tail -20 "$KLOG" | sed 's/^/    /'
		echo "demo: $what failed (log: $KLOG)" >&2
		exit 1
	fi
}
# a symlinked source tree is a kernel developer's own tree: used as it is
if [ -L "$BUILD/kernel/src" ]; then
	echo "  kernel source: $(readlink "$BUILD/kernel/src") (developer tree, used as is)"
else
	step "unpack linux-source-6.12 + kernel-patch/series" "$S/prepare-src.sh"
fi
step "bpftool for this machine" "$S/build-tools.sh" host
step "kernel (x86-64)" "$S/build-kernel.sh" x86_64
step "libbpf + vmlinux.h" "$S/build-tools.sh" x86_64
step "test programs (clang -fbpf-cancellable)" make -s --no-print-directory \
	-f test/kernel/runner.mk KARCH=x86_64 BUILD="$BUILD"
step "initramfs" "$S/make-initramfs.sh" x86_64

say "8. Boot it (QEMU, 4 CPUs, no KVM) and let the watchdog cancel running programs"
rc=0
BENCH_FILTER=cancel_demo BENCH_TIMEOUT=${BENCH_TIMEOUT:-300} "$S/run-qemu.sh" x86_64 >> "$KLOG" 2>&1 || rc=$?
CONSOLE="$BUILD/kernel/x86_64/console.log"
if grep -q '^DEMO: ' "$CONSOLE" 2>/dev/null; then
	grep '^DEMO: ' "$CONSOLE" | sed 's/^DEMO: \{0,1\}/  /'
else
	echo "  (the guest printed nothing of the demo: see $CONSOLE)"
fi
echo
grep '^BENCH-RESULT: ' "$CONSOLE" 2>/dev/null | sed 's/^BENCH-RESULT: /  check: /' || true
grep -A30 'FAIL kernel/guest' "$KLOG" | sed 's/^/  /' || true

cat <<'TXT'

What happened: each program was compiled with a cold twin in which every
cancellation site takes its failure outcome (bpf_iter_num_next() returns NULL,
an allocation or a reservation fails, bpf_loop runs no more). When a run
outlived its budget, the kernel's watchdog sent an NMI to its CPU and moved the
running frames from the hot code to the same places in the cold code. The
program then went on by itself, on paths the verifier had already checked:
its loops ended, and it gave back the task reference, the ring-buffer record
and the object it held, exactly as it does when an allocation fails. Nothing
was killed and nothing leaked.
TXT
[ "$rc" = 0 ] || { echo "demo: the kernel part failed (console: $CONSOLE, log: $KLOG)" >&2; exit 1; }
