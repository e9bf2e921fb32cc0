#!/bin/busybox sh
# SPDX-License-Identifier: GPL-2.0
# /init of make check-upstream's guest (docs/upstream.md). Stages, as
# upstream.stages=a,b on the kernel command line or else /upstream/stages
# lists them:
#
# veristat  Linux's own veristat over the corpus objects (built with clang
#           -fbpf-cancellable), once plain and once with every program
#           cancellable (LIBBPF_CANCELLABLE=1, patch 14). veristat reports
#           what bpf_prog_info says of each loaded program (patch 15: JIT
#           size, cancellation status and reason, sites confirmed and
#           dropped, cold JIT size). Prints both CSVs between markers for
#           the host, then one BENCH-RESULT line per program that loads
#           plain: PASS when it also loads cancellable, with the same number
#           of processed instructions and the same hot JIT size (x86-64;
#           arm64's depends on placement), and the kernel made it
#           cancellable (status 1) or refused it for a reason
#           docs/upstream.md documents.
# cold      /upstream/coldrun over the same objects: every program
#           BPF_PROG_TEST_RUN can run, run cold from its first instruction
#           (GLOBAL) and cancelled at random points; one BENCH-RESULT line
#           per program run.
# test_verifier
#           Linux's test_verifier in full, its output between markers: the
#           host compares it with the stock kernel's.
# test_progs
#           Linux's test_progs, the selection /upstream/test_progs.list,
#           once per line of /upstream/tp-configs ("<config> <objects>
#           <LIBBPF_CANCELLABLE>"), as the test_progs flavour
#           /tp/test_progs-<objects>, which runs in /tp/<objects> (tests open
#           objects by name and load ./bpf_testmod.ko); each output between
#           markers for the host to compare.
#
# Then the kernel log (the console shows only alerts while the stages run)
# and, on a kernel with kmemleak, its scan: run-qemu.sh fails the run on
# any report in either.
. /guest.sh
guest_setup
# the console is for results: kernel messages go to the log only, except
# on the debug kernel (it has kmemleak), whose stages take hours under TCG:
# there errors (KASAN, lockdep) show at once, so a run that times out
# still shows them
if [ -e /sys/kernel/debug/kmemleak ]; then
	echo 4 > /proc/sys/kernel/printk
else
	echo 1 > /proc/sys/kernel/printk
fi

veristat() {
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
				print "BENCH-RESULT: veristat/" k " " r > "/tmp/results"
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
		}' /tmp/plain.csv /tmp/cancellable.csv
}

cold() {
	t0=$(date +%s)
	for o in /corpus/*.o; do
		echo "UPSTREAM-OBJ cold ${o##*/}"
		/upstream/coldrun -n 20 "$o" > /tmp/cold.out 2>&1
		cat /tmp/cold.out
		# a coldrun that died (a signal, not the exit status of its
		# failures) did not finish the object
		grep '^COLD-TOTAL' /tmp/cold.out >> /tmp/cold.totals ||
			echo "BENCH-RESULT: cold/${o##*/} FAIL coldrun did not finish: $(tail -1 /tmp/cold.out)" \
				>> /tmp/results
		sed -n 's/^COLD \([^ ]*\) [^ ]* \(PASS\|FAIL\)/BENCH-RESULT: cold\/\1 \2/p' \
			/tmp/cold.out >> /tmp/results
	done
	# the sum of the per-object totals
	awk '{ for (i = 2; i <= NF; i++) { split($i, kv, "="); t[kv[1]] += kv[2]; o[i] = kv[1] } }
	     END { printf "UPSTREAM-COLD"; for (i = 2; i in o; i++) printf " %s=%d", o[i], t[o[i]]; print "" }' \
		/tmp/cold.totals
	echo "UPSTREAM-TIME cold $(( $(date +%s) - t0 ))s"
}

test_verifier() {
	t0=$(date +%s)
	echo "UPSTREAM-TV-BEGIN"
	# it loads ./bpf_testmod.ko itself, and unloads it when done
	( cd /upstream && ./test_verifier 2>&1 )
	echo "UPSTREAM-TV-END rc=$?"
	echo "UPSTREAM-TIME test_verifier $(( $(date +%s) - t0 ))s"
}

test_progs() {
	mount -t bpf bpf /sys/fs/bpf
	# network tests bind to 127.0.0.1 and ::1
	ip link set lo up
	while read -r cfg objs env; do
		t0=$(date +%s)
		echo "UPSTREAM-TP-BEGIN $cfg"
		# a flavour: it changes to /tp/$objs itself
		( cd /tp && LIBBPF_CANCELLABLE=$env ./test_progs-$objs \
			-a @/upstream/test_progs.list 2>&1 )
		echo "UPSTREAM-TP-END $cfg rc=$?"
		echo "UPSTREAM-TIME test_progs-$cfg $(( $(date +%s) - t0 ))s"
	done < /upstream/tp-configs
}

stages=$(sed -n 's/.*upstream\.stages=\([^ ]*\).*/\1/p' /proc/cmdline | tr , ' ')
[ -n "$stages" ] || stages=$(cat /upstream/stages)
# the selftests' test module: its kfuncs and BTF (some corpus objects
# call them)
: > /tmp/results
insmod /upstream/bpf_testmod.ko ||
	echo "BENCH-RESULT: bpf_testmod.ko FAIL does not load" >> /tmp/results
for stage in $stages; do
	$stage
done
cat /tmp/results
echo "UPSTREAM-DMESG-BEGIN"
dmesg
echo "UPSTREAM-DMESG-END"
guest_kmemleak
echo "BENCH-DONE passed=$(grep -c ' PASS' /tmp/results) failed=$(grep -c ' FAIL' /tmp/results)"
echo "BENCH-EXIT"
sync
reboot -f
