#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of make check-upstream's veristat guest: Linux's own veristat over
# the corpus objects (built with clang -fbpf-cancellable), once plain and
# once with every program cancellable (LIBBPF_CANCELLABLE=1, patch 14).
# veristat reports what bpf_prog_info says of each loaded program (patch
# 15: JIT size, cancellation status and reason, sites confirmed and
# dropped, cold JIT size). Prints both CSVs between markers for the host,
# then one BENCH-RESULT line per program that loads plain: PASS when it
# also loads cancellable, with the same number of processed instructions
# and the same hot JIT size (x86-64; arm64's depends on placement), and the
# kernel made it cancellable (status 1)
# or refused it for a reason docs/upstream.md documents.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
echo "BENCH-BOOTED $(uname -r) $(uname -m) cpus=$(grep -c ^processor /proc/cpuinfo)"
cs=/sys/devices/system/clocksource/clocksource0/current_clocksource
i=0
while [ "$(cat $cs 2>/dev/null)" = tsc-early ] && [ $i -lt 50 ]; do
	sleep 0.1; i=$((i + 1))
done
# the console is for results: kernel messages go to the log only
echo 1 > /proc/sys/kernel/printk

fields=file,prog,verdict,insns,states,jited,cancel,cancel_reason,sites,sites_dropped,cold_jited
header=file_name,prog_name,verdict,total_insns,total_states,jited_size,cancel_status,cancel_reason,cancel_sites,cancel_sites_dropped,cold_jited_size
for mode in plain cancellable; do
	t0=$(date +%s)
	rc=0
	env=0
	[ $mode = cancellable ] && env=1
	echo "$header" > /tmp/$mode.csv
	# one veristat per object, named on the console first: a kernel
	# crash then says which object it was loading
	for o in /corpus/*.o; do
		echo "UPSTREAM-OBJ $mode ${o##*/}"
		LIBBPF_CANCELLABLE=$env /upstream/veristat -q -o csv -e $fields "$o" \
			> /tmp/one.csv 2>> /tmp/$mode.err || rc=$?
		sed 1d /tmp/one.csv >> /tmp/$mode.csv
	done
	echo "UPSTREAM-TIME $mode $(( $(date +%s) - t0 ))s veristat-rc=$rc"
	echo "UPSTREAM-CSV-BEGIN $mode"
	cat /tmp/$mode.csv
	echo "UPSTREAM-CSV-END $mode"
done

# 1 file_name, 2 prog_name, 3 verdict, 4 total_insns, 5 total_states,
# 6 jited_size, 7 cancel_status, 8 cancel_reason, 9 cancel_sites,
# 10 cancel_sites_dropped, 11 cold_jited_size
awk -F, -v arch="$(uname -m)" '
	BEGIN {
		# enum bpf_cancel_reason (include/uapi/linux/bpf.h of the series)
		split("NO_JIT ARCH BLINDING EXCEPTIONS SUBPROGS LAYOUT NOMEM PROG_TYPE", n, " ")
		for (i = 1; i <= 8; i++)
			reason[i] = n[i]
		# refusals docs/upstream.md explains (programs the series does
		# not cancel yet): bpf_throw, struct_ops and freplace
		documented[4] = 1
		documented[8] = 1
	}
	FNR == 1 { next }
	NR == FNR { pv[$1 "/" $2] = $3; pi[$1 "/" $2] = $4; pj[$1 "/" $2] = $6; next }
	{ k = $1 "/" $2; cv[k] = $3; ci[k] = $4; cj[k] = $6; cs[k] = $7; cr[k] = $8 }
	END {
		for (k in pv) {
			if (pv[k] != "success") { nplain++; continue }
			if (!(k in cv))
				r = "FAIL missing from the cancellable run"
			else if (cv[k] != "success")
				r = "FAIL loads plain, not cancellable"
			else if (ci[k] != pi[k])
				r = "FAIL insn_processed " pi[k] " plain, " ci[k] " cancellable"
			else if (cj[k] != pj[k] && arch != "aarch64")
				r = "FAIL hot JIT size " pj[k] " plain, " cj[k] " cancellable"
			else if (cs[k] == 1)
				r = "PASS"
			else if (cs[k] == 2 && (cr[k] in documented))
				r = "PASS refused: " reason[cr[k]] " (documented)"
			else
				r = "FAIL cancel_status " cs[k] ", refused: " \
				    (cr[k] in reason ? reason[cr[k]] : cr[k])
			print "BENCH-RESULT: veristat/" k " " r
			if (r ~ /^PASS/) p++; else f++
			if (r ~ /^PASS refused/) nref[reason[cr[k]]]++
			if (cv[k] == "success" && cj[k] != pj[k]) njit++
		}
		# arm64 encodes calls and 64-bit immediates by distance and
		# value: the same code can JIT to other sizes elsewhere
		if (arch == "aarch64")
			printf "UPSTREAM-JIT-SIZE %d programs JITed to another size (arm64: placement-dependent encodings, not compared)\n", njit
		for (x in nref)
			printf "UPSTREAM-REFUSED %s %d programs (documented)\n", x, nref[x]
		printf "UPSTREAM-NOT-LOADABLE %d programs do not load plain either\n", nplain
		printf "BENCH-DONE passed=%d failed=%d\n", p, f
	}' /tmp/plain.csv /tmp/cancellable.csv
echo "BENCH-EXIT"
sync
reboot -f
