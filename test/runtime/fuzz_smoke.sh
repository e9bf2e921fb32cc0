#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# fuzz_smoke.sh FUZZER TEST_OBJ CORPUS_DIR SECONDS POLICY [EXTRA_SEED...]
# Seeds the corpus with the test model objects (written now, not
# committed), the built-in policy and any extra objects, then runs the
# libFuzzer target for a bounded time. A crash or sanitizer report fails.
set -u
FUZZ=$1; TEST_OBJ=$2; CORPUS=$3; SECS=$4; POLICY=$5
shift 5
SEEDS="$CORPUS.seeds"
rm -rf "$SEEDS"
mkdir -p "$CORPUS" "$SEEDS"
"$TEST_OBJ" --write-seeds "$SEEDS" || { echo "0 passed, 1 failed"; exit 1; }
cp "$POLICY" "$SEEDS/policy.txt"
for f in "$@"; do cp "$f" "$SEEDS/"; done
if "$FUZZ" -max_total_time="$SECS" -timeout=10 -rss_limit_mb=1024 \
	-max_len=65536 -print_final_stats=1 "$CORPUS" "$SEEDS" \
	>"$CORPUS.log" 2>&1; then
	grep -E "^stat::number_of_executed_units|^#[0-9]+.*DONE" "$CORPUS.log" | tail -2
	echo "1 passed, 0 failed"
else
	tail -40 "$CORPUS.log"
	echo "0 passed, 1 failed"
	exit 1
fi
