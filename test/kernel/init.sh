#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the bench's initramfs: mount the pseudo file systems, run the
# test runner, print its verdict on the console, power off (-no-reboot).
. /guest.sh
guest_setup
args=""
for a in $(cat /proc/cmdline); do
	case "$a" in
	bench.filter=*) args="$args -t ${a#bench.filter=}" ;;
	bench.timeout=*) args="$args -T ${a#bench.timeout=}" ;;
	bench.all=1) args="$args -a" ;;
	esac
done
/bench/bench_runner -d /bench/bpf $args
rc=$?
guest_kmemleak
echo "BENCH-EXIT rc=$rc"
sync
reboot -f
