#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-testmod.sh <x86_64|arm64> [debug|stock] - build the selftests'
# bpf_testmod.ko (tools/testing/selftests/bpf/bpf_testmod of the flavour's
# tree) against that flavour's kernel build, out of the source tree:
# $BUILD/kernel/<flav>/bpf_testmod/bpf_testmod.ko. test_verifier and
# test_progs load it (make check-upstream). Incremental.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
set_arch "$1" "${2:-}"
M="$KB/$FLAV/bpf_testmod"
mkdir -p "$M"
# -p keeps the tarball's mtimes: an unchanged source is not rebuilt
cp -p "$KSRC"/tools/testing/selftests/bpf/bpf_testmod/* "$M/"
if ! "${KMAKE[@]}" -j"$JOBS" M="$M" modules > "$M/build.log" 2>&1; then
	grep -E -B2 -A6 'error|Error' "$M/build.log" | tail -30 >&2
	die "$FLAV: bpf_testmod.ko does not build (full log: $M/build.log)"
fi
[ -f "$M/bpf_testmod.ko" ] || die "$FLAV: $M/bpf_testmod.ko not produced"
log "$FLAV: $M/bpf_testmod.ko"
