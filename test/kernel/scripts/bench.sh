#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# bench.sh [--debug] <arch>... - the whole kernel bench, stage by stage:
# unpack + patch, bpftool (host), then per arch: config + kernel, libbpf +
# vmlinux.h, test runner + BPF objects, initramfs, boot + tests. Every stage
# is incremental. Prints the wall-clock time of each stage and ends with
# exactly "N passed, N failed" (all arches together). A stage that fails
# counts as one failure of that arch; the other arches still run.
set -uo pipefail
. "$(dirname "$0")/lib.sh"
S="$TOP/test/kernel/scripts"

flav=""
if [ "${1:-}" = --debug ]; then flav=debug; shift; fi
arches=("$@")
[ ${#arches[@]} -gt 0 ] || arches=(x86_64 arm64)

timings=()
passed=0
failed=0

# stage <label> <cmd...>: run, time, 0/1
stage() {
	local label=$1 t0 rc
	shift
	t0=$(date +%s)
	"$@"
	rc=$?
	timings+=("$(printf '%-28s %5ss%s' "$label" $(( $(date +%s) - t0 )) "$([ $rc = 0 ] || echo '  FAILED')")")
	return $rc
}

summary() {
	echo "bench: stage timings (wall clock):"
	printf '  %s\n' "${timings[@]}" | tee "$KB/timings${flav:+-$flav}.txt"
	echo "$passed passed, $failed failed"
	[ "$failed" = 0 ]
}

mkdir -p "$KB"
if ! stage "unpack+patch" "$S/prepare-src.sh"; then
	failed=$((failed + ${#arches[@]})); summary; exit 1
fi
if ! stage "bpftool (host)" "$S/build-tools.sh" host; then
	failed=$((failed + ${#arches[@]})); summary; exit 1
fi
for a in "${arches[@]}"; do
	case "$a" in x86_64|arm64) ;; *) echo "bench: unknown arch '$a'" >&2; failed=$((failed + 1)); continue ;; esac
	f=$a${flav:+-$flav}
	if stage "$f: config+kernel" "$S/build-kernel.sh" "$a" $flav &&
	   stage "$a: libbpf+vmlinux.h" "$S/build-tools.sh" "$a" &&
	   stage "$a: runner+bpf progs" make -s --no-print-directory -C "$TOP" \
		-f test/kernel/runner.mk KARCH="$a" BUILD="$BUILD" &&
	   stage "$f: initramfs" "$S/make-initramfs.sh" "$a" $flav; then
		stage "$f: boot+tests" "$S/run-qemu.sh" "$a" $flav
		if [ -f "$KB/$f/result" ]; then
			read -r p q < "$KB/$f/result"
			passed=$((passed + p)); failed=$((failed + q))
		else
			failed=$((failed + 1))
		fi
	else
		echo "bench: $f: build failed, not booted"
		failed=$((failed + 1))
	fi
done
summary
