#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# build-tools.sh host            - bpftool for the build host (from the tree)
# build-tools.sh <x86_64|arm64>  - static libbpf + headers for that arch, and
#                                  vmlinux.h from that arch's kernel BTF
# build-tools.sh <x86_64|arm64> stock
#                                - static libbpf + headers of the tree without
#                                  the series, in <arch>-stock/libbpf
#                                  (check-upstream's stock test_progs)
# From the patched tree in $BUILD/kernel/src ("modified libbpf" once the
# series touches tools/lib/bpf) unless stock. Incremental: the tools' own
# Makefiles.
set -euo pipefail
. "$(dirname "$0")/lib.sh"

if [ "$1" = host ]; then
	out="$KB/host/bpftool"
	mkdir -p "$out"
	# no BPF skeletons inside bpftool itself (not needed here)
	make -s -C "$SRC/tools/bpf/bpftool" OUTPUT="$out/" feature-clang-bpf-co-re=0 \
		CC="ccache gcc" HOSTCC="ccache gcc" -j"$JOBS" > "$out/build.log" 2>&1 ||
		{ tail -30 "$out/build.log" >&2; die "bpftool build failed ($out/build.log)"; }
	[ -x "$out/bpftool" ] || die "bpftool not produced"
	exit 0
fi

set_arch "$1" ${2:-}
case "${2:-}" in
"") out="$KB/$KARCH/libbpf" ;;
stock) out="$KB/$FLAV/libbpf" ;;
*) die "build-tools.sh $1 $2: only the stock flavour has its own libbpf" ;;
esac
mkdir -p "$out/obj"
lmake=(make -s -C "$KSRC/tools/lib/bpf" OUTPUT="$out/obj/" BUILD_STATIC_ONLY=1
       CC="ccache $TARGET_CC" HOSTCC="ccache gcc" -j"$JOBS")
[ -n "$CROSS" ] && lmake+=(ARCH=arm64 CROSS_COMPILE="$CROSS")
{ "${lmake[@]}" "$out/obj/libbpf.a" &&
  "${lmake[@]}" DESTDIR="$out" prefix=/ install_headers; } > "$out/build.log" 2>&1 ||
	{ tail -30 "$out/build.log" >&2; die "libbpf ($KARCH) build failed ($out/build.log)"; }
cp -p "$out/obj/libbpf.a" "$out/libbpf.a.tmp" && mv "$out/libbpf.a.tmp" "$out/libbpf.a"
[ -z "${2:-}" ] || exit 0

# vmlinux.h of this arch's kernel (regenerated only when vmlinux changed)
vm="$OBJ/vmlinux"
[ -f "$vm" ] || die "$vm missing: build the $KARCH kernel first"
h="$KB/$KARCH/vmlinux.h"
if [ ! -f "$h" ] || [ "$vm" -nt "$h" ]; then
	"$KB/host/bpftool/bpftool" btf dump file "$vm" format c > "$h.tmp" ||
		die "bpftool btf dump of $vm failed"
	if cmp -s "$h.tmp" "$h"; then rm "$h.tmp"; touch "$h"; else mv "$h.tmp" "$h"; fi
fi
