#!/bin/sh
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# tool_test.sh BPFCANCEL TEST_OBJ [CLANG_OBJ] - end-to-end tests of the
# bpfcancel tool on objects written by the test model (test_obj
# --write-seeds) and, if given, a real clang-22 object.
set -u
BIN=$1
TEST_OBJ=$2
CLANG_OBJ=${3:-}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect RC NEEDLE(in stdout+stderr, may be empty) -- command...
expect() {
	want_rc=$1; needle=$2; shift 2
	"$@" >"$T/out" 2>&1
	rc=$?
	if [ "$rc" != "$want_rc" ]; then
		bad "$* -> exit $rc, expected $want_rc"; sed 's/^/  | /' "$T/out" >&2
		return
	fi
	if [ -n "$needle" ] && ! grep -qF -- "$needle" "$T/out"; then
		bad "$* -> output lacks '$needle'"; sed 's/^/  | /' "$T/out" >&2
		return
	fi
	ok
}

json_ok() {
	if "$@" >"$T/json" 2>"$T/err" && python3 -m json.tool "$T/json" >/dev/null; then
		ok
	else
		bad "$* -> invalid JSON"; sed 's/^/  | /' "$T/json" "$T/err" >&2
	fi
}

"$TEST_OBJ" --write-seeds "$T" || { echo "cannot write objects"; exit 1; }
V="$T/model-0.o"
V2="$T/model-2.o"
BAD="$T/model-3.o"

expect 0 "bpfcancel 0.1.0" "$BIN" --version
expect 0 "Usage: bpfcancel" "$BIN" --help
expect 2 "missing command" "$BIN"
expect 2 "unknown command 'frob'" "$BIN" frob "$V"
expect 2 "'check' takes exactly one OBJ" "$BIN" check
expect 2 "'cmp-hot' takes PLAIN and FLAGGED" "$BIN" cmp-hot "$V"
expect 2 "unknown option '--bogus'" "$BIN" check "$V" --bogus
expect 2 "--policy needs a FILE" "$BIN" check "$V" --policy
expect 2 "--json does not apply to 'check'" "$BIN" check "$V" --json
expect 2 "No such file" "$BIN" check "$T/missing.o"

expect 0 "ok (1 cancellable function)" "$BIN" check "$V"
expect 0 "ok (2 cancellable functions)" "$BIN" check "$V2"
expect 1 "function 'prog', insn 3: twin 'prog.bpfcancel.cold': twin differs from hot at a non-site instruction" "$BIN" check "$BAD"
expect 1 "1 problem" "$BIN" check "$BAD"
head -c 200 "$V" >"$T/trunc.o"
expect 1 "truncated ELF" "$BIN" check "$T/trunc.o"
printf 'bpfcancel-policy 1\nkernel test\nhelper 1 map_lookup_elem callback 0\n' >"$T/p.policy"
expect 1 "the policy makes 'map_lookup_elem' a callback site with fast value 0" "$BIN" check "$V" --policy "$T/p.policy"
printf 'bpfcancel-policy 1\nkernel test\nhelper 1 map_lookup_elem ret-null 7\n' >"$T/nn.policy"
expect 2 "nn.policy:3: ret-null takes fast value 0, not 7" "$BIN" check "$V" --policy "$T/nn.policy"
expect 0 "ok (2 cancellable functions)" "$BIN" check "$V2" --strict-twin-calls
expect 2 "--strict-twin-calls does not apply to 'dump'" "$BIN" dump "$V" --strict-twin-calls
printf 'bpfcancel-policy 1\nkernel test\nhelper 1 map_lookup_elem maybe 0\n' >"$T/bad.policy"
expect 2 "bad.policy:3: unknown helper kind 'maybe'" "$BIN" check "$V" --policy="$T/bad.policy"

expect 0 "prog (section tp/x, 21 insns, global) -> twin prog.bpfcancel.cold (section .text), 4 sites, 0 loops not cut short" "$BIN" dump "$V"
expect 0 "insn 5     ret-null  map_lookup_elem          -> r0 = 0  model.c:15:5" "$BIN" dump "$V"
expect 0 "insn 9     iter-next bpf_iter_num_next        -> r0 = 0  model.c:17:9" "$BIN" dump "$V"
expect 0 "insn 11    may-goto  -                        -> goto +7" "$BIN" dump "$V"
expect 0 "insn 17    tail-call tail_call                -> goto +0" "$BIN" dump "$V"
expect 0 "sub (section .text, 3 insns, static) -> twin sub.bpfcancel.cold" "$BIN" dump "$V2"
json_ok "$BIN" dump "$V" --json
json_ok "$BIN" dump "$V2" --json
json_ok "$BIN" stats "$V" --json
if python3 - "$BIN" "$V" <<'PY'
import json, subprocess, sys
d = json.loads(subprocess.check_output([sys.argv[1], "dump", sys.argv[2], "--json"]))
f = [x for x in d["functions"] if x["name"] == "prog"][0]
assert f["twin"] == "prog.bpfcancel.cold", f
s = f["sites"]
assert [x["insn"] for x in s] == [5, 9, 11, 17], s
assert s[0]["kind"] == "ret-null" and s[0]["becomes"] == "r0 = 0", s[0]
assert s[0]["file"] == "model.c" and s[0]["line"] == 15, s[0]
st = json.loads(subprocess.check_output([sys.argv[1], "stats", sys.argv[2], "--json"]))
assert st["hot_bytes"] == 8 * (21 + 3), st
assert st["cold_bytes"] == 8 * 21, st
assert st["sites"] == 4 and st["sites_by_kind"]["may-goto"] == 1, st
assert st["uncut_loops"] == 0, st
PY
then ok; else bad "JSON contents of dump/stats"; fi
expect 0 "cold/hot ratio:  0.8750" "$BIN" stats "$V"
expect 0 "loops not cut short: 0" "$BIN" stats "$V"

U="$T/model-4.o"
expect 0 "ok (1 cancellable function)" "$BIN" check "$U"
expect 0 "2 sites, 1 loop not cut short" "$BIN" dump "$U"
expect 0 "loop (header 7, back edge 18) cannot be cut short  model.c:15:5" "$BIN" dump "$U"
expect 0 "loops not cut short: 1" "$BIN" stats "$U"
if python3 - "$BIN" "$U" <<'PY'
import json, subprocess, sys
d = json.loads(subprocess.check_output([sys.argv[1], "dump", sys.argv[2], "--json"]))
f = [x for x in d["functions"] if x["name"] == "prog"][0]
assert f["uncut"] == [{"header": 7, "back_edge": 18, "file": "model.c", "line": 15}], f
PY
then ok; else bad "JSON uncut loops"; fi

expect 0 "is identical" "$BIN" cmp-hot "$V" "$V"
expect 1 "missing from the flagged build" "$BIN" cmp-hot "$V2" "$V"

if [ -n "$CLANG_OBJ" ]; then
	expect 0 "ok (0 cancellable functions)" "$BIN" check "$CLANG_OBJ"
	expect 0 "prog (section tp/x" "$BIN" dump "$CLANG_OBJ"
	json_ok "$BIN" dump "$CLANG_OBJ" --json
	expect 1 "missing from the flagged build" "$BIN" cmp-hot "$CLANG_OBJ" "$V"
fi

echo "$pass passed, $fail failed"
[ "$fail" = 0 ]
