#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# make-initramfs.sh <x86_64|arm64> [debug] - the guest root: busybox-static
# (x86: the installed one; arm64: busybox-static:arm64 fetched once with
# apt-get download into $BUILD/kernel/dl), the static test runner, the BPF
# objects and test/kernel/init.sh as /init. Written with the kernel tree's
# own gen_init_cpio (device nodes without root).
set -euo pipefail
. "$(dirname "$0")/lib.sh"
set_arch "$1" "${2:-}"

RUN="$KB/$KARCH/runner"
OUTF="$KB/$FLAV/initramfs.cpio"
case "$KARCH" in
x86_64) BB=/bin/busybox
	[ -x "$BB" ] || die "$BB missing (apt-get install busybox-static)" ;;
arm64)
	DL="$KB/dl"
	BB="$DL/busybox-arm64/bin/busybox"
	if [ ! -x "$BB" ]; then
		mkdir -p "$DL"
		log "fetching busybox-static:arm64"
		( cd "$DL" && rm -f busybox-static_*_arm64.deb &&
		  apt-get download -qq busybox-static:arm64 >/dev/null 2>&1 ) ||
			die "apt-get download busybox-static:arm64 failed (dpkg --add-architecture arm64 && apt-get update: scripts/install-deps.sh)"
		rm -rf "$DL/busybox-arm64"
		dpkg-deb -x "$DL"/busybox-static_*_arm64.deb "$DL/busybox-arm64"
		[ -x "$BB" ] || die "no bin/busybox in busybox-static:arm64"
	fi ;;
esac

GEN="$OBJ/usr/gen_init_cpio"
[ -x "$GEN" ] || die "$GEN missing (build the $FLAV kernel first)"
spec="$KB/$FLAV/initramfs.spec"
{
	echo "dir /dev 755 0 0"
	echo "nod /dev/console 600 0 0 c 5 1"
	echo "nod /dev/null 666 0 0 c 1 3"
	for d in /bin /proc /sys /tmp /bench /bench/bpf; do echo "dir $d 755 0 0"; done
	echo "file /bin/busybox $BB 755 0 0"
	echo "file /init $TOP/test/kernel/init.sh 755 0 0"
	echo "file /guest.sh $TOP/test/kernel/guest.sh 644 0 0"
	echo "file /bench/bench_runner $RUN/bench_runner 755 0 0"
	for o in "$RUN"/bpf/*.bpf.o; do echo "file /bench/bpf/${o##*/} $o 644 0 0"; done
} > "$spec.tmp"
# rebuild only when the spec or any file in it changed
if [ -f "$OUTF" ] && cmp -s "$spec.tmp" "$spec" &&
   [ -z "$(find "$BB" "$TOP/test/kernel/init.sh" "$TOP/test/kernel/guest.sh" "$RUN/bench_runner" "$RUN"/bpf -newer "$OUTF" 2>/dev/null)" ]; then
	rm "$spec.tmp"
	exit 0
fi
mv "$spec.tmp" "$spec"
"$GEN" "$spec" > "$OUTF.tmp" && mv "$OUTF.tmp" "$OUTF"
