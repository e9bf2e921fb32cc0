#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0 WITH LLVM-exception
#
# compile-bench.sh - what -fbpf-cancellable costs and produces on the kernel's
# selftests corpus (test/corpus/prepare.sh must have run):
#
#   compile time   the same files, the same flags, the same parallelism,
#                  once with clang-22 and once with build/bin/clang
#                  -fbpf-cancellable; wall time and CPU time (user+sys of
#                  every compiler process). The machine is shared, so the
#                  ratio is taken on CPU time, which other load disturbs
#                  far less than wall time. Target: ratio <= 1.5.
#   code size      cold bytes / hot bytes, summed over all functions of all
#                  objects ("bpfcancel stats --json"): twins only where needed
#   sites          substitution sites by kind, summed
#   uncut loops    loops of twins that no site cuts short, summed
#
# Usage: test/bench/compile-bench.sh [--jobs N] [--rounds N] [FILTER]
#   FILTER    glob or substring of the progs/*.c base names (default: all)
#   --rounds  repeat both builds N times, alternating, and keep the fastest
#             of each (default 1)
# Output: a plain-text table on stdout. Objects: $BUILD/bench/compile/.
set -euo pipefail

TOP=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=${BUILD:-$TOP/build}
case $BUILD in /*) ;; *) BUILD=$TOP/$BUILD ;; esac
CORPUS=$BUILD/corpus
SELFTESTS=$BUILD/linux-src/tools/testing/selftests/bpf
OUT=$BUILD/bench/compile
BIN=${BPFCANCEL_BIN:-$BUILD/bin}
CLANG_PLAIN=${CLANG:-clang-22}
export CORPUS SELFTESTS OUT BIN CLANG_PLAIN

# Worker: compile the named files in one mode. Identical for both modes
# apart from the compiler, so the harness overhead cancels out.
if [ "${1:-}" = "--worker" ]; then
	mode=$2
	shift 2
	mapfile -t cflags <"$CORPUS/cflags"
	cd "$SELFTESTS"
	for name in "$@"; do
		# shellcheck disable=SC2207
		extra=($(awk -v n="$name" '$1 == n { $1 = ""; print }' "$CORPUS/file-cflags"))
		if [ "$mode" = plain ]; then
			cc=("$CLANG_PLAIN")
		else
			cc=("$BIN/clang" -fbpf-cancellable)
		fi
		"${cc[@]}" "${cflags[@]}" ${extra[@]+"${extra[@]}"} -c "progs/$name.c" \
			-o "$OUT/$mode/$name.o" 2>"$OUT/$mode/$name.log" ||
			echo "$name" >>"$OUT/$mode.failed"
	done
	exit 0
fi

JOBS=2
ROUNDS=1
FILTER=
while [ $# -gt 0 ]; do
	case $1 in
	--jobs) JOBS=$2; shift 2 ;;
	--rounds) ROUNDS=$2; shift 2 ;;
	-h|--help) sed -n '3,25s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) echo "compile-bench: unknown option $1" >&2; exit 2 ;;
	*) FILTER=$1; shift ;;
	esac
done

die() { echo "compile-bench: error: $*" >&2; exit 2; }
[ -f "$CORPUS/cflags" ] || die "corpus not prepared: run test/corpus/prepare.sh"
[ -x "$BIN/clang" ] || die "$BIN/clang (driver shim) not built"
[ -x "$BIN/bpfcancel" ] || die "$BIN/bpfcancel not built"

mapfile -t ALL < <(cd "$SELFTESTS/progs" && ls -1 -- *.c | sed 's/\.c$//' | LC_ALL=C sort)
NAMES=()
for n in "${ALL[@]}"; do
	if [ -z "$FILTER" ]; then NAMES+=("$n")
	elif [[ $FILTER == *[*?[]* ]]; then [[ $n == $FILTER ]] && NAMES+=("$n")
	elif [[ $n == *"$FILTER"* ]]; then NAMES+=("$n")
	fi
done
[ ${#NAMES[@]} -gt 0 ] || die "no file matches '$FILTER'"

# Two benchmarks at once would delete each other's objects and disturb each
# other's timings: the second waits for the first.
mkdir -p "$OUT"
exec 9>"$OUT/.lock"
if ! flock -n 9; then
	echo "compile-bench: another compile-bench.sh is running: waiting for it" >&2
	flock 9
fi

# build MODE -> "wall cpu" in seconds; bash's `time` covers every process
# the pipeline waited for (xargs waits for its compilers).
build() {
	local mode=$1 t
	rm -rf "${OUT:?}/$mode" "$OUT/$mode.failed"
	mkdir -p "$OUT/$mode"
	t=$( { TIMEFORMAT='%R %U %S'; time printf '%s\n' "${NAMES[@]}" |
		xargs -P "$JOBS" -n 8 "$0" --worker "$mode" >/dev/null; } 2>&1 )
	awk '{ printf "%.2f %.2f\n", $1, $2 + $3 }' <<<"$t"
}

best_plain="" best_flag=""
for ((r = 1; r <= ROUNDS; r++)); do
	echo "compile-bench: round $r/$ROUNDS: ${#NAMES[@]} files, $JOBS jobs" >&2
	p=$(build plain)
	f=$(build flag)
	best_plain=$(printf '%s\n%s\n' "$p" "$best_plain" | awk 'NF' | sort -k2 -n | head -n1)
	best_flag=$(printf '%s\n%s\n' "$f" "$best_flag" | awk 'NF' | sort -k2 -n | head -n1)
done

nfail_plain=$( [ -f "$OUT/plain.failed" ] && wc -l <"$OUT/plain.failed" || echo 0)
nfail_flag=$( [ -f "$OUT/flag.failed" ] && wc -l <"$OUT/flag.failed" || echo 0)

# Sum "bpfcancel stats --json" over every flagged object.
: >"$OUT/stats.jsonl"
: >"$OUT/stats.err"
for n in "${NAMES[@]}"; do
	[ -f "$OUT/flag/$n.o" ] || continue
	if ! "$BIN/bpfcancel" stats "$OUT/flag/$n.o" --json >>"$OUT/stats.jsonl" 2>>"$OUT/stats.err"; then
		echo "{\"object\": \"$n\", \"error\": true}" >>"$OUT/stats.jsonl"
	fi
	echo >>"$OUT/stats.jsonl"
done

python3 - "$OUT/stats.jsonl" "${#NAMES[@]}" "$JOBS" "$nfail_plain" "$nfail_flag" \
	$best_plain $best_flag <<'EOF'
import json, sys
path, nfiles, jobs, fp, ff = sys.argv[1:6]
pw, pc, fw, fc = map(float, sys.argv[6:10])
tot = {"functions": 0, "twins": 0, "hot_bytes": 0, "cold_bytes": 0,
       "sites": 0, "uncut_loops": 0}
kinds, objs, errs, with_twin = {}, 0, 0, 0
for line in open(path):
    line = line.strip()
    if not line:
        continue
    d = json.loads(line)
    if d.get("error"):
        errs += 1
        continue
    objs += 1
    for k in tot:
        tot[k] += int(d.get(k, 0))
    for k, v in d.get("sites_by_kind", {}).items():
        kinds[k] = kinds.get(k, 0) + int(v)
    if int(d.get("twins", 0)):
        with_twin += 1

def row(label, value):
    print("%-38s %s" % (label, value))

print("bpfcancel compile benchmark: linux-6.12 selftests progs/*.c")
row("files", "%s (plain failed %s, flagged failed %s), %s jobs" % (nfiles, fp, ff, jobs))
print()
print("%-38s %10s %10s %8s" % ("compile time", "plain", "flagged", "ratio"))
print("%-38s %9.1fs %9.1fs %8.2f" % ("  wall", pw, fw, fw / pw if pw else 0))
print("%-38s %9.1fs %9.1fs %8.2f" % ("  cpu (user+sys, all processes)", pc, fc, fc / pc if pc else 0))
row("  target", "cpu ratio <= 1.50: %s" % ("met" if pc and fc / pc <= 1.5 else "NOT met"))
print()
row("objects measured", "%d (%d with a twin; stats errors: %d)" % (objs, with_twin, errs))
row("functions / with a twin", "%d / %d" % (tot["functions"], tot["twins"]))
row("hot bytes (all functions)", tot["hot_bytes"])
row("cold bytes (all twins)", tot["cold_bytes"])
row("cold / hot", "%.4f" % (tot["cold_bytes"] / tot["hot_bytes"] if tot["hot_bytes"] else 0))
print()
row("sites", tot["sites"])
for k in sorted(kinds):
    row("  " + k, kinds[k])
row("loops cancellation cannot cut short", tot["uncut_loops"])
EOF
