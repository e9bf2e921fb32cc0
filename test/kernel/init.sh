#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of the bench's initramfs: mount the pseudo file systems, run the
# test runner, print its verdict on the console, power off (-no-reboot).
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
echo "BENCH-BOOTED $(uname -r) $(uname -m) cpus=$(grep -c ^processor /proc/cpuinfo)"
# x86 with tsc_early_khz (run-qemu.sh): the kernel moves from tsc-early to
# tsc about a second after boot, by stop_machine; wait for it, so that no
# test runs while every CPU is held there
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
i=0
while [ "$(cat $cs 2>/dev/null)" = tsc-early ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
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
if [ -w /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak; sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
fi
echo "BENCH-EXIT rc=$rc"
sync
reboot -f
