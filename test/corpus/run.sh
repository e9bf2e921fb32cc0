#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# run.sh - the kernel's own BPF selftests programs as a corpus for
# clang -fbpf-cancellable.
#
# For every tools/testing/selftests/bpf/progs/*.c of linux-source-6.12 (798
# files; test/corpus/prepare.sh must have run):
#
#   plain    clang-22 <selftests flags> -c X.c -o plain/X.o
#   flag     build/bin/clang -fbpf-cancellable <same flags> -o flag/X.o
#   twins    no twin dropped (no -Wbpf-cancel warning in the flag log)
#   check    build/bin/bpfcancel check flag/X.o
#   cmp-hot  build/bin/bpfcancel cmp-hot plain/X.o flag/X.o
#
# One test per file: it passes only if all its steps pass. A step whose tool
# is not built yet fails with "not built: ..." (never a silent pass). Files
# listed in test/corpus/REFUSALS that fail are counted as refused, with the
# documented reason; any other failure is a failure.
#
# Usage: test/corpus/run.sh [--jobs N] [--flag-only|--plain-only] [--fresh] [FILTER]
#   FILTER   a glob (verifier_*) or substring (bpf_loop) of the file's base name
#   --jobs   parallel compiles (default 2: the machine is shared)
#   --plain-only  only the plain compile (the tally then has only that step)
#   --flag-only   flag, check, cmp-hot (the plain objects are compiled when
#                 missing or out of date, but not tallied)
#   --fresh  recompile the plain objects even when they are up to date (by
#            default a plain object newer than clang-22, the flags and
#            vmlinux.h is reused: the tree is static once prepared)
#
# Output: per-file failures with reasons, the tallies, the wall time, and
# last a line "N passed, N failed". Exit status 0 iff nothing failed.
# Objects and logs: $BUILD/corpus/out/{plain,flag,log,res}/.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
CORPUS=$BUILD/corpus
SRC=$BUILD/linux-src
SELFTESTS=$SRC/tools/testing/selftests/bpf
OUT=$CORPUS/out
BIN=${BPFCANCEL_BIN:-$BUILD/bin}
CLANG_PLAIN=${CLANG:-clang-22}
REFUSALS=$TOP/test/corpus/REFUSALS
export TOP BUILD CORPUS SRC SELFTESTS OUT BIN CLANG_PLAIN

# ---------------------------------------------------------------------------
# Worker: one file, all its steps; writes $OUT/res/NAME (key value lines).
# Run by xargs in a fresh bash, hence the re-exported environment.
first_error() {
	# The most telling line of a log: the first "error:", else the first line.
	local l
	l=$(grep -m1 -E 'error|Error|ERROR|FAIL|mismatch|differ' "$1" 2>/dev/null || true)
	[ -n "$l" ] || l=$(grep -m1 . "$1" 2>/dev/null || true)
	[ -n "$l" ] || l="(no output)"
	# relative paths keep the report readable
	l=${l//$SELFTESTS\//}
	l=${l//$OUT\//}
	printf '%s' "${l:0:300}"
}

worker() {
	local name=$1 res=$OUT/res/$1 src=progs/$1.c extra
	local -a cflags
	mapfile -t cflags <"$CORPUS/cflags"
	# shellcheck disable=SC2207
	extra=($(awk -v n="$name" '$1 == n { $1 = ""; print }' "$CORPUS/file-cflags"))
	: >"$res"
	cd "$SELFTESTS"

	# A plain object is reused when it is newer than everything it was
	# built from (the tree and headers are static once prepared).
	if [ "$FRESH" = 1 ] ||
	   [ ! "$OUT/plain/$name.o" -nt "$CORPUS/cflags" ] ||
	   [ ! "$OUT/plain/$name.o" -nt "$CORPUS/file-cflags" ] ||
	   [ ! "$OUT/plain/$name.o" -nt "$CLANG_PLAIN_BIN" ] ||
	   [ ! "$OUT/plain/$name.o" -nt "$CORPUS/include/vmlinux.h" ]; then
		if "$CLANG_PLAIN" "${cflags[@]}" ${extra[@]+"${extra[@]}"} -c "$src" \
			-o "$OUT/plain/$name.o" >"$OUT/log/$name.plain" 2>&1; then
			echo "plain ok" >>"$res"
		else
			rm -f "$OUT/plain/$name.o"
			echo "plain fail $(first_error "$OUT/log/$name.plain")" >>"$res"
		fi
	else
		echo "plain ok reused" >>"$res"
	fi
	[ "$MODE" = plain ] && return 0

	rm -f "$OUT/flag/$name.o"
	if [ ! -x "$BIN/clang" ]; then
		echo "flag fail not built: $BIN/clang (the driver shim)" >>"$res"
	elif "$BIN/clang" -fbpf-cancellable "${cflags[@]}" ${extra[@]+"${extra[@]}"} -c "$src" \
		-o "$OUT/flag/$name.o" >"$OUT/log/$name.flag" 2>&1; then
		echo "flag ok" >>"$res"
		# A twin the plugin had to drop (-Wbpf-cancel) is a failure.
		w=$(grep -m1 -- '-Wbpf-cancel' "$OUT/log/$name.flag" || true)
		[ -z "$w" ] || echo "twins fail dropped: ${w##*/progs/}" >>"$res"
	else
		echo "flag fail $(first_error "$OUT/log/$name.flag")" >>"$res"
	fi

	if [ ! -x "$BIN/bpfcancel" ]; then
		echo "check fail not built: $BIN/bpfcancel" >>"$res"
		echo "cmp fail not built: $BIN/bpfcancel" >>"$res"
		return 0
	fi
	if [ ! -f "$OUT/flag/$name.o" ]; then
		echo "check fail no flagged object" >>"$res"
	elif "$BIN/bpfcancel" check "$OUT/flag/$name.o" >"$OUT/log/$name.check" 2>&1; then
		echo "check ok" >>"$res"
	else
		echo "check fail $(first_error "$OUT/log/$name.check")" >>"$res"
	fi
	if [ ! -f "$OUT/flag/$name.o" ] || [ ! -f "$OUT/plain/$name.o" ]; then
		echo "cmp fail no object to compare" >>"$res"
	elif "$BIN/bpfcancel" cmp-hot "$OUT/plain/$name.o" "$OUT/flag/$name.o" \
		>"$OUT/log/$name.cmp" 2>&1; then
		echo "cmp ok" >>"$res"
	else
		echo "cmp fail $(first_error "$OUT/log/$name.cmp")" >>"$res"
	fi
}

if [ "${1:-}" = "--worker" ]; then
	shift
	for n in "$@"; do worker "$n"; done
	exit 0
fi

# ---------------------------------------------------------------------------
JOBS=2
MODE=all
FILTER=
FRESH=0
while [ $# -gt 0 ]; do
	case $1 in
	--jobs) JOBS=$2; shift 2 ;;
	--jobs=*) JOBS=${1#--jobs=}; shift ;;
	-j*) JOBS=${1#-j}; shift ;;
	--flag-only) MODE=flag; shift ;;
	--plain-only) MODE=plain; shift ;;
	--fresh) FRESH=1; shift ;;
	-h|--help) sed -n '3,34s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
	*) FILTER=$1; shift ;;
	esac
done
CLANG_PLAIN_BIN=$(readlink -f "$(command -v "$CLANG_PLAIN")")
export MODE FRESH CLANG_PLAIN_BIN
case $JOBS in ''|*[!0-9]*|0) echo "run.sh: --jobs needs a positive number" >&2; exit 2 ;; esac

[ -f "$CORPUS/cflags" ] && [ -f "$CORPUS/include/vmlinux.h" ] ||
	{ echo "run.sh: corpus not prepared: run test/corpus/prepare.sh" >&2; exit 2; }
command -v "$CLANG_PLAIN" >/dev/null || { echo "run.sh: $CLANG_PLAIN not found" >&2; exit 2; }

# The file list, sorted, filtered.
mapfile -t ALL < <(cd "$SELFTESTS/progs" && ls -1 -- *.c | sed 's/\.c$//' | LC_ALL=C sort)
NAMES=()
for n in "${ALL[@]}"; do
	if [ -z "$FILTER" ]; then
		NAMES+=("$n")
	elif [[ $FILTER == *[*?[]* ]]; then
		# shellcheck disable=SC2053
		[[ $n == $FILTER ]] && NAMES+=("$n")
	elif [[ $n == *"$FILTER"* ]]; then
		NAMES+=("$n")
	fi
done
TOTAL=${#NAMES[@]}
[ "$TOTAL" -gt 0 ] || { echo "run.sh: no file matches '$FILTER'" >&2; exit 2; }

mkdir -p "$OUT/plain" "$OUT/flag" "$OUT/log" "$OUT/res"
# Two runs over one output directory would delete and overwrite each
# other's objects and results: the second waits for the first.
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	echo "corpus: another run.sh is using $OUT: waiting for it"
	flock 9
fi
for n in "${NAMES[@]}"; do rm -f "$OUT/res/$n"; done

# Refusals: "progs/NAME.c  reason" lines.
declare -A REFUSED=()
if [ -f "$REFUSALS" ]; then
	while read -r f reason; do
		case $f in ''|'#'*) continue ;; esac
		f=${f#progs/}
		REFUSED[${f%.c}]=$reason
	done <"$REFUSALS"
fi

echo "corpus: $TOTAL of ${#ALL[@]} files of $SELFTESTS/progs${FILTER:+ matching '$FILTER'}, mode $MODE, $JOBS jobs"
[ -x "$BIN/clang" ] || echo "corpus: NOTE: $BIN/clang (driver shim) not built: every flagged step fails"
[ "$MODE" = plain ] || [ -x "$BIN/bpfcancel" ] ||
	echo "corpus: NOTE: $BIN/bpfcancel not built: every check and cmp-hot step fails"

start=$(date +%s.%N)
# Files go to the workers 4 at a time: fewer bash start-ups, still balanced.
printf '%s\n' "${NAMES[@]}" | xargs -P "$JOBS" -n 4 "$0" --worker
end=$(date +%s.%N)

# ---------------------------------------------------------------------------
# Tally.
plain_ok=0 plain_reused=0 flag_ok=0 check_ok=0 cmp_ok=0 passed=0 failed=0 refused=0
FAILS=() REFS=() UNNEEDED=()
declare -A GLOBAL=()
for n in "${NAMES[@]}"; do
	res=$OUT/res/$n
	reasons=()
	if [ ! -s "$res" ]; then
		reasons=("worker produced no result")
	else
		while read -r step status why; do
			if [ "$status" = ok ]; then
				case $step in
				plain) plain_ok=$((plain_ok + 1))
				       [ "$why" = reused ] && plain_reused=$((plain_reused + 1)) ;;
				flag) flag_ok=$((flag_ok + 1)) ;;
				check) check_ok=$((check_ok + 1)) ;;
				cmp) cmp_ok=$((cmp_ok + 1)) ;;
				esac
			else
				[ "$MODE" = flag ] && [ "$step" = plain ] && continue
				reasons+=("$step: $why")
			fi
		done <"$res"
	fi
	if [ ${#reasons[@]} -eq 0 ]; then
		passed=$((passed + 1))
		[ -n "${REFUSED[$n]:-}" ] && UNNEEDED+=("progs/$n.c")
	elif [ -n "${REFUSED[$n]:-}" ]; then
		refused=$((refused + 1))
		REFS+=("progs/$n.c: ${REFUSED[$n]}  [${reasons[0]}]")
	else
		failed=$((failed + 1))
		# A tool that is not built fails every file alike: summarise it once.
		if [[ ${reasons[*]} == *"not built:"* ]]; then
			for r in "${reasons[@]}"; do
				[[ $r == *"not built:"* ]] && GLOBAL[$r]=$(( ${GLOBAL[$r]:-0} + 1 ))
			done
			rest=()
			for r in "${reasons[@]}"; do
				[[ $r == *"not built:"* ]] || [[ $r == *"no flagged object"* ]] ||
				[[ $r == *"no object to compare"* ]] || rest+=("$r")
			done
			[ ${#rest[@]} -gt 0 ] && FAILS+=("progs/$n.c: ${rest[*]}")
		else
			FAILS+=("progs/$n.c: $(IFS='|'; echo "${reasons[*]}" | sed 's/|/; /g')")
		fi
	fi
done

if [ ${#FAILS[@]} -gt 0 ] || [ ${#GLOBAL[@]} -gt 0 ]; then
	echo "FAILURES:"
	for r in "${!GLOBAL[@]}"; do
		echo "  ${GLOBAL[$r]} files: $r"
	done
	for f in ${FAILS[@]+"${FAILS[@]}"}; do echo "  $f"; done
fi
if [ ${#REFS[@]} -gt 0 ]; then
	echo "REFUSED (test/corpus/REFUSALS):"
	for f in "${REFS[@]}"; do echo "  $f"; done
fi
if [ ${#UNNEEDED[@]} -gt 0 ]; then
	echo "NOTE: listed in REFUSALS but passing now (remove them): ${UNNEEDED[*]}"
fi

wall=$(awk -v s="$start" -v e="$end" 'BEGIN { printf "%.1f", e - s }')
echo "logs: $OUT/log/NAME.{plain,flag,check,cmp}"
[ "$MODE" = flag ] || printf 'plain compiled   %d/%d%s\n' "$plain_ok" "$TOTAL" \
	"$([ "$plain_reused" -eq 0 ] || echo " ($plain_reused up-to-date objects reused; --fresh recompiles)")"
if [ "$MODE" != plain ]; then
	printf 'flag compiled    %d/%d\n' "$flag_ok" "$TOTAL"
	printf 'check passed     %d/%d\n' "$check_ok" "$TOTAL"
	printf 'hot identical    %d/%d\n' "$cmp_ok" "$TOTAL"
fi
printf 'refused          %d\n' "$refused"
printf 'wall time        %ss (%d jobs)\n' "$wall" "$JOBS"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
