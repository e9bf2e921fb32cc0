#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# demo.sh - what "make demo" shows: the "BPF bomb" (nested open-coded
# iterators on sched_switch, from the "Rethinking BPF safety" RFC) compiled
# with -fbpf-cancellable, its cold twin, and where cancellation cuts it short.
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

cat <<'TXT'

What happens next (kernel half, kernel-patch/): libbpf checks each twin against
its hot function and passes the sites at BPF_PROG_LOAD; the kernel confirms
them on the verifier's own states, builds the cold code from the final hot
code, and when the watchdog fires moves the running frames from hot to cold:
bpf_iter_num_next() returns NULL, both loops end, bpf_iter_num_destroy() runs,
and the program returns normally with nothing leaked.
TXT
