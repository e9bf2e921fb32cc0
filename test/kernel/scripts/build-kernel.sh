#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-kernel.sh <x86_64|arm64> [debug] - build the bench kernel (vmlinux
# with BTF and the bootable image) out of tree, with ccache, -j$KJOBS (2).
# Kbuild is incremental by itself; a no-op rebuild takes a few seconds.
set -euo pipefail
. "$(dirname "$0")/lib.sh"
set_arch "$1" "${2:-}"
"$(dirname "$0")/config.sh" "$@"
log "building $FLAV kernel (-j$JOBS)"
t0=$(date +%s)
if ! "${KMAKE[@]}" -j"$JOBS" > "$KB/$FLAV/build.log" 2>&1; then
	grep -E -B2 -A6 'error|Error' "$KB/$FLAV/build.log" | tail -40 >&2
	die "$FLAV kernel build failed (full log: $KB/$FLAV/build.log)"
fi
[ -f "$KIMAGE" ] || die "$FLAV: $KIMAGE not produced"
log "$FLAV kernel ready in $(( $(date +%s) - t0 ))s: $KIMAGE"
