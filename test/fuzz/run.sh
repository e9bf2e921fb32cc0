#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# run.sh - fuzz clang -fbpf-cancellable with random valid BPF C.
#
# For N consecutive seeds S, S+1, ... (test/fuzz/gen.py; the corpus must be
# prepared: test/corpus/prepare.sh writes the flags and headers used here):
#
#   gen      python3 test/fuzz/gen.py --seed S -o src/S.c
#   plain    clang-22 <build/corpus/cflags> -c src/S.c -o plain/S.o
#   flag     build/bin/clang -fbpf-cancellable <same flags> -o flag/S.o
#   twins    no twin dropped (no -Wbpf-cancel "... gets no cold twin")
#   check    build/bin/bpfcancel check flag/S.o
#   cmp-hot  build/bin/bpfcancel cmp-hot plain/S.o flag/S.o
#
# A program that does not build plain is a generator bug, not a compiler
# one: it is counted ("plain build failures"), reported and skipped. Every
# program that builds plain is one test; it passes only if all later steps
# pass. A failing program's source and logs are kept in fail/ as
# seed-S.c / seed-S.log (a seed that passes later removes its old copy).
#
# Usage: test/fuzz/run.sh [--count N] [--seed S] [--jobs J] [--keep]
#                         [--timeout SECS]
#   --count    programs to try (default 100)
#   --seed     first seed (default 1)
#   --jobs     parallel workers (default 2: the machine is shared)
#   --keep     keep every source, object and log (default: only failures)
#   --timeout  per step (default 120 s; a small program compiles in 1-2 s,
#              so a step that takes this long is a hang, and a failure)
#
# Each step also runs under a 4 GiB address-space limit (FUZZ_MEM_KB): a
# compiler that loops allocating must fail, not take the shared machine's
# memory with it.
#
# Output: the tallies, each failure (seed, step, first error line), the
# failure classes, the compile CPU time (user+sys) with and without the flag
# over the programs that built both ways, the wall time, and last a line
# "N passed, N failed".
# Exit status 0 iff nothing failed. Work files: $BUILD/fuzz/.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
CORPUS=$BUILD/corpus
OUT=$BUILD/fuzz
BIN=${BPFCANCEL_BIN:-$BUILD/bin}
CLANG_PLAIN=${CLANG:-clang-22}
GEN=$TOP/test/fuzz/gen.py
NOTWIN='gets no cold twin|no function of this object gets a cold twin'
export TOP BUILD CORPUS OUT BIN CLANG_PLAIN GEN NOTWIN

# ---------------------------------------------------------------------------
# Worker: one seed, all its steps; writes $OUT/res/S (step status why).
# Run by xargs in a fresh bash, hence the exported environment.
first_error() {
	# The most telling line of a log: the first error (not a warning that
	# happens to say "differs"), else the first complaint, else line 1.
	local l
	l=$(grep -m1 -E 'error|Error|ERROR' "$1" 2>/dev/null || true)
	[ -n "$l" ] || l=$(grep -m1 -E 'FAIL|mismatch|differ|Traceback' "$1" 2>/dev/null || true)
	[ -n "$l" ] || l=$(grep -m1 . "$1" 2>/dev/null || true)
	[ -n "$l" ] || l="(no output)"
	l=${l//$OUT\//}
	printf '%s' "${l:0:300}"
}

# A concurrent "make build" relinks the shim and the plugin in place: give
# them a minute to come back rather than fail every program of the run.
wait_built() {
	local f n=0
	for f in "$@"; do
		while [ ! -e "$f" ] && [ $n -lt 30 ]; do
			sleep 2
			n=$((n + 1))
		done
		[ -e "$f" ] || return 1
	done
}

# One step: its exit status, 124 when it timed out. Its CPU time (user+sys,
# seconds) goes to $log.cpu. (No exec in the subshell: bash's time then
# reports nothing.)
step() {
	local log=$1 rc=0
	shift
	{ TIMEFORMAT='%U %S'; time ( ulimit -v "$MEM_KB"; timeout -k 5 "$TIMEOUT" "$@" >"$log" 2>&1 ); } 2>"$log.time" || rc=$?
	awk '{ printf "%.3f", $1 + $2 }' "$log.time" >"$log.cpu"
	rm -f "$log.time"
	return $rc
}

# The reason of a failed step: a timeout says so, else the log's first error.
why() {
	if [ "$1" = 124 ] || [ "$1" = 137 ]; then
		printf 'timed out after %ss' "$TIMEOUT"
	else
		first_error "$2"
	fi
}

worker() {
	local s=$1 res=$OUT/res/$1 src=$OUT/src/$1.c rc try
	local -a cflags
	mapfile -t cflags <"$CORPUS/cflags"
	: >"$res"
	rm -f "$OUT/plain/$s.o" "$OUT/flag/$s.o"

	if ! python3 "$GEN" --seed "$s" -o "$src" >"$OUT/log/$s.gen" 2>&1; then
		echo "plain fail gen.py: $(first_error "$OUT/log/$s.gen")" >>"$res"
		return 0
	fi
	rc=0
	step "$OUT/log/$s.plain" "$CLANG_PLAIN" "${cflags[@]}" -c "$src" \
		-o "$OUT/plain/$s.o" || rc=$?
	if [ $rc = 0 ]; then
		echo "plain ok $(cat "$OUT/log/$s.plain.cpu")" >>"$res"
	else
		echo "plain fail $(why $rc "$OUT/log/$s.plain")" >>"$res"
		return 0
	fi

	if ! wait_built "$BIN/clang" "$BIN/../lib/BPFCancel.so"; then
		echo "flag fail not built: $BIN/clang or the plugin" >>"$res"
		return 0
	fi
	# A plugin caught half-written by that relink does not load: retry.
	for try in 1 2 3 4; do
		rc=0
		step "$OUT/log/$s.flag" "$BIN/clang" -fbpf-cancellable "${cflags[@]}" \
			-c "$src" -o "$OUT/flag/$s.o" || rc=$?
		if [ $rc = 0 ] || [ $try = 4 ] ||
		   ! grep -q 'unable to load plugin' "$OUT/log/$s.flag"; then
			break
		fi
		sleep 15
	done
	if [ $rc = 0 ]; then
		echo "flag ok $(cat "$OUT/log/$s.flag.cpu")" >>"$res"
	else
		rm -f "$OUT/flag/$s.o"
		echo "flag fail $(why $rc "$OUT/log/$s.flag")" >>"$res"
		return 0
	fi
	# The object is valid, but a function (or the whole object) left
	# without a twin although it can run long (-Wbpf-cancel: "... gets no
	# cold twin: <why>") is a compiler bug on programs like these.
	if grep -qE "$NOTWIN" "$OUT/log/$s.flag"; then
		echo "twins fail dropped: $(grep -m1 -oE "($NOTWIN).*" "$OUT/log/$s.flag")" >>"$res"
	fi

	if ! wait_built "$BIN/bpfcancel"; then
		echo "check fail not built: $BIN/bpfcancel" >>"$res"
		return 0
	fi
	rc=0
	step "$OUT/log/$s.check" "$BIN/bpfcancel" check "$OUT/flag/$s.o" || rc=$?
	if [ $rc = 0 ]; then
		echo "check ok" >>"$res"
	else
		echo "check fail $(why $rc "$OUT/log/$s.check")" >>"$res"
	fi
	rc=0
	step "$OUT/log/$s.cmp" "$BIN/bpfcancel" cmp-hot "$OUT/plain/$s.o" \
		"$OUT/flag/$s.o" || rc=$?
	if [ $rc = 0 ]; then
		echo "cmp-hot ok" >>"$res"
	else
		echo "cmp-hot fail $(why $rc "$OUT/log/$s.cmp")" >>"$res"
	fi
}

if [ "${1:-}" = "--worker" ]; then
	shift
	for s in "$@"; do worker "$s"; done
	exit 0
fi

# ---------------------------------------------------------------------------
COUNT=100
SEED=1
JOBS=2
KEEP=0
TIMEOUT=120
MEM_KB=${FUZZ_MEM_KB:-4194304}
while [ $# -gt 0 ]; do
	case $1 in
	--count) COUNT=$2; shift 2 ;;
	--count=*) COUNT=${1#--count=}; shift ;;
	--seed) SEED=$2; shift 2 ;;
	--seed=*) SEED=${1#--seed=}; shift ;;
	--jobs) JOBS=$2; shift 2 ;;
	--jobs=*) JOBS=${1#--jobs=}; shift ;;
	-j*) JOBS=${1#-j}; shift ;;
	--keep) KEEP=1; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--timeout=*) TIMEOUT=${1#--timeout=}; shift ;;
	-h|--help) sed -n '3,37s/^# \{0,1\}//p' "$0"; exit 0 ;;
	*) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
for v in COUNT JOBS TIMEOUT MEM_KB; do
	case ${!v} in ''|*[!0-9]*|0) echo "run.sh: --${v,,} needs a positive number" >&2; exit 2 ;; esac
done
case $SEED in ''|*[!0-9]*) echo "run.sh: --seed needs a non-negative number" >&2; exit 2 ;; esac
export TIMEOUT MEM_KB

[ -f "$CORPUS/cflags" ] && [ -f "$CORPUS/include/vmlinux.h" ] ||
	{ echo "run.sh: corpus not prepared: run test/corpus/prepare.sh" >&2; exit 2; }
command -v "$CLANG_PLAIN" >/dev/null || { echo "run.sh: $CLANG_PLAIN not found" >&2; exit 2; }
command -v python3 >/dev/null || { echo "run.sh: python3 not found" >&2; exit 2; }

mkdir -p "$OUT/src" "$OUT/plain" "$OUT/flag" "$OUT/log" "$OUT/res" "$OUT/fail"
# Two runs share the seed-named files: the second waits for the first.
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	echo "fuzz: another run.sh is using $OUT: waiting for it"
	flock 9
fi

# Seeds as decimal strings: FUZZ_SEED may be larger than bash arithmetic
# likes (date-based), python does the counting.
mapfile -t SEEDS < <(python3 -c 'import sys; s, n = int(sys.argv[1]), int(sys.argv[2]); print("\n".join(str(s + i) for i in range(n)))' "$SEED" "$COUNT")
LAST=${SEEDS[$((COUNT - 1))]}
for s in "${SEEDS[@]}"; do rm -f "$OUT/res/$s"; done

echo "fuzz: $COUNT programs, seeds $SEED..$LAST, $JOBS jobs (test/fuzz/gen.py)"
start=$(date +%s.%N)
# Seeds go to the workers 4 at a time: fewer bash start-ups, still balanced.
printf '%s\n' "${SEEDS[@]}" | xargs -P "$JOBS" -n 4 "$0" --worker
end=$(date +%s.%N)

# ---------------------------------------------------------------------------
# Tally.
plain_ok=0 flag_ok=0 check_ok=0 cmp_ok=0 passed=0 failed=0 plain_fail=0 notwin=0
cpu_plain=0 cpu_flag=0 both=0
FAILS=() PLAINS=()
declare -A CLASS=() CLASS_SEEDS=()
# One bug, one class: a message without file positions, names and numbers.
classify() {
	sed -E -e 's#[^ ]*\.(c|o):([0-9]+:)*:? ?##g' \
		-e "s/'[^']*'/'_'/g" -e 's/0x[0-9a-f]+/N/g' -e 's/[0-9]+/N/g'
}
for s in "${SEEDS[@]}"; do
	res=$OUT/res/$s
	reasons=() isplain=0 step1= cp= cf=
	if [ ! -s "$res" ]; then
		reasons=("worker: produced no result")
	else
		while read -r step status why; do
			if [ "$status" = ok ]; then
				case $step in
				plain) plain_ok=$((plain_ok + 1)); cp=$why ;;
				flag) flag_ok=$((flag_ok + 1)); cf=$why ;;
				check) check_ok=$((check_ok + 1)) ;;
				cmp-hot) cmp_ok=$((cmp_ok + 1)) ;;
				esac
			else
				[ "$step" = plain ] && isplain=1
				[ "$step" = twins ] && notwin=$((notwin + 1))
				[ -n "$step1" ] || step1=$step
				reasons+=("$step: $why")
			fi
		done <"$res"
	fi
	if [ -n "$cp" ] && [ -n "$cf" ]; then
		both=$((both + 1))
		read -r cpu_plain cpu_flag < <(awk -v a="$cpu_plain" -v b="$cpu_flag" \
			-v p="$cp" -v f="$cf" 'BEGIN { print a + p, b + f }')
	fi
	if [ ${#reasons[@]} -eq 0 ]; then
		passed=$((passed + 1))
		rm -f "$OUT/fail/seed-$s.c" "$OUT/fail/seed-$s.log"
		continue
	fi
	# Keep the source and the logs of every failure.
	cp -f "$OUT/src/$s.c" "$OUT/fail/seed-$s.c" 2>/dev/null || true
	for l in gen plain flag check cmp; do
		[ -s "$OUT/log/$s.$l" ] && { echo "=== $l"; cat "$OUT/log/$s.$l"; }
	done >"$OUT/fail/seed-$s.log" 2>/dev/null || true
	if [ "$isplain" = 1 ]; then
		plain_fail=$((plain_fail + 1))
		PLAINS+=("seed $s: ${reasons[0]}")
		continue
	fi
	failed=$((failed + 1))
	FAILS+=("seed $s: $(IFS='|'; echo "${reasons[*]}" | sed 's/|/; /g')")
	# A failure class: the first failing step and its message.
	cls=$(printf '%s' "$step1: ${reasons[0]#*: }" | classify)
	CLASS[$cls]=$(( ${CLASS[$cls]:-0} + 1 ))
	[ "${CLASS[$cls]}" -le 5 ] && CLASS_SEEDS[$cls]="${CLASS_SEEDS[$cls]:-}${CLASS_SEEDS[$cls]:+ }$s"
done

if [ "$KEEP" = 0 ]; then
	# Failures are in fail/; the rest is not worth the disk.
	for s in "${SEEDS[@]}"; do
		rm -f "$OUT/src/$s.c" "$OUT/plain/$s.o" "$OUT/flag/$s.o" \
			"$OUT/log/$s".{gen,plain,flag,check,cmp}{,.cpu}
	done
fi

# One line per class (a message, 200 characters at most): how many
# programs, and the first seeds. $1, $2: names of the count and seed maps.
print_classes() {
	local -n cnt=$1 seeds=$2
	local c
	for c in "${!cnt[@]}"; do
		printf '  %5d  %s  [seeds %s%s]\n' "${cnt[$c]}" "${c:0:200}" "${seeds[$c]}" \
			"$([ "${cnt[$c]}" -le 5 ] || echo " ...")"
	done | sort -rn
}
if [ ${#FAILS[@]} -gt 0 ]; then
	echo "FAILURES (sources and logs: $OUT/fail/seed-S.{c,log};" \
		"reproduce: test/fuzz/run.sh --seed S --count 1 --keep):"
	for f in "${FAILS[@]}"; do echo "  $f"; done
	echo "FAILURE CLASSES:"
	print_classes CLASS CLASS_SEEDS
fi
if [ ${#PLAINS[@]} -gt 0 ]; then
	echo "PLAIN BUILD FAILURES (generator bugs, skipped; $OUT/fail/seed-S.{c,log}):"
	for f in "${PLAINS[@]}"; do echo "  $f"; done
fi

wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
printf 'programs tried         %d (seeds %s..%s)\n' "$COUNT" "$SEED" "$LAST"
printf 'built plain            %d (%d plain build failures)\n' "$plain_ok" "$plain_fail"
printf 'built with flag        %d/%d\n' "$flag_ok" "$plain_ok"
printf 'check passed           %d/%d\n' "$check_ok" "$plain_ok"
printf 'hot identical          %d/%d\n' "$cmp_ok" "$plain_ok"
printf 'failures               %d\n' "$failed"
printf 'twins dropped          %d (failures: -Wbpf-cancel "... gets no cold twin")\n' "$notwin"
awk -v p="$cpu_plain" -v f="$cpu_flag" -v b="$both" 'BEGIN {
	printf "compile cpu            %.2f s plain, %.2f s flag, ratio %.2f (%d programs built both ways)\n",
		p, f, (p > 0 ? f / p : 0), b }'
printf 'wall time              %ss (%d jobs)\n' "$wall" "$JOBS"
[ "$KEEP" = 1 ] && echo "kept: $OUT/{src,plain,flag,log}/SEED.*"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
