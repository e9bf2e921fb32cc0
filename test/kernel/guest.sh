# SPDX-License-Identifier: GPL-2.0
# guest.sh - sourced by the /init of every bench guest (test/kernel/init.sh,
# test/upstream/init.sh), as /guest.sh of their initramfs.

# guest_setup: busybox's applets, the pseudo file systems, the boot line
# run-qemu.sh waits for, a settled clocksource
guest_setup() {
	/bin/busybox --install -s /bin
	export PATH=/bin
	mount -t proc proc /proc
	mount -t sysfs sysfs /sys
	mount -t devtmpfs devtmpfs /dev 2>/dev/null
	mount -t tracefs tracefs /sys/kernel/tracing 2>/dev/null
	mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null
	echo "BENCH-BOOTED $(uname -r) $(uname -m) cpus=$(grep -c ^processor /proc/cpuinfo)"
	# x86 with tsc_early_khz (run-qemu.sh): the kernel moves from
	# tsc-early to tsc about a second after boot, by stop_machine; wait
	# for it, so that no test runs while every CPU is held there
	local cs=/sys/devices/system/clocksource/clocksource0/current_clocksource i=0
	while [ "$(cat $cs 2>/dev/null)" = tsc-early ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
}

# guest_kmemleak: on a kernel with kmemleak, scan twice (an object is
# reported on the second scan that still finds no reference) and print
# what it found, for run-qemu.sh to fail on
guest_kmemleak() {
	[ -w /sys/kernel/debug/kmemleak ] || return 0
	echo scan > /sys/kernel/debug/kmemleak; sleep 1
	echo scan > /sys/kernel/debug/kmemleak
	cat /sys/kernel/debug/kmemleak
}
