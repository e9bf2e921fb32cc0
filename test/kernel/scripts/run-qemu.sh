#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# run-qemu.sh <x86_64|arm64> [debug] - boot the bench kernel + initramfs
# under QEMU (TCG, no KVM), take the verdict from the console log.
#
#   BENCH_TIMEOUT=secs   whole-boot limit (default 600, debug 1800); QEMU is
#                        killed and the run fails with "timeout"
#   BENCH_ICOUNT=N       measurement mode: -icount shift=N,sleep=off
#                        (deterministic virtual time; slower)
#   BENCH_FILTER=t[/s]   run only these tests (runner -t syntax)
#   BENCH_APPEND=...     extra kernel command line
#   BENCH_KIMAGE=path    boot this kernel image instead of the bench build's
#   BENCH_ALL=1          run the denylisted tests too
#   BENCH_INITRD=path    boot this initramfs instead of the bench's (another
#                        campaign's guest root, e.g. make check-upstream)
#   BENCH_LOG=path       write the console log there (default
#                        $BUILD/kernel/<flav>/console.log)
#
# Fails the run on any kernel BUG/WARNING/Oops/KASAN/lockdep/RCU-stall/
# soft-lockup/panic report, even if every test passed, printing the lines.
# Writes $BUILD/kernel/<flav>/console.log and .../result ("passed failed").
set -euo pipefail
. "$(dirname "$0")/lib.sh"
set_arch "$1" "${2:-}"

LOGF="${BENCH_LOG:-$KB/$FLAV/console.log}"
RES="${LOGF%.log}.result"
[ -z "${BENCH_LOG:-}" ] && RES="$KB/$FLAV/result"
CPIO="${BENCH_INITRD:-$KB/$FLAV/initramfs.cpio}"
[ -f "$CPIO" ] || die "no initramfs: $CPIO"
TMO=${BENCH_TIMEOUT:-$([ "${2:-}" = debug ] && echo 1800 || echo 600)}
append="panic=-1 loglevel=7 ${BENCH_APPEND:-}"
[ -n "${BENCH_FILTER:-}" ] && append="$append bench.filter=$BENCH_FILTER"
[ "${BENCH_ALL:-}" = 1 ] && append="$append bench.all=1"
[ "${2:-}" = debug ] && append="$append bench.timeout=600"

# x86: QEMU's TCG TSC counts at the host's TSC rate (1 GHz of virtual
# time under -icount), but the guest cannot calibrate it (no PIT/HPET
# reference) and falls back to the jiffies clock, which stops when every
# CPU is stuck with interrupts off; tell it the rate. /proc/cpuinfo's
# "cpu MHz" is the TSC rate on a constant-TSC host.
tsc_khz() {
	if [ -n "${BENCH_ICOUNT:-}" ]; then
		echo 1000000
	else
		awk -F: '/^cpu MHz/ { printf "%d\n", $2 * 1000; exit }' /proc/cpuinfo
	fi
}

case "$KARCH" in
x86_64)
	khz=$(tsc_khz)
	[ -n "$khz" ] && [ "$khz" -gt 0 ] && append="tsc_early_khz=$khz tsc=reliable $append"
	# CPU 3 stays out of load balancing, so that it never spins on the
	# runqueue lock of a CPU stuck under sched_switch: it stands for the
	# perf NMI that TCG's x86 CPU has not (no PMU), which would rescue a
	# machine whose CPUs are all stuck (prog_tests/cancel_demo.c, bomb)
	append="isolcpus=3 $append"
	# no ACPI in the guest: SeaBIOS's MP table lists one CPU per socket only
	qemu=(qemu-system-x86_64 -M pc -cpu max -smp 4,sockets=4,cores=1,threads=1 -m 1G
	      -append "console=ttyS0 $append") ;;
arm64)
	# no isolated CPU: TCG's arm64 CPU has a PMU, whose overflow is a
	# pseudo-NMI, so the series' perf NMI rescues a machine whose CPUs
	# are all stuck
	qemu=(qemu-system-aarch64 -M virt,gic-version=3 -cpu max,pauth-impdef=on -smp 4 -m 1G
	      -append "console=ttyAMA0 irqchip.gicv3_pseudo_nmi=1 $append") ;;
esac
qemu+=(-nographic -no-reboot -kernel "$KIMAGE" -initrd "$CPIO")
[ -n "${BENCH_ICOUNT:-}" ] && qemu+=(-icount "shift=$BENCH_ICOUNT,sleep=off")

rm -f "$RES"
log "booting $FLAV (timeout ${TMO}s${BENCH_ICOUNT:+, icount shift=$BENCH_ICOUNT})"
t0=$(date +%s)
rc=0
timeout -s KILL "$TMO" "${qemu[@]}" < /dev/null > "$LOGF" 2>&1 || rc=$?
secs=$(( $(date +%s) - t0 ))
tr -d '\r' < "$LOGF" > "$LOGF.tmp" && mv "$LOGF.tmp" "$LOGF"

passed=$(grep -c '^BENCH-RESULT: .* PASS' "$LOGF" || true)
failed=$(grep -c '^BENCH-RESULT: .* FAIL' "$LOGF" || true)
grep '^BENCH-RESULT: ' "$LOGF" | sed "s/^BENCH-RESULT: /  $FLAV: /" || true
# figures printed by benchmarks (prog_tests/cancel_figures.c)
grep '^BENCH-FIGURE: ' "$LOGF" | sed "s/^/  $FLAV: /" || true

problems=()
if [ $rc = 137 ] || [ $rc = 124 ]; then
	problems+=("timeout: guest killed after ${TMO}s (last line: $(tail -1 "$LOGF" | cut -c1-160))")
elif [ $rc != 0 ]; then
	problems+=("qemu exited with status $rc")
fi
grep -q '^BENCH-BOOTED' "$LOGF" || problems+=("guest never reached /init")
# The runner's own totals: a kernel message printed in the middle of a
# result line (the console is shared) hides that line from the counts above.
done_line=$(grep -oE 'BENCH-DONE passed=[0-9]+ failed=[0-9]+' "$LOGF" | tail -1 || true)
if grep -q '^BENCH-BOOTED' "$LOGF" && [ -z "$done_line" ]; then
	problems+=("test runner did not finish (no BENCH-DONE); last test started: $(grep '^bench: running ' "$LOGF" | tail -1 | cut -d' ' -f3)")
elif [ -n "$done_line" ]; then
	dp=$(echo "$done_line" | sed -E 's/.*passed=([0-9]+).*/\1/')
	df=$(echo "$done_line" | sed -E 's/.*failed=([0-9]+).*/\1/')
	if [ "$dp" != "$passed" ] || [ "$df" != "$failed" ]; then
		echo "  $FLAV: $((dp + df - passed - failed)) result line(s) garbled by kernel messages on the console; the runner counted $dp passed, $df failed"
		passed=$dp
		failed=$df
	fi
fi
# kernel reports that fail the run even when every test passed
bad='BUG:|WARNING:|Oops|KASAN|kmemleak: [0-9]+ new suspected|unreferenced object|UBSAN|possible circular locking|inconsistent lock state|possible recursive locking|suspicious RCU usage|rcu_sched self-detected stall|rcu_preempt self-detected stall|RCU stall|rcu: INFO: .* stall|soft lockup|hard LOCKUP|blocked for more than|Kernel panic|Unable to handle kernel|Internal error:|general protection fault|segfault at'
REPORTS="${LOGF%.log}.reports.txt"
if grep -nE "$bad" "$LOGF" > "$REPORTS"; then
	n=$(wc -l < "$REPORTS")
	problems+=("kernel reported $n problem line(s):")
	while IFS= read -r l; do problems+=("    ${LOGF##*/}:$l"); done < <(head -20 "$REPORTS")
fi
if [ ${#problems[@]} -gt 0 ]; then
	failed=$((failed + 1))
	echo "  $FLAV: FAIL kernel/guest:"
	for p in "${problems[@]}"; do echo "    $p"; done
fi
echo "$passed $failed" > "$RES"
log "$FLAV: $passed passed, $failed failed (${secs}s; console log: $LOGF)"
[ "$failed" = 0 ]
