#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# run.sh - BPF programs of Linux 6.12 written outside the selftests, as a
# corpus for clang -fbpf-cancellable (test/corpus-ext/prepare.sh must have
# run). Three corpora, each built with the flags of its own Makefile:
#
#   sched_ext  tools/sched_ext/*.bpf.c (the example schedulers)
#   samples    samples/bpf: *_kern.c, parse_*.c (old style) and *.bpf.c
#   tools      tools/bpf: bpftool's skeleton/*.bpf.c, runqslower
#
# For each program (build/corpus-ext/programs):
#
#   plain    clang-22 <its flags> -c X.c -o plain/X.o
#   flag     build/bin/clang -fbpf-cancellable <the same flags> -o flag/X.o
#   twins    no twin dropped (no -Wbpf-cancel warning in the flag log)
#   check    build/bin/bpfcancel check flag/X.o
#   cmp-hot  build/bin/bpfcancel cmp-hot plain/X.o flag/X.o
#
# Old-style samples are compiled as their Makefile does, in two halves: the
# host-target front end to bitcode (once, shared), then the BPF back end,
# "clang --target=bpf -O2" on the bitcode, with and without the flag.
#
# One test per program: it passes only if all its steps pass. Every compile
# has a time limit (--timeout): a compiler that hangs fails that program, it
# does not stall the run. Plain objects are always rebuilt: the corpus is
# small, and the compile CPU time is measured both ways on every run.
#
# Usage: test/corpus-ext/run.sh [--jobs N] [--timeout S] [FILTER]
#   FILTER     a glob (samples/tracex*) or substring (scx_) of "corpus/name"
#   --jobs     parallel programs (default 2: the machine is shared)
#   --timeout  seconds per compile (default 120)
#
# Output: per-program failures with the first error line, the programs not
# in the corpus (EXCLUDED), per corpus the tallies and the compile CPU time
# (user+sys) with and without the flag over the programs that compiled both
# ways, and last a line "N passed, N failed". Exit status 0 iff nothing
# failed. Objects and logs: $BUILD/corpus-ext/out/{plain,flag,bc,log,res}/.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
EXT=$BUILD/corpus-ext
SRC=$BUILD/linux-src
OUT=$EXT/out
BIN=${BPFCANCEL_BIN:-$BUILD/bin}
CLANG_PLAIN=${CLANG:-clang-22}
EXCLUDED=$TOP/test/corpus-ext/EXCLUDED
CORPORA="sched_ext samples tools"
export EXT SRC OUT BIN CLANG_PLAIN

# ---------------------------------------------------------------------------
# Worker: all steps of the programs named "corpus/name" on its command line;
# writes $OUT/res/corpus/name, one "step status cpu-seconds [reason]" line
# per step (status ok, fail, or skip when an earlier step left nothing to
# work on). Run by xargs in a fresh bash, hence the exported environment.

first_error() {
	# The most telling line of a log: the first error, else its first line.
	local l
	l=$(grep -m1 -E 'error|Error|ERROR|FAIL|mismatch|differ' "$1" 2>/dev/null || true)
	[ -n "$l" ] || l=$(grep -m1 . "$1" 2>/dev/null || true)
	[ -n "$l" ] || l="(no output)"
	l=${l//$SRC\//}
	l=${l//$OUT\//}
	printf '%s' "${l:0:300}"
}

# run STEP LOG CMD... : run CMD (time-limited, output to LOG), append the
# step's result line. Returns CMD's status.
run() {
	local step=$1 log=$2 rc=0 cpu why
	shift 2
	{ TIMEFORMAT='%U %S'; time timeout -k 5 "$TIMEOUT" "$@" >"$log" 2>&1; } 2>"$log.time" || rc=$?
	cpu=$(awk '{ printf "%.3f", $1 + $2 }' "$log.time")
	rm -f "$log.time"
	if [ "$rc" -eq 0 ]; then
		echo "$step ok $cpu" >>"$RES"
		return 0
	fi
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="timed out after $TIMEOUT s"
	else
		why=$(first_error "$log")
	fi
	echo "$step fail $cpu $why" >>"$RES"
	return "$rc"
}

worker_one() {
	local id=$1 corpus name kind dir src set
	corpus=${id%%/*}
	name=${id#*/}
	read -r kind dir src set < <(awk -v c="$corpus" -v n="$name" \
		'$1 == c && $2 == n { print $3, $4, $5, $6 }' "$EXT/programs")
	local plain=$OUT/plain/$id.o flag=$OUT/flag/$id.o lg=$OUT/log/$id
	local -a cflags be=()
	local w
	mapfile -t cflags <"$EXT/flags/$set"
	RES=$OUT/res/$id
	: >"$RES"
	rm -f "$plain" "$flag"
	cd "$SRC/$dir"

	# What both compiles start from: the source, or for an old-style
	# sample its bitcode (the front end is part of both builds' cost).
	local input=$src
	if [ "$kind" = kern ]; then
		input=$OUT/bc/$id.bc
		mapfile -t be <"$EXT/flags/$set-be"
		if ! run fe "$lg.fe" "$CLANG_PLAIN" "${cflags[@]}" -c "$src" -o "$input"; then
			for s in plain flag check cmp; do echo "$s skip 0 no bitcode" >>"$RES"; done
			return 0
		fi
		cflags=("${be[@]}")
	fi

	run plain "$lg.plain" "$CLANG_PLAIN" "${cflags[@]}" -c "$input" -o "$plain" || rm -f "$plain"
	if [ ! -x "$BIN/clang" ]; then
		echo "flag fail 0 not built: $BIN/clang (the driver shim)" >>"$RES"
	else
		if run flag "$lg.flag" "$BIN/clang" -fbpf-cancellable "${cflags[@]}" -c "$input" -o "$flag"; then
			# The object is valid, but a twin the plugin had to drop
			# (-Wbpf-cancel) is a compiler bug on a corpus like this
			# one: a failure.
			w=$(grep -m1 -- '-Wbpf-cancel' "$lg.flag" || true)
			[ -z "$w" ] || echo "twins fail 0 dropped: ${w//$SRC\//}" >>"$RES"
		else
			rm -f "$flag"
		fi
	fi

	if [ ! -x "$BIN/bpfcancel" ]; then
		echo "check fail 0 not built: $BIN/bpfcancel" >>"$RES"
		echo "cmp fail 0 not built: $BIN/bpfcancel" >>"$RES"
		return 0
	fi
	if [ -f "$flag" ]; then
		run check "$lg.check" "$BIN/bpfcancel" check "$flag" || true
	else
		echo "check skip 0 no flagged object" >>"$RES"
	fi
	if [ -f "$flag" ] && [ -f "$plain" ]; then
		run cmp "$lg.cmp" "$BIN/bpfcancel" cmp-hot "$plain" "$flag" || true
	else
		echo "cmp skip 0 no object to compare" >>"$RES"
	fi
}

if [ "${1:-}" = "--worker" ]; then
	shift
	# A subshell each: a program's cd or an unexpected error stays its own
	# (its missing result is reported).
	for id in "$@"; do (worker_one "$id") || true; done
	exit 0
fi

# ---------------------------------------------------------------------------
JOBS=2
TIMEOUT=120
FILTER=
while [ $# -gt 0 ]; do
	case $1 in
	--jobs) JOBS=$2; shift 2 ;;
	--jobs=*) JOBS=${1#--jobs=}; shift ;;
	-j*) JOBS=${1#-j}; shift ;;
	--timeout) TIMEOUT=$2; shift 2 ;;
	--timeout=*) TIMEOUT=${1#--timeout=}; shift ;;
	-h|--help) sed -n '3,38s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) FILTER=$1; shift ;;
	esac
done
case $JOBS in ''|*[!0-9]*|0) echo "run.sh: --jobs needs a positive number" >&2; exit 2 ;; esac
case $TIMEOUT in ''|*[!0-9]*|0) echo "run.sh: --timeout needs a positive number of seconds" >&2; exit 2 ;; esac
export TIMEOUT

[ -f "$EXT/programs" ] && [ -f "$EXT/include/vmlinux.h" ] ||
	{ echo "run.sh: corpus not prepared: run test/corpus-ext/prepare.sh" >&2; exit 2; }
command -v "$CLANG_PLAIN" >/dev/null || { echo "run.sh: $CLANG_PLAIN not found" >&2; exit 2; }
command -v timeout >/dev/null || { echo "run.sh: timeout (coreutils) not found" >&2; exit 2; }

# The program list, filtered on "corpus/name".
IDS=()
while read -r corpus name _; do
	id=$corpus/$name
	if [ -z "$FILTER" ]; then
		IDS+=("$id")
	elif [[ $FILTER == *[*?[]* ]]; then
		# shellcheck disable=SC2053
		[[ $id == $FILTER ]] && IDS+=("$id")
	elif [[ $id == *"$FILTER"* ]]; then
		IDS+=("$id")
	fi
done <"$EXT/programs"
TOTAL=${#IDS[@]}
[ "$TOTAL" -gt 0 ] || { echo "run.sh: no program matches '$FILTER'" >&2; exit 2; }

mkdir -p "$OUT"
# Two runs over one output directory would delete each other's objects.
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	echo "corpus-ext: another run.sh is using $OUT: waiting for it"
	flock 9
fi
for id in "${IDS[@]}"; do
	for d in plain flag bc log res; do mkdir -p "$OUT/$d/${id%/*}"; done
	rm -f "$OUT/res/$id"
done

echo "corpus-ext: $TOTAL programs${FILTER:+ matching '$FILTER'}, $JOBS jobs, ${TIMEOUT} s per compile"
echo "corpus-ext: sched_ext vmlinux.h: $(cat "$EXT/include/vmlinux.h.source" 2>/dev/null || echo '?')"
[ -x "$BIN/clang" ] || echo "corpus-ext: NOTE: $BIN/clang (driver shim) not built: every flagged step fails"
[ -x "$BIN/bpfcancel" ] || echo "corpus-ext: NOTE: $BIN/bpfcancel not built: every check and cmp-hot step fails"

start=$(date +%s.%N)
printf '%s\n' "${IDS[@]}" | xargs -P "$JOBS" -n 2 "$0" --worker
end=$(date +%s.%N)

# ---------------------------------------------------------------------------
# Tally, per corpus.
declare -A N=() PLAIN=() FLAG=() CHECK=() CMP=() WARN=() TWINS=() TWOBJ=()
declare -A CPU_P=() CPU_F=() CPU_FE=() BOTH=()
passed=0 failed=0
FAILS=()
for c in $CORPORA; do
	N[$c]=0 PLAIN[$c]=0 FLAG[$c]=0 CHECK[$c]=0 CMP[$c]=0 WARN[$c]=0 TWINS[$c]=0 TWOBJ[$c]=0
	CPU_P[$c]=0 CPU_F[$c]=0 CPU_FE[$c]=0 BOTH[$c]=0
done
for id in "${IDS[@]}"; do
	c=${id%%/*}
	N[$c]=$((N[$c] + 1))
	res=$OUT/res/$id
	reasons=()
	fe=0 cp="" cf=""
	if [ ! -s "$res" ]; then
		reasons=("worker produced no result")
	else
		while read -r step status cpu why; do
			case $status in
			ok)
				case $step in
				fe) fe=$cpu ;;
				plain) PLAIN[$c]=$((PLAIN[$c] + 1)); cp=$cpu ;;
				flag) FLAG[$c]=$((FLAG[$c] + 1)); cf=$cpu ;;
				check) CHECK[$c]=$((CHECK[$c] + 1))
				       # what the corpus exercises: "ok (N cancellable functions)"
				       t=$(sed -n 's/.*: ok (\([0-9]*\) cancellable function.*/\1/p' \
					       "$OUT/log/$id.check" | head -n1)
				       if [ "${t:-0}" -gt 0 ]; then
					       TWINS[$c]=$((TWINS[$c] + t)); TWOBJ[$c]=$((TWOBJ[$c] + 1))
				       fi ;;
				cmp) CMP[$c]=$((CMP[$c] + 1)) ;;
				esac ;;
			fail) reasons+=("$step: $why")
			      [ "$step" = twins ] && WARN[$c]=$((WARN[$c] + 1)) ;;
			skip) ;; # an earlier step failed: its reason is the one listed
			esac
		done <"$res"
	fi
	# CPU time over the programs compiled both ways: a failed or timed-out
	# compile would measure the failure, not the flag.
	if [ -n "$cp" ] && [ -n "$cf" ]; then
		BOTH[$c]=$((BOTH[$c] + 1))
		CPU_P[$c]=$(awk -v a="${CPU_P[$c]}" -v b="$cp" -v f="$fe" 'BEGIN { print a + b + f }')
		CPU_F[$c]=$(awk -v a="${CPU_F[$c]}" -v b="$cf" -v f="$fe" 'BEGIN { print a + b + f }')
		CPU_FE[$c]=$(awk -v a="${CPU_FE[$c]}" -v f="$fe" 'BEGIN { print a + f }')
	fi
	if [ ${#reasons[@]} -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		read -r dir src < <(awk -v c="$c" -v n="${id#*/}" '$1 == c && $2 == n { print $4, $5 }' "$EXT/programs")
		FAILS+=("$c: $dir/$src: $(IFS='|'; echo "${reasons[*]}" | sed 's/|/; /g')")
	fi
done

if [ ${#FAILS[@]} -gt 0 ]; then
	echo "FAILURES:"
	for f in "${FAILS[@]}"; do echo "  $f"; done
fi
if [ -z "$FILTER" ] && grep -q '^[^#[:space:]]' "$EXCLUDED"; then
	echo "NOT IN THE CORPUS (cannot be built plain; test/corpus-ext/EXCLUDED):"
	grep '^[^#[:space:]]' "$EXCLUDED" | sed 's/^/  /'
fi

wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
echo "logs: $OUT/log/CORPUS/NAME.{fe,plain,flag,check,cmp}"
for c in $CORPORA; do
	[ "${N[$c]}" -gt 0 ] || continue
	n=${N[$c]}
	case $c in
	sched_ext) what="tools/sched_ext/*.bpf.c" ;;
	samples) what="samples/bpf: *_kern.c, parse_*.c, *.bpf.c" ;;
	tools) what="tools/bpf: bpftool skeletons, runqslower" ;;
	esac
	echo "$c ($what)"
	printf '  plain compiled   %d/%d\n' "${PLAIN[$c]}" "$n"
	printf '  flag compiled    %d/%d\n' "${FLAG[$c]}" "$n"
	printf '  check passed     %d/%d\n' "${CHECK[$c]}" "$n"
	printf '  hot identical    %d/%d\n' "${CMP[$c]}" "$n"
	printf '  twins dropped    %d objects (-Wbpf-cancel; failures)\n' "${WARN[$c]}"
	printf '  twins            %d functions in %d objects\n' "${TWINS[$c]}" "${TWOBJ[$c]}"
	if [ "${BOTH[$c]}" -gt 0 ]; then
		awk -v p="${CPU_P[$c]}" -v f="${CPU_F[$c]}" -v e="${CPU_FE[$c]}" -v b="${BOTH[$c]}" 'BEGIN {
			printf "  compile cpu      %.2f s plain, %.2f s flag, ratio %.2f (%d programs compiled both ways)\n",
				p, f, (p > 0 ? f / p : 0), b
			# old-style samples: the host front end is the same in both
			if (e > 0 && p > e)
				printf "                   of which %.2f s host front end; BPF back end alone: ratio %.2f\n",
					e, (f - e) / (p - e) }'
	else
		echo "  compile cpu      - (no program compiled both ways)"
	fi
done
printf 'wall time        %ss (%d jobs)\n' "$wall" "$JOBS"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
