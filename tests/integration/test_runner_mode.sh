#!/usr/bin/env bash
# `walleye test -s -i -o` behaves like ksqlDB's ksql-test-runner: pass, and a clear
# failure (exit 1) when an expected record differs.
set -euo pipefail
WALLEYE=${1:?usage: test_runner_mode.sh PATH_TO_WALLEYE}
root=$(cd "$(dirname "$0")/../.." && pwd)
d=$root/tests/qtt/test-runner/filter
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }
out=$("$WALLEYE" test -s "$d/statements.sql" -i "$d/input.json" -o "$d/output.json") || fail "exit $?: $out"
[[ "$out" == *">>> Test passed!"* ]] || fail "no pass line: $out"
# change one expected value: the run must fail and say which record differs
jq '.outputs[0].value |= (if type == "object" then with_entries(.value = "changed") else "changed" end)' \
  "$d/output.json" >"$tmp/output.json"
if "$WALLEYE" test -s "$d/statements.sql" -i "$d/input.json" -o "$tmp/output.json" >"$tmp/out" 2>"$tmp/err"; then
  fail "a wrong expectation passed"
fi
grep -q "Test failed" "$tmp/err" || fail "no failure line: $(cat "$tmp/err")"
# INSERT VALUES in the statements file feed a stream-table join in the order written
j=$root/tests/qtt/test-runner/insert-join
out=$("$WALLEYE" test -s "$j/statements.sql" -o "$j/output.json") || fail "insert-join: $out"
[[ "$out" == *">>> Test passed!"* ]] || fail "insert-join: no pass line: $out"
echo "ok: ksql-test-runner mode"
